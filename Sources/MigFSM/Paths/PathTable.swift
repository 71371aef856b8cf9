/// Why a request (current state -> requested state) is not served.
public enum Refusal: Error, Hashable, Sendable {
    /// The current or requested state does not exist on this feature set.
    case unsupported
    /// The error state can be neither requested nor left by a request.
    case errorState
    /// The spec blocks the request (`blocked STOP_COPY -> PRE_COPY`).
    case blocked
    /// No path obeys the path rule.
    case noPath
}

/// Two equally short paths with different next states: the spec must not
/// leave the choice to chance.
public struct PathTie: Hashable, Sendable {
    public var request: Arc
    /// Two shortest paths, with different second states.
    public var paths: [[StateID]]
}

/// For one feature set: the next state of every request, so the path of
/// every combination transition, and the arcs a driver must implement.
///
/// `next(from:to:)` is the table the kernel hand-writes; `path(from:to:)`
/// walks it exactly as the kernel's set_state loop does.
public struct PathTable: Sendable {
    public let graph: FeatureGraph
    public var model: MigrationProtocol { graph.model }
    public var features: FeatureSet { graph.features }
    /// Ties found while choosing next states, in (from value, to value) order.
    public let ties: [PathTie]
    /// The supported states, by uAPI value.
    public let supportedStates: [StateID]

    let count: Int
    let errorState: StateID
    let isSupported: [Bool]
    /// `count * count` entries: the next state, or a negative refusal code.
    let nextStorage: [Int32]
    /// `count * count` entries: the number of arcs of the shortest allowed path.
    let lengthStorage: [Int32]

    static let blockedCode: Int32 = -1
    static let noPathCode: Int32 = -2

    public init(model: MigrationProtocol, features: FeatureSet, rule: PathRule? = nil) {
        let rule = rule ?? model.pathRule
        let graph = FeatureGraph(model: model, features: features, rule: rule)
        self.graph = graph
        let count = model.states.count
        self.count = count
        errorState = model.errorState
        isSupported = graph.isSupported
        let values = model.states.map(\.value)
        var next = [Int32](repeating: Self.noPathCode, count: count * count)
        var length = [Int32](repeating: -1, count: count * count)
        var ties: [PathTie] = []
        let order = model.statesByValue
        supportedStates = order.filter { graph.isSupported[$0] }
        var blockedTargets = [[StateID]](repeating: [], count: count)
        for arc in model.blockedInOrder where model.isBlocked(arc, on: features) {
            blockedTargets[arc.from].append(arc.to)
        }
        // One search of each kind, reused from source to source.
        var outside = ShortestPathTree(count: count)
        var insideSearch = ShortestPathTree(count: count)
        for source in supportedStates {
            outside.search(graph: graph, source: source, mode: .outside, values: values)
            var inside: ShortestPathTree?
            let group = graph.ruledGroup[source]
            if group >= 0 && graph.groupIsContained[Int(group)] {
                insideSearch.search(graph: graph, source: source, mode: .inside(group: group), values: values)
                inside = insideSearch
            }
            let row = source * count
            next[row + source] = Int32(source)
            length[row + source] = 0
            for target in blockedTargets[source] where graph.isSupported[target] {
                next[row + target] = Self.blockedCode
            }
            for target in supportedStates where target != source && next[row + target] != Self.blockedCode {
                // The shortest allowed length over both searches, and the
                // lowest-valued first step among the paths of that length.
                let outsideLength = outside.distance[target]
                let insideLength = inside?.distance[target] ?? -1
                let best: Int32
                switch (outsideLength >= 0, insideLength >= 0) {
                case (false, false): continue
                case (true, false): best = outsideLength
                case (false, true): best = insideLength
                case (true, true): best = min(outsideLength, insideLength)
                }
                var chosen: Int32 = -1
                var distinct = 0
                func consider(_ first: Int32) {
                    guard first >= 0, first != chosen else { return }
                    distinct += 1
                    if chosen < 0 || values[Int(first)] < values[Int(chosen)] { chosen = first }
                }
                if outsideLength == best {
                    consider(outside.firstA[target])
                    consider(outside.firstB[target])
                }
                if insideLength == best, let inside {
                    consider(inside.firstA[target])
                    consider(inside.firstB[target])
                }
                if distinct > 1 && rule.tieBreak == nil {
                    ties.append(Self.tie(source, target, best, outside, inside, values))
                }
                next[row + target] = chosen
                length[row + target] = best
            }
        }
        self.ties = ties
        self.nextStorage = next
        self.lengthStorage = length
    }

    /// Two shortest paths of `best` arcs with different first steps.
    private static func tie(
        _ source: StateID, _ target: StateID, _ best: Int32,
        _ outside: ShortestPathTree, _ inside: ShortestPathTree?, _ values: [UInt32]
    ) -> PathTie {
        var candidates: [(first: StateID, tree: ShortestPathTree)] = []
        for tree in [outside, inside].compactMap({ $0 }) where tree.distance[target] == best {
            for first in tree.firstSteps(to: target) where !candidates.contains(where: { $0.first == first }) {
                candidates.append((first, tree))
            }
        }
        candidates.sort { values[$0.first] < values[$1.first] }
        return PathTie(
            request: Arc(source, target),
            paths: candidates.prefix(2).map { $0.tree.path(to: target, first: $0.first) })
    }

