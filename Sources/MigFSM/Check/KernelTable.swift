/// The kernel's technique (DOMAIN.md section 5): one next-state table,
/// indexed by uAPI value and computed for the full feature set, plus one
/// feature mask per state (the error state's is all ones), and a lookup that
/// skips the states a device lacks.
///
/// This is both what migfsm emits as C and what it checks: `lookup` runs the
/// algorithm as the kernel writes it (either skip loop), `generatedLookup`
/// as migfsm emits it (the guarded loop).
public struct KernelTable: Sendable {
    public let model: MigrationProtocol
    /// Entries per row: the largest state value plus one.
    public let size: Int
    /// `size * size` state values; unnamed entries are 0, as in C.
    public let entries: [UInt32]
    /// Per value: the features the state needs; ~0 for the error state; 0
    /// for a value no state has (as a C array leaves it).
    public let masks: [UInt32]
    public let errorValue: UInt32
    /// The requests the spec serves only on devices with certain features
    /// (`blocked A -> B unless F`), which per-state masks cannot say:
    /// migfsm's lookup tests the flags for them before reading the table.
    /// Empty for a table read from C.
    public let gatedRequests: [GatedRequest]

    /// A request refused unless the flags hold every bit of `gate`.
    public struct GatedRequest: Hashable, Sendable {
        public var current: UInt32
        public var requested: UInt32
        public var gate: UInt32
    }

    /// The largest table migfsm builds (entries per row).
    public static let maximumSize = 4096

    /// The largest table `generate` writes for a spec of `states` states
    /// (entries per row): the tables are indexed by value, so a spec with
    /// three states valued 0, 1 and 4095 would write 16 million entries.
    /// Values below 256, or below four times the number of states, keep
    /// every output within a small multiple of the spec's own size.
    public static func largestEmittedSize(states: Int) -> Int {
        min(maximumSize, max(256, 4 * states))
    }

    /// The state with the largest value, when it is too large for a table
    /// of at most `limit` entries per row (`maximumSize` by default), as an
    /// error at its declaration; `nil` when the values fit.
    public static func valueRangeError(_ model: MigrationProtocol, limit: Int = maximumSize, purpose: String) -> Diagnostic? {
        guard let largest = model.states.indices.max(by: { model.states[$0].value < model.states[$1].value }) else {
            return nil
        }
        let state = model.states[largest]
        guard UInt64(state.value) >= UInt64(limit) else { return nil }
        let size = UInt64(state.value) + 1
        return .error(at: state.location,
            "'\(state.name)' = \(state.value) makes the value-indexed table \(size) × \(size) entries for \(model.states.count) states; "
            + "\(purpose) needs every state value below \(limit); number the states densely")
    }

    /// Builds the table from the full feature set's path table, or `nil`
    /// when a state value exceeds `maximumSize - 1`.
    public init?(paths full: PathTable) {
        let model = full.model
        self.model = model
        let largest = model.states.map(\.value).max() ?? 0
        guard largest < UInt32(Self.maximumSize) else { return nil }
        let size = Int(largest) + 1
        self.size = size
        let errorValue = model.states[model.errorState].value
        self.errorValue = errorValue
        var masks = [UInt32](repeating: 0, count: size)
        for state in model.states {
            masks[Int(state.value)] = state.isError ? ~0 : state.needs.rawValue
        }
        self.masks = masks
        var entries = [UInt32](repeating: 0, count: size * size)
        for (from, fromState) in model.states.enumerated() {
            for (to, toState) in model.states.enumerated() {
                let value: UInt32
                if from == to {
                    value = fromState.value
                } else if let next = full.nextState(from: from, to: to) {
                    value = model.states[next].value
                } else {
                    value = errorValue
                }
                entries[Int(fromState.value) * size + Int(toState.value)] = value
            }
        }
        self.entries = entries
        gatedRequests = model.blockedInOrder.compactMap { arc in
            model.blockedGates[arc].map {
                GatedRequest(current: model.states[arc.from].value, requested: model.states[arc.to].value, gate: $0.rawValue)
            }
        }
    }

    /// A table read from elsewhere (C source), checked to be well formed:
    /// `size * size` entries and `size` masks, every entry and the error
    /// value below `size`. `nil` otherwise, so lookups never index outside.
    public init?(model: MigrationProtocol, size: Int, entries: [UInt32], masks: [UInt32], errorValue: UInt32) {
        guard size > 0, size <= Self.maximumSize, entries.count == size * size, masks.count == size,
              Int(errorValue) < size, entries.allSatisfy({ Int($0) < size }) else { return nil }
        self.model = model
        self.size = size
        self.entries = entries
        self.masks = masks
        self.errorValue = errorValue
        gatedRequests = []
    }

