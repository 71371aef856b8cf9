import Foundation

// migfsm-bench: the performance figures of README, measured in-process.
// Build and run in release: swift run -c release migfsm-bench [FILTER]
// Each area adds its cases in its own file and one line here.
let suites: [(String, () -> [Benchmark])] = [
    ("spec", { SpecBenchmarks.all }),
    ("import", { ImportBenchmarks.all }),
    ("explore", { ExploreBenchmarks.all }),
    ("explore probe limit", { ProbeLimitBenchmarks.all }),
    ("robustness", { RobustnessBenchmarks.all }),
]

let filter = CommandLine.arguments.dropFirst().first
for (name, cases) in suites {
    for benchmark in cases() where filter == nil || name.contains(filter!) || benchmark.name.contains(filter!) {
        benchmark.run()
    }
}
