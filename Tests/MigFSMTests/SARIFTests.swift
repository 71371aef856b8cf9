import Foundation
import XCTest
@testable import MigFSM

/// `--format sarif`: one result per finding with its rule, level, message
/// and a place relative to the working folder, valid under SARIF 2.1.0.
final class SARIFTests: XCTestCase {
    let spec = Repository.path("Specs/vfio-v2.fsm")

    func testRendererShape() throws {
        let findings = [
            Finding(kind: "dropped-result", severity: .error,
                    location: SourceLocation(file: "/repo/drivers/vfio/pci/x/main.c", line: 412, column: 3),
                    message: "the result is dropped", related: [.init(.init(file: "/repo/a b.c", line: 7, column: 1), "declared here")],
                    trace: ["RUNNING -> STOP", "fault"]),
            Finding(kind: "odd", severity: .warning, location: .file("/elsewhere/spec.fsm"), message: "whole file"),
            Finding(kind: "dropped-result", severity: .note, location: SourceLocation(file: "./rel.c", line: 2, column: 5), message: "n"),
        ]
        let rules = [FindingRule(id: "dropped-result", summary: "A result is dropped.", help: "Check it.")]
        let log = SARIFLog(findings: findings, rules: rules, workingDirectory: "/repo")
        let text = log.json.rendered()
        assertValid(text, schema: "sarif-2.1.0.schema.json")
        let document = try JSONNode.parse(text)
        guard case .array(let runs)? = document["runs"], let run = runs.first,
              case .array(let results)? = run["results"],
              case .array(let ruleList)? = run["tool"]?["driver"]?["rules"] else { return XCTFail(text) }
        XCTAssertEqual(document["version"], .string("2.1.0"))
        XCTAssertEqual(ruleList.map { $0["id"] }, [.string("dropped-result"), .string("odd")], "unknown kinds get a rule")
        XCTAssertEqual(results.count, 3)
        XCTAssertEqual(results.map { $0["ruleId"] }, [.string("dropped-result"), .string("odd"), .string("dropped-result")])
        XCTAssertEqual(results.map { $0["ruleIndex"] }, [.number(0, integer: true), .number(1, integer: true), .number(0, integer: true)])
        XCTAssertEqual(results.map { $0["level"] }, [.string("error"), .string("warning"), .string("note")])
        func place(_ result: JSONNode) -> [JSONNode?] {
            guard case .array(let locations)? = result["locations"], let physical = locations.first?["physicalLocation"] else { return [] }
            return [physical["artifactLocation"]?["uri"], physical["region"]?["startLine"], physical["region"]?["startColumn"]]
        }
        XCTAssertEqual(place(results[0]), [.string("drivers/vfio/pci/x/main.c"), .number(412, integer: true), .number(3, integer: true)])
        XCTAssertEqual(place(results[1]), [.string("file:///elsewhere/spec.fsm"), .number(1, integer: true), .number(1, integer: true)])
        XCTAssertEqual(place(results[2]), [.string("rel.c"), .number(2, integer: true), .number(5, integer: true)])
        guard case .array(let related)? = results[0]["relatedLocations"] else { return XCTFail(text) }
        XCTAssertEqual(related.first?["physicalLocation"]?["artifactLocation"]?["uri"], .string("a%20b.c"))
        XCTAssertEqual(related.first?["message"]?["text"], .string("declared here"))
        XCTAssertEqual(results[0]["properties"]?["trace"], .array([.string("RUNNING -> STOP"), .string("fault")]))
    }

    /// check: the notes of vfio-v2 (the unguarded loop's hangs, the group
    /// readings) are note results at the spec; the exit status is 0.
    func testCheckSARIF() throws {
        let result = runCLI("check", spec, "--format", "sarif")
        XCTAssertEqual(result.status, .success)
        assertValid(result.out, schema: "sarif-2.1.0.schema.json")
        let report = Checker.check(Repository.vfio)
        let document = try JSONNode.parse(result.out)
        guard case .array(let runs)? = document["runs"], case .array(let results)? = runs.first?["results"] else {
            return XCTFail(result.out)
        }
        XCTAssertEqual(results.count, report.findings.count)
        XCTAssertGreaterThan(results.count, 0)
        XCTAssert(results.allSatisfy { $0["level"] == .string("note") })
        XCTAssertEqual(Set(results.compactMap { result -> String? in
            if case .string(let id)? = result["ruleId"] { return id } else { return nil }
        }), ["unguarded-kernel-lookup", "group-readings"])
    }