    public func entry(_ current: UInt32, _ requested: UInt32) -> UInt32 {
        entries[Int(current) * size + Int(requested)]
    }

    func supported(_ value: UInt32, _ flags: UInt32) -> Bool {
        masks[Int(value)] & flags == masks[Int(value)]
    }

    /// What one lookup did.
    public enum Outcome: Hashable, Sendable {
        /// The next state's value; `visited` lists the table entries read,
        /// skipped states included.
        case next(UInt32, visited: [UInt32])
        /// -EINVAL.
        case refused(visited: [UInt32])
        /// The skip loop came back to a state it had read: it never ends.
        case cycle(visited: [UInt32])
    }

    /// An outcome without the entries read: what a proof compares.
    public enum Verdict: Hashable, Sendable {
        case next(UInt32)
        case refused
        case cycle
    }

    /// The two skip loops real kernels have had.
    public enum SkipLoop: String, Hashable, Sendable, CaseIterable {
        /// `while (*next_fsm != VFIO_DEVICE_STATE_ERROR && mask not within
        /// flags)`: upstream since June 2026, and in the 6.12 stable trees.
        case guarded
        /// `while (mask not within flags)`: from PRE_COPY's introduction
        /// (v6.2) until the June 2026 fix. The error state's mask is never
        /// within the flags, so a table entry naming it is read forever.
        case unguarded
    }

    /// The kernel's lookup (`vfio_mig_get_next_state()`): refuse an
    /// out-of-range or unsupported current or requested state, read the
    /// table, skip the states the device lacks with `loop`, refuse at the
    /// error state. A skip loop that comes back to an entry it read never
    /// ends, reported as `.cycle` rather than looped.
    public func lookup(flags: UInt32, current: UInt32, requested: UInt32, loop: SkipLoop = .guarded) -> Outcome {
        guard Int(current) < size, Int(requested) < size,
              supported(current, flags), supported(requested, flags) else { return .refused(visited: []) }
        var next = entry(current, requested)
        var visited = [next]
        while !(loop == .guarded && next == errorValue) && !supported(next, flags) {
            next = entry(next, requested)
            if visited.contains(next) {
                visited.append(next)
                return .cycle(visited: visited)
            }
            visited.append(next)
        }
        return next == errorValue ? .refused(visited: visited) : .next(next, visited: visited)
    }

    /// `lookup` or `generatedLookup` without recording the entries read,
    /// for proofs that make millions of lookups: `supported[v]` says
    /// whether value `v` (below `size`) is supported with the flags looked
    /// up with, and `guarded` whether the skip loop stops at the error
    /// state. A loop that reads more than `size` entries has come back to
    /// one: `.cycle`.
    func verdict(current: UInt32, requested: UInt32, supported: [Bool], guarded: Bool) -> Verdict {
        guard Int(current) < size, Int(requested) < size,
              supported[Int(current)], supported[Int(requested)] else { return .refused }
        var next = entries[Int(current) * size + Int(requested)]
        var steps = 0
        while !(guarded && next == errorValue) && !supported[Int(next)] {
            steps += 1
            if steps > size { return .cycle }
            next = entries[Int(next) * size + Int(requested)]
        }
        return next == errorValue ? .refused : .next(next)
    }

    /// Per value below `size`: whether a device with `flags` supports it.
    func supportedValues(flags: UInt32) -> [Bool] {
        masks.map { $0 & flags == $0 }
    }

    /// migfsm's emitted lookup (the C headers' and the Swift module's): the
    /// kernel's, with the skip loop guarded at the error state, statement for
    /// statement, and before the table a test of the flags for each request
    /// served only with a feature no state needs (none in vfio-v2). Flag bits
    /// no mask has are ignored, as the kernel ignores them. A loop that would
    /// never end is reported as `.cycle`, which `generated-lookup` proves
    /// never happens before anything is emitted.
    public func generatedLookup(flags: UInt32, current: UInt32, requested: UInt32) -> Outcome {
        guard Int(current) < size, Int(requested) < size,
              supported(current, flags), supported(requested, flags) else { return .refused(visited: []) }
        for gated in gatedRequests where gated.current == current && gated.requested == requested {
            if flags & gated.gate != gated.gate { return .refused(visited: []) }
        }
        return lookup(flags: flags, current: current, requested: requested, loop: .guarded)
    }
}

extension KernelTable.Outcome {
    /// The outcome without the entries read.
    public var verdict: KernelTable.Verdict {
        switch self {
        case .next(let value, _): return .next(value)
        case .refused: return .refused
        case .cycle: return .cycle
        }
    }
}
