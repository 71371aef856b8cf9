/// For one feature set and one requested state: the next-state pointers of
/// every supported state toward it. In a consistent table they form a tree
/// rooted at the requested state (each request's walk is the path from its
/// node to the root), so a property of every walk is one pass over the
/// tree, children after parents, instead of one walk per request:
///
///     let tree = NextStateTree(table, target: stop)
///     for state in tree.rootFirst { ... tree.parent(of: state) was seen ... }
///
/// A request whose walk never reaches the target (a refusal midway, or a
/// cycle) is in `unreached`, with where its walk breaks.
public struct NextStateTree: Sendable {
    /// How a walk toward the target fails.
    public enum Break: Hashable, Sendable {
        /// The walk reaches `state`, from which the request is refused.
        case refusedAt(StateID)
        /// The walk comes back to `state`: it never ends.
        case cycleAt(StateID)
    }

    public let target: StateID
    /// The target, then every state whose walk reaches it, each after its
    /// next state toward the target.
    public let rootFirst: [StateID]
    /// The served requests whose walk does not reach the target, in state
    /// order, with where each walk breaks.
    public let unreached: [(state: StateID, reason: Break)]
    /// Per state: its next state toward the target (-1 where refused).
    let next: [Int32]
    /// Per state: whether its walk reaches the target.
    let reached: [Bool]

    public init(_ table: PathTable, target: StateID) {
        self.target = target
        let count = table.model.states.count
        var next = [Int32](repeating: -1, count: count)
        for state in 0..<count where state != target {
            if let step = table.nextState(from: state, to: target) { next[state] = Int32(step) }
        }
        self.next = next
        // 0: not seen, 1: on the walk being followed, 2: reaches the
        // target, 3: does not.
        var mark = [UInt8](repeating: 0, count: count)
        var reason = [Break?](repeating: nil, count: count)
        var order: [StateID] = []
        var walk: [StateID] = []
        if table.graph.isSupported[target] {
            mark[target] = 2
            order.append(target)
        }
        for start in 0..<count where mark[start] == 0 && next[start] >= 0 {
            walk.removeAll(keepingCapacity: true)
            var state = start
            var outcome: Break?
            while true {
                if mark[state] == 2 { break }
                if mark[state] == 3 { outcome = reason[state]; break }
                if mark[state] == 1 { outcome = .cycleAt(state); break }
                mark[state] = 1
                walk.append(state)
                let step = Int(next[state])
                if step < 0 { outcome = .refusedAt(state); break }
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
                    order.append(member)
                }
            }
        }
        rootFirst = order
        reached = mark.map { $0 == 2 }
        self.unreached = (0..<count).compactMap { state in
            next[state] >= 0 ? reason[state].map { (state, $0) } : nil
        }
    }

    /// The next state of `state` toward the target, or `nil` for the
    /// target itself and where refused.
    public func parent(of state: StateID) -> StateID? {
        next[state] >= 0 ? Int(next[state]) : nil
    }

    /// Whether the walk from `state` reaches the target.
    public func reaches(_ state: StateID) -> Bool {
        reached[state]
    }

    /// The walk from `state` along the pointers, at most `limit` states
    /// long: the request's path when it reaches the target.
    public func walk(from state: StateID, limit: Int) -> [StateID] {
        var path = [state]
        var current = state
        while current != target, path.count < limit, let step = parent(of: current) {
            path.append(step)
            current = step
        }
        return path
    }
}
