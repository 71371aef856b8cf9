import Foundation
import MigFSM

/// The fault-injection explorer on vfio-v2, in-process.
enum ExploreBenchmarks {
    static var all: [Benchmark] {
        let model = try! SpecReader.read(text: SpecBenchmarks.vfioText(), path: "Specs/vfio-v2.fsm")
        let sets = model.validFeatureSets
        let standard = DriverDescription.standard(featureSets: sets)
        let full = model.allFeatures
        return [
            Benchmark("explore: vfio-v2, default driver, every set", runs: 50) {
                measure {
                    let report = ExploreReport.explore(model: model, driver: standard, driverPath: nil, featureSets: sets)!
                    return report.explorations.reduce((0, 0)) { ($0.0 + $1.states, $0.1 + $1.transitions) }
                }
            },
            Benchmark("explore: vfio-v2, all features, 3 devices", runs: 3) {
                measure {
                    let machine = DriverMachine(model: model, features: full, driver: standard)!
                    let result = Explorer(machine: machine, devices: 3)!.run()
                    return (result.states, result.transitions)
                }
            },
        ]
    }

    /// Runs `body` once more under its own clock to report throughput.
    static func measure(_ body: () -> (states: Int, transitions: Int)) -> String {
        let start = DispatchTime.now().uptimeNanoseconds
        let (states, transitions) = body()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return "\(states) states, \(transitions) transitions, "
            + String(format: "%.0f states/s, %.0f transitions/s", Double(states) / seconds, Double(transitions) / seconds)
    }
}
