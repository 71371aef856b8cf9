/// The graph a device with one feature set sees: its supported states, and
/// the arcs between them once the states it lacks are contracted.
///
/// Without P2P, `RUNNING -> RUNNING_P2P -> STOP` of the full graph becomes
/// the arc `RUNNING -> STOP`. An arc gated by features the set lacks
/// (`A -> B needs F`) is not part of its full graph. A contraction obeys the path rule: it may pass
/// through a ruled group's member only when, under the `contained` reading,
/// it starts, stays and ends in that group.
public struct FeatureGraph: Sendable {
    /// The protocol, held by reference: a protocol has dozens of arrays,
    /// and a spec with 16 features has 65,536 graphs, copied with their
    /// tables.
    public var model: MigrationProtocol { shared.model }
    private let shared: SharedProtocol
    public let features: FeatureSet
    /// Per state (by `StateID`): whether a device with `features` has it.
    public let isSupported: [Bool]
    /// Per state: the index of the path-ruled group it belongs to, or -1.
    let ruledGroup: [Int32]
    /// Per ruled group index: whether members may be interior (`contained`).
    let groupIsContained: [Bool]
    /// Successors in compressed rows: `targets[offsets[s]..<offsets[s + 1]]`,
    /// each row sorted by the target's uAPI value.
    let offsets: [Int32]
    let targets: [Int32]

    public init(model: MigrationProtocol, features: FeatureSet, rule: PathRule? = nil) {
        let rule = rule ?? model.pathRule
        shared = SharedProtocol(model)
        self.features = features
        let count = model.states.count
        let supported = (0..<count).map { model.supports($0, in: features) }
        isSupported = supported

        var ruled = [Int32](repeating: -1, count: count)
        var contained = [Bool](repeating: false, count: model.groups.count)
        for entry in rule.groupInterior {
            contained[entry.group] = entry.reading == .contained
            for member in model.groups[entry.group].members { ruled[member] = Int32(entry.group) }
        }
        ruledGroup = ruled
        groupIsContained = contained

        // The full graph's adjacency, in declaration order, without the
        // arcs whose gate features this set lacks.
        let present = model.arcGates.isEmpty ? model.arcs : model.arcs.filter { model.hasArc($0, on: features) }
        var fullOffsets = [Int32](repeating: 0, count: count + 1)
        for arc in present { fullOffsets[arc.from + 1] += 1 }
        for index in 0..<count { fullOffsets[index + 1] += fullOffsets[index] }
        var fill = fullOffsets
        var fullTargets = [Int32](repeating: 0, count: present.count)
        for arc in present {
            fullTargets[Int(fill[arc.from])] = Int32(arc.to)
            fill[arc.from] += 1
        }

        let values = model.states.map(\.value)
        var offsets: [Int32] = [0]
        var targets: [Int32] = []
        offsets.reserveCapacity(count + 1)
        targets.reserveCapacity(model.arcs.count)
        var mark = [Int32](repeating: -1, count: count)
        var queue: [Int32] = []
        var found: [Int32] = []
        for source in 0..<count {
            found.removeAll(keepingCapacity: true)
            if supported[source] {
                // Passes: through unsupported states outside ruled groups; and,
                // for a contained group the source is in, through its members.
                let sourceGroup = ruled[source]
                let passes: [Int32] = sourceGroup >= 0 && contained[Int(sourceGroup)] ? [-1, sourceGroup] : [-1]
                for pass in passes {
                    queue.removeAll(keepingCapacity: true)
                    queue.append(Int32(source))
                    let stamp = Int32(source * 2 + (pass == -1 ? 0 : 1))
                    mark[source] = stamp
                    var head = 0
                    while head < queue.count {
                        let node = Int(queue[head])
                        head += 1
                        for edge in Int(fullOffsets[node])..<Int(fullOffsets[node + 1]) {
                            let next = Int(fullTargets[edge])
                            if mark[next] == stamp { continue }
                            if pass != -1 && ruled[next] != pass { continue }
                            mark[next] = stamp
                            if supported[next] {
                                if next != source { found.append(Int32(next)) }
                            } else if pass != -1 || ruled[next] == -1 {
                                queue.append(Int32(next))
                            }
                        }
                    }
                }
                found.sort { (values[Int($0)], $0) < (values[Int($1)], $1) }
                var previous: Int32 = -1
                for target in found where target != previous {
                    targets.append(target)
                    previous = target
                }
            }
            offsets.append(Int32(targets.count))
        }
        self.offsets = offsets
        self.targets = targets
    }

    /// The states reachable by one driver arc from `state`, by uAPI value.
    public func successors(of state: StateID) -> [StateID] {
        (Int(offsets[state])..<Int(offsets[state + 1])).map { Int(targets[$0]) }
    }

    /// Whether `arc` is an arc of this graph.
    public func hasArc(_ arc: Arc) -> Bool {
        (Int(offsets[arc.from])..<Int(offsets[arc.from + 1])).contains { Int(targets[$0]) == arc.to }
    }

    /// Every arc of the graph, sorted by (from value, to value).
    public var arcs: [Arc] {
        model.statesByValue.flatMap { from in successors(of: from).map { Arc(from, $0) } }
    }

    /// Whether a path (a sequence of states) obeys the group rules: a ruled
    /// group's member is interior only under `contained`, with the whole
    /// path inside that group.
    public func obeysGroupRule(_ path: [StateID]) -> Bool {
        guard path.count > 2 else { return true }
        for interior in path.dropFirst().dropLast() {
            let group = ruledGroup[interior]
            if group < 0 { continue }
            if !groupIsContained[Int(group)] { return false }
            if !path.allSatisfy({ ruledGroup[$0] == group }) { return false }
        }
        return true
    }
}

/// A protocol behind one reference, so that copying what holds it costs one
/// retain.
private final class SharedProtocol: Sendable {
    let model: MigrationProtocol

    init(_ model: MigrationProtocol) {
        self.model = model
    }
}
