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
/// frontier. A large level can be expanded on several threads in three
/// steps: the threads expand fixed chunks of the frontier, probing the
/// visited set read-only (nobody inserts meanwhile) and keeping the
/// successors not stored yet, each filed under its shard of the visited
/// set; then each thread inserts the candidates of its own shards, chunk by
/// chunk in frontier order; then one thread numbers the new states in
/// frontier order (merging the shards' lists). A state's number, parent and
/// edge, and the first violation of each property, are therefore exactly
/// those of a one-thread search, whatever the number of threads: traces
/// stay shortest and output stays byte-identical.
struct BreadthFirstSearch<System: TransitionSystem> {
    typealias Key = System.Key
    let system: System
    let options: SearchOptions

    /// The first violation of a property: the state it leaves and the edge.
    struct Found: Sendable {
        var source: UInt32
        var edge: UInt32
    }

    /// The `source` of a violation of the initial state itself.
    static var atStart: UInt32 { UInt32.max }

    func run() -> SearchOutcome {
        let clock = ContinuousClock()
        let started = clock.now
        var lastReport = started
        var statistics = SearchStatistics()
        let limit = min(options.maxStates ?? Int(UInt32.max - 1), Int(UInt32.max - 1))
        var state = SearchState(system: system, limit: limit, shards: options.threads,
                                expected: min(options.maxStates ?? (1 << 12), 1 << 24))
        defer { state.visited.release() }
        var frontier: [Key] = [system.initialKey]
        _ = state.visited.insert(system.initialKey)
        state.stored = 1
        state.parents.append(UInt32.max)
        state.edges.append(0)
        // The state properties hold at the start too (a destination VM
        // declared running before any device was loaded): a violation
        // there has the empty trace.
        if system.stateProperties != 0 {
            let broken = system.stateViolations(system.initialKey, among: system.stateProperties)
            if broken != 0 { state.record(broken, Found(source: Self.atStart, edge: 0)) }
        }
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
                            let count = state.stored
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
                    let count = state.stored
                    progress(count, Double(count) / max(Self.seconds(now - started), 1e-9), frontier.count)
                }
            }
        }
        statistics.seconds = Self.seconds(clock.now - started)
        statistics.lookups += state.lookups
        var violations: [(property: Int, path: [UInt32])] = []
        for (property, entry) in state.found.enumerated() {
            guard let entry else { continue }
            if entry.source == Self.atStart {
                violations.append((property, []))
                continue
            }
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
            states: state.stored, transitions: state.transitions, depth: depth,
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
        let visited: ShardedVisitedSet<Key>
        /// States numbered (the visited set may hold keys past the limit
        /// after a cut level on several threads).
        var stored = 0
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

        init(system: System, limit: Int, shards: Int, expected: Int) {
            self.system = system
            self.limit = limit
            visited = ShardedVisitedSet(shards: shards, expected: expected)
        }

        var bytes: Int { visited.bytes + (parents.capacity + edges.capacity) * 4 }

        @inline(__always)
        mutating func reach(_ key: Key, edge: UInt32) {
            lookups += 1
            if stored >= limit {
                if !visited.contains(key) { refused = true }
                return
            }
            guard visited.insert(key) else { return }
            number(key, edge: edge, source: source)
        }

        /// Numbers a new state and checks the state properties on it.
        @inline(__always)
        mutating func number(_ key: Key, edge: UInt32, source: UInt32) {
            stored += 1
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


    /// A successor not in the visited set when its level began: the state
    /// it leaves, the edge, and its place among the chunk's candidates.
    struct Candidate {
        var key: Key
        var source: UInt32
        var edge: UInt32
        var place: UInt32
    }

    /// The sink of one chunk on a worker: probes, never inserts; files
    /// each candidate under its shard.
    struct ChunkSink: SuccessorSink {
        let visited: ShardedVisitedSet<Key>
        /// Whether to probe at all (not when every successor is on the
        /// next level, which nobody has stored yet).
        let probes: Bool
        var candidates: [[Candidate]]
        var placed: UInt32 = 0
        /// Per property, the chunk's first violation.
        var found: [(property: Int, entry: Found)] = []
        var unfound: UInt32
        var transitions = 0
        var lookups = 0
        var source: UInt32 = 0

        init(visited: ShardedVisitedSet<Key>, probes: Bool, unfound: UInt32) {
            self.visited = visited
            self.probes = probes
            self.unfound = unfound
            candidates = Array(repeating: [], count: visited.count)
        }

        @inline(__always)
        mutating func reach(_ key: Key, edge: UInt32) {
            let shard = visited.shard(of: key)
            if probes {
                lookups += 1
                if visited.shards[shard].set.contains(key) { return }
            }
            candidates[shard].append(Candidate(key: key, source: source, edge: edge, place: placed))
            placed += 1
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

    /// A state a shard found new, with its place in frontier order.
    struct NewState {
        var order: UInt64
        var key: Key
        var source: UInt32
        var edge: UInt32
    }

    /// What the threads hand over: per chunk its sink, per shard its new
    /// states and lookups; each slot written by one thread (through raw
    /// memory: no shared array is mutated), read after all finished.
    final class LevelResults: @unchecked Sendable {
        let chunks: UnsafeMutableBufferPointer<ChunkSink?>
        let shards: UnsafeMutableBufferPointer<[NewState]>
        let lookups: UnsafeMutableBufferPointer<Int>

        init(chunks: Int, shards: Int) {
            self.chunks = .allocate(capacity: chunks)
            self.chunks.initialize(repeating: nil)
            self.shards = .allocate(capacity: shards)
            self.shards.initialize(repeating: [])
            lookups = .allocate(capacity: shards)
            lookups.initialize(repeating: 0)
        }

        deinit {
            chunks.deinitialize().deallocate()
            shards.deinitialize().deallocate()
            lookups.deinitialize().deallocate()
        }
    }

    /// Runs `work` on `threads` threads (the caller's included) and waits.
    static func onThreads(_ threads: Int, _ work: @escaping @Sendable () -> Void) {
        // Threads of their own: a dispatch pool may run the work on fewer
        // threads when the machine is busy.
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

    /// Expands one level on `options.threads` threads, inserts the
    /// candidates shard by shard on as many, and numbers the new states in
    /// frontier order. Returns the frontier offset of the state after which
    /// the state limit stopped the search, if it did.
    func expandInParallel(
        _ frontier: [Key], base: Int, into state: inout SearchState, statistics: inout SearchStatistics
    ) -> Int? {
        let threads = options.threads
        let chunkSize = max(256, frontier.count / (threads * 16))
        let chunks = (frontier.count + chunkSize - 1) / chunkSize
        let results = LevelResults(chunks: chunks, shards: state.visited.count)
        let system = self.system
        let visited = state.visited
        let unfound = state.unfound
        let probes = !system.successorsLeaveTheLevel
        // 1. Expand, probing read-only.
        let dispenser = ChunkDispenser(count: chunks)
        Self.onThreads(threads) {
            while let chunk = dispenser.next() {
                var sink = ChunkSink(visited: visited, probes: probes, unfound: unfound)
                let end = min(frontier.count, (chunk + 1) * chunkSize)
                for offset in (chunk * chunkSize)..<end {
                    sink.source = UInt32(base + offset)
                    system.expand(frontier[offset], into: &sink)
                }
                results.chunks[chunk] = sink
            }
        }
        // 2. Insert, each shard on one thread, chunk by chunk in order.
        let shards = ChunkDispenser(count: visited.count)
        Self.onThreads(min(threads, visited.count)) {
            while let shard = shards.next() {
                var new: [NewState] = []
                var lookups = 0
                for chunk in 0..<chunks {
                    guard let candidates = results.chunks[chunk]?.candidates[shard] else { continue }
                    lookups += candidates.count
                    for candidate in candidates where visited.insert(candidate.key, shard: shard) {
                        new.append(NewState(order: UInt64(chunk) << 32 | UInt64(candidate.place), key: candidate.key,
                                            source: candidate.source, edge: candidate.edge))
                    }
                }
                results.shards[shard] = new
                results.lookups[shard] = lookups
            }
        }
        // 3. Number the new states in frontier order, up to the limit.
        statistics.lookups += results.lookups.reduce(0, +)
        let lists = Array(results.shards)
        let handedOver = results.chunks.reduce(0) { total, chunk in
            total + (chunk?.candidates.reduce(0) { $0 + $1.capacity } ?? 0) * MemoryLayout<Candidate>.stride
        } + lists.reduce(0) { $0 + $1.capacity } * MemoryLayout<NewState>.stride
        statistics.peakBytes = max(statistics.peakBytes, state.bytes + handedOver
            + frontier.capacity * MemoryLayout<Key>.stride)
        var heads = [Int](repeating: 0, count: lists.count)
        var cutSource: UInt32?
        while true {
            var best = -1
            for shard in heads.indices where heads[shard] < lists[shard].count {
                if best < 0 || lists[shard][heads[shard]].order < lists[best][heads[best]].order {
                    best = shard
                }
            }
            if best < 0 { break }
            let new = lists[best][heads[best]]
            heads[best] += 1
            if state.stored >= state.limit {
                cutSource = new.source
                break
            }
            state.number(new.key, edge: new.edge, source: new.source)
        }
        // The chunks' transitions and first violations, up to the cut.
        for chunk in 0..<chunks {
            guard let result = results.chunks[chunk] else { continue }
            statistics.lookups += result.lookups
            if let cut = cutSource, Int(cut) - base < (chunk + 1) * chunkSize {
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

