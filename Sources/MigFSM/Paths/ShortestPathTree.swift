/// Breadth-first search from one source under one reading of the group
/// rules, remembering for every state the two lowest-valued first steps
/// that reach it by a shortest path (enough to see a tie and to break it).
///
/// Two searches cover every path the rules allow:
/// - `.outside`: interior states avoid every ruled group;
/// - `.inside(g)`: the whole path stays in contained group `g`.
struct ShortestPathTree {
    enum Mode: Equatable {
        case outside
        case inside(group: Int32)
    }

    private(set) var source: StateID = 0
    /// Arcs from the source; -1 where unreached.
    var distance: [Int32]
    /// Up to two (first step, predecessor) pairs per state, lowest first step
    /// value first; -1 where absent.
    var firstA: [Int32]
    var parentA: [Int32]
    var firstB: [Int32]
    var parentB: [Int32]
    /// The breadth-first queue, kept between searches.
    private var queue: [Int32] = []

    init(graph: FeatureGraph, source: StateID, mode: Mode, values: [UInt32]) {
        self.init(count: graph.isSupported.count)
        search(graph: graph, source: source, mode: mode, values: values)
    }

    /// An empty tree for `count` states, to `search` from one source after
    /// another without allocating again.
    init(count: Int) {
        distance = [Int32](repeating: -1, count: count)
        firstA = distance
        parentA = distance
        firstB = distance
        parentB = distance
    }

    /// Searches from `source`, replacing the previous search's results.
    mutating func search(graph: FeatureGraph, source: StateID, mode: Mode, values: [UInt32]) {
        self.source = source
        for state in queue {
            let index = Int(state)
            distance[index] = -1
            firstA[index] = -1
            parentA[index] = -1
            firstB[index] = -1
            parentB[index] = -1
        }
        queue.removeAll(keepingCapacity: true)
        distance[source] = 0
        queue.append(Int32(source))
        var head = 0
        while head < queue.count {
            let node = Int(queue[head])
            head += 1
            let expandable: Bool
            switch mode {
            case .outside: expandable = node == source || graph.ruledGroup[node] < 0
            case .inside: expandable = true
            }
            if !expandable { continue }
            let level = distance[node] + 1
            for edge in Int(graph.offsets[node])..<Int(graph.offsets[node + 1]) {
                let next = Int(graph.targets[edge])
                if case .inside(let group) = mode, graph.ruledGroup[next] != group { continue }
                if distance[next] == -1 {
                    distance[next] = level
                    queue.append(Int32(next))
                } else if distance[next] != level {
                    continue
                }
                if node == source {
                    offer(Int32(next), parent: Int32(node), to: next, values: values)
                } else {
                    if firstA[node] >= 0 { offer(firstA[node], parent: Int32(node), to: next, values: values) }
                    if firstB[node] >= 0 { offer(firstB[node], parent: Int32(node), to: next, values: values) }
                }
            }
        }
    }

    /// Records that `first` reaches `node` by a shortest path through `parent`,
    /// keeping the two lowest-valued distinct first steps.
    private mutating func offer(_ first: Int32, parent: Int32, to node: Int, values: [UInt32]) {
        if firstA[node] == first || firstB[node] == first { return }
        if firstA[node] < 0 {
            firstA[node] = first
            parentA[node] = parent
        } else if values[Int(first)] < values[Int(firstA[node])] {
            firstB[node] = firstA[node]
            parentB[node] = parentA[node]
            firstA[node] = first
            parentA[node] = parent
        } else if firstB[node] < 0 || values[Int(first)] < values[Int(firstB[node])] {
            firstB[node] = first
            parentB[node] = parent
        }
    }

    /// The first steps of shortest paths to `target` (at most two).
    func firstSteps(to target: StateID) -> [StateID] {
        [firstA[target], firstB[target]].filter { $0 >= 0 }.map(Int.init)
    }

    /// The shortest path to `target` whose first step is `first`.
    func path(to target: StateID, first: StateID) -> [StateID] {
        var path = [target]
        var node = target
        while node != source {
            let parent = firstA[node] == first ? parentA[node] : parentB[node]
            node = Int(parent)
            path.append(node)
        }
        return path.reversed()
    }
}
