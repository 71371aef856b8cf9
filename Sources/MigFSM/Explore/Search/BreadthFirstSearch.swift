import Dispatch
import Foundation

/// Called now and then during a long search with the states stored, states
/// per second and states queued.
public typealias SearchProgress = (_ states: Int, _ perSecond: Double, _ queue: Int) -> Void

/// How a search runs: threads, a bound on states, progress reports.
public struct SearchOptions {
    /// Worker threads for large levels (1: everything on the caller's thread).
    public var threads: Int
    /// Stop storing states at this many (the verdict is then incomplete).
    public var maxStates: Int?
    /// Called now and then from the caller's thread with the states
    /// stored, states per second and states queued.
    public var progress: SearchProgress?
    /// Levels with fewer states run on one thread (tests lower it to run
    /// tiny systems in parallel).
    var parallelThreshold = 4096
    /// Whether the search times its large levels and keeps to the faster
    /// of one thread and several; off, every large level runs on all
    /// threads (tests, to exercise them).
    var adaptive = true

    public init(threads: Int = 1, maxStates: Int? = nil, progress: SearchProgress? = nil) {
        self.threads = max(1, threads)
        self.maxStates = maxStates
        self.progress = progress
    }
}

/// The outcome of one breadth-first search: the size of the reachable
/// space, and for each violated property the edges of a shortest path to
/// the first transition (in search order) that breaks it.
struct SearchOutcome: Sendable {
    var states: Int
    var transitions: Int
    /// The breadth-first level of the last state stored.
    var depth: Int
    /// The search stopped at `maxStates`.
    var incomplete: Bool
    /// States stored but not expanded when it stopped.
    var queued: Int
    /// Property index and path, in property order.
    var violations: [(property: Int, path: [UInt32])]
    /// A digest of every state's parent and edge: equal digests, equal
    /// search orders (tests compare runs with 1 and 2 threads).
    var orderDigest: UInt64
    var statistics: SearchStatistics
}

/// The one exploration engine: a breadth-first search over packed states
/// of any `TransitionSystem`, level by level, to a fixed point.
///
/// Each state is numbered in breadth-first order and remembers its parent
/// and the edge that first reached it (8 bytes), its key living only in
/// the visited set and, while its level is being expanded, in the
/// frontier. Large levels are expanded on several threads: each thread
/// takes fixed chunks of the frontier and probes the visited set read-only
/// (nobody inserts meanwhile), keeping only successors not stored yet;
/// then the chunks' candidates are inserted on one thread in frontier
/// order. A state's number, parent and edge, and the first violation of
/// each property, are therefore exactly those of a one-thread search,
/// whatever the number of threads: traces stay shortest and output stays
/// byte-identical.
struct BreadthFirstSearch<System: TransitionSystem> {
    typealias Key = System.Key
    let system: System
    let options: SearchOptions

    /// The first violation of a property: the state it leaves and the edge.
    struct Found: Sendable {
        var source: UInt32
        var edge: UInt32
    }

