import Foundation
import XCTest
@testable import MigFSM

/// Every class of malformed spec gets one exact compiler-style diagnostic.
final class SpecDiagnosticsTests: XCTestCase {
    /// A small valid spec the tests break one line at a time.
    static let valid = """
        protocol demo
        feature BASE = 1 << 0 mandatory
        feature EXTRA = 1 << 1 needs BASE
        state ERROR = 0 error
        state STOP = 1 needs BASE
        state RUNNING = 2 needs BASE reset
        state SAVE = 3 needs BASE session saving
        group saving = SAVE
        RUNNING -> STOP
        STOP -> RUNNING
        STOP -> SAVE
        SAVE -> STOP

        """

    func replacing(_ old: String, with new: String) -> String {
        precondition(Self.valid.contains(old))
        return Self.valid.replacingOccurrences(of: old, with: new)
    }

    func testTheBaseSpecIsValid() {
        XCTAssertEqual(diagnostics(Self.valid), "")
    }

    func testUnknownStateSuggestsTheClosestName() {
        XCTAssertEqual(diagnostics(replacing("RUNNING -> STOP", with: "RUNNING -> STPO")),
            "t.fsm:9:12: error: unknown state 'STPO'; did you mean 'STOP'?\n")
    }

    func testUnknownFeatureSuggestsTheClosestName() {
        XCTAssertEqual(diagnostics(replacing("state STOP = 1 needs BASE", with: "state STOP = 1 needs BAZE")),
            "t.fsm:5:22: error: unknown feature 'BAZE'; did you mean 'BASE'?\n")
    }

    func testUnknownNameFarFromAnyGetsNoSuggestion() {
        XCTAssertEqual(diagnostics(replacing("SAVE -> STOP", with: "SAVE -> HIBERNATE")),
            "t.fsm:12:9: error: unknown state 'HIBERNATE'\n")
    }

    func testDuplicateStateNameHasANoteAtTheFirst() {
        XCTAssertEqual(diagnostics(replacing("group saving", with: "state STOP = 9\ngroup saving")),
            """
            t.fsm:8:7: error: duplicate state 'STOP'
            t.fsm:5:7: note: 'STOP' is first declared here

            """)
    }

    func testDuplicateStateValueHasANote() {
        XCTAssertEqual(diagnostics(replacing("state SAVE = 3", with: "state SAVE = 2")),
            """
            t.fsm:7:14: error: state 'SAVE' has value 2, already used by 'RUNNING'
            t.fsm:6:7: note: 'RUNNING' is declared here

            """)
    }

    func testDuplicateFeatureBitHasANote() {
        XCTAssertEqual(diagnostics(replacing("feature EXTRA = 1 << 1", with: "feature EXTRA = 1 << 0")),
            """
            t.fsm:3:17: error: feature 'EXTRA' uses flag bit 0, already used by 'BASE'
            t.fsm:2:9: note: 'BASE' is declared here

            """)
    }

    func testStateValueMustFitAU32() {
        XCTAssertEqual(diagnostics(replacing("state SAVE = 3", with: "state SAVE = 4294967296")),
            "t.fsm:7:14: error: state value does not fit in a u32 (at most 4294967295)\n")
        XCTAssertEqual(diagnostics(replacing("state SAVE = 3", with: "state SAVE = 99999999999999999999999")),
            "t.fsm:7:14: error: state value does not fit in a u32 (at most 4294967295)\n")
        XCTAssertEqual(diagnostics(replacing("state SAVE = 3", with: "state SAVE = 4294967295")), "")
    }

    func testFeatureValueMustBeOneBitOfAU32() {
        XCTAssertEqual(diagnostics(replacing("1 << 1 needs", with: "1 << 32 needs")),
            "t.fsm:3:17: error: flag bit 32 does not fit a 32-bit flags word (bits 0 to 31)\n")
        XCTAssertEqual(diagnostics(replacing("1 << 1 needs", with: "3 needs")),
            "t.fsm:3:17: error: feature value 3 is not a single flag bit; write '1 << BIT'\n")
        XCTAssertEqual(diagnostics(replacing("1 << 1 needs", with: "0x2 needs")), "")
    }

