import Foundation
import XCTest
@testable import MigFSM

/// A spec that extends another (`extends`, `drop`) and statements gated by
/// a feature (`A -> B needs F`, `blocked A -> B unless F`): what they mean,
/// every error with its exact location, and `fmt`.
final class SpecExtensionTests: XCTestCase {
    /// The base every test extends: SpecDiagnosticsTests' small valid spec
    /// with a blocked request and an invariant to drop.
    static let base = SpecDiagnosticsTests.valid + """
        state BACK = 4 needs BASE | EXTRA session saving
        group back = BACK
        blocked SAVE -> RUNNING
        invariant refused SAVE -> RUNNING
        STOP -> BACK
        BACK -> STOP

        """

    var folder: EmitScratchFolder!

    override func setUpWithError() throws {
        folder = try EmitScratchFolder("extends")
        try folder.write("base.fsm", Self.base)
    }

    override func tearDown() {
        folder.remove()
    }

    /// Writes `text` as `name` in the scratch folder and reads it; the
    /// rendered diagnostics with the folder's path shown as `DIR`, or "".
    func errors(_ text: String, as name: String = "sub/x.fsm") throws -> String {
        try folder.write(name, text)
        do throws(DiagnosticList) {
            _ = try SpecReader.load(path: folder.file(name))
            return ""
        } catch {
            return error.rendered.replacingOccurrences(of: folder.path, with: "DIR")
        }
    }

    func load(_ text: String, as name: String = "sub/x.fsm") throws -> MigrationProtocol {
        try folder.write(name, text)
        return try SpecReader.load(path: folder.file(name))
    }

    func testAnExtensionReadsAsItsBasePlusItsChanges() throws {
        let model = try load("""
            extends ../base.fsm   # the spec it amends
            protocol demo-next
            feature LATER = 1 << 2 needs EXTRA
            SAVE -> BACK needs LATER
            drop blocked SAVE -> RUNNING
            blocked SAVE -> RUNNING unless LATER
            drop invariant refused SAVE -> RUNNING
            invariant refused SAVE -> RUNNING unless LATER

            """)
        XCTAssertEqual(model.name, "demo-next")
        XCTAssertEqual(model.ancestors, ["demo"])
        XCTAssertTrue(model.accepts(protocolNamed: "demo"))
        XCTAssertTrue(model.accepts(protocolNamed: "demo-next"))
        XCTAssertFalse(model.accepts(protocolNamed: "other"))
        XCTAssertEqual(model.features.map(\.name), ["BASE", "EXTRA", "LATER"])
        let gated = Arc(model.id("SAVE"), model.id("BACK"))
        XCTAssertEqual(model.arcGates, [gated: model.set("LATER")])
        XCTAssertEqual(model.blockedGates, [Arc(model.id("SAVE"), model.id("RUNNING")): model.set("LATER")])
        // Locations still name the file each statement came from.
        XCTAssertEqual(model.states[model.id("STOP")].location.file, folder.file("sub/../base.fsm").replacingOccurrences(of: "/sub/..", with: ""))
        XCTAssertEqual(model.features[2].location, SourceLocation(file: folder.file("sub/x.fsm"), line: 3, column: 9))
        // The gated arc exists only with LATER; the request is served only with it.
        let paths = ProtocolPaths(model: model)
        let without = try XCTUnwrap(paths.table(for: model.set("BASE", "EXTRA")))
        let with = try XCTUnwrap(paths.table(for: model.set("BASE", "EXTRA", "LATER")))
        XCTAssertFalse(without.graph.hasArc(gated))
        XCTAssertTrue(with.graph.hasArc(gated))
        XCTAssertEqual(without.next(from: model.id("SAVE"), to: model.id("RUNNING")), .failure(.blocked))
        XCTAssertEqual(with.path(from: model.id("SAVE"), to: model.id("RUNNING")).map { model.describe(path: $0) },
                       "SAVE -> STOP -> RUNNING")
        XCTAssertTrue(Checker.check(paths).results.first { $0.name == "invariant refused SAVE -> RUNNING unless LATER" }?.verdict == .holds)
    }

    func testAMissingBaseIsAnErrorAtThePath() throws {
        XCTAssertEqual(try errors("extends ../nowhere.fsm\nprotocol x\n"),
            "DIR/sub/x.fsm:1:9: error: cannot read the spec it extends, 'DIR/nowhere.fsm': no such file\n")
        // Every command that reads a spec says the same and exits 1.
        for command in ["check", "table", "explore"] {
            let result = runCLI(command, folder.file("sub/x.fsm"))
            XCTAssertEqual(result.status, .failure, command)
            XCTAssertEqual(result.out, "", command)
            XCTAssertEqual(result.err.replacingOccurrences(of: folder.path, with: "DIR"),
                "DIR/sub/x.fsm:1:9: error: cannot read the spec it extends, 'DIR/nowhere.fsm': no such file\n", command)
        }
    }

