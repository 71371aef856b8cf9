import XCTest
@testable import MigFSM

/// The computed tables and paths against the seeds' tables and the uAPI
/// comment's lists (DOMAIN.md sections 3 and 4).
final class PathTableTests: XCTestCase {
    let model = Repository.vfio
    lazy var paths = ProtocolPaths(model: model)

    func table(_ names: String...) -> PathTable {
        paths.table(for: model.featureSet(named: names)!)!
    }

    func arcs(_ table: PathTable) -> [String] {
        table.requiredArcs.map { model.describe($0) }
    }

    func testWithStopCopyAloneTheTableIsSeed000s() {
        // vfio_from_fsm_table of seed 000, row by row (ERROR column aside).
        let seed: [String: [String: String]] = [
            "STOP": ["STOP": "STOP", "RUNNING": "RUNNING", "STOP_COPY": "STOP_COPY", "RESUMING": "RESUMING"],
            "RUNNING": ["STOP": "STOP", "RUNNING": "RUNNING", "STOP_COPY": "STOP", "RESUMING": "STOP"],
            "STOP_COPY": ["STOP": "STOP", "RUNNING": "STOP", "STOP_COPY": "STOP_COPY", "RESUMING": "STOP"],
            "RESUMING": ["STOP": "STOP", "RUNNING": "STOP", "STOP_COPY": "STOP", "RESUMING": "RESUMING"],
        ]
        let stopCopy = table("STOP_COPY")
        XCTAssertEqual(stopCopy.supportedStates.map { model.states[$0].name }, ["STOP", "RUNNING", "STOP_COPY", "RESUMING"])
        for (from, row) in seed {
            for (to, next) in row {
                XCTAssertEqual(stopCopy.nextState(from: model.id(from), to: model.id(to)).map { model.states[$0].name }, next, "\(from) -> \(to)")
            }
            XCTAssertNil(stopCopy.nextState(from: model.id(from), to: model.id("ERROR")))
            XCTAssertNil(stopCopy.nextState(from: model.id("ERROR"), to: model.id(from)))
        }
    }

    func testWithAllFeaturesTheKernelTableIsSeed001s() throws {
        // The 8-state vfio_from_fsm_table of seed 001 (context and + lines).
        let seed: [String: [String: String]] = [
            "STOP": ["STOP": "STOP", "RUNNING": "RUNNING_P2P", "PRE_COPY": "RUNNING_P2P", "PRE_COPY_P2P": "RUNNING_P2P", "STOP_COPY": "STOP_COPY", "RESUMING": "RESUMING", "RUNNING_P2P": "RUNNING_P2P"],
            "RUNNING": ["STOP": "RUNNING_P2P", "RUNNING": "RUNNING", "PRE_COPY": "PRE_COPY", "PRE_COPY_P2P": "RUNNING_P2P", "STOP_COPY": "RUNNING_P2P", "RESUMING": "RUNNING_P2P", "RUNNING_P2P": "RUNNING_P2P", "ERROR": "ERROR"],
            "PRE_COPY": ["STOP": "RUNNING", "RUNNING": "RUNNING", "PRE_COPY": "PRE_COPY", "PRE_COPY_P2P": "PRE_COPY_P2P", "STOP_COPY": "PRE_COPY_P2P", "RESUMING": "RUNNING", "RUNNING_P2P": "RUNNING", "ERROR": "ERROR"],
            "PRE_COPY_P2P": ["STOP": "RUNNING_P2P", "RUNNING": "RUNNING_P2P", "PRE_COPY": "PRE_COPY", "PRE_COPY_P2P": "PRE_COPY_P2P", "STOP_COPY": "STOP_COPY", "RESUMING": "RUNNING_P2P", "RUNNING_P2P": "RUNNING_P2P", "ERROR": "ERROR"],
            "STOP_COPY": ["STOP": "STOP", "RUNNING": "STOP", "PRE_COPY": "ERROR", "PRE_COPY_P2P": "ERROR", "STOP_COPY": "STOP_COPY", "RESUMING": "STOP", "RUNNING_P2P": "STOP"],
            "RESUMING": ["STOP": "STOP", "RUNNING": "STOP", "PRE_COPY": "STOP", "PRE_COPY_P2P": "STOP", "STOP_COPY": "STOP", "RESUMING": "RESUMING", "RUNNING_P2P": "STOP"],
            "RUNNING_P2P": ["STOP": "STOP", "RUNNING": "RUNNING", "PRE_COPY": "RUNNING", "PRE_COPY_P2P": "PRE_COPY_P2P", "STOP_COPY": "STOP", "RESUMING": "STOP", "RUNNING_P2P": "RUNNING_P2P"],
            "ERROR": ["STOP": "ERROR", "RUNNING": "ERROR", "PRE_COPY": "ERROR", "PRE_COPY_P2P": "ERROR", "STOP_COPY": "ERROR", "RESUMING": "ERROR", "RUNNING_P2P": "ERROR"],
        ]
        let kernel = try XCTUnwrap(KernelTable(paths: paths.full!))
        XCTAssertEqual(kernel.size, 8)
        var compared = 0
        for (from, row) in seed {
            for (to, next) in row {
                let value = kernel.entry(model.states[model.id(from)].value, model.states[model.id(to)].value)
                XCTAssertEqual(model.states.first { $0.value == value }?.name, next, "\(from) -> \(to)")
                compared += 1
            }
        }
        XCTAssertEqual(compared, 59)
        XCTAssertEqual(kernel.masks, [~0, 1, 1, 1, 1, 3, 5, 7])
    }