    func testSelfArcIsAnError() {
        XCTAssertEqual(diagnostics(replacing("SAVE -> STOP", with: "SAVE -> SAVE")),
            "t.fsm:12:9: error: self-arc 'SAVE -> SAVE': an arc must change the state\n")
    }

    func testArcsIntoAndOutOfTheErrorStateAreErrors() {
        let message = "arcs into or out of the error state 'ERROR' cannot be declared: any failed arc may reach it and only reset leaves it"
        XCTAssertEqual(diagnostics(replacing("SAVE -> STOP", with: "SAVE -> ERROR")),
            "t.fsm:12:9: error: \(message)\n")
        XCTAssertEqual(diagnostics(replacing("SAVE -> STOP", with: "ERROR -> STOP")),
            "t.fsm:12:1: error: \(message)\n")
    }

    func testGroupWithUnknownMember() {
        XCTAssertEqual(diagnostics(replacing("group saving = SAVE", with: "group saving = SAVE, SAVES")),
            "t.fsm:8:22: error: unknown state 'SAVES'; did you mean 'SAVE'?\n")
    }

    func testUnknownKeywordSuggestsAKeyword() {
        XCTAssertEqual(diagnostics(replacing("state STOP = 1", with: "stat STOP = 1")),
            "t.fsm:5:1: error: unknown keyword 'stat'; did you mean 'state'?\n")
    }

    func testEmptyFileAndCommentOnlyFile() {
        XCTAssertEqual(diagnostics(""), "t.fsm:1:1: error: spec is empty\n")
        XCTAssertEqual(diagnostics("\n\n"), "t.fsm:1:1: error: spec is empty\n")
        XCTAssertEqual(diagnostics("# nothing yet\n"), "t.fsm:1:1: error: spec declares nothing (only comments)\n")
    }

    func testNonUTF8BytesAreReportedWhereTheyAre() throws {
        var bytes = Array("protocol demo\nstate X = 1 # caf".utf8)
        bytes += [0xE9, 0x0A]
        XCTAssertThrowsError(try SourceText(path: "t.fsm", bytes: bytes)) { error in
            XCTAssertEqual((error as? Diagnostic)?.rendered, "t.fsm:2:18: error: file is not valid UTF-8 (byte 0xe9)\n")
        }
    }

    func testBinaryBytesAreRefused() {
        let bytes: [UInt8] = [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x00, 0x00]
        XCTAssertThrowsError(try SourceText(path: "a.out", bytes: bytes)) { error in
            XCTAssertEqual((error as? Diagnostic)?.rendered, "a.out:1:7: error: file contains a NUL byte; is it a binary file?\n")
        }
    }

    func testAOneMegabyteLineGivesOneDiagnostic() {
        let line = String(repeating: "A", count: 1 << 20)
        XCTAssertEqual(diagnostics(Self.valid + line + "\n"),
            "t.fsm:13:1: error: token is 1048576 characters long; at most 255 are allowed\n")
        let spaced = String(repeating: "A ", count: 1 << 19)
        XCTAssertEqual(diagnostics(Self.valid + spaced + "\n"),
            "t.fsm:13:1: error: unknown keyword 'A'; expected a statement keyword or an arc 'A -> B'\n")
    }

    func testUnexpectedCharacters() {
        XCTAssertEqual(diagnostics(replacing("RUNNING -> STOP", with: "RUNNING => STOP")),
            "t.fsm:9:9: error: unexpected '=>'; did you mean '->'?\n")
        XCTAssertEqual(diagnostics(replacing("RUNNING -> STOP", with: "RUNNING \u{2192} STOP")),
            "t.fsm:9:9: error: unexpected character U+2192 ('\u{2192}'); did you mean '->'?\n")
        XCTAssertEqual(diagnostics(replacing("RUNNING -> STOP", with: "RUNNING -> STOP -> SAVE")),
            "t.fsm:9:17: error: an arc joins exactly two states; write each arc on its own line\n")
    }