    /// A failing invariant is an error at its line of the spec.
    func testFailingInvariantIsAnErrorAtItsLine() throws {
        let folder = try EmitScratchFolder("sarif-check")
        defer { folder.remove() }
        try folder.write("broken.fsm", TinySpecs.unproven)
        let model = try SpecReader.load(path: folder.file("broken.fsm"))
        let report = Checker.check(model)
        let errors = report.findings.filter { $0.severity == .error }
        XCTAssertEqual(errors.map(\.kind), ["invariant-path"])
        XCTAssertEqual(errors.first?.location, SourceLocation(file: folder.file("broken.fsm"), line: 9, column: 1))
        let text = SARIFLog(findings: report.findings, rules: FindingRule.checkRules, workingDirectory: folder.path).json.rendered()
        assertValid(text, schema: "sarif-2.1.0.schema.json")
        XCTAssert(text.contains("\"uri\": \"broken.fsm\""), text)
        XCTAssert(text.contains("\"startLine\": 9"), text)
        let cli = runCLI("check", folder.file("broken.fsm"), "--format", "sarif")
        XCTAssertEqual(cli.status, .failure)
        assertValid(cli.out, schema: "sarif-2.1.0.schema.json")
    }

    /// import-c on a tree whose skip loop lacks the guard: one error per
    /// hanging request, at the table.
    func testImportCSARIF() throws {
        let main = try String(contentsOfFile: KernelTree.path("drivers/vfio/vfio_main.c"), encoding: .utf8)
        let folder = try EmitScratchFolder("sarif-import")
        defer { folder.remove() }
        try folder.write("vfio_main.c", main)
        let result = runCLI("import-c", folder.file("vfio_main.c"), "--spec", spec, "--format", "sarif")
        assertValid(result.out, schema: "sarif-2.1.0.schema.json")
        let text = runCLI("import-c", folder.file("vfio_main.c"), "--spec", spec)
        XCTAssertEqual(result.status, text.status)
        let document = try JSONNode.parse(result.out)
        guard case .array(let runs)? = document["runs"], case .array(let results)? = runs.first?["results"] else {
            return XCTFail(result.out)
        }
        let expected = text.out.split(separator: "\n").filter { $0.hasPrefix("       ") }.count
        XCTAssertEqual(results.count, expected)
        for result in results {
            XCTAssertEqual(result["locations"].flatMap { node -> JSONNode? in
                if case .array(let items) = node { return items.first?["physicalLocation"]?["region"]?["startLine"] } else { return nil }
            }, .number(740, integer: true))
        }
    }

    func testPercentEncoding() {
        XCTAssertEqual(SARIFLog.percentEncoded("a b/ü%.c"), "a%20b/%C3%BC%25.c")
    }

    /// audit-driver on the real 6.12 drivers: one result per finding, qat's
    /// dropped result an error at main.c:407 with its trace, every rule known.
    func testAuditDriverSARIF() throws {
        let folders = try ["drivers/vfio/pci/mlx5", "drivers/vfio/pci/pds", "drivers/vfio/pci/qat"].map(KernelTree.path)
        let result = runCLI(["audit-driver"] + folders + ["--spec", spec, "--format", "sarif"])
        XCTAssertEqual(result.status, .failure)
        assertValid(result.out, schema: "sarif-2.1.0.schema.json")
        let audit = DriverAudit.run(paths: folders, model: Repository.vfio)
        let document = try JSONNode.parse(result.out)
        guard case .array(let runs)? = document["runs"], case .array(let results)? = runs.first?["results"],
              case .array(let rules)? = runs.first?["tool"]?["driver"]?["rules"] else { return XCTFail(result.out) }
        XCTAssertEqual(results.count, audit.findings.count)
        let known = Set(FindingRule.auditRules.map(\.id))
        XCTAssert(rules.allSatisfy { rule in
            if case .string(let id)? = rule["id"] { return known.contains(id) } else { return false }
        }, "a finding kind without a rule in FindingRule.auditRules")
        let dropped = results.filter { $0["ruleId"] == .string("dropped-result") }
        XCTAssertEqual(dropped.count, 1)
        XCTAssertEqual(dropped.first?["level"], .string("error"))
        let region = dropped.first?["locations"]?[0]?["physicalLocation"]?["region"]
        XCTAssertEqual(region?["startLine"], .number(407, integer: true))
        XCTAssertEqual(region?["startColumn"], .number(3, integer: true))
    }

    /// A reset applied after the state mutex is released is a warning
    /// result with its own rule, and a leak inside a helper an error.
    func testAuditDriverSARIFOfTheNewerDriverShapes() throws {
        let folders = ["drivers/reset-after-unlock", "drivers/helper-leak"].map { Repository.path("Tests/Fixtures/import/" + $0) }
        let result = runCLI(["audit-driver"] + folders + ["--spec", spec, "--format", "sarif"])
        XCTAssertEqual(result.status, .failure)
        assertValid(result.out, schema: "sarif-2.1.0.schema.json")
        let document = try JSONNode.parse(result.out)
        guard case .array(let runs)? = document["runs"], case .array(let results)? = runs.first?["results"] else { return XCTFail(result.out) }
        XCTAssertEqual(results.map { $0["ruleId"] }, [.string("reset-outside-lock"), .string("refusal-side-effect"), .string("session-leak")])
        XCTAssertEqual(results.map { $0["level"] }, [.string("warning"), .string("warning"), .string("error")])
    }

