import XCTest
@testable import MigFSM

/// The command line: subcommands, usage errors (exit 2 with a one-line
/// hint), and the outputs of table, paths and arcs.
final class CLITests: XCTestCase {
    let spec = Repository.path("Specs/vfio-v2.fsm")

    func testVersionAndHelp() {
        XCTAssertEqual(runCLI("--version").out, "migfsm \(CommandLineTool.version)\n")
        let help = runCLI("--help")
        XCTAssertEqual(help.status, .success)
        for command in CommandLineTool.commands {
            XCTAssertTrue(help.out.contains("  \(command.name) "), command.name)
            let own = runCLI(command.name, "--help")
            XCTAssertEqual(own.status, .success)
            XCTAssertTrue(own.out.hasPrefix("OVERVIEW: \(command.summary)\n\nUSAGE: migfsm \(command.name) "), own.out)
        }
    }

    func testUsageErrorsExitTwoWithAHint() {
        let unknownCommand = runCLI("chekc", spec)
        XCTAssertEqual(unknownCommand.status, .usage)
        XCTAssertEqual(unknownCommand.err, "migfsm: error: unknown subcommand 'chekc'; did you mean 'check'?\nhint: run 'migfsm --help' to list the subcommands\n")
        let unknownOption = runCLI("check", spec, "--verbose")
        XCTAssertEqual(unknownOption.status, .usage)
        XCTAssertEqual(unknownOption.err, "migfsm check: error: unknown option '--verbose' for 'migfsm check'\nhint: run 'migfsm check --help'\n")
        let missing = runCLI("table")
        XCTAssertEqual(missing.status, .usage)
        XCTAssertEqual(missing.err, "migfsm table: error: missing argument SPEC (the spec file (.fsm))\nhint: run 'migfsm table --help'\n")
        let badChoice = runCLI("check", spec, "--group-rule", "loose")
        XCTAssertEqual(badChoice.err, "migfsm check: error: option '--group-rule' takes one of: literal, contained; got 'loose'\nhint: run 'migfsm check --help'\n")
        XCTAssertEqual(runCLI().status, .usage)
    }

    func testAnInvalidFeatureSetIsAUsageErrorListingTheValidOnes() {
        let result = runCLI("arcs", spec, "--features", "P2P")
        XCTAssertEqual(result.status, .usage)
        XCTAssertEqual(result.err, "migfsm arcs: error: {P2P} is not a valid feature set; valid sets: STOP_COPY; STOP_COPY,P2P; STOP_COPY,PRE_COPY; STOP_COPY,P2P,PRE_COPY\nhint: run 'migfsm arcs --help'\n")
        let typo = runCLI("arcs", spec, "--features", "STOP_COPY,P2Q")
        XCTAssertEqual(typo.status, .usage)
        XCTAssertTrue(typo.err.hasPrefix("migfsm arcs: error: unknown feature 'P2Q' in --features; did you mean 'P2P'?"), typo.err)
    }

    func testSpecErrorsExitOne() {
        let result = runCLI("check", "no-such.fsm")
        XCTAssertEqual(result.status, .failure)
        XCTAssertEqual(result.err, "no-such.fsm: error: no such file\n")
    }

    func testArcsForOneFeatureSet() {
        let result = runCLI("arcs", spec, "--features", "STOP_COPY,PRE_COPY")
        XCTAssertEqual(result.status, .success)
        XCTAssertEqual(result.out, """
            STOP -> RUNNING
            STOP -> STOP_COPY
            STOP -> RESUMING
            RUNNING -> STOP
            RUNNING -> PRE_COPY
            STOP_COPY -> STOP
            RESUMING -> STOP
            PRE_COPY -> RUNNING
            PRE_COPY -> STOP_COPY

            """)
    }

    func testTableGridForStopCopy() {
        let result = runCLI("table", spec, "--features", "STOP_COPY")
        XCTAssertEqual(result.out, """
            # {STOP_COPY} (flags 0x1)
            cur \\ new STOP RUNNING STOP_COPY RESUMING
            STOP      STOP RUNNING STOP_COPY RESUMING
            RUNNING   STOP RUNNING STOP      STOP
            STOP_COPY STOP STOP    STOP_COPY STOP
            RESUMING  STOP STOP    STOP      RESUMING

            """)
    }