    func testRequiredArcsAreDomainSection3sLists() {
        let always = ["STOP -> STOP_COPY", "STOP -> RESUMING", "STOP_COPY -> STOP", "RESUMING -> STOP"]
        XCTAssertEqual(Set(arcs(table("STOP_COPY"))), Set(always + ["RUNNING -> STOP", "STOP -> RUNNING"]))
        XCTAssertEqual(Set(arcs(table("STOP_COPY", "P2P"))), Set(always + [
            "RUNNING -> RUNNING_P2P", "RUNNING_P2P -> RUNNING", "RUNNING_P2P -> STOP", "STOP -> RUNNING_P2P"]))
        XCTAssertEqual(Set(arcs(table("STOP_COPY", "PRE_COPY"))), Set(always + [
            "RUNNING -> STOP", "STOP -> RUNNING",
            "RUNNING -> PRE_COPY", "PRE_COPY -> RUNNING", "PRE_COPY -> STOP_COPY"]))
        XCTAssertEqual(Set(arcs(table("STOP_COPY", "P2P", "PRE_COPY"))), Set(always + [
            "RUNNING -> RUNNING_P2P", "RUNNING_P2P -> RUNNING", "RUNNING_P2P -> STOP", "STOP -> RUNNING_P2P",
            "PRE_COPY -> RUNNING", "PRE_COPY -> PRE_COPY_P2P", "PRE_COPY_P2P -> PRE_COPY",
            "PRE_COPY_P2P -> RUNNING_P2P", "PRE_COPY_P2P -> STOP_COPY", "RUNNING -> PRE_COPY",
            "RUNNING_P2P -> PRE_COPY_P2P"]))
    }

    func testRequiredArcsAreSortedByValue() {
        XCTAssertEqual(arcs(table("STOP_COPY")), [
            "STOP -> RUNNING", "STOP -> STOP_COPY", "STOP -> RESUMING",
            "RUNNING -> STOP", "STOP_COPY -> STOP", "RESUMING -> STOP"])
    }

    func testWithAllFeaturesTheCombinationTransitionsAreTheUAPIComments() {
        XCTAssertEqual(TableText.combinationPaths(paths.full!), Oracles.allFeaturesCombinationTransitions)
    }

    func testWithStopCopyAloneTheCombinationTransitionsAreSeed000s() {
        XCTAssertEqual(TableText.combinationPaths(table("STOP_COPY")), """
            RESUMING -> STOP -> RUNNING
            RESUMING -> STOP -> STOP_COPY
            RUNNING -> STOP -> RESUMING
            RUNNING -> STOP -> STOP_COPY
            STOP_COPY -> STOP -> RESUMING
            STOP_COPY -> STOP -> RUNNING

            """)
    }

