import Foundation
import MigFSM

/// Reading and validating specs, computing every table.
enum SpecBenchmarks {
    static func vfioText() -> String {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Specs/vfio-v2.fsm").path
        return (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    static var all: [Benchmark] {
        let vfio = vfioText()
        let model = try! SpecReader.read(text: vfio, path: "Specs/vfio-v2.fsm")
        var cases = [
            Benchmark("parse+validate vfio-v2", runs: 2000) {
                let model = try! SpecReader.read(text: vfio, path: "Specs/vfio-v2.fsm")
                return "\(model.states.count) states"
            },
            Benchmark("paths: tables, arcs, paths of vfio-v2", runs: 2000) {
                // Everything the tables need: per feature set the table,
                // the required arcs, every request's path.
                let paths = ProtocolPaths(model: model)
                var walked = 0
                for table in paths.tables {
                    walked += table.requiredArcs.count + table.combinationPaths.count
                    for from in table.supportedStates {
                        for to in table.supportedStates { walked += table.path(from: from, to: to)?.count ?? 0 }
                    }
                }
                return "\(paths.tables.count) feature sets, \(walked) arcs and path states"
            },
            Benchmark("check: every proof of vfio-v2", runs: 200) {
                let report = Checker.check(model)
                return "\(report.results.count) checks"
            },
        ]
        // A proposal: reading it reads and merges the spec it extends.
        let proposal = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Specs/proposals/stop-copy-to-pre-copy.fsm").path
        let proposalModel = try! SpecReader.load(path: proposal)
        cases.append(Benchmark("load stop-copy-to-pre-copy proposal (extends vfio-v2)", runs: 1000) {
            let model = try! SpecReader.load(path: proposal)
            return "\(model.features.count) features"
        })
        cases.append(Benchmark("check: every proof of the proposal", runs: 200) {
            let report = Checker.check(proposalModel)
            return "\(report.results.count) checks"
        })
        cases.append(Benchmark("diff vfio-v2 against the proposal", runs: 200) {
            let diff = BehaviourDiff(old: model, new: proposalModel)
            return "\(diff.newFeatureSets.count) new feature sets"
        })
        let large = SyntheticSpec.text(states: 10_000, arcs: 50_000)
        cases.append(Benchmark("parse+validate 10,000 states, 50,000 arcs", runs: 5) {
            let model = try! SpecReader.read(text: large, path: "large.fsm")
            return "\(model.states.count) states, \(model.arcs.count) arcs"
        })
        for states in [250, 500, 1000, 2000] {
            let model = try! SpecReader.read(text: SyntheticSpec.text(states: states, arcs: states * 5), path: "s.fsm")
            cases.append(Benchmark("all-pairs paths, \(states) states, \(states * 5) arcs", runs: states >= 1000 ? 3 : 5) {
                let paths = ProtocolPaths(model: model)
                let served = paths.tables.reduce(0) { total, table in
                    total + table.supportedStates.reduce(0) { sum, from in
                        sum + table.supportedStates.filter { table.nextState(from: from, to: $0) != nil }.count
                    }
                }
                return "\(served) served requests"
            })
        }
        return cases
    }
}

/// Generates large specs for the benchmarks: a ring through every state (so
/// all pairs are reachable) plus pseudo-random chords, a saving group under
/// the contained rule, one optional feature, deterministic.
enum SyntheticSpec {
    static func text(states: Int, arcs: Int) -> String {
        var lines = [
            "protocol synthetic",
            "feature BASE = 1 << 0 mandatory",
            "feature EXTRA = 1 << 1 needs BASE",
            "state ERROR = 0 error",
            "path tie-break lowest-value",
            "path group-interior saving contained",
        ]
        for index in 1...states {
            var line = "state S\(index) = \(index) needs BASE"
            if index % 7 == 0 { line += " | EXTRA" }
            if index == 1 { line += " reset" }
            if index % 50 == 0 { line += " session saving" }
            lines.append(line)
        }
        lines.append("group saving = " + stride(from: 50, through: states, by: 50).map { "S\($0)" }.joined(separator: ", "))
        var seen = Set<Int>()
        for index in 1...states {
            let next = index % states + 1
            seen.insert(index * (states + 1) + next)
            lines.append("S\(index) -> S\(next)")
        }
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        while seen.count < arcs {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            let from = Int(seed >> 33) % states + 1
            let to = Int((seed >> 13) & 0xFFFFF) % states + 1
            if from == to || !seen.insert(from * (states + 1) + to).inserted { continue }
            lines.append("S\(from) -> S\(to)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
