import Foundation
import XCTest
@testable import MigFSM
import MigFSMTestSupport

/// A spec whose state values are far apart (`state B = 4095`): every
/// command works over the declared states, and every output stays as small
/// as the spec; what needs a value-indexed table says so at the state.
final class RobustnessSparseValuesTests: XCTestCase {
    func write(_ text: String, _ name: String) throws -> String {
        let path = try ChildProcess.temporaryFolder("sparse") + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func testCheckOverTheDeclaredStates() throws {
        let path = try write(PathologicalInput.sparseSpec(largest: 4095), "sparse.fsm")
        let result = runCLI("check", path)
        XCTAssertEqual(result.status, .success, result.out + result.err)
        XCTAssertLessThan(result.out.utf8.count, 4096, result.out)
        XCTAssertTrue(result.out.contains("hang on 16,769,021 requests"), result.out)
    }

    func testValuesBeyondTheLargestTableAreANoteAtTheState() throws {
        let path = try write("protocol x\nfeature F = 1 << 0\nstate ERROR = 0 error\nstate A = 1 reset\nstate B = 5000\nA -> B\nB -> A\n", "far.fsm")
        let result = runCLI("check", path)
        XCTAssertEqual(result.status, .success, result.out)
        XCTAssertTrue(result.out.contains("note   kernel-lookup: not proven: the kernel's table is indexed by state value, and 'B' = 5000 (\(path):5:7) is beyond the 4096 entries per row migfsm builds\n"), result.out)
        let driver = try write("driver d\nflags F\nlookup generated\narc required\n", "d.driver")
        let explore = runCLI("explore", path, "--driver", driver)
        XCTAssertEqual(explore.status, .failure)
        XCTAssertEqual(explore.err, "\(path):5:7: error: 'B' = 5000 makes the value-indexed table 5001 × 5001 entries for 3 states; the driver's 'lookup generated' needs every state value below 4096; number the states densely\n")
    }

    func testGenerateRefusesSparseValuesAtTheState() throws {
        let path = try write(PathologicalInput.sparseSpec(largest: 1000), "sparse.fsm")
        let out = (path as NSString).deletingLastPathComponent + "/Generated"
        let result = runCLI("generate", path, "--out", out)
        XCTAssertEqual(result.status, .failure)
        XCTAssertEqual(result.err, "\(path):4:7: error: 'B' = 1000 makes the value-indexed table 1001 × 1001 entries for 3 states; generate needs every state value below 256; number the states densely\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        // Below the bound, the files are written, and stay small.
        let small = try write(PathologicalInput.sparseSpec(largest: 255), "small.fsm")
        let written = runCLI("generate", small, "--out", out)
        XCTAssertEqual(written.status, .success, written.err)
        let total = ChildProcess.snapshot(out).values.reduce(0) { $0 + $1.count }
        XCTAssertLessThan(total, 1 << 20)
    }
}
