import Foundation
import XCTest
@testable import MigFSM

/// Every reader takes LF, CR LF and CR line ends alike, refuses a FIFO or
/// device with a located error instead of blocking on it, and reads `-` as
/// standard input.
final class RobustnessInputFilesTests: XCTestCase {
    static let spec = Repository.path("Specs/vfio-v2.fsm")

    /// One input of each reader and the command that reads it (`FILE` is
    /// replaced by the input's path).
    static let readers: [(file: String, command: [String])] = [
        ("Specs/vfio-v2.fsm", ["check", "FILE"]),
        ("Specs/drivers/nvme-rfc.driver", ["explore", spec, "--driver", "FILE"]),
        ("Specs/policies/qemu-source.policy", ["explore", spec, "--devices", "2", "--policy", "FILE"]),
        ("Tests/Fixtures/import/vfio-main-8-state.c", ["import-c", "FILE", "--spec", spec]),
        ("Tests/Fixtures/import/nvme-main.c", ["audit-driver", "FILE", "--spec", spec, "--features", "STOP_COPY"]),
    ]

    func testEveryReaderTakesCRLFAndCROnlyLineEnds() throws {
        let folder = try ChildProcess.temporaryFolder("line-ends")
        for (file, command) in Self.readers {
            let text = try String(contentsOfFile: Repository.path(file), encoding: .utf8)
            XCTAssertFalse(text.utf8.contains(0x0D), file)
            let name = (file as NSString).lastPathComponent
            var outputs: [String: (ExitStatus, String, String)] = [:]
            for (ending, separator) in [("lf", "\n"), ("crlf", "\r\n"), ("cr", "\r")] {
                try FileManager.default.createDirectory(atPath: folder + "/" + ending, withIntermediateDirectories: true)
                let path = folder + "/" + ending + "/" + name
                try Data(text.replacingOccurrences(of: "\n", with: separator).utf8).write(to: URL(fileURLWithPath: path))
                var output = CommandOutput()
                let status = CommandLineTool.run(command.map { $0 == "FILE" ? path : $0 }, output: &output)
                // The path differs, and explore prints how long it took.
                let unify = { (text: String) in
                    text.replacingOccurrences(of: "/\(ending)/", with: "/ENDING/")
                        .replacingOccurrences(of: #"[0-9.]+ (ms|s)\b"#, with: "TIME", options: .regularExpression)
                }
                outputs[ending] = (status, unify(output.standardOutput), unify(output.standardError))
            }
            let lf = try XCTUnwrap(outputs["lf"])
            XCTAssertFalse(lf.1.isEmpty, file)
            for ending in ["crlf", "cr"] {
                let other = try XCTUnwrap(outputs[ending])
                XCTAssertEqual(other.0, lf.0, "\(file) with \(ending): \(other.2)")
                XCTAssertEqual(other.1, lf.1, "\(file) with \(ending)")
                XCTAssertEqual(other.2, lf.2, "\(file) with \(ending)")
            }
        }
    }

    /// Lines and columns count from the right line with every ending.
    func testLocationsWithCROnlyLineEnds() throws {
        let text = "protocol x\rstate ERROR = 0 error\r\rstate A = 1 reset\rA -> B\r"
        XCTAssertThrowsError(try SpecReader.read(text: text, path: "cr.fsm")) { error in
            XCTAssertEqual((error as? DiagnosticList)?.rendered, "cr.fsm:5:6: error: unknown state 'B'; did you mean 'A'?\n")
        }
        let mixed = "protocol x\r\nstate ERROR = 0 error\n\rstate A = 1 reset\r\nA -> B\n"
        XCTAssertThrowsError(try SpecReader.read(text: mixed, path: "mixed.fsm")) { error in
            XCTAssertEqual((error as? DiagnosticList)?.rendered, "mixed.fsm:5:6: error: unknown state 'B'; did you mean 'A'?\n")
        }
    }

    /// A FIFO with no writer would block a reader forever: every reader
    /// refuses it at once, naming it (the child has 20 s, a hang fails).
    func testFIFOsAreRefusedNotRead() throws {
        let folder = try ChildProcess.temporaryFolder("fifo")
        let fifo = folder + "/input"
        XCTAssertEqual(mkfifo(fifo, 0o644), 0)
        for (file, command) in Self.readers {
            let arguments = command.map { $0 == "FILE" ? fifo : $0 }
            let result = try ChildProcess.shell(#"exec timeout 20 "$@""#, [try ChildProcess.migfsm()] + arguments)
            XCTAssertEqual(result.status, 1, "\(file): \(result.err)")
            let refusal = "\(fifo): error: is a FIFO (named pipe), not a regular file; give a file, or '-' for standard input"
            if command.first == "audit-driver" {
                // Among the audit's findings, on standard output.
                XCTAssertTrue(result.out.contains("\n" + refusal + " [unreadable]\n"), result.out)
            } else {
                XCTAssertEqual(result.err, refusal + "\n", file)
            }
        }
        let device = try ChildProcess.shell(#"exec timeout 20 "$1" check /dev/zero"#, [try ChildProcess.migfsm()])
        XCTAssertEqual(device.status, 1)
        XCTAssertEqual(device.err, "/dev/zero: error: is a character device, not a regular file; give a file, or '-' for standard input\n")
    }

    /// A FIFO named like a proposal beside the spec: generate refuses it.
    func testFIFOAmongTheProposals() throws {
        let folder = try ChildProcess.temporaryFolder("fifo-proposal")
        try ChildProcess.copySpecs(into: folder)
        XCTAssertEqual(mkfifo(folder + "/Specs/proposals/stuck.fsm", 0o644), 0)
        let result = try ChildProcess.shell(#"exec timeout 20 "$1" generate Specs/vfio-v2.fsm --out Generated"#,
                                            [try ChildProcess.migfsm()], in: folder)
        XCTAssertEqual(result.status, 1, result.err)
        XCTAssertEqual(result.err, """
            migfsm generate: error: proposal proposals/stuck.fsm has errors:
            Specs/proposals/stuck.fsm: error: is a FIFO (named pipe), not a regular file; give a file, or '-' for standard input

            """)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/Generated"))
    }

    /// `-` reads standard input, named `<stdin>` in the output.
    func testDashReadsStandardInput() throws {
        let migfsm = try ChildProcess.migfsm()
        let fmt = try ChildProcess.shell(#"exec "$1" fmt - < "$2""#, [migfsm, Self.spec])
        XCTAssertEqual(fmt.status, 0, fmt.err)
        XCTAssertEqual(fmt.out, try String(contentsOfFile: Self.spec, encoding: .utf8))
        let broken = try ChildProcess.shell(#"printf 'protocol x\nstate A = 1 reset\n' | exec "$1" check -"#, [migfsm])
        XCTAssertEqual(broken.status, 1)
        XCTAssertEqual(broken.err, "<stdin>:2:7: error: no state is marked 'error'; the protocol needs an error state\n")
        let twice = runCLI("diff", "-", "-")
        XCTAssertEqual(twice.status, .usage)
        XCTAssertEqual(twice.err, "migfsm diff: error: '-' (standard input) is given twice; it can be read only once\nhint: run 'migfsm diff --help'\n")
    }
}
