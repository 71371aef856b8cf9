import Foundation
import XCTest
@testable import MigFSM

/// A failed write to standard output or error is an I/O error: the real
/// `migfsm` process says so on standard error and exits 1, never traps,
/// for every way a write fails.
final class RobustnessStandardStreamsTests: XCTestCase {
    let check = #"exec "$1" check Specs/vfio-v2.fsm"#

    func run(_ script: String, standardOutput: FileHandle? = nil) throws -> ChildProcess.Result {
        try ChildProcess.shell(script, [try ChildProcess.migfsm()], in: Repository.root.path,
                               standardOutput: standardOutput)
    }

    func assertFailedWrite(_ result: ChildProcess.Result, _ reason: String,
                           file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNil(result.signal, "killed by signal \(result.signal ?? 0): \(result.err)", file: file, line: line)
        XCTAssertEqual(result.status, 1, file: file, line: line)
        XCTAssertEqual(result.err, "migfsm: error: cannot write to standard output: \(reason)\n", file: file, line: line)
    }

    func testFullDevice() throws {
        assertFailedWrite(try run(check + " > /dev/full"), "No space left on device")
    }

    func testClosedStandardOutput() throws {
        assertFailedWrite(try run(check + " >&-"), "the descriptor is closed")
    }

    func testFileSizeLimitOfZero() throws {
        let folder = try ChildProcess.temporaryFolder("ulimit")
        let result = try ChildProcess.shell(#"ulimit -f 0 && exec "$1" check Specs/vfio-v2.fsm > "$2""#,
                                            [try ChildProcess.migfsm(), folder + "/out.txt"], in: Repository.root.path)
        assertFailedWrite(result, "File too large")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: folder + "/out.txt")), Data())
    }

    /// A pipe whose reader is gone before migfsm writes, with SIGPIPE
    /// ignored (as a parent may leave it): write() fails with EPIPE.
    func testBrokenPipeWithSIGPIPEIgnored() throws {
        var ends: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&ends), 0)
        close(ends[0])
        let writer = FileHandle(fileDescriptor: ends[1], closeOnDealloc: true)
        assertFailedWrite(try run("trap '' PIPE; " + check, standardOutput: writer), "Broken pipe")
    }

    /// Nothing can be said when standard error fails too; the status says it.
    func testBothStreamsFailing() throws {
        let result = try run(check + " > /dev/full 2>&-")
        XCTAssertNil(result.signal)
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.err, "")
    }

    /// Standard error alone failing: the output was written, the status is 1.
    func testStandardErrorFull() throws {
        let result = try run(#"exec "$1" check no/such.fsm 2>/dev/full"#)
        XCTAssertNil(result.signal)
        XCTAssertEqual(result.status, 1)
        let usage = try run(#"exec "$1" check 2>/dev/full"#)
        XCTAssertEqual(usage.status, 1, "a usage error that cannot be reported")
    }

    /// What works keeps working: a pipe that is read gets everything.
    func testReadPipeGetsEverything() throws {
        let result = try run(check)
        XCTAssertEqual(result.status, 0, result.err)
        XCTAssertTrue(result.out.hasPrefix("protocol vfio-v2 (Specs/vfio-v2.fsm)\n"), result.out)
        XCTAssertEqual(result.err, "")
    }
}
