import Foundation

/// What a search measured about itself: never part of a report's normal
/// output (it differs run to run), printed by `explore --stats`.
public struct SearchStatistics: Sendable, Equatable {
    /// Wall-clock seconds of the search (compiling the tables and
    /// rebuilding traces excluded).
    public var seconds: Double = 0
    /// The most threads a level ran on.
    public var threads = 1
    /// Peak bytes the search held: visited set, parent and edge per state,
    /// the frontiers, and what threads hand over within a level.
    public var peakBytes = 0
    /// Successor keys looked up in the visited set (one probe sequence each).
    public var lookups = 0

    public init() {}

    /// `search 1.234 s, 160000 states (129654 states/s), 40320000
    /// transitions (32.7 M/s), 6.1 M lookups (0.15 per transition), 2 threads,
    /// 31.2 bytes/state`
    public func line(states: Int, transitions: Int) -> String {
        let time = max(seconds, 1e-9)
        func rate(_ count: Int) -> String {
            let perSecond = Double(count) / time
            return perSecond >= 1e6 ? String(format: "%.1f M/s", perSecond / 1e6) : String(format: "%.0f/s", perSecond)
        }
        let perTransition = transitions == 0 ? 0 : Double(lookups) / Double(transitions)
        return String(format: "search %.3f ms, ", seconds * 1000)
            + "\(states) states (\(rate(states))), \(transitions) transitions (\(rate(transitions))), "
            + "\(lookups) lookups (" + String(format: "%.2f", perTransition) + " per transition), "
            + "\(threads) thread\(threads == 1 ? "" : "s"), "
            + String(format: "%.1f bytes/state", states == 0 ? 0 : Double(peakBytes) / Double(states))
    }
}
