/// For one feature set and one requested state: the next-state pointers of
/// every supported state toward it. In a consistent table they form a tree
/// rooted at the requested state (each request's walk is the path from its
/// node to the root), so a property of every walk is one pass over the
/// tree, children after parents, instead of one walk per request:
///
///     var tree = NextStateTree(table)
///     for target in table.supportedStates {
///         tree.grow(toward: target)
///         for state in tree.rootFirst { ... tree.parent(of: state) was seen ... }
///     }
///
/// A request whose walk never reaches the target (a refusal midway, or a
/// cycle) is in `unreached`, with where its walk breaks. One tree is grown
/// toward one target after another in the same buffers: memory stays
/// linear in the states, time linear per target.
public struct NextStateTree: Sendable {
    /// How a walk toward the target fails.
    public enum Break: Hashable, Sendable {
        /// The walk reaches `state`, from which the request is refused.
        case refusedAt(StateID)
        /// The walk comes back to `state`: it never ends.
        case cycleAt(StateID)
    }

    public let table: PathTable
    /// The requested state the tree is grown toward.
    public private(set) var target: StateID = 0
    /// The target, then every state whose walk reaches it, each after its
    /// next state toward the target.
    public private(set) var rootFirst: [Int32] = []
    /// The served requests whose walk does not reach the target, in state
    /// order, with where each walk breaks.
    public private(set) var unreached: [(state: StateID, reason: Break)] = []
    /// Per state: 0 not seen, 1 on the walk being followed, 2 reaches the
    /// target, 3 does not (see `reason`).
    private var mark: [UInt8]
    private var reason: [Break?]
    private var walk: [StateID] = []

    public init(_ table: PathTable) {
        self.table = table
        let count = table.isSupported.count
        mark = [UInt8](repeating: 0, count: count)
        reason = [Break?](repeating: nil, count: count)
    }

    /// Rebuilds the tree toward `target` (a supported state).
    public mutating func grow(toward target: StateID) {
        self.target = target
        let states = table.supportedStates
        for state in states {
            mark[state] = 0
            reason[state] = nil
        }
        rootFirst.removeAll(keepingCapacity: true)
        unreached.removeAll(keepingCapacity: true)
        guard table.isSupported[target] else { return }
        mark[target] = 2
        rootFirst.append(Int32(target))
        for start in states where mark[start] == 0 && parent(of: start) != nil {
            walk.removeAll(keepingCapacity: true)
            var state = start
            var outcome: Break?
            while true {
                if mark[state] == 2 { break }
                if mark[state] == 3 { outcome = reason[state]; break }
                if mark[state] == 1 { outcome = .cycleAt(state); break }
                guard let step = parent(of: state) else { outcome = .refusedAt(state); break }
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
                    rootFirst.append(Int32(member))
                }
            }
        }
        for state in states {
            if let why = reason[state] { unreached.append((state, why)) }
        }
    }

    /// The next state of `state` toward the target, or `nil` for the
    /// target itself and where refused.
    public func parent(of state: StateID) -> StateID? {
        state == target ? nil : table.nextState(from: state, to: target)
    }

    /// Whether the walk from `state` reaches the target.
    public func reaches(_ state: StateID) -> Bool {
        mark[state] == 2
    }

    /// The walk from `state` along the pointers, at most `limit` states
    /// long: the request's path when it reaches the target.
    public func walk(from state: StateID, limit: Int) -> [StateID] {
        table.walk(from: state, to: target, limit: limit)
    }
}