    /// A FIFO would block the reader forever; a folder is the loader's error.
    func testABaseThatIsNoRegularFileIsAnError() throws {
        XCTAssertEqual(mkfifo(folder.file("pipe.fsm"), 0o600), 0)
        XCTAssertEqual(try errors("extends ../pipe.fsm\nprotocol x\n"),
            "DIR/sub/x.fsm:1:9: error: cannot read the spec it extends, 'DIR/pipe.fsm': not a regular file\n")
        XCTAssertEqual(try errors("extends ..\nprotocol x\n"),
            "DIR/sub/x.fsm:1:9: error: cannot read the spec it extends, 'DIR': is a directory, not a file\n")
    }

    func testACycleIsAnErrorAtTheExtendsThatClosesIt() throws {
        try folder.write("a.fsm", "extends b.fsm\nprotocol a\n")
        try folder.write("b.fsm", "extends ./a.fsm\nprotocol b\n")
        XCTAssertEqual(try errors("extends ../a.fsm\nprotocol x\n"),
            "DIR/b.fsm:1:9: error: specs extend each other in a cycle: DIR/a.fsm extends DIR/b.fsm extends DIR/a.fsm\n")
        XCTAssertEqual(try errors("extends x.fsm\nprotocol x\n", as: "x.fsm"),
            "DIR/x.fsm:1:9: error: specs extend each other in a cycle: DIR/x.fsm extends DIR/x.fsm\n")
    }

    func testAChainTooDeepIsAnError() throws {
        for index in 1...20 { try folder.write("c\(index).fsm", "extends c\(index + 1).fsm\nprotocol c\(index)\n") }
        XCTAssertEqual(try errors("extends ../c1.fsm\nprotocol x\n"),
            "DIR/c15.fsm:1:9: error: specs extend each other more than 16 deep\n")
    }

    func testErrorsOfTheBaseAreReportedWhereTheyAre() throws {
        try folder.write("broken.fsm", Self.base.replacingOccurrences(of: "STOP -> BACK", with: "STOP -> BAKC"))
        XCTAssertEqual(try errors("extends ../broken.fsm\nprotocol x\n"),
            "DIR/broken.fsm:17:9: error: unknown state 'BAKC'; did you mean 'BACK'?\n")
    }

    func testARedefinitionIsADuplicateWithANoteInTheBase() throws {
        XCTAssertEqual(try errors("extends ../base.fsm\nprotocol x\nstate STOP = 9\nRUNNING -> STOP\n"),
            """
            DIR/sub/x.fsm:3:7: error: duplicate state 'STOP'
            DIR/base.fsm:5:7: note: 'STOP' is first declared here
            DIR/sub/x.fsm:4:1: error: duplicate arc 'RUNNING -> STOP'
            DIR/base.fsm:9:1: note: the arc is first declared here

            """)
    }

    func testTheExtensionNamesANewProtocol() throws {
        XCTAssertEqual(try errors("extends ../base.fsm\nprotocol demo\n"),
            "DIR/sub/x.fsm:2:10: error: 'demo' is the protocol of a spec this one extends; name the new protocol\n")
        XCTAssertEqual(try errors("extends ../base.fsm\n"),
            "DIR/sub/x.fsm:1:1: error: spec does not name its protocol; add 'protocol NAME'\n")
    }

    func testExtendsLineErrors() throws {
        XCTAssertEqual(try errors("extends\nprotocol x\n"),
            "DIR/sub/x.fsm:1:8: error: expected the path of the spec it extends\n")
        XCTAssertEqual(try errors("extends ../base.fsm and more\nprotocol x\n"),
            "DIR/sub/x.fsm:1:21: error: unexpected text after the path; 'extends' takes one path without spaces\n")
        XCTAssertEqual(try errors("extends ../base.fsm\nextends ../base.fsm\nprotocol x\n"),
            """
            DIR/sub/x.fsm:2:9: error: duplicate 'extends'; a spec extends at most one other
            DIR/sub/x.fsm:1:9: note: it extends '../base.fsm' here

            """)
        XCTAssertEqual(try errors("extends ../base.fsm\nprotocol x\ndrop protocol demo\n"),
            "DIR/sub/x.fsm:3:6: error: expected an arc, 'blocked', 'path' or 'invariant' after 'drop' (only those can be dropped), found 'protocol'\n")
    }

