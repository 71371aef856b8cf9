import Foundation
import XCTest
@testable import MigFSM

/// Every `--json` output validates against its schema in `schemas/`, and
/// the validator itself rejects what each keyword forbids.
final class JSONSchemaTests: XCTestCase {
    let spec = Repository.path("Specs/vfio-v2.fsm")

    func testTableJSON() {
        let result = runCLI("table", spec, "--json")
        XCTAssertEqual(result.status, .success)
        assertValid(result.out, schema: "table.schema.json")
        assertValid(vfioGenerated.contents("vfio-v2.json"), schema: "table.schema.json")
        assertValid(runCLI("table", spec, "--json", "--features", "STOP_COPY").out, schema: "table.schema.json")
    }

    func testDiffJSON() {
        for proposal in ["stop-copy-to-pre-copy", "literal-group-rule"] {
            let result = runCLI("diff", spec, Repository.path("Specs/proposals/\(proposal).fsm"), "--json")
            XCTAssertEqual(result.status, .failure, "the proposal changes behaviour")
            XCTAssert(result.out.hasPrefix("{\n  \"formatVersion\": 1,\n"), result.out)
            assertValid(result.out, schema: "diff.schema.json")
        }
        let same = runCLI("diff", spec, spec, "--json")
        XCTAssertEqual(same.status, .success)
        assertValid(same.out, schema: "diff.schema.json")
    }

    func testCheckJSON() throws {
        let result = runCLI("check", spec, "--json")
        XCTAssertEqual(result.status, .success)
        assertValid(result.out, schema: "check.schema.json")
        let document = try JSONNode.parse(result.out)
        XCTAssertEqual(document["formatVersion"], .number(1, integer: true))
        XCTAssertEqual(document["allHold"], .bool(true))
        XCTAssertEqual(runCLI("check", spec, "--format", "json").out, result.out)
        // A failing spec: its counterexamples and the invariant's location.
        let folder = try EmitScratchFolder("check-json")
        defer { folder.remove() }
        try folder.write("broken.fsm", TinySpecs.unproven)
        let broken = runCLI("check", folder.file("broken.fsm"), "--json")
        XCTAssertEqual(broken.status, .failure)
        assertValid(broken.out, schema: "check.schema.json")
        XCTAssert(broken.out.contains("\"location\": {\n        \"file\": \"\(folder.file("broken.fsm"))\",\n        \"line\": 9,"), broken.out)
    }

    /// explore on one device (the default driver, every shipped driver)
    /// and on several (a free user, every shipped policy, a VM QEMU
    /// refuses).
    func testExploreJSON() throws {
        for driver in [nil, "Specs/drivers/reference.driver", "Specs/drivers/nvme-rfc.driver"] {
            let result = runCLI(["explore", spec, "--json"] + (driver.map { ["--driver", Repository.path($0)] } ?? []))
            XCTAssertNotEqual(result.status, .usage, result.err)
            assertValid(result.out, schema: "explore.schema.json")
            XCTAssertEqual(runCLI(["explore", spec, "--format", "json"] + (driver.map { ["--driver", Repository.path($0)] } ?? [])).out,
                           result.out)
        }
        let nvme = try JSONNode.parse(runCLI("explore", spec, "--driver", Repository.path("Specs/drivers/nvme-rfc.driver"), "--json").out)
        guard case .array(let findings)? = nvme["findings"] else { return XCTFail("no findings") }
        XCTAssertEqual(findings.map { $0["kind"] }, [.string("hardware-matches-recorded")])
        XCTAssertEqual(findings.first?["line"], .number(51, integer: true))
        let policies = ["naive-stop", "qemu-source", "qemu-destination"].map { Repository.path("Specs/policies/\($0).policy") }
        for arguments in [["--devices", "2"]] + policies.map({ ["--devices", "2", "--policy", $0] })
            + [["--devices", "2", "--policy", policies[1], "--features", "1:STOP_COPY", "--features", "2:STOP_COPY"],
               ["--devices", "3", "--max-states", "100"]] {
            let result = runCLI(["explore", spec, "--json"] + arguments)
            XCTAssertNotEqual(result.status, .usage, result.err)
            assertValid(result.out, schema: "explore-devices.schema.json")
        }
        let refused = try JSONNode.parse(runCLI("explore", spec, "--json", "--devices", "2", "--policy", policies[1],
                                                "--features", "1:STOP_COPY", "--features", "2:STOP_COPY").out)
        XCTAssertEqual(refused["refused"]?["devices"], .array([.number(1, integer: true), .number(2, integer: true)]))
        XCTAssertEqual(refused["violations"], .number(0, integer: true))
    }