    func run() -> SearchOutcome {
        let clock = ContinuousClock()
        let started = clock.now
        var lastReport = started
        var statistics = SearchStatistics()
        let limit = min(options.maxStates ?? Int(UInt32.max - 1), Int(UInt32.max - 1))
        var state = SearchState(system: system, limit: limit,
                                expected: min(options.maxStates ?? (1 << 12), 1 << 24))
        defer { state.visited.release() }
        var frontier: [Key] = [system.initialKey]
        _ = state.visited.insert(system.initialKey)
        state.parents.append(UInt32.max)
        state.edges.append(0)
        var base = 0
        var depth = 0
        var queued = 0
        var choice = ThreadChoice()
        level: while !frontier.isEmpty {
            state.next = []
            let large = options.threads > 1 && frontier.count >= options.parallelThreshold
            let parallel = large && (!options.adaptive || choice.parallelNext())
            let levelStarted = clock.now
            if parallel {
                statistics.threads = max(statistics.threads, options.threads)
                if let cut = expandInParallel(frontier, base: base, into: &state, statistics: &statistics) {
                    queued = frontier.count - (cut + 1) + state.next.count
                    state.incomplete = true
                }
            } else {
                let system = self.system
                for (offset, key) in frontier.enumerated() {
                    state.source = UInt32(base + offset)
                    system.expand(key, into: &state)
                    if state.refused {
                        queued = frontier.count - (offset + 1) + state.next.count
                        state.incomplete = true
                        break
                    }
                    if let progress = options.progress, offset & 0x3FFF == 0x3FFF {
                        let now = clock.now
                        if now - lastReport > .milliseconds(500) {
                            lastReport = now
                            let count = state.visited.count
                            progress(count, Double(count) / max(Self.seconds(now - started), 1e-9),
                                     frontier.count - offset - 1 + state.next.count)
                        }
                    }
                }
            }
            if large {
                choice.record(parallel: parallel, seconds: Self.seconds(clock.now - levelStarted), states: frontier.count)
            }
            var next: [Key] = []
            swap(&next, &state.next)
            statistics.peakBytes = max(statistics.peakBytes, state.bytes
                + (frontier.capacity + next.capacity) * MemoryLayout<Key>.stride)
            if !next.isEmpty { depth += 1 }
            if state.incomplete { break level }
            base += frontier.count
            frontier = next
            if let progress = options.progress {
                let now = clock.now
                if now - lastReport > .milliseconds(500) {
                    lastReport = now
                    let count = state.visited.count
                    progress(count, Double(count) / max(Self.seconds(now - started), 1e-9), frontier.count)
                }
            }
        }
        statistics.seconds = Self.seconds(clock.now - started)
        statistics.lookups += state.lookups
        var violations: [(property: Int, path: [UInt32])] = []
        for (property, entry) in state.found.enumerated() {
            guard let entry else { continue }
            var path: [UInt32] = [entry.edge]
            var node = Int(entry.source)
            while node > 0 {
                path.append(state.edges[node])
                node = Int(state.parents[node])
            }
            violations.append((property, path.reversed()))
        }
        var digest: UInt64 = 0xCBF2_9CE4_8422_2325
        for index in state.parents.indices {
            digest = mixBits(digest ^ UInt64(state.parents[index]) ^ (UInt64(state.edges[index]) << 32))
        }
        return SearchOutcome(
            states: state.visited.count, transitions: state.transitions, depth: depth,
            incomplete: state.incomplete, queued: queued, violations: violations,
            orderDigest: digest, statistics: statistics)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    // MARK: - One thread

    /// Everything the search keeps, and the sink of a one-thread level:
    /// each successor is inserted at once.
    struct SearchState: SuccessorSink {
        let system: System
        let limit: Int
        var visited: VisitedSet<Key>
        var parents: [UInt32] = []
        var edges: [UInt32] = []
        var found: [Found?] = Array(repeating: nil, count: 32)
        var unfound: UInt32 = ~0
        var transitions = 0
        var lookups = 0
        /// The state being expanded.
        var source: UInt32 = 0
        var next: [Key] = []
        /// A new state was not stored because of the limit.
        var refused = false
        var incomplete = false

        init(system: System, limit: Int, expected: Int) {
            self.system = system
            self.limit = limit
            visited = VisitedSet(expected: expected)
        }

        var bytes: Int { visited.bytes + (parents.capacity + edges.capacity) * 4 }

        @inline(__always)
        mutating func reach(_ key: Key, edge: UInt32) {
            lookups += 1
            if visited.count >= limit {
                if !visited.contains(key) { refused = true }
                return
            }
            guard visited.insert(key) else { return }
            stored(key, edge: edge, source: source)
        }

        /// Records a new state and checks the state properties on it.
        @inline(__always)
        mutating func stored(_ key: Key, edge: UInt32, source: UInt32) {
            next.append(key)
            parents.append(source)
            edges.append(edge)
            let wanted = system.stateProperties & unfound
            if wanted != 0 {
                let broken = system.stateViolations(key, among: wanted)
                if broken != 0 { record(broken, Found(source: source, edge: edge)) }
            }
        }

        @inline(__always)
        mutating func violate(_ properties: UInt32, edge: UInt32) {
            let new = properties & unfound
            if new != 0 { record(new, Found(source: source, edge: edge)) }
        }

        mutating func record(_ properties: UInt32, _ entry: Found) {
            var bits = properties & unfound
            while bits != 0 {
                let property = bits.trailingZeroBitCount
                bits &= bits - 1
                found[property] = entry
            }
            unfound &= ~properties
        }

        @inline(__always)
        mutating func count(_ transitions: Int) {
            self.transitions += transitions
        }
    }

    // MARK: - Several threads


    /// A successor not in the visited set when its level began.
    struct Candidate {
        var key: Key
        var source: UInt32
        var edge: UInt32
    }

    /// The sink of one chunk on a worker: probes, never inserts.
    struct ChunkSink: SuccessorSink {
        let visited: VisitedSet<Key>
        var candidates: [Candidate] = []
        /// Per property, the chunk's first violation.
        var found: [(property: Int, entry: Found)] = []
        var unfound: UInt32
        var transitions = 0
        var lookups = 0
        var source: UInt32 = 0

        init(visited: VisitedSet<Key>, unfound: UInt32) {
            self.visited = visited
            self.unfound = unfound
        }

        @inline(__always)
        mutating func reach(_ key: Key, edge: UInt32) {
            lookups += 1
            if !visited.contains(key) { candidates.append(Candidate(key: key, source: source, edge: edge)) }
        }

        @inline(__always)
        mutating func violate(_ properties: UInt32, edge: UInt32) {
            var bits = properties & unfound
            guard bits != 0 else { return }
            unfound &= ~bits
            while bits != 0 {
                found.append((bits.trailingZeroBitCount, Found(source: source, edge: edge)))
                bits &= bits - 1
            }
        }

        @inline(__always)
        mutating func count(_ transitions: Int) {
            self.transitions += transitions
        }
    }

    /// Counts the transitions of a state and nothing else.
    struct CountingSink: SuccessorSink {
        var unfound: UInt32 = 0
        var transitions = 0
        mutating func reach(_ key: Key, edge: UInt32) {}
        mutating func violate(_ properties: UInt32, edge: UInt32) {}
        mutating func count(_ transitions: Int) { self.transitions += transitions }
    }

    /// Results the workers write, one slot per chunk, each slot written by
    /// one worker and read after all of them finished.
    final class ChunkResults: @unchecked Sendable {
        var slots: [ChunkSink?]
        init(count: Int) { slots = Array(repeating: nil, count: count) }
    }

    /// Expands one level on `options.threads` threads, then inserts the
    /// candidates in frontier order. Returns the frontier offset of the
    /// state after which the state limit stopped the search, if it did.
    func expandInParallel(
        _ frontier: [Key], base: Int, into state: inout SearchState, statistics: inout SearchStatistics
    ) -> Int? {
        let threads = options.threads
        let chunkSize = max(256, frontier.count / (threads * 16))
        let chunks = (frontier.count + chunkSize - 1) / chunkSize
        let results = ChunkResults(count: chunks)
        let system = self.system
        let visited = state.visited
        let unfound = state.unfound
        results.slots.withUnsafeMutableBufferPointer { slots in
            let output = UncheckedSendable(slots)
            let dispenser = ChunkDispenser(count: chunks)
            let work = { @Sendable in
                while let chunk = dispenser.next() {
                    var sink = ChunkSink(visited: visited, unfound: unfound)
                    let end = min(frontier.count, (chunk + 1) * chunkSize)
                    for offset in (chunk * chunkSize)..<end {
                        sink.source = UInt32(base + offset)
                        system.expand(frontier[offset], into: &sink)
                    }
                    output.value[chunk] = sink
                }
            }
            // Threads of their own (a dispatch pool may run the work on
            // fewer threads when the machine is busy), the caller's included.
            let finished = DispatchGroup()
            for _ in 1..<threads {
                finished.enter()
                Thread {
                    work()
                    finished.leave()
                }.start()
            }
            work()
            finished.wait()
        }
        for chunk in 0..<chunks {
            guard let result = results.slots[chunk] else { continue }
            results.slots[chunk] = nil
            statistics.lookups += result.lookups
            var cutSource: UInt32?
            for candidate in result.candidates {
                if let cut = cutSource, candidate.source != cut { break }
                if state.visited.count >= state.limit {
                    if !state.visited.contains(candidate.key) { cutSource = candidate.source }
                    continue
                }
                if state.visited.insert(candidate.key) {
                    state.stored(candidate.key, edge: candidate.edge, source: candidate.source)
                }
            }
            if let cut = cutSource {
                for (property, entry) in result.found where entry.source <= cut && state.found[property] == nil {
                    state.record(1 << UInt32(property), entry)
                }
                var counter = CountingSink()
                for source in (chunk * chunkSize)...(Int(cut) - base) {
                    system.expand(frontier[source], into: &counter)
                }
                state.transitions += counter.transitions
                return Int(cut) - base
            }
            for (property, entry) in result.found where state.found[property] == nil {
                state.record(1 << UInt32(property), entry)
            }
            state.transitions += result.transitions
        }
        return nil
    }
}

/// Whether the next large level runs on several threads: the search times
/// its large levels per state on one thread and on several, tries each
/// first, then keeps to the faster, trying the other again every eighth
/// large level (the cost per state drifts as the visited set grows, and a
/// busy machine may leave a second thread no core). Timing decides only
/// how a level is expanded, never what the search finds.
struct ThreadChoice {
    private var perState: [Double?] = [nil, nil]
    private var levels = 0

    mutating func parallelNext() -> Bool {
        levels += 1
        guard let single = perState[0] else { return false }
        guard let several = perState[1] else { return true }
        let faster = several < single
        return levels % 8 == 0 ? !faster : faster
    }

    mutating func record(parallel: Bool, seconds: Double, states: Int) {
        perState[parallel ? 1 : 0] = seconds / Double(max(states, 1))
    }
}

/// Hands out chunk numbers to whichever thread asks first, so that a thread
/// the machine slows down takes fewer chunks (which thread expands a chunk
/// never changes the result).
final class ChunkDispenser: @unchecked Sendable {
    private let lock = NSLock()
    private var issued = 0
    private let count: Int

    init(count: Int) { self.count = count }

    func next() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard issued < count else { return nil }
        issued += 1
        return issued - 1
    }
}

/// Lets a buffer whose slots are written by distinct threads cross into
/// `concurrentPerform`.
struct UncheckedSendable<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}
