import Foundation

/// One timed case of `migfsm-bench`: a name, what one run does, and how many
/// runs to time. Reports the median and the best of the runs.
struct Benchmark {
    var name: String
    var runs: Int
    /// Work done once before timing (building inputs).
    var setUp: () -> Void = {}
    /// One run; returns a short note (a count) printed with the figures.
    var body: () -> String

    init(_ name: String, runs: Int, setUp: @escaping () -> Void = {}, body: @escaping () -> String) {
        self.name = name
        self.runs = runs
        self.setUp = setUp
        self.body = body
    }

    /// Times the runs and prints one line: name, median, best, note.
    func run() {
        setUp()
        var times: [Double] = []
        var note = ""
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            note = body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        times.sort()
        let median = times[times.count / 2]
        print(name.padding(toLength: 48, withPad: " ", startingAt: 0)
            + String(format: "median %10.3f ms   best %10.3f ms   ", median, times[0]) + note)

    }
}
