import XCTest
@testable import MigFSM
import MigFSMTestSupport

/// Pathological inputs give the right answer (the benchmark `migfsm-bench
/// robustness` times them): huge specs, cycles everywhere, long lines, deep
/// nesting, a 10 MB C file.
final class RobustnessPathologicalTests: XCTestCase {
    func testHundredThousandStatesOnOneCycleValidate() throws {
        let model = try SpecReader.read(text: PathologicalInput.ringSpec(states: 100_000), path: "ring.fsm")
        XCTAssertEqual(model.states.count, 100_000)
        XCTAssertEqual(model.arcs.count, 99_999)
        XCTAssertEqual(model.states[model.errorState].name, "S0")
        XCTAssertEqual(model.states[model.resetState].name, "S1")
        let last = model.arcs.last!
        XCTAssertEqual([model.states[last.from].name, model.states[last.to].name], ["S99999", "S1"])
    }

    func testMillionArcsValidate() throws {
        let dense = PathologicalInput.denseSpec(arcs: 1_000_000)
        XCTAssertEqual(dense.states, 1002)
        let model = try SpecReader.read(text: dense.text, path: "dense.fsm")
        XCTAssertEqual(model.arcs.count, 1_000_000)
        XCTAssertEqual(Set(model.arcs).count, 1_000_000)
        // Row order: S1 reaches all 1000 others first; rows S1...S1000 are
        // complete, so the last arc is S1000 -> S1001 and S1001 has none.
        XCTAssertEqual(model.arcs.prefix(1000).filter { model.states[$0.from].name == "S1" }.count, 1000)
        let last = model.arcs.last!
        XCTAssertEqual([model.states[last.from].name, model.states[last.to].name], ["S1000", "S1001"])
        let sink = model.id("S1001")
        XCTAssertFalse(model.arcs.contains { $0.from == sink })
    }

    func testCyclesEverywhereAreProven() {
        // A complete graph: every request is its own arc.
        let complete = try? SpecReader.read(text: PathologicalInput.completeSpec(states: 40), path: "complete.fsm")
        let report = Checker.check(complete!)
        XCTAssertTrue(report.allHold, report.rendered)
        let table = ProtocolPaths(model: complete!).full!
        XCTAssertEqual(table.supportedStates.count, 39)
        XCTAssertEqual(table.requiredArcs.count, 39 * 38)
        // One ring: the request S2 -> S1 walks the whole cycle.
        let ring = try? SpecReader.read(text: PathologicalInput.ringSpec(states: 60), path: "ring.fsm")
        let ringPaths = ProtocolPaths(model: ring!).full!
        XCTAssertEqual(ringPaths.path(from: ring!.id("S2"), to: ring!.id("S1"))?.count, 59)
        XCTAssertTrue(Checker.check(ring!).allHold)
    }

    func testLongLinesAreReadAndReportedOnce() {
        let text = PathologicalInput.longLineSpec(bytes: 1 << 20)
        let rendered = diagnostics(text, path: "long.fsm")
        // Every member after the first 50 repeats one: errors are capped.
        let line = PathologicalInput.ringSpec(states: 60).split(separator: "\n", omittingEmptySubsequences: false).count
        XCTAssertTrue(rendered.contains("long.fsm:\(line):"), rendered)
        XCTAssertTrue(rendered.contains("too many errors:"), rendered)
        XCTAssertEqual(rendered.split(separator: "\n").filter { $0.contains(": error: ") }.count, SpecReader.errorLimit + 1)
    }

    func testTenMegabyteTokenIsOneError() {
        let rendered = diagnostics(PathologicalInput.longTokenSpec(bytes: 10 << 20), path: "token.fsm")
        XCTAssertTrue(rendered.contains("token.fsm:3:7: error: token is 10485760 characters long; at most 255 are allowed"), rendered)
    }

    func testTyposAgainstManyStatesAreAllReported() {
        let rendered = diagnostics(PathologicalInput.typoSpec(states: 20_000, count: 20_000), path: "typo.fsm")
        XCTAssertTrue(rendered.contains("unknown state 'T1'; did you mean 'S1'?"), rendered)
        XCTAssertTrue(rendered.contains("too many errors: 19900 more not shown"), rendered)
    }

    func testDeeplyNestedCIsRefusedWithoutRecursing() {
        let source = CSource(try! SourceText(path: "deep.c", bytes: Array(PathologicalInput.deeplyNestedC(depth: 100_000).utf8)))
        XCTAssertThrowsError(try KernelCodeImport.read(source, model: Repository.vfio)) { error in
            let rendered = (error as! DiagnosticList).rendered
            XCTAssertTrue(rendered.contains("expression nested more than \(CConstantExpression.maximumDepth) deep"), rendered)
        }
    }

    func testTenMegabyteKernelFileGivesTheSmallFilesReport() throws {
        let text = PathologicalInput.largeKernelFile(bytes: 10 << 20, model: Repository.vfio)
        XCTAssertGreaterThanOrEqual(text.utf8.count, 10 << 20)
        let code = try KernelCodeImport.read(CSource(SourceText(path: "small.c", bytes: Array(text.utf8))), model: Repository.vfio)
        XCTAssertEqual(code.table.size, 8)
        XCTAssertEqual(Self.verdicts(ImportReport(code: code, model: Repository.vfio)), Self.smallReport)
    }

    func testTenMegabyteSingleLineCGivesTheSmallFilesReport() throws {
        let text = PathologicalInput.singleLineC(bytes: 10 << 20, model: Repository.vfio)
        XCTAssertEqual(text.utf8.count, 10 << 20)
        XCTAssertFalse(text.contains("\n"))
        let code = try KernelCodeImport.read(CSource(SourceText(path: "small.c", bytes: Array(text.utf8))), model: Repository.vfio)
        XCTAssertEqual(Self.verdicts(ImportReport(code: code, model: Repository.vfio)), Self.smallReport)
    }

    /// The report on the same tables in a file of their own: the spec's
    /// table, so the kernel lookup's known divergences on vfio-v2.
    static let smallReport: [String] = {
        let text = ImportBenchmarkInput.kernelFile(lines: 0, model: Repository.vfio)
        let code = try! KernelCodeImport.read(CSource(SourceText(path: "small.c", bytes: Array(text.utf8))), model: Repository.vfio)
        return verdicts(ImportReport(code: code, model: Repository.vfio))
    }()

    /// The report without the lines naming where the tables are.
    static func verdicts(_ report: ImportReport) -> [String] {
        report.rendered.split(separator: "\n").map(String.init).filter { !$0.contains("small.c:") }
    }
}
