import Foundation
import XCTest
@testable import MigFSM
import MigFSMTestSupport

/// Every exit status README documents, from the real process: 0 when all
/// holds, 1 for findings and input errors, 2 for usage errors, and nothing
/// else (no crash) on hostile input.
final class RobustnessExitStatusTests: XCTestCase {
    func run(_ arguments: [String], in folder: String = Repository.root.path) throws -> ChildProcess.Result {
        try ChildProcess.shell(#"exec "$@""#, [try ChildProcess.migfsm()] + arguments, in: folder)
    }

    func testDocumentedStatuses() throws {
        let cases: [(arguments: [String], status: Int32)] = [
            (["--version"], 0),
            (["fmt", "--check", "Specs/vfio-v2.fsm"], 0),
            (["arcs", "Specs/vfio-v2.fsm", "--features", "STOP_COPY"], 0),
            (["generate", "Specs/vfio-v2.fsm", "--check", "--out", "Generated"], 0),
            // The main job: the real protocol and the lookups in use hold.
            (["check", "Specs/vfio-v2.fsm"], 0),
            // Findings: the seed 001 table under the loop without the guard.
            (["import-c", "Tests/Fixtures/import/vfio-main-8-state.c", "--spec", "Specs/vfio-v2.fsm"], 1),
            // Input errors.
            (["check", "no/such/spec.fsm"], 1),
            (["import-c", "Tests/Fixtures/import/hostile/truncated.c", "--spec", "Specs/vfio-v2.fsm"], 1),
            (["explore", "Specs/vfio-v2.fsm", "--driver", "Specs/vfio-v2.fsm"], 1),
            // Usage errors.
            // No subcommand: the overview, as a usage error.
            ([], 2),
            (["frobnicate"], 2),
            (["check"], 2),
            (["check", "Specs/vfio-v2.fsm", "--bogus"], 2),
            (["table", "Specs/vfio-v2.fsm", "--features", "NOPE"], 2),
            (["import-c", "Tests/Fixtures/import/vfio-5-state.c"], 2),
        ]
        for (arguments, status) in cases {
            let result = try run(arguments)
            XCTAssertNil(result.signal, "\(arguments)")
            XCTAssertEqual(result.status, status, "migfsm \(arguments.joined(separator: " ")): \(result.err)")
            if status == 2 && !arguments.isEmpty { XCTAssertTrue(result.err.contains("error:"), "\(arguments): \(result.err)") }
        }
    }

    /// The fuzzers' findings and hostile inputs through every reading
    /// subcommand: each ends with 0, 1 or 2, never a signal.
    func testHostileInputsNeverCrashTheProcess() throws {
        let folder = try ChildProcess.temporaryFolder("hostile")
        let inputs: [String: [UInt8]] = [
            "binary": [0x7f, 0x45, 0x4c, 0x46, 0, 1, 2],
            "latin1": Array("state caf\u{e9}".utf8.dropLast(2)) + [0xe9],
            "empty": [],
            "unclosed-bracket": Array("static const u8 t[".utf8),
            "long-token": Array(PathologicalInput.longTokenSpec(bytes: 100_000).utf8),
        ]
        var files = inputs.keys.sorted().map { folder + "/" + $0 }
        for (name, bytes) in inputs { try Data(bytes).write(to: URL(fileURLWithPath: folder + "/" + name)) }
        files += fuzzFindings()
        for file in files {
            for arguments in [
                ["check", file], ["fmt", file], ["explore", "Specs/vfio-v2.fsm", "--driver", file],
                ["import-c", file, "--spec", "Specs/vfio-v2.fsm"],
                ["audit-driver", file, "--spec", "Specs/vfio-v2.fsm", "--features", "STOP_COPY"],
            ] {
                let result = try run(arguments)
                XCTAssertNil(result.signal, "migfsm \(arguments.joined(separator: " ")) died: \(result.err)")
                XCTAssertTrue([0, 1].contains(result.status), "migfsm \(arguments.joined(separator: " ")): \(result.status)")
            }
        }
    }

    /// Every input checked in under Tests/Fixtures/fuzz/.
    func fuzzFindings() -> [String] {
        ChildProcess.snapshot(Repository.path("Tests/Fixtures/fuzz")).keys.sorted()
            .map { Repository.path("Tests/Fixtures/fuzz/" + $0) }
    }
}
