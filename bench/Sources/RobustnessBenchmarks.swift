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
        let bigCycle = PathologicalInput.ringSpec(states: 1000)
        // The same cycle, every state renumbered: a diff that compares
        // every request and finds only value changes.
        let renumbered = bigCycle.split(separator: "\n").map { line -> String in
            guard line.hasPrefix("state S"), !line.contains(" error"), let equals = line.range(of: " = ") else { return String(line) }
            return line[..<equals.upperBound] + "1" + line[equals.upperBound...]
        }.joined(separator: "\n") + "\n"
        let features = PathologicalInput.featureSpec(features: 16)
        let sparse = PathologicalInput.sparseSpec(largest: 4095)
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
            Benchmark("robustness: check, one cycle of 1,000", runs: 3) {
                let model = try! SpecReader.read(text: bigCycle, path: "p.fsm")
                return "\(Checker.check(model).allHold ? "holds" : "fails") (bound 2000 ms)"
            },
            Benchmark("robustness: diff, cycle of 1,000 renumbered", runs: 3) {
                let old = try! SpecReader.read(text: bigCycle, path: "old.fsm")
                let new = try! SpecReader.read(text: renumbered, path: "new.fsm")
                let diff = BehaviourDiff(old: old, new: new)
                return "\(diff.valueChanges.count) value changes, paths identical: \(diff.featureSets.allSatisfy(\.isEmpty)) (bound 2000 ms)"
            },
            Benchmark("robustness: check, 16 features (65,536 sets)", runs: 3) {
                let model = try! SpecReader.read(text: features, path: "p.fsm")
                return "\(Checker.check(model).allHold ? "holds" : "fails") (bound 2000 ms)"
            },
            Benchmark("robustness: check, states 0, 1 and 4095", runs: 5) {
                let model = try! SpecReader.read(text: sparse, path: "p.fsm")
                return "\(Checker.check(model).rendered.utf8.count) bytes of report (bound 100 ms)"
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