    /// import-c on the fixtures (a lookup as written, tables only, a 5-state
    /// file) and on the real 6.12 vfio_main.c.
    func testImportCJSON() throws {
        let files = ["vfio-main-8-state.c", "vfio-main-no-skip-loop.c", "vfio-5-state.c"]
            .map { Repository.path("Tests/Fixtures/import/" + $0) } + [Repository.path("Generated/C/vfio_mig_fsm.h")]
        for file in files {
            let result = runCLI("import-c", file, "--spec", spec, "--json")
            XCTAssertNotEqual(result.status, .usage, result.err)
            XCTAssert(result.out.hasPrefix("{\n  \"formatVersion\": 1,\n"), result.out)
            assertValid(result.out, schema: "import-c.schema.json")
        }
        let kernel = runCLI("import-c", try KernelTree.path("drivers/vfio/vfio_main.c"), "--spec", spec, "--json")
        XCTAssertEqual(kernel.status, .success, kernel.out)
        assertValid(kernel.out, schema: "import-c.schema.json")
    }

    /// audit-driver on every driver fixture and on every upstream 6.12
    /// migration driver folder together.
    func testAuditDriverJSON() throws {
        let root = Repository.path("Tests/Fixtures/import/drivers")
        let folders = try FileManager.default.contentsOfDirectory(atPath: root).sorted().map { root + "/" + $0 }
        let fixtures = runCLI(["audit-driver"] + folders + ["--spec", spec, "--json"])
        XCTAssertEqual(fixtures.status, .failure, fixtures.err)
        assertValid(fixtures.out, schema: "audit-driver.schema.json")
        let read = try JSONNode.parse(fixtures.out)
        if case .array(let drivers)? = read["drivers"] {
            XCTAssertEqual(drivers.count, folders.count, "every fixture folder is one driver")
        } else {
            XCTFail(fixtures.out)
        }
        let upstream = try ["drivers/vfio/pci/mlx5", "drivers/vfio/pci/hisilicon", "drivers/vfio/pci/pds",
                            "drivers/vfio/pci/qat", "samples/vfio-mdev"].map(KernelTree.path)
        let kernel = runCLI(["audit-driver"] + upstream + ["--spec", spec, "--json"])
        XCTAssertEqual(kernel.status, .failure, "qat drops a result")
        assertValid(kernel.out, schema: "audit-driver.schema.json")
        let document = try JSONNode.parse(kernel.out)
        XCTAssertEqual(document["formatVersion"], .number(1, integer: true))
        XCTAssertEqual(document["passes"], .bool(false))
    }

    func testOutputFormatUsage() {
        XCTAssertEqual(runCLI("check", spec, "--json", "--format", "sarif").status, .usage)
        XCTAssertEqual(runCLI("check", spec, "--format", "xml").status, .usage)
    }

    // MARK: - The validator

    func errors(_ instance: String, _ schema: String) throws -> [String] {
        JSONSchemaValidator(root: try JSONNode.parse(schema)).errors(try JSONNode.parse(instance))
    }