    func testOnePathOnEveryFeatureSet() {
        let result = runCLI("paths", spec, "RUNNING", "STOP_COPY")
        XCTAssertEqual(result.status, .success)
        XCTAssertEqual(result.out, """
            {STOP_COPY}: RUNNING -> STOP -> STOP_COPY
            {STOP_COPY, P2P}: RUNNING -> RUNNING_P2P -> STOP -> STOP_COPY
            {STOP_COPY, PRE_COPY}: RUNNING -> STOP -> STOP_COPY
            {STOP_COPY, P2P, PRE_COPY}: RUNNING -> RUNNING_P2P -> STOP -> STOP_COPY

            """)
        let blocked = runCLI("paths", spec, "STOP_COPY", "PRE_COPY", "--features", "STOP_COPY,PRE_COPY")
        XCTAssertEqual(blocked.status, .failure)
        XCTAssertEqual(blocked.out, "{STOP_COPY, PRE_COPY}: refused (blocked by the spec)\n")
        XCTAssertEqual(runCLI("paths", spec, "RUNNING").status, .usage)
        XCTAssertEqual(runCLI("paths", spec, "RUNNING", "STOPP").err, "migfsm paths: error: unknown state 'STOPP'; did you mean 'STOP'?\nhint: run 'migfsm paths --help'\n")
    }

    func testTableJSONFollowsTheDocumentedSchema() throws {
        let result = runCLI("table", spec, "--json")
        XCTAssertEqual(result.status, .success)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any])
        XCTAssertEqual(object["protocol"] as? String, "vfio-v2")
        let sets = try XCTUnwrap(object["featureSets"] as? [[String: Any]])
        XCTAssertEqual(sets.map { $0["flags"] as? Int }, [1, 3, 5, 7])
        XCTAssertEqual(sets[1]["features"] as? [String], ["STOP_COPY", "P2P"])
        XCTAssertEqual(sets[1]["states"] as? [String], ["STOP", "RUNNING", "STOP_COPY", "RESUMING", "RUNNING_P2P"])
        XCTAssertEqual((sets[1]["arcs"] as? [[String]])?.first, ["STOP", "STOP_COPY"])
        let next = try XCTUnwrap(sets[3]["next"] as? [String: [String: Any]])
        XCTAssertEqual(next["RUNNING"]?["STOP"] as? String, "RUNNING_P2P")
        XCTAssertTrue(next["STOP_COPY"]?["PRE_COPY"] is NSNull)
        let paths = try XCTUnwrap(sets[3]["paths"] as? [String: [String: Any]])
        XCTAssertEqual(paths["RUNNING"]?["STOP"] as? [String], ["RUNNING", "RUNNING_P2P", "STOP"])
        XCTAssertEqual(paths["STOP"]?["STOP"] as? [String], ["STOP"])
        // Keys keep their order: the document is byte-identical run to run.
        XCTAssertEqual(runCLI("table", spec, "--json").out, result.out)
        XCTAssertTrue(result.out.hasPrefix("{\n  \"formatVersion\": 1,\n  \"protocol\": \"vfio-v2\",\n  \"states\": [\n"), result.out)
        XCTAssertTrue(result.out.contains("  \"featureSets\": [\n    {\n      \"features\": [\"STOP_COPY\"],\n      \"flags\": 1,\n"), result.out)
    }

    func testASpecTooLargeForPathTablesIsAClearError() throws {
        var lines = ["protocol huge", "feature BASE = 1 << 0 mandatory", "state ERROR = 0 error"]
        for index in 1...12_000 { lines.append("state S\(index) = \(index) needs BASE" + (index == 1 ? " reset" : "")) }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("huge-\(UUID().uuidString).fsm").path
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        // The reader takes it; the commands that need tables refuse it.
        XCTAssertEqual(try SpecReader.load(path: path).states.count, 12_001)
        let result = runCLI("table", path)
        XCTAssertEqual(result.status, .failure)
        XCTAssertEqual(result.err, "\(path): error: 12001 states and 1 valid feature sets need 144024001 table entries; migfsm computes at most 134217728\n")
    }
}