    func testWithP2PAndPreCopyRunningToStopCopyWalksRunningP2PAndStop() {
        let full = paths.full!
        XCTAssertEqual(full.path(from: model.id("RUNNING"), to: model.id("STOP_COPY")).map { model.describe(path: $0) },
                       "RUNNING -> RUNNING_P2P -> STOP -> STOP_COPY")
    }

    func testWithPreCopyAlonePreCopyToStopCopyIsOneContractedArc() {
        let preCopy = table("STOP_COPY", "PRE_COPY")
        XCTAssertEqual(preCopy.path(from: model.id("PRE_COPY"), to: model.id("STOP_COPY")), [model.id("PRE_COPY"), model.id("STOP_COPY")])
        XCTAssertEqual(preCopy.path(from: model.id("PRE_COPY"), to: model.id("STOP")).map { model.describe(path: $0) },
                       "PRE_COPY -> RUNNING -> STOP")
    }

    func testBlockedAndErrorRequestsAreRefused() {
        let full = paths.full!
        XCTAssertEqual(full.next(from: model.id("STOP_COPY"), to: model.id("PRE_COPY")), .failure(.blocked))
        XCTAssertEqual(full.next(from: model.id("STOP_COPY"), to: model.id("PRE_COPY_P2P")), .failure(.blocked))
        XCTAssertEqual(full.next(from: model.id("RUNNING"), to: model.id("ERROR")), .failure(.errorState))
        XCTAssertEqual(full.next(from: model.id("ERROR"), to: model.id("RUNNING")), .failure(.errorState))
        XCTAssertEqual(table("STOP_COPY").next(from: model.id("RUNNING"), to: model.id("RUNNING_P2P")), .failure(.unsupported))
    }

    func testTheLiteralReadingDepartsOnPreCopyToStopCopy() {
        let literal = ProtocolPaths(model: model, rule: model.pathRule.reading(.literal))
        XCTAssertEqual(literal.full!.path(from: model.id("PRE_COPY"), to: model.id("STOP_COPY")).map { model.describe(path: $0) },
                       "PRE_COPY -> RUNNING -> RUNNING_P2P -> STOP -> STOP_COPY")
        // With PRE_COPY alone the literal reading has no PRE_COPY -> STOP_COPY arc at all.
        let preCopy = literal.table(for: model.set("STOP_COPY", "PRE_COPY"))!
        XCTAssertEqual(arcs(preCopy).contains("PRE_COPY -> STOP_COPY"), false)
    }

    func testTiesAreFoundAndReportedWithBothPaths() throws {
        let diamond = """
            protocol diamond
            feature BASE = 1 << 0 mandatory
            state ERROR = 0 error
            state A = 1 needs BASE reset
            state B = 2 needs BASE
            state C = 3 needs BASE
            state D = 4 needs BASE
            A -> C
            A -> B
            B -> D
            C -> D
            D -> A

            """
        let model = try SpecReader.read(text: diamond, path: "diamond.fsm")
        let table = ProtocolPaths(model: model).full!
        XCTAssertEqual(table.ties.map { $0.paths.map { model.describe(path: $0) } }, [["A -> B -> D", "A -> C -> D"]])
        let report = Checker.check(model)
        XCTAssertFalse(report.allHold)
        XCTAssertTrue(report.rendered.contains("FAILS  ties: 1 violation\n       {BASE} A -> D has equally short paths A -> B -> D and A -> C -> D\n"), report.rendered)

        let broken = try SpecReader.read(text: diamond + "path tie-break lowest-value\n", path: "diamond.fsm")
        let resolved = ProtocolPaths(model: broken).full!
        XCTAssertEqual(resolved.ties, [])
        XCTAssertEqual(resolved.path(from: broken.id("A"), to: broken.id("D")).map { broken.describe(path: $0) }, "A -> B -> D")
    }
}