    func testMissingFileAndDirectory() {
        XCTAssertThrowsError(try SpecReader.load(path: "no/such/spec.fsm")) { error in
            XCTAssertEqual((error as? DiagnosticList)?.rendered, "no/such/spec.fsm: error: no such file\n")
        }
        XCTAssertThrowsError(try SpecReader.load(path: Repository.path("Specs"))) { error in
            XCTAssertEqual((error as? DiagnosticList)?.rendered.hasSuffix("Specs: error: is a directory, not a file\n"), true)
        }
    }

    func testAllErrorsOfAFileAreReportedInFileOrder() {
        let text = replacing("stat", with: "stat")
            .replacingOccurrences(of: "state STOP = 1 needs BASE", with: "state STOP = 1 needs BAZE")
            .replacingOccurrences(of: "SAVE -> STOP", with: "SAVE -> SAVE")
            .replacingOccurrences(of: "protocol demo", with: "protocl demo")
        XCTAssertEqual(diagnostics(text), """
            t.fsm:1:1: error: unknown keyword 'protocl'; did you mean 'protocol'?
            t.fsm:1:1: error: spec does not name its protocol; add 'protocol NAME'
            t.fsm:5:22: error: unknown feature 'BAZE'; did you mean 'BASE'?
            t.fsm:12:9: error: self-arc 'SAVE -> SAVE': an arc must change the state

            """)
    }

    func testABrokenDeclarationIsNotReportedAgainWhereUsed() {
        XCTAssertEqual(diagnostics(replacing("state STOP = 1 needs BASE", with: "state STOP = one")),
            "t.fsm:5:14: error: expected the state's uAPI value, found 'one'\n")
    }

    func testRolesMustBeUnique() {
        XCTAssertEqual(diagnostics(replacing("state STOP = 1 needs BASE", with: "state STOP = 1 needs BASE error")),
            """
            t.fsm:5:7: error: a second state is marked 'error'
            t.fsm:4:7: note: the error state is 'ERROR'

            """)
        XCTAssertEqual(diagnostics(replacing("needs BASE reset", with: "needs BASE")),
            "t.fsm:4:7: error: no state is marked 'reset'; the protocol needs the state a reset gives\n")
    }

    func testDuplicateArcAndContradictoryBlock() {
        XCTAssertEqual(diagnostics(Self.valid + "SAVE -> STOP\n"),
            """
            t.fsm:13:1: error: duplicate arc 'SAVE -> STOP'
            t.fsm:12:1: note: the arc is first declared here

            """)
        XCTAssertEqual(diagnostics(Self.valid + "blocked SAVE -> STOP\n"),
            "t.fsm:13:1: error: 'SAVE -> STOP' is declared as an arc and blocked\n")
    }

    func testUnknownInvariantAndPathRule() {
        XCTAssertEqual(diagnostics(Self.valid + "invariant sinc ERROR\n"),
            "t.fsm:13:11: error: unknown invariant 'sinc'; did you mean 'sink'?\n")
        XCTAssertEqual(diagnostics(Self.valid + "path group-interior saving loose\n"),
            "t.fsm:13:28: error: unknown group reading 'loose'; expected 'contained' or 'literal'\n")
    }

    func testTooManyErrorsAreCapped() {
        let text = Self.valid + String(repeating: "bogus\n", count: 150)
        let rendered = diagnostics(text)
        XCTAssertEqual(rendered.split(separator: "\n").count, 101)
        XCTAssertTrue(rendered.hasSuffix("t.fsm: error: too many errors: 50 more not shown\n"))
    }

    func testGroupMembershipErrors() {
        XCTAssertEqual(diagnostics(replacing("group saving = SAVE", with: "group saving = SAVE, SAVE")),
            "t.fsm:8:22: error: 'SAVE' is listed twice in group 'saving'\n")
        XCTAssertEqual(diagnostics(replacing("group saving = SAVE", with: "group saving = SAVE\ngroup other = SAVE")),
            """
            t.fsm:9:15: error: 'SAVE' is already in group 'saving'; a state shares at most one session
            t.fsm:8:7: note: group 'saving' is declared here

            """)
        XCTAssertEqual(diagnostics(replacing("group saving = SAVE", with: "group saving = SAVE\ngroup saving = STOP")),
            """
            t.fsm:9:7: error: duplicate group 'saving'
            t.fsm:8:7: note: 'saving' is first declared here

            """)
    }
}
