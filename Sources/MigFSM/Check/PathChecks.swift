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
        for (table, arcs) in zip(paths.tables, required) {
            let used = Set(arcs)
            for arc in table.graph.arcs where !used.contains(arc) {
                findings.append(.init(features: table.features,
                    "the contracted arc \(model.describe(arc)) is never used by a path"))
            }
            for arc in arcs where !table.graph.hasArc(arc) {
                findings.append(.init(features: table.features,
                    "a path uses \(model.describe(arc)), which the full graph does not contract to"))
            }
        }
        let counts = required.map { "\($0.count)" }.joined(separator: "/")
        return .proven("required-arcs", "each feature set's paths use exactly its contracted arcs (\(counts))", findings: findings)
    }

    /// `path-consistency`: following next[][] from any state reaches the
    /// requested one within |states| steps, along a shortest path that obeys
    /// the path rule from the first state.
    ///
    /// Proven once per requested state on its `NextStateTree`, never by
    /// walking each request: a walk's length is one more than its next
    /// state's walk, and it obeys the group rule exactly when either no
    /// ruled member is inside it, or the whole walk stays in one
    /// `contained` group; both are known for a state once they are known
    /// for its next state. Time: states squared per feature set.
    static func pathConsistencyCheck(_ paths: ProtocolPaths) -> CheckResult {
        let model = paths.model
        let count = model.states.count
        var findings = FindingList()
        // Per state, for the current target: whether a ruled member is
        // inside its walk, and the ruled group its whole walk stays in (-1:
        // none).
        var ruledInside = [Bool](repeating: false, count: count)
        var wholeWalkIn = [Int32](repeating: -1, count: count)
        // Per state: the number of arcs of its walk to the current target.
        var walkLength = [Int32](repeating: 0, count: count)
        for table in paths.tables {
            let graph = table.graph
            let trees = table.supportedStates.map { NextStateTree(table, target: $0) }
            var verdicts = RequestMatrix<Verdict>(count: count, fill: .consistent)
            for tree in trees {
                let target = tree.target
                for (state, reason) in tree.unreached { verdicts[state, target] = .broken(reason) }
                wholeWalkIn[target] = graph.ruledGroup[target]
                ruledInside[target] = false
                walkLength[target] = 0
                for state in tree.rootFirst.dropFirst() {
                    guard let next = tree.parent(of: state) else { continue }
                    let group = graph.ruledGroup[state]
                    wholeWalkIn[state] = group >= 0 && wholeWalkIn[next] == group ? group : -1
                    ruledInside[state] = next != target && (graph.ruledGroup[next] >= 0 || ruledInside[next])
                    let obeysRule = !ruledInside[state]
                        || (wholeWalkIn[state] >= 0 && graph.groupIsContained[Int(wholeWalkIn[state])])
                    walkLength[state] = walkLength[next] + 1
                    let shortest = table.length(from: state, to: target) == Int(walkLength[state])
                    if !shortest || !obeysRule { verdicts[state, target] = .inconsistent(obeysRule: obeysRule) }
                }
            }
            let byTarget = Dictionary(uniqueKeysWithValues: trees.map { ($0.target, $0) })
            for from in table.supportedStates {
                for to in table.supportedStates where to != from {
                    guard let tree = byTarget[to] else { continue }
                    switch verdicts[from, to] {
                    case .consistent: continue
                    case .broken(let reason): findings.append(brokenWalk(table, tree, from, reason))
                    case .inconsistent(let obeysRule): findings.append(inconsistentWalk(table, tree, from, obeysRule: obeysRule))
                    }
                }
            }
        }
        return .proven("path-consistency", "next[][] walks every request along its shortest allowed path", findings: findings)
    }

    /// What `path-consistency` found for one request.
    private enum Verdict {
        case consistent
        case broken(NextStateTree.Break)
        case inconsistent(obeysRule: Bool)
    }

    /// The finding of a walk that never reaches the requested state.
    private static func brokenWalk(
        _ table: PathTable, _ tree: NextStateTree, _ state: StateID, _ reason: NextStateTree.Break
    ) -> CheckResult.Finding {
        let model = table.model
        let count = model.states.count
        let request = model.describe(Arc(state, tree.target))
        switch reason {
        case .refusedAt(let stuck):
            let walk = tree.walk(from: state, limit: count + 1)
            return .init(features: table.features,
                "\(request): the walk \(model.describe(path: walk)) is refused midway, at \(model.states[stuck].name)")
        case .cycleAt:
            let walk = tree.walk(from: state, limit: count + 1)
            return .init(features: table.features,
                "\(request): the walk \(model.describe(path: walk)) does not reach \(model.states[tree.target].name) within \(count) steps")
        }
    }

    /// The finding of a walk that reaches the requested state along a path
    /// that is not shortest or breaks the group rule, with the path the
    /// breadth-first search found for the request.
    private static func inconsistentWalk(
        _ table: PathTable, _ tree: NextStateTree, _ state: StateID, obeysRule: Bool
    ) -> CheckResult.Finding {
        let model = table.model
        let walk = tree.walk(from: state, limit: model.states.count + 1)
        var message = "\(model.describe(Arc(state, tree.target))): next[][] walks \(model.describe(path: walk))"
        if let searched = table.searchedPath(from: state, to: tree.target), searched != walk {
            message += ", the search found \(model.describe(path: searched))"
        }
        if !obeysRule { message += "; the walk breaks the group rule" }
        return .init(features: table.features, message)
    }

    /// `session-safety`: no path opens a data session except with its final
    /// arc (the FD is handed back only when the ioctl returns). Proven per
    /// requested state on its `NextStateTree`: the early arcs of a walk that
    /// open a session are its first arc's, if that is not its last, and
    /// those of the walk from the next state.
    static func sessionSafetyCheck(_ paths: ProtocolPaths) -> CheckResult {
        let model = paths.model
        let count = model.states.count
        var findings = FindingList()
        for table in paths.tables {
            let trees = table.supportedStates.map { NextStateTree(table, target: $0) }
            var early = RequestMatrix<Bool>(count: count, fill: false)
            // Per state, for the current target: whether its walk opens a
            // session before the final arc.
            var opensEarly = [Bool](repeating: false, count: count)
            for tree in trees {
                opensEarly[tree.target] = false
                for state in tree.rootFirst.dropFirst() {
                    guard let next = tree.parent(of: state) else { continue }
                    opensEarly[state] = next != tree.target
                        && (model.opensSession(Arc(state, next)) || opensEarly[next])
                    early[state, tree.target] = opensEarly[state]
                }
            }
            let byTarget = Dictionary(uniqueKeysWithValues: trees.map { ($0.target, $0) })
            for from in table.supportedStates {
                for to in table.supportedStates where early[from, to] {
                    guard let walk = byTarget[to]?.walk(from: from, limit: count + 1) else { continue }
                    for index in 0..<(walk.count - 2) where model.opensSession(Arc(walk[index], walk[index + 1])) {
                        findings.append(.init(features: table.features,
                            "\(model.describe(path: walk)) opens a session at \(model.describe(Arc(walk[index], walk[index + 1]))), before its final arc"))
                    }
                }
            }
        }
        return .proven("session-safety", "only a path's final arc opens a data session", findings: findings)
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
        let alternative = ProtocolPaths(model: model, rule: paths.rule.reading(other), featureSets: paths.tables.map(\.features))
        var findings = FindingList()
        let count = model.states.count
        for (table, otherTable) in zip(paths.tables, alternative.tables) {
            let mine = table.supportedStates.map { NextStateTree(table, target: $0) }
            let theirs = table.supportedStates.map { NextStateTree(otherTable, target: $0) }
            var departs = RequestMatrix<Bool>(count: count, fill: false)
            // Per state, for the current target: whether both walks from it
            // reach the target along the same states.
            var same = [Bool](repeating: false, count: count)
            var reaches = [Bool](repeating: false, count: count)
            var theirsReach = [Bool](repeating: false, count: count)
            for (mine, theirs) in zip(mine, theirs) {
                let target = mine.target
                for state in table.supportedStates {
                    same[state] = false
                    reaches[state] = false
                    theirsReach[state] = false
                }
                same[target] = true
                for state in mine.rootFirst { reaches[state] = true }
                for state in theirs.rootFirst { theirsReach[state] = true }
                for state in mine.rootFirst.dropFirst() {
                    if let next = mine.parent(of: state), next == theirs.parent(of: state) {
                        same[state] = same[next]
                    }
                }
                // A walk that never reaches the target reads as a refusal,
                // as `path(from:to:)` gives it.
                for from in table.supportedStates where from != target {
                    departs[from, target] = !same[from] && (reaches[from] || theirsReach[from])
                }
            }
            let trees = Dictionary(uniqueKeysWithValues: zip(mine, theirs).map { ($0.0.target, $0) })
            for from in table.supportedStates {
                for to in table.supportedStates where departs[from, to] {
                    guard let (mine, theirs) = trees[to] else { continue }
                    let describe = { (tree: NextStateTree) in
                        tree.reaches(from) ? model.describe(path: tree.walk(from: from, limit: count + 1)) : "refused"
                    }
                    findings.append(.init(features: table.features,
                        "\(model.describe(Arc(from, to))): the spec's reading walks \(describe(mine)); \(other.rawValue) walks \(describe(theirs))"))
                }
            }
        }
        let total = findings.count
        let summary = total == 0
            ? "the \(other.rawValue) reading chooses the same paths"
            : "the \(other.rawValue) reading departs on \(Count.grouped(total)) request\(total == 1 ? "" : "s")"
        return CheckResult(name: "group-readings", verdict: .note, summary: summary, findings: findings)
    }
}