    func testDropErrors() throws {
        XCTAssertEqual(try errors("extends ../base.fsm\nprotocol x\ndrop blocked SAVE -> RUNING\n"),
            "DIR/sub/x.fsm:3:1: error: the spec it extends, 'DIR/base.fsm', has no statement 'blocked SAVE -> RUNING'; did you mean 'blocked SAVE -> RUNNING'?\n")
        XCTAssertEqual(try errors("extends ../base.fsm\nprotocol x\ndrop blocked SAVE -> STOP\n"),
            "DIR/sub/x.fsm:3:1: error: the spec it extends, 'DIR/base.fsm', has no statement 'blocked SAVE -> STOP'\n")
        XCTAssertEqual(try errors("extends ../base.fsm\nprotocol x\ndrop RUNNING -> STOP\ndrop   RUNNING->STOP\nRUNNING -> STOP\n"),
            """
            DIR/sub/x.fsm:4:1: error: 'drop RUNNING -> STOP' is stated twice
            DIR/sub/x.fsm:3:1: note: first dropped here

            """)
        XCTAssertEqual(try errors("extends ../base.fsm\nprotocol x\ndrop state STOP = 1 needs BASE\n"),
            "DIR/sub/x.fsm:3:6: error: expected an arc, 'blocked', 'path' or 'invariant' after 'drop' (only those can be dropped), found 'state'\n")
        XCTAssertEqual(diagnostics(SpecDiagnosticsTests.valid + "drop RUNNING -> STOP\n"),
            "t.fsm:13:1: error: 'drop' removes a statement of the spec this one extends, and this spec extends none; add 'extends PATH'\n")
        // Dropping what others use leaves the uses unknown, at their place.
        XCTAssertEqual(try errors("extends ../base.fsm\nprotocol x\ndrop STOP -> BACK\n"), "")
    }

    func testGateErrors() {
        let spec = SpecDiagnosticsTests.valid.replacingOccurrences(of: "SAVE -> STOP", with: "SAVE -> STOP needs EXTAR")
        XCTAssertEqual(diagnostics(spec), "t.fsm:12:20: error: unknown feature 'EXTAR'; did you mean 'EXTRA'?\n")
        XCTAssertEqual(diagnostics(SpecDiagnosticsTests.valid + "SAVE -> RUNNING needs EXTRA\nblocked SAVE -> RUNNING\n"),
            "t.fsm:14:1: error: 'SAVE -> RUNNING' is declared as an arc and blocked\n")
        // The arc exists without BASE | EXTRA's EXTRA where the block still holds.
        XCTAssertEqual(diagnostics(SpecDiagnosticsTests.valid + "SAVE -> RUNNING\nblocked SAVE -> RUNNING unless EXTRA\n"),
            "t.fsm:14:1: error: 'SAVE -> RUNNING' is declared as an arc and blocked on devices that have the arc; gate the arc by the features that unblock it\n")
        XCTAssertEqual(diagnostics(SpecDiagnosticsTests.valid + "SAVE -> RUNNING needs EXTRA\nblocked SAVE -> RUNNING unless EXTRA\n"), "")
        XCTAssertEqual(diagnostics(SpecDiagnosticsTests.valid + "blocked SAVE -> RUNNING unless\n"),
            "t.fsm:13:31: error: expected a feature name at end of line\n")
    }