    /// import-c on a vfio_main.c without the guard: every hanging request
    /// is an error result at the skip loop.
    func testImportCSARIFPlacesHangsAtTheLoop() throws {
        let file = Repository.path("Tests/Fixtures/import/vfio-main-8-state.c")
        let result = runCLI("import-c", file, "--spec", spec, "--format", "sarif")
        XCTAssertEqual(result.status, .failure)
        assertValid(result.out, schema: "sarif-2.1.0.schema.json")
        let document = try JSONNode.parse(result.out)
        guard case .array(let runs)? = document["runs"], case .array(let results)? = runs.first?["results"] else {
            return XCTFail(result.out)
        }
        XCTAssertEqual(results.count, 3)
        XCTAssert(results.allSatisfy { $0["ruleId"] == .string("kernel-lookup") && $0["level"] == .string("error") })
        XCTAssert(results.allSatisfy {
            $0["locations"]?[0]?["physicalLocation"]?["region"]?["startLine"] == .number(170, integer: true)
        })
    }

    /// explore: one result per violated property, placed at the driver
    /// file's line behind the trace (the quirk before the fault it meets),
    /// else the policy's step; a rule per property with its help.
    func testExploreSARIF() throws {
        let result = runCLI("explore", spec, "--driver", Repository.path("Specs/drivers/nvme-rfc.driver"), "--format", "sarif")
        XCTAssertEqual(result.status, .failure)
        assertValid(result.out, schema: "sarif-2.1.0.schema.json")
        let document = try JSONNode.parse(result.out)
        guard case .array(let runs)? = document["runs"], let run = runs.first, case .array(let results)? = run["results"],
              case .array(let rules)? = run["tool"]?["driver"]?["rules"] else { return XCTFail(result.out) }
        XCTAssertEqual(rules.count, ExploreProperty.allCases.count + 5)
        XCTAssertEqual(results.count, 1)
        XCTAssertEqual(results[0]["ruleId"], .string("hardware-matches-recorded"))
        let physical = results[0]["locations"]?[0]?["physicalLocation"]
        XCTAssertEqual(physical?["region"]?["startLine"], .number(51, integer: true), "quirk STOP -> RUNNING ignores-hardware-failure")
        XCTAssertEqual(results[0]["relatedLocations"]?[0]?["physicalLocation"]?["region"]?["startLine"], .number(34, integer: true),
                       "fault STOP -> RUNNING stays")
        guard case .array(let trace)? = results[0]["properties"]?["trace"] else { return XCTFail(result.out) }
        XCTAssertEqual(trace.first, .string("shortest trace (2 user actions):"))
        // A policy: the VM's properties at the policy's step line.
        let policy = runCLI("explore", spec, "--devices", "2", "--policy", Repository.path("Specs/policies/qemu-destination.policy"),
                            "--format", "sarif")
        assertValid(policy.out, schema: "sarif-2.1.0.schema.json")
        let policyDocument = try JSONNode.parse(policy.out)
        guard case .array(let policyRuns)? = policyDocument["runs"], case .array(let policyResults)? = policyRuns.first?["results"] else {
            return XCTFail(policy.out)
        }
        XCTAssertEqual(policyResults.map { $0["ruleId"] }, [.string("loaded-before-run"), .string("belief-consistency")])
        XCTAssert(policyResults.allSatisfy {
            $0["locations"]?[0]?["physicalLocation"]?["artifactLocation"]?["uri"] == .string(
                relative(Repository.path("Specs/policies/qemu-destination.policy")))
        }, policy.out)
        // A VM QEMU refuses: one note, exit 0.
        let refused = runCLI("explore", spec, "--devices", "2", "--policy", Repository.path("Specs/policies/qemu-source.policy"),
                             "--features", "1:STOP_COPY", "--features", "2:STOP_COPY", "--format", "sarif")
        XCTAssertEqual(refused.status, .success)
        assertValid(refused.out, schema: "sarif-2.1.0.schema.json")
        XCTAssert(refused.out.contains("\"ruleId\": \"vm-refused\""), refused.out)
        XCTAssert(refused.out.contains("\"level\": \"note\""), refused.out)
        // A search --max-states stopped: a warning says the verdict is
        // incomplete, exit 1.
        let stopped = runCLI("explore", spec, "--devices", "3", "--max-states", "100", "--format", "sarif")
        XCTAssertEqual(stopped.status, .failure)
        assertValid(stopped.out, schema: "sarif-2.1.0.schema.json")
        let stoppedDocument = try JSONNode.parse(stopped.out)
        guard case .array(let stoppedRuns)? = stoppedDocument["runs"],
              case .array(let stoppedResults)? = stoppedRuns.first?["results"] else { return XCTFail(stopped.out) }
        XCTAssertEqual(stoppedResults.map { $0["ruleId"] }, [.string("search-incomplete")])
        XCTAssertEqual(stoppedResults.first?["level"], .string("warning"))
    }

    /// A path as SARIF writes it from the working folder.
    func relative(_ path: String) -> String {
        let cwd = FileManager.default.currentDirectoryPath + "/"
        return path.hasPrefix(cwd) ? String(path.dropFirst(cwd.count)) : "file://" + path
    }
}