    func testValidatorKeywords() throws {
        let schema = """
            {
              "type": "object", "additionalProperties": false, "required": ["a", "b"],
              "properties": {
                "a": { "type": "integer", "minimum": 1, "maximum": 3 },
                "b": { "type": "array", "items": { "$ref": "#/$defs/name" }, "minItems": 1, "maxItems": 2, "uniqueItems": true },
                "c": { "enum": ["x", null] },
                "d": { "const": 1 },
                "e": { "anyOf": [{ "type": "string" }, { "type": "null" }] },
                "f": { "oneOf": [{ "type": "integer" }, { "type": "number" }] },
                "g": { "type": "object", "additionalProperties": { "type": "boolean" } },
                "h": { "allOf": [{ "type": "string" }, { "minLength": 2 }] }
              },
              "$defs": { "name": { "type": "string", "pattern": "^[A-Z]+$" } }
            }
            """
        XCTAssertEqual(try errors(#"{"a": 2, "b": ["X"], "c": null, "d": 1, "e": "s", "f": 1.5, "g": {"k": true}, "h": "ab"}"#, schema), [])
        XCTAssertEqual(try errors(#"{"a": 2.0, "b": ["X"]}"#, schema), [], "2.0 is an integer")
        let cases: [(String, String)] = [
            (#"{"b": ["X"]}"#, ": misses required a"),
            (#"{"a": 0, "b": ["X"]}"#, "/a: 0.0 is below 1.0"),
            (#"{"a": 4, "b": ["X"]}"#, "/a: 4.0 is above 3.0"),
            (#"{"a": 1.5, "b": ["X"]}"#, "/a: is number, not integer"),
            (#"{"a": "1", "b": ["X"]}"#, "/a: is string, not integer"),
            (#"{"a": 1, "b": []}"#, "/b: fewer than 1 items"),
            (#"{"a": 1, "b": ["X", "Y", "Z"]}"#, "/b: more than 2 items"),
            (#"{"a": 1, "b": ["X", "X"]}"#, "/b/1: repeats an earlier item"),
            (#"{"a": 1, "b": ["x"]}"#, "/b/0: \"x\" does not match ^[A-Z]+$"),
            (#"{"a": 1, "b": ["X"], "z": 1}"#, ": has z, which the schema does not allow"),
            (#"{"a": 1, "b": ["X"], "c": "y"}"#, "/c: \"y\" is not one of the enum's values"),
            (#"{"a": 1, "b": ["X"], "d": 2}"#, "/d: is not the const 1"),
            (#"{"a": 1, "b": ["X"], "e": 1}"#, "/e: matches no branch of anyOf: /e: is integer, not string; /e: is integer, not null"),
            (#"{"a": 1, "b": ["X"], "f": 1}"#, "/f: matches 2 branches of oneOf, not exactly one"),
            (#"{"a": 1, "b": ["X"], "g": {"k": 1}}"#, "/g/k: is integer, not boolean"),
            (#"{"a": 1, "b": ["X"], "h": "a"}"#, "/h: shorter than 2"),
        ]
        for (instance, expected) in cases {
            let found = try errors(instance, schema)
            XCTAssertEqual(found.count, 1, "\(instance): \(found)")
            XCTAssertEqual(found.first, expected, instance)
        }
        // A keyword it does not know is an error, never skipped.
        XCTAssertEqual(try errors("1", #"{"multipleOf": 2}"#), [": the validator does not know the keyword multipleOf"])
        XCTAssertEqual(try errors("1", ##"{"$ref": "#/nowhere"}"##), [": unresolvable $ref \"#/nowhere\""])
        XCTAssertEqual(try errors("1", #"{"type": ["string", "null"]}"#), [": is integer, not string or null"])
    }

    func testParserRejectsWhatIsNotJSON() {
        for text in ["", "{", "[1,]", "{\"a\" 1}", "01x", "\"\\q\"", "{\"a\": 1, \"a\": 2}", "1 2", "tru"] {
            XCTAssertThrowsError(try JSONNode.parse(text), text)
        }
        XCTAssertEqual(try JSONNode.parse(#"{"a": [true, null, -1.5e1, "\u00e9\n"]}"#),
                       .object([("a", .array([.bool(true), .null, .number(-15, integer: true), .string("é\n")]))]))
    }
}
