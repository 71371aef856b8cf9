import Foundation
import MigFSM

/// The exploration engine on vfio-v2, in-process: one device per feature
/// set, the free user of several devices with and without symmetry
/// reduction, and the QEMU source policy, on one thread and on two.
enum ExploreBenchmarks {
    static var all: [Benchmark] {
        let model = try! SpecReader.read(text: SpecBenchmarks.vfioText(), path: "Specs/vfio-v2.fsm")
        let sets = model.validFeatureSets
        let standard = DriverDescription.standard(featureSets: sets)
        let full = model.allFeatures
        let policy = try! PolicyReader.read(text: qemuSourceText(), path: "qemu-source.policy", model: model)
        func devices(_ count: Int, policy: Policy? = nil, symmetry: Bool) -> MultiExplorer {
            let setup = DeviceSetup(driver: standard, driverPath: nil, features: full)
            return MultiExplorer(model: model, devices: Array(repeating: setup, count: count), policy: policy,
                                 symmetry: symmetry)!
        }
        func search(_ explorer: MultiExplorer, threads: Int) -> String {
            let run = explorer.run(options: SearchOptions(threads: threads))
            return describe(run.states, run.transitions, run.statistics)
        }
        return [
            Benchmark("explore: vfio-v2, default driver, every set", runs: 50) {
                let report = ExploreReport.explore(model: model, driver: standard, driverPath: nil, featureSets: sets)!
                let states = report.explorations.reduce(0) { $0 + $1.states }
                let transitions = report.explorations.reduce(0) { $0 + $1.transitions }
                return "\(states) states, \(transitions) transitions"
            },
            Benchmark("explore: 4 free, no symmetry, 1 thread", runs: 5) {
                search(devices(4, symmetry: false), threads: 1)
            },
            Benchmark("explore: 4 free, no symmetry, 2 threads", runs: 5) {
                search(devices(4, symmetry: false), threads: 2)
            },
            Benchmark("explore: 8 free, symmetry, 1 thread", runs: 3) {
                search(devices(8, symmetry: true), threads: 1)
            },
            Benchmark("explore: 8 free, symmetry, 2 threads", runs: 3) {
                search(devices(8, symmetry: true), threads: 2)
            },
            Benchmark("explore: 6 qemu-source, in order", runs: 5) {
                search(devices(6, policy: policy, symmetry: false), threads: 1)
            },
            Benchmark("explore: 6 qemu-source, symmetry", runs: 5) {
                search(devices(6, policy: policy, symmetry: true), threads: 1)
            },
            Benchmark("explore: 8 qemu-source, symmetry", runs: 3) {
                search(devices(8, policy: policy, symmetry: true), threads: 1)
            },
        ]
    }

    /// `160000 states, 40320000 transitions; search 52.1 ms, 774.0 M
    /// transitions/s, 4800000 lookups, 45.9 bytes/state`
    static func describe(_ states: Int, _ transitions: Int, _ statistics: SearchStatistics) -> String {
        let seconds = max(statistics.seconds, 1e-9)
        return "\(states) states, \(transitions) transitions; "
            + String(format: "search %.1f ms, %.1f M transitions/s, %.2f M states/s, ", seconds * 1000,
                     Double(transitions) / seconds / 1e6, Double(states) / seconds / 1e6)
            + "\(statistics.lookups) lookups, \(statistics.threads) thread\(statistics.threads == 1 ? "" : "s"), "
            + String(format: "%.1f bytes/state", Double(statistics.peakBytes) / Double(max(states, 1)))
    }

    /// Specs/policies/qemu-source.policy, found from this file.
    static func qemuSourceText() -> String {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Specs/policies/qemu-source.policy").path
        return (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }
}
