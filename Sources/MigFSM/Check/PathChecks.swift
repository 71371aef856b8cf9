extension Checker {
    /// `ties`: no request has two shortest allowed paths with different next
    /// states (unless the spec declares a tie-break).
    static func tieCheck(_ paths: ProtocolPaths) -> CheckResult {
        let model = paths.model
        var findings = FindingList()
        for table in paths.tables {
            for tie in table.ties {
                findings.append(.init(features: table.features,
                    "\(model.describe(tie.request)) has equally short paths "
                    + tie.paths.map { model.describe(path: $0) }.joined(separator: " and ")))
            }
        }
        return .proven("ties", "every request has one shortest path's next state", findings: findings)
    }

    /// `required-arcs`: the arcs the paths use are exactly the arcs the full
    /// graph contracts to on each feature set (none unused, none invented).
    static func requiredArcsCheck(_ paths: ProtocolPaths, required: [[Arc]]) -> CheckResult {
        let model = paths.model
        var findings = FindingList()
        let count = model.states.count
        // Per state: the stamp of the last (feature set, source) whose
        // required arcs (`used`) or contracted arcs (`contracted`) reach it.
        var used = [Int](repeating: -1, count: count)
        var contracted = [Int](repeating: -1, count: count)
        var stamp = 0
        for (table, arcs) in zip(paths.tables, required) {
            let graph = table.graph
            // Both the supported states and the required arcs are in value
            // order: walk them together.
            var next = 0
            for from in table.supportedStates {
                stamp += 1
                let start = next
                while next < arcs.count && arcs[next].from == from { next += 1 }
                for arc in arcs[start..<next] { used[arc.to] = stamp }
                for edge in Int(graph.offsets[from])..<Int(graph.offsets[from + 1]) {
                    let to = Int(graph.targets[edge])
                    contracted[to] = stamp
                    if used[to] != stamp {
                        findings.append(.init(features: table.features,
                            "the contracted arc \(model.describe(Arc(from, to))) is never used by a path"))
                    }
                }
                for arc in arcs[start..<next] where contracted[arc.to] != stamp {
                    findings.append(.init(features: table.features,
                        "a path uses \(model.describe(arc)), which the full graph does not contract to"))
                }
            }
        }
        let counts = required.map { "\($0.count)" }.joined(separator: "/")
        return .proven("required-arcs", "each feature set's paths use exactly its contracted arcs (\(counts))", findings: findings)
    }

    /// `path-consistency` and `session-safety`, proven in one pass over
    /// each feature set's next-state trees (one per requested state).
    static func walkChecks(_ paths: ProtocolPaths) -> (pathConsistency: CheckResult, sessionSafety: CheckResult) {
        let model = paths.model
        let opensSession = SessionOpenings(model)
        var consistency = FirstRequests<Verdict>(limit: FindingList.limit)
        var sessions = FirstRequests<Int>(limit: FindingList.limit)
        var sessionFindings = 0
        var scratch = WalkFacts(count: model.states.count)
        for (index, table) in paths.tables.enumerated() {
            let rank = table.ranks
            var tree = NextStateTree(table)
            for target in table.supportedStates {
                tree.grow(toward: target)
                for (state, reason) in tree.unreached {
                    consistency.add(set: index, from: rank[state], to: rank[target], .broken(reason))
                }
                scratch.derive(tree, opensSession) { state, facts in
                    if !facts.shortest || !facts.obeysRule {
                        consistency.add(set: index, from: rank[state], to: rank[target], .inconsistent(obeysRule: facts.obeysRule))
                    }
                    if facts.earlyOpenings > 0 {
                        sessions.add(set: index, from: rank[state], to: rank[target], facts.earlyOpenings)
                        sessionFindings += facts.earlyOpenings
                    }
                }
            }
        }
        var consistencyFindings = FindingList()
        for entry in consistency.kept {
            let table = paths.tables[entry.set]
            let from = table.supportedStates[entry.from], to = table.supportedStates[entry.to]
            switch entry.payload {
            case .broken(let reason): consistencyFindings.append(brokenWalk(table, from, to, reason))
            case .inconsistent(let obeysRule): consistencyFindings.append(inconsistentWalk(table, from, to, obeysRule: obeysRule))
            }
        }
        consistencyFindings.count(consistency.total - consistency.kept.count)
        var sessionList = FindingList()
        var listed = 0
        for entry in sessions.kept {
            let table = paths.tables[entry.set]
            let from = table.supportedStates[entry.from], to = table.supportedStates[entry.to]
            let walk = table.walk(from: from, to: to, limit: model.states.count + 1)
            for index in 0..<(walk.count - 2) where opensSession(walk[index], walk[index + 1]) {
                sessionList.append(.init(features: table.features,
                    "\(model.describe(path: walk)) opens a session at \(model.describe(Arc(walk[index], walk[index + 1]))), before its final arc"))
                listed += 1
            }
        }
        sessionList.count(sessionFindings - listed)
        return (.proven("path-consistency", "next[][] walks every request along its shortest allowed path", findings: consistencyFindings),
                .proven("session-safety", "only a path's final arc opens a data session", findings: sessionList))
    }

    /// What `path-consistency` found for one request.
    enum Verdict {
        case broken(NextStateTree.Break)
        case inconsistent(obeysRule: Bool)
    }

    /// The finding of a walk that never reaches the requested state.
    private static func brokenWalk(
        _ table: PathTable, _ state: StateID, _ target: StateID, _ reason: NextStateTree.Break
    ) -> CheckResult.Finding {
        let model = table.model
        let count = model.states.count
        let request = model.describe(Arc(state, target))
        let walk = table.walk(from: state, to: target, limit: count + 1)
        switch reason {
        case .refusedAt(let stuck):
            return .init(features: table.features,
                "\(request): the walk \(model.describe(path: walk)) is refused midway, at \(model.states[stuck].name)")
        case .cycleAt:
            return .init(features: table.features,
                "\(request): the walk \(model.describe(path: walk)) does not reach \(model.states[target].name) within \(count) steps")
        }
    }

    /// The finding of a walk that reaches the requested state along a path
    /// that is not shortest or breaks the group rule, with the path the
    /// breadth-first search found for the request.
    private static func inconsistentWalk(
        _ table: PathTable, _ state: StateID, _ target: StateID, obeysRule: Bool
    ) -> CheckResult.Finding {
        let model = table.model
        let walk = table.walk(from: state, to: target, limit: model.states.count + 1)
        var message = "\(model.describe(Arc(state, target))): next[][] walks \(model.describe(path: walk))"
        if let searched = table.searchedPath(from: state, to: target), searched != walk {
            message += ", the search found \(model.describe(path: searched))"
        }
        if !obeysRule { message += "; the walk breaks the group rule" }
        return .init(features: table.features, message)
    }

    /// `group-readings`: where the literal and the contained reading of the
    /// group rule choose different paths (a note, not a failure). Two walks
    /// toward one state are the same exactly when their first steps are the
    /// same and so are the walks from there: one pass per requested state.
    static func groupReadingCheck(_ paths: ProtocolPaths) -> CheckResult {
        let model = paths.model
        guard !paths.rule.groupInterior.isEmpty else {
            return CheckResult(name: "group-readings", verdict: .note, summary: "the spec rules no group")
        }
        let active = paths.rule.groupInterior.map(\.reading)
        let other: GroupReading = active.contains(.contained) ? .literal : .contained
        let count = model.states.count
        var departs = FirstRequests<Void>(limit: FindingList.limit)
        var alternatives: [PathTable] = []
        for (index, table) in paths.tables.enumerated() {
            let otherTable = PathTable(model: model, features: table.features, rule: paths.rule.reading(other))
            let rank = table.ranks
            var mine = NextStateTree(table)
            var theirs = NextStateTree(otherTable)
            // Per state, for the current target: whether both walks from it
            // reach the target along the same states.
            var same = [Bool](repeating: false, count: count)
            for target in table.supportedStates {
                mine.grow(toward: target)
                theirs.grow(toward: target)
                for state in table.supportedStates { same[state] = false }
                same[target] = true
                for node in mine.rootFirst.dropFirst() {
                    let state = Int(node)
                    if let next = mine.parent(of: state), next == theirs.parent(of: state) {
                        same[state] = same[next]
                    }
                }
                // A walk that never reaches the target reads as a refusal,
                // as `path(from:to:)` gives it.
                for from in table.supportedStates where from != target {
                    if !same[from] && (mine.reaches(from) || theirs.reaches(from)) {
                        departs.add(set: index, from: rank[from], to: rank[target], ())
                    }
                }
            }
            if departs.kept.contains(where: { $0.set == index }) { alternatives.append(otherTable) }
        }
        var findings = FindingList()
        for entry in departs.kept {
            let table = paths.tables[entry.set]
            guard let otherTable = alternatives.first(where: { $0.features == table.features }) else { continue }
            let from = table.supportedStates[entry.from], to = table.supportedStates[entry.to]
            let describe = { (table: PathTable) in
                table.path(from: from, to: to).map { model.describe(path: $0) } ?? "refused"
            }
            findings.append(.init(features: table.features,
                "\(model.describe(Arc(from, to))): the spec's reading walks \(describe(table)); \(other.rawValue) walks \(describe(otherTable))"))
        }
        findings.count(departs.total - departs.kept.count)
        let total = departs.total
        let summary = total == 0
            ? "the \(other.rawValue) reading chooses the same paths"
            : "the \(other.rawValue) reading departs on \(Count.grouped(total)) request\(total == 1 ? "" : "s")"
        return CheckResult(name: "group-readings", verdict: .note, summary: summary, findings: findings)
    }
}