    /// The state the device moves to next on its way from `current` to
    /// `requested`, or why the request is refused.
    public func next(from current: StateID, to requested: StateID) -> Result<StateID, Refusal> {
        if current == errorState || requested == errorState { return .failure(.errorState) }
        guard isSupported[current], isSupported[requested] else { return .failure(.unsupported) }
        let code = nextStorage[current * count + requested]
        switch code {
        case Self.blockedCode: return .failure(.blocked)
        case Self.noPathCode: return .failure(.noPath)
        default: return .success(Int(code))
        }
    }

    /// The next state, or `nil` where refused.
    public func nextState(from current: StateID, to requested: StateID) -> StateID? {
        guard current != errorState, requested != errorState, isSupported[current], isSupported[requested] else { return nil }
        let code = nextStorage[current * count + requested]
        return code >= 0 ? Int(code) : nil
    }

    /// The length of the shortest allowed path, or `nil` where refused.
    public func length(from current: StateID, to requested: StateID) -> Int? {
        guard nextState(from: current, to: requested) != nil else { return nil }
        return Int(lengthStorage[current * count + requested])
    }

    /// The path the kernel walks: `current`, then the next state toward
    /// `requested`, and so on. `nil` where refused, or where the walk does
    /// not reach `requested` within `states.count` steps (which the
    /// path-consistency check reports).
    public func path(from current: StateID, to requested: StateID) -> [StateID]? {
        guard nextState(from: current, to: requested) != nil else { return nil }
        var path = [current]
        var state = current
        while state != requested {
            guard path.count <= count, let step = nextState(from: state, to: requested) else { return nil }
            path.append(step)
            state = step
        }
        return path
    }

    /// Per state: its position in `supportedStates` (-1 for the others).
    public var ranks: [Int] {
        var ranks = [Int](repeating: -1, count: count)
        for (position, state) in supportedStates.enumerated() { ranks[state] = position }
        return ranks
    }

    /// The states the kernel's set_state loop goes through from `current`
    /// toward `requested`, following next[][] until it arrives, is refused,
    /// or has `limit` states: `path(from:to:)` without the verdict.
    public func walk(from current: StateID, to requested: StateID, limit: Int) -> [StateID] {
        var path = [current]
        var state = current
        while state != requested, path.count < limit, let step = nextState(from: state, to: requested) {
            path.append(step)
            state = step
        }
        return path
    }

    /// A shortest allowed path from `current` to `requested` whose first
    /// step is the table's next state, as the breadth-first searches find
    /// it (which may differ from the walk along next[][] when the table is
    /// inconsistent); `nil` where refused.
    public func searchedPath(from current: StateID, to requested: StateID) -> [StateID]? {
        guard let first = nextState(from: current, to: requested), let length = length(from: current, to: requested),
              current != requested else { return nil }
        let values = model.states.map(\.value)
        var trees = [ShortestPathTree(graph: graph, source: current, mode: .outside, values: values)]
        let group = graph.ruledGroup[current]
        if group >= 0 && graph.groupIsContained[Int(group)] {
            trees.append(ShortestPathTree(graph: graph, source: current, mode: .inside(group: group), values: values))
        }
        let tree = trees.first { $0.distance[requested] == Int32(length) && $0.firstSteps(to: requested).contains(first) }
        return tree?.path(to: requested, first: first)
    }

    /// How many served requests walk more than one arc: the number of
    /// `combinationPaths`, without building them.
    public var combinationCount: Int {
        var total = 0
        let states = supportedStates
        for from in states {
            for to in states where to != from {
                if let length = length(from: from, to: to), length > 1 { total += 1 }
            }
        }
        return total
    }


    /// The arcs a driver with this feature set must implement: every arc a
    /// served request takes. Sorted by (from value, to value).
    public var requiredArcs: [Arc] {
        var arcs: [Arc] = []
        let states = supportedStates
        // Per state: the last source it was a next state of.
        var usedFrom = [Int](repeating: -1, count: count)
        for from in states {
            for to in states where to != from {
                if let step = nextState(from: from, to: to) { usedFrom[step] = from }
            }
            for to in states where usedFrom[to] == from { arcs.append(Arc(from, to)) }
        }
        return arcs
    }

    /// Every served request that walks more than one arc, with its path,
    /// sorted as the uAPI comment sorts them: by the path's state names.
    public var combinationPaths: [[StateID]] {
        var paths: [(key: String, path: [StateID])] = []
        let model = self.model
        let states = supportedStates
        for from in states {
            for to in states where to != from {
                if let path = path(from: from, to: to), path.count > 2 {
                    paths.append((model.describe(path: path), path))
                }
            }
        }
        // `A -> B` text sorts as the name sequences do: the separator's
        // space sorts before every character a name may hold.
        return paths.sorted { $0.key < $1.key }.map(\.path)
    }
}
