/// For one feature set: toward each requested state, the next-state
/// pointers of every supported state. In a consistent table those toward
/// one target form a tree rooted at it (each request's walk is the path
/// from its node to the root), so a property of every walk is one pass over
/// each tree, children after parents, instead of one walk per request:
///
///     let forest = NextStateForest(table)
///     for state in forest.rootFirst(toward: stop) {
///         ... forest.parent(of: state, toward: stop) was seen before ...
///     }
///
/// A request whose walk never reaches its target (a refusal midway, or a
/// cycle) is in `unreached`, with where its walk breaks. Built in time and
/// space linear in the table (states squared).
public struct NextStateForest: Sendable {
    /// How a walk toward the target fails.
    public enum Break: Hashable, Sendable {
        /// The walk reaches `state`, from which the request is refused.
        case refusedAt(StateID)
        /// The walk comes back to `state`: it never ends.
        case cycleAt(StateID)
    }

    /// A served request whose walk does not reach its target.
    public struct Unreached: Hashable, Sendable {
        public var state: StateID
        public var target: StateID
        public var reason: Break
    }

    let count: Int
    /// `next[target * count + state]`: the next state toward the target,
    /// -1 where refused (and for the target itself).
    let next: [Int32]
    /// Per target, the target then every state whose walk reaches it, each
    /// after its next state: `order[offsets[target]..<offsets[target + 1]]`.
    let order: [Int32]
    let offsets: [Int]
    /// `reached[target * count + state]`: whether the walk reaches the target.
    let reached: [Bool]
    /// By target, then state: the served requests that never arrive.
    public let unreached: [Unreached]

    public init(_ table: PathTable) {
        let count = table.isSupported.count
        self.count = count
        var next = [Int32](repeating: -1, count: count * count)
        for target in table.supportedStates {
            for state in table.supportedStates where state != target {
                if let step = table.nextState(from: state, to: target) { next[target * count + state] = Int32(step) }
            }
        }
        var order: [Int32] = []
        order.reserveCapacity(table.supportedStates.count * table.supportedStates.count)
        var offsets = [Int](repeating: 0, count: count + 1)
        var reached = [Bool](repeating: false, count: count * count)
        var unreached: [Unreached] = []
        // 0: not seen, 1: on the walk being followed, 2: reaches the
        // target, 3: does not.
        var mark = [UInt8](repeating: 0, count: count)
        var reason = [Break?](repeating: nil, count: count)
        var walk: [Int] = []
        var isTarget = [Bool](repeating: false, count: count)
        for target in table.supportedStates { isTarget[target] = true }
        for target in 0..<count {
            offsets[target] = order.count
            guard isTarget[target] else { continue }
            let row = target * count
            for state in table.supportedStates {
                mark[state] = 0
                reason[state] = nil
            }
            mark[target] = 2
            order.append(Int32(target))
            for start in table.supportedStates where mark[start] == 0 && next[row + start] >= 0 {
                walk.removeAll(keepingCapacity: true)
                var state = start
                var outcome: Break?
                while true {
                    if mark[state] == 2 { break }
                    if mark[state] == 3 { outcome = reason[state]; break }
                    if mark[state] == 1 { outcome = .cycleAt(state); break }
                    let step = Int(next[row + state])
                    if step < 0 { outcome = .refusedAt(state); break }
                    mark[state] = 1
                    walk.append(state)
                    state = step
                }
                if let outcome {
                    for member in walk {
                        mark[member] = 3
                        reason[member] = outcome
                    }
                } else {
                    for member in walk.reversed() {
                        mark[member] = 2
                        order.append(Int32(member))
                    }
                }
            }
            for state in table.supportedStates {
                if mark[state] == 2 { reached[row + state] = true }
                if let why = reason[state] { unreached.append(Unreached(state: state, target: target, reason: why)) }
            }
        }
        offsets[count] = order.count
        self.next = next
        self.order = order
        self.offsets = offsets
        self.reached = reached
        self.unreached = unreached
    }

    /// The target, then every state whose walk reaches it, each after its
    /// next state toward the target. Empty for an unsupported target.
    public func rootFirst(toward target: StateID) -> ArraySlice<Int32> {
        order[offsets[target]..<offsets[target + 1]]
    }

    /// The next state of `state` toward `target`, or `nil` for the target
    /// itself and where refused.
    public func parent(of state: StateID, toward target: StateID) -> StateID? {
        let step = next[target * count + state]
        return step >= 0 ? Int(step) : nil
    }

    /// Whether the walk from `state` reaches `target`.
    public func reaches(_ state: StateID, toward target: StateID) -> Bool {
        reached[target * count + state]
    }

    /// The walk from `state` along the pointers toward `target`, at most
    /// `limit` states long: the request's path when it reaches the target.
    public func walk(from state: StateID, toward target: StateID, limit: Int) -> [StateID] {
        var path = [state]
        var current = state
        while current != target, path.count < limit, let step = parent(of: current, toward: target) {
            path.append(step)
            current = step
        }
        return path
    }
}
