import Foundation
import XCTest
@testable import MigFSM

/// Diagnostics that once misled, each with its exact text now: true,
/// located, pointing at the cause, and never a cascade of errors about a
/// declaration that is itself broken.
final class RobustnessDiagnosticsTests: XCTestCase {
    /// The base spec of `SpecDiagnosticsTests`, broken one way at a time.
    func broken(_ old: String, _ new: String) -> String {
        diagnostics(SpecDiagnosticsTests.valid.replacingOccurrences(of: old, with: new))
    }

    func testGarbageIsNotAnEmptySpec() {
        XCTAssertEqual(diagnostics("garbage ???\n", path: "g.fsm"), "g.fsm:1:9: error: unexpected character '?'\n")
        XCTAssertEqual(diagnostics("garbage\n", path: "g.fsm"),
            "g.fsm:1:1: error: unknown keyword 'garbage'; expected a statement keyword or an arc 'A -> B'\n")
        // Truly empty files still say so.
        XCTAssertEqual(diagnostics("", path: "e.fsm"), "e.fsm:1:1: error: spec is empty\n")
        XCTAssertEqual(diagnostics("# only this\n", path: "e.fsm"), "e.fsm:1:1: error: spec declares nothing (only comments)\n")
    }

    func testARepeatedRoleSaysItIsRepeated() {
        XCTAssertEqual(broken("needs BASE reset", "needs BASE reset reset"), """
            t.fsm:6:36: error: 'reset' is given twice
            t.fsm:6:30: note: 'reset' is first given here

            """)
        XCTAssertEqual(broken("feature BASE = 1 << 0 mandatory", "feature BASE = 1 << 0 mandatory mandatory"), """
            t.fsm:2:33: error: 'mandatory' is given twice
            t.fsm:2:23: note: 'mandatory' is first given here

            """)
    }

    /// A misspelt role gets a suggestion and no cascade: the missing role
    /// is not reported, since the broken line may be the one with it.
    func testAMisspeltRoleIsTheOnlyError() {
        XCTAssertEqual(broken("needs BASE reset", "needs BASE rest"),
            "t.fsm:6:30: error: expected 'needs', 'error', 'reset' or 'session', found 'rest'; did you mean 'reset'?\n")
        // A role that is simply missing is reported at the first state.
        XCTAssertEqual(broken("state ERROR = 0 error", "state ERROR = 0"),
            "t.fsm:4:7: error: no state is marked 'error'; the protocol needs an error state\n")
    }

    func testAPolicyOptionGivenTwice() throws {
        let folder = try ChildProcess.temporaryFolder("policy")
        let policy = folder + "/p.policy"
        try Data("policy p\nprotocol vfio-v2\nevent e\nmain STOP recover ERROR recover STOP\n".utf8)
            .write(to: URL(fileURLWithPath: policy))
        let result = runCLI("explore", Repository.path("Specs/vfio-v2.fsm"), "--devices", "2", "--policy", policy)
        XCTAssertEqual(result.status, .failure)
        XCTAssertEqual(result.err, """
            \(policy):4:25: error: 'recover' is given twice
            \(policy):4:11: note: 'recover' is first given here

            """)
    }

    func testNegativeShifts() throws {
        XCTAssertEqual(broken("feature EXTRA = 1 << 1 needs BASE", "feature EXTRA = 1 << -1 needs BASE"),
            "t.fsm:3:22: error: unexpected '-': numbers cannot be negative\n")
        // In C, `1 << -1` is a shift by -1, not by 2^64 - 1.
        let text = try String(contentsOfFile: Repository.path("Tests/Fixtures/import/vfio-main-8-state.c"), encoding: .utf8)
        let line = "[VFIO_DEVICE_STATE_PRE_COPY_P2P] = VFIO_MIGRATION_STOP_COPY |"
        XCTAssertTrue(text.contains(line))
        let folder = try ChildProcess.temporaryFolder("shift")
        let path = folder + "/negative.c"
        try Data(text.replacingOccurrences(of: line, with: "[VFIO_DEVICE_STATE_PRE_COPY_P2P] = (1 << -1) |").utf8)
            .write(to: URL(fileURLWithPath: path))
        let result = runCLI("import-c", path, "--spec", Repository.path("Specs/vfio-v2.fsm"))
        XCTAssertEqual(result.status, .failure)
        XCTAssertEqual(result.err, "\(path):144:41: error: shift by -1 bits is out of range (0 to 63)\n")
    }

    /// A declaration that does not parse is reported once, not again at
    /// every use of its name.
    func testNoCascadeAfterABrokenDeclaration() {
        let spec = """
            protocol x
            state ERROR = 0x error
            state A = 1 reset
            state B = 2
            A -> B
            B -> A
            invariant sink ERROR

            """
        XCTAssertEqual(diagnostics(spec), "t.fsm:2:15: error: malformed number '0x'\n")
        let group = """
            protocol x
            state ERROR = 0 error
            state A = 1 reset session saving
            state B = 2 session saving
            group saving = A B
            A -> B
            B -> A
            path group-interior saving contained
            invariant no-interior saving

            """
        XCTAssertEqual(diagnostics(group), "t.fsm:5:18: error: missing ',' between 'A' and 'B'\n")
    }

    func testDidYouMean() {
        XCTAssertEqual(broken("STOP -> SAVE", "block STOP -> SAVE"),
            "t.fsm:11:1: error: unknown keyword 'block'; did you mean 'blocked'?\n")
        XCTAssertEqual(broken("STOP -> SAVE", "STOP => SAVE"),
            "t.fsm:11:6: error: unexpected '=>'; did you mean '->'?\n")
    }

    /// A state whose `needs` leaves out a mandatory feature: the kernel's
    /// mask lets undefined flags reach it, and check says so at its line.
    func testAStateNeedsLackingAMandatoryFeatureGetsAHintAtItsLine() throws {
        let text = try String(contentsOfFile: Repository.path("Specs/vfio-v2.fsm"), encoding: .utf8)
        let line = "state RUNNING_P2P = 5 needs STOP_COPY | P2P"
        XCTAssertTrue(text.contains(line))
        let folder = try ChildProcess.temporaryFolder("needs")
        let path = folder + "/vfio.fsm"
        try Data(text.replacingOccurrences(of: line, with: "state RUNNING_P2P = 5 needs P2P").utf8)
            .write(to: URL(fileURLWithPath: path))
        let lineNumber = text.components(separatedBy: "\n").firstIndex { $0.hasPrefix(line) }.map { $0 + 1 } ?? 0
        let result = runCLI("check", path)
        // The lookups still hold on every valid feature set; what the mask
        // lets through is the invalid-flags note, and the hint at the line.
        XCTAssertEqual(result.status, .success)
        XCTAssertEqual(result.err, "\(path):\(lineNumber):7: warning: state 'RUNNING_P2P' needs P2P but not STOP_COPY, which every valid feature set with it has; the kernel's mask for it (0x2) lets flags the spec does not define reach it; write 'needs STOP_COPY | P2P'\n")
        XCTAssertTrue(result.out.contains("""
            note   invalid-flags: the lookup serves requests for 2 of the 4 flags values that are no valid feature set; a kernel must refuse such devices when they register
                   flags 0x2 {P2P}: the lookup serves 1 request; registration must refuse a device reporting these flags
                   flags 0x6 {P2P, PRE_COPY}: the lookup serves 1 request; registration must refuse a device reporting these flags

            """), result.out)
        // vfio-v2 itself gets no hint.
        XCTAssertEqual(runCLI("check", Repository.path("Specs/vfio-v2.fsm")).err, "")
    }
}