    /// The proposal written with `extends` behaves exactly as the same
    /// protocol written out in full: every table, arc and verdict.
    func testTheStopCopyProposalEqualsItsSpecWrittenOut() throws {
        let vfio = try String(contentsOfFile: Repository.path("Specs/vfio-v2.fsm"), encoding: .utf8)
        var full = vfio
            .replacingOccurrences(of: "protocol vfio-v2\n", with: "protocol vfio-v2-stop-copy-to-pre-copy\n")
            .replacingOccurrences(of: "blocked STOP_COPY -> PRE_COPY\n", with: "blocked STOP_COPY -> PRE_COPY unless PRE_COPY_RETURN\n")
            .replacingOccurrences(of: "blocked STOP_COPY -> PRE_COPY_P2P\n", with: "blocked STOP_COPY -> PRE_COPY_P2P unless PRE_COPY_RETURN\n")
            .replacingOccurrences(of: "invariant refused STOP_COPY -> PRE_COPY\n", with: "")
            .replacingOccurrences(of: "invariant refused STOP_COPY -> PRE_COPY_P2P\n", with: "")
        full += """
            feature PRE_COPY_RETURN = 1 << 3 needs PRE_COPY
            STOP_COPY -> PRE_COPY_P2P needs PRE_COPY_RETURN
            invariant refused STOP_COPY -> PRE_COPY unless PRE_COPY_RETURN
            invariant refused STOP_COPY -> PRE_COPY_P2P unless PRE_COPY_RETURN
            invariant path STOP_COPY -> PRE_COPY_P2P -> PRE_COPY
            invariant path STOP_COPY -> PRE_COPY with STOP_COPY | PRE_COPY | PRE_COPY_RETURN

            """
        let written = try SpecReader.read(text: full, path: "full.fsm")
        let proposal = try SpecReader.load(path: Repository.path("Specs/proposals/stop-copy-to-pre-copy.fsm"))
        XCTAssertEqual(proposal.ancestors, ["vfio-v2"])
        XCTAssertEqual(written.ancestors, [])
        let a = ProtocolPaths(model: written)
        let b = ProtocolPaths(model: proposal)
        XCTAssertEqual(a.tables.map(\.features), b.tables.map(\.features))
        for (x, y) in zip(a.tables, b.tables) {
            XCTAssertEqual(x.requiredArcs, y.requiredArcs)
            for from in x.supportedStates {
                for to in x.supportedStates {
                    XCTAssertEqual(x.next(from: from, to: to), y.next(from: from, to: to), "\(written.describe(x.features))")
                }
            }
        }
        XCTAssertEqual(KernelTable(paths: try XCTUnwrap(a.full))?.entries, KernelTable(paths: try XCTUnwrap(b.full))?.entries)
        let verdicts = { (paths: ProtocolPaths) in Checker.check(paths).results.map { "\($0.name): \($0.verdict)" }.sorted() }
        XCTAssertEqual(verdicts(a), verdicts(b))
        XCTAssertTrue(BehaviourDiff(old: written, new: proposal).isIdentical)
    }

    func testFmtKeepsExtendsDropAndGates() throws {
        let messy = """
              extends   ../vfio-v2.fsm    # the base
            protocol  p
            feature NEW=1<<3   needs PRE_COPY
            STOP_COPY->PRE_COPY_P2P  needs NEW|P2P
            drop   blocked STOP_COPY->PRE_COPY
            blocked STOP_COPY -> PRE_COPY   unless NEW
            drop invariant   refused STOP_COPY -> PRE_COPY
            invariant refused STOP_COPY->PRE_COPY unless NEW
            drop path group-interior saving contained

            """
        let source = try SourceText.read(text: messy, path: "m.fsm")
        XCTAssertEqual(SpecFormatter.format(try SpecReader.parse(source)), """
            extends ../vfio-v2.fsm # the base
            protocol p
            feature NEW = 1 << 3 needs PRE_COPY
            STOP_COPY -> PRE_COPY_P2P needs NEW | P2P
            drop blocked STOP_COPY -> PRE_COPY
            blocked STOP_COPY -> PRE_COPY unless NEW
            drop invariant refused STOP_COPY -> PRE_COPY
            invariant refused STOP_COPY -> PRE_COPY unless NEW
            drop path group-interior saving contained

            """)
        for proposal in ["stop-copy-to-pre-copy", "literal-group-rule"] {
            XCTAssertEqual(runCLI("fmt", "--check", Repository.path("Specs/proposals/\(proposal).fsm")).status, .success, proposal)
        }
    }

    /// A state named `extends` still starts an arc.
    func testAStateNamedExtendsIsNoExtendsLine() {
        let spec = SpecDiagnosticsTests.valid
            .replacingOccurrences(of: "state SAVE", with: "state extends")
            .replacingOccurrences(of: "SAVE", with: "extends")
        XCTAssertEqual(diagnostics(spec), "")
    }

    func testPathsAreNormalizedByTextAlone() {
        XCTAssertEqual(SpecExtension.normalized("Specs/proposals/../vfio-v2.fsm"), "Specs/vfio-v2.fsm")
        XCTAssertEqual(SpecExtension.normalized("./a/./b/../c.fsm"), "a/c.fsm")
        XCTAssertEqual(SpecExtension.normalized("../../x.fsm"), "../../x.fsm")
        XCTAssertEqual(SpecExtension.normalized("/a/../../x.fsm"), "/x.fsm")
        XCTAssertEqual(SpecExtension.join(SpecExtension.directory(of: "x.fsm"), "y.fsm"), "y.fsm")
        XCTAssertEqual(SpecExtension.join(SpecExtension.directory(of: "/x.fsm"), "y.fsm"), "/y.fsm")
        XCTAssertEqual(SpecExtension.join("a", "/abs.fsm"), "/abs.fsm")
    }
}
