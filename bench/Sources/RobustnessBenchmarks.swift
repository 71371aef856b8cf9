import Foundation
import MigFSM
import MigFSMTestSupport

/// The pathological inputs of the Robustness tests, timed; each
/// case's note names the bound (README) its median must stay under.
enum RobustnessBenchmarks {
    static func vfio() -> MigrationProtocol {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Specs/vfio-v2.fsm").path
        return try! SpecReader.load(path: path)
    }

    /// Reads spec text; the note is the state and arc count or the error count.
    static func readSpec(_ text: String, bound: Double) -> String {
        do throws(DiagnosticList) {
            let model = try SpecReader.read(text: text, path: "p.fsm")
            return "\(model.states.count) states, \(model.arcs.count) arcs (bound \(bound) ms)"
        } catch {
            return "\(error.diagnostics.count) errors (bound \(bound) ms)"
        }
    }

    static func importC(_ text: String, _ model: MigrationProtocol, bound: Double) -> String {
        do throws(DiagnosticList) {
            let source = CSource(try! SourceText(path: "p.c", bytes: Array(text.utf8)))
            let code = try KernelCodeImport.read(source, model: model)
            return "agrees: \(ImportReport(code: code, model: model).agrees) (bound \(bound) ms)"
        } catch {
            return "\(error.diagnostics.count) errors (bound \(bound) ms)"
        }
    }

    static var all: [Benchmark] {
        let model = vfio()
        let ring = PathologicalInput.ringSpec(states: 100_000)
        let dense = PathologicalInput.denseSpec(arcs: 1_000_000).text
        let complete = PathologicalInput.completeSpec(states: 100)
        let cycle = PathologicalInput.ringSpec(states: 200)
        let longLine = PathologicalInput.longLineSpec(bytes: 10 << 20)
        let longToken = PathologicalInput.longTokenSpec(bytes: 10 << 20)
        let typos = PathologicalInput.typoSpec(states: 100_000, count: 100_000)
        let nested = PathologicalInput.deeplyNestedC(depth: 1_000_000)
        let kernel = PathologicalInput.largeKernelFile(bytes: 10 << 20, model: model)
        let oneLine = PathologicalInput.singleLineC(bytes: 10 << 20, model: model)
        return [
            Benchmark("robustness: spec, 100,000 states on a cycle", runs: 5) { readSpec(ring, bound: 1000) },
            Benchmark("robustness: spec, 1,000,000 arcs", runs: 3) { readSpec(dense, bound: 5000) },
            Benchmark("robustness: check, complete graph of 100", runs: 3) {
                let model = try! SpecReader.read(text: complete, path: "p.fsm")
                return "\(Checker.check(model).allHold ? "holds" : "fails") (bound 5000 ms)"
            },
            Benchmark("robustness: check, one cycle of 200", runs: 3) {
                let model = try! SpecReader.read(text: cycle, path: "p.fsm")
                return "\(Checker.check(model).allHold ? "holds" : "fails") (bound 5000 ms)"
            },
            Benchmark("robustness: spec, 10 MB line + 10 MB comment", runs: 3) { readSpec(longLine, bound: 5000) },
            Benchmark("robustness: spec, one 10 MB token", runs: 5) { readSpec(longToken, bound: 1000) },
            Benchmark("robustness: spec, 100,000 typos of 100,000", runs: 3) { readSpec(typos, bound: 5000) },
            Benchmark("robustness: C, nested 1,000,000 deep", runs: 3) { importC(nested, model, bound: 5000) },
            Benchmark("robustness: C, 10 MB kernel file", runs: 3) { importC(kernel, model, bound: 5000) },
            Benchmark("robustness: C, 10 MB on one line", runs: 3) { importC(oneLine, model, bound: 5000) },
        ]
    }
}
