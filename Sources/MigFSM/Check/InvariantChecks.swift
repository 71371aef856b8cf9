extension Checker {
    /// The check of one spec invariant, named as the spec writes it.
    static func invariantCheck(_ invariant: Invariant, _ paths: ProtocolPaths) -> CheckResult {
        let model = paths.model
        var findings = FindingList()
        let name: String
        let summary: String
        switch invariant.kind {
        case .noInterior(let group):
            let members = Set(model.groups[group].members)
            let reading = paths.rule.groupInterior.first { $0.group == group }?.reading ?? .literal
            name = "invariant no-interior \(model.groups[group].name)"
            summary = reading == .literal
                ? "no path has a member inside it"
                : "members are inside a path only when it stays in the group"
            // Per requested state, on its next-state tree: the first member
            // inside each walk, and whether the whole walk is in the group.
            let count = model.states.count
            var firstInside = [Int32](repeating: -1, count: count)
            var allMembers = [Bool](repeating: false, count: count)
            var found = FirstRequests<Int32>(limit: FindingList.limit)
            for (index, table) in paths.tables.enumerated() {
                let rank = table.ranks
                var tree = NextStateTree(table)
                for target in table.supportedStates {
                    tree.grow(toward: target)
                    firstInside[target] = -1
                    allMembers[target] = members.contains(target)
                    for node in tree.rootFirst.dropFirst() {
                        let state = Int(node)
                        guard let next = tree.parent(of: state) else { continue }
                        firstInside[state] = next != target && members.contains(next) ? Int32(next) : firstInside[next]
                        allMembers[state] = members.contains(state) && allMembers[next]
                        if firstInside[state] >= 0 && !(reading == .contained && allMembers[state]) {
                            found.add(set: index, from: rank[state], to: rank[target], firstInside[state])
                        }
                    }
                }
            }
            for entry in found.kept {
                let table = paths.tables[entry.set]
                let from = table.supportedStates[entry.from], to = table.supportedStates[entry.to]
                let walk = table.walk(from: from, to: to, limit: count + 1)
                findings.append(.init(features: table.features,
                    "\(model.describe(path: walk)) has \(model.states[Int(entry.payload)].name) inside it"))
            }
            findings.count(found.total - found.kept.count)
        case .refused(let arc, let gate):
            name = "invariant refused \(model.describe(arc))"
                + (gate.map { " unless " + model.featureNames($0).joined(separator: " | ") } ?? "")
            summary = gate.map { "refused on every feature set that has both states and lacks " + model.describe($0) }
                ?? "refused on every feature set that has both states"
            for table in paths.tables where table.graph.isSupported[arc.from] && table.graph.isSupported[arc.to] {
                if let gate, table.features.covers(gate) { continue }
                if let path = table.path(from: arc.from, to: arc.to) {
                    findings.append(.init(features: table.features, "the request is served: \(model.describe(path: path))"))
                }
            }
        case .sink(let state):
            let stateName = model.states[state].name
            name = "invariant sink \(stateName)"
            summary = "no arc leaves or enters it; every request from or to it is refused"
            for arc in model.arcs where arc.from == state || arc.to == state {
                findings.append(.init(features: nil, "the spec declares the arc \(model.describe(arc))"))
            }
            for table in paths.tables {
                for other in model.statesByValue where other != state {
                    if let next = table.nextState(from: state, to: other) {
                        findings.append(.init(features: table.features, "\(stateName) -> \(model.states[other].name) is served, next \(model.states[next].name)"))
                    }
                    if let next = table.nextState(from: other, to: state) {
                        findings.append(.init(features: table.features, "\(model.states[other].name) -> \(stateName) is served, next \(model.states[next].name)"))
                    }
                }
            }
        case .reachable:
            name = "invariant reachable"
            summary = "every supported state can be requested from every other, blocked requests aside"
            for table in paths.tables {
                for from in table.supportedStates {
                    for to in table.supportedStates where from != to {
                        if case .failure(.noPath) = table.next(from: from, to: to) {
                            findings.append(.init(features: table.features, "no allowed path for \(model.describe(Arc(from, to)))"))
                        }
                    }
                }
            }
        case .path(let states, let features):
            let features = features ?? paths.full?.features ?? []
            name = "invariant path \(model.describe(path: states))" + (features == paths.full?.features ? "" : " with \(model.featureNames(features).joined(separator: " | "))")
            summary = "the request walks exactly this path"
            if let table = paths.table(for: features) {
                let actual = table.path(from: states.first!, to: states.last!)
                if actual != states {
                    findings.append(.init(features: features, "the request walks " + (actual.map { model.describe(path: $0) } ?? "nowhere: it is refused")))
                }
            } else {
                findings.append(.init(features: nil, "\(model.describe(features)) is not a valid feature set"))
            }
        }
        return .proven(name, summary, findings: findings, location: invariant.location)
    }
}
