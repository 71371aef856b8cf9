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
        for (table, arcs) in zip(paths.tables, required) {
            var used = RequestMatrix<Bool>(count: count, fill: false)
            for arc in arcs { used[arc.from, arc.to] = true }
            var contracted = RequestMatrix<Bool>(count: count, fill: false)
            for from in table.supportedStates {
                for to in table.graph.successors(of: from) {
                    contracted[from, to] = true
                    if !used[from, to] {
                        findings.append(.init(features: table.features,
                            "the contracted arc \(model.describe(Arc(from, to))) is never used by a path"))
                    }
                }
            }
            for arc in arcs where !contracted[arc.from, arc.to] {
                findings.append(.init(features: table.features,
                    "a path uses \(model.describe(arc)), which the full graph does not contract to"))
            }
        }
        let counts = required.map { "\($0.count)" }.joined(separator: "/")
        return .proven("required-arcs", "each feature set's paths use exactly its contracted arcs (\(counts))", findings: findings)
    }

    /// `path-consistency` and `session-safety`, proven in one pass over each
    /// feature set's `NextStateForest` (built once for both).
    static func walkChecks(_ paths: ProtocolPaths) -> (pathConsistency: CheckResult, sessionSafety: CheckResult) {
        var consistency = FindingList()
        var sessions = FindingList()
        let model = paths.model
        let opensSession = SessionOpenings(model)
        for table in paths.tables {
            let forest = NextStateForest(table)
            pathConsistency(table, forest, into: &consistency)
            sessionSafety(table, forest, model, opensSession, into: &sessions)
        }
        return (.proven("path-consistency", "next[][] walks every request along its shortest allowed path", findings: consistency),
                .proven("session-safety", "only a path's final arc opens a data session", findings: sessions))
    }

    /// `path-consistency`: following next[][] from any state reaches the
    /// requested one within |states| steps, along a shortest path that obeys
    /// the path rule from the first state.
    ///
    /// Proven once per requested state on its tree, never by walking each
    /// request: a walk's length is one more than its next state's walk, and
    /// it obeys the group rule exactly when either no ruled member is inside
    /// it, or the whole walk stays in one `contained` group; both are known
    /// for a state once they are known for its next state. Time: states
    /// squared per feature set.
    static func pathConsistency(_ table: PathTable, _ forest: NextStateForest, into findings: inout FindingList) {
        let count = table.isSupported.count
        let graph = table.graph
        // Per state, for the current target: whether a ruled member is
        // inside its walk, the ruled group its whole walk stays in (-1:
        // none), and the number of arcs of its walk.
        var ruledInside = [Bool](repeating: false, count: count)
        var wholeWalkIn = [Int32](repeating: -1, count: count)
        var walkLength = [Int32](repeating: 0, count: count)
        var verdicts = RequestMatrix<Verdict>(count: count, fill: .consistent)
        for entry in forest.unreached { verdicts[entry.state, entry.target] = .broken(entry.reason) }
        for target in table.supportedStates {
            wholeWalkIn[target] = graph.ruledGroup[target]
            ruledInside[target] = false
            walkLength[target] = 0
            for node in forest.rootFirst(toward: target).dropFirst() {
                let state = Int(node)
                guard let next = forest.parent(of: state, toward: target) else { continue }
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
        for from in table.supportedStates {
            for to in table.supportedStates where to != from {
                switch verdicts[from, to] {
                case .consistent: continue
                case .broken(let reason): findings.append(brokenWalk(table, forest, from, to, reason))
                case .inconsistent(let obeysRule): findings.append(inconsistentWalk(table, forest, from, to, obeysRule: obeysRule))
                }
            }
        }
    }

    /// What `path-consistency` found for one request.
    private enum Verdict {
        case consistent
        case broken(NextStateForest.Break)
        case inconsistent(obeysRule: Bool)
    }

    /// The finding of a walk that never reaches the requested state.
    private static func brokenWalk(
        _ table: PathTable, _ forest: NextStateForest, _ state: StateID, _ target: StateID, _ reason: NextStateForest.Break
    ) -> CheckResult.Finding {
        let model = table.model
        let count = model.states.count
        let request = model.describe(Arc(state, target))
        let walk = forest.walk(from: state, toward: target, limit: count + 1)
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
        _ table: PathTable, _ forest: NextStateForest, _ state: StateID, _ target: StateID, obeysRule: Bool
    ) -> CheckResult.Finding {
        let model = table.model
        let walk = forest.walk(from: state, toward: target, limit: model.states.count + 1)
        var message = "\(model.describe(Arc(state, target))): next[][] walks \(model.describe(path: walk))"
        if let searched = table.searchedPath(from: state, to: target), searched != walk {
            message += ", the search found \(model.describe(path: searched))"
        }
        if !obeysRule { message += "; the walk breaks the group rule" }
        return .init(features: table.features, message)
    }

    /// `session-safety`: no path opens a data session except with its final
    /// arc (the FD is handed back only when the ioctl returns). Proven per
    /// requested state on its tree: a walk opens a session early when its
    /// first arc does and is not its last, or the walk from its next state
    /// does.
    static func sessionSafety(
        _ table: PathTable, _ forest: NextStateForest, _ model: MigrationProtocol, _ opensSession: SessionOpenings,
        into findings: inout FindingList
    ) {
        let count = table.isSupported.count
        var early = RequestMatrix<Bool>(count: count, fill: false)
        // Per state, for the current target: whether its walk opens a
        // session before the final arc.
        var opensEarly = [Bool](repeating: false, count: count)
        for target in table.supportedStates {
            opensEarly[target] = false
            for node in forest.rootFirst(toward: target).dropFirst() {
                let state = Int(node)
                guard let next = forest.parent(of: state, toward: target) else { continue }
                opensEarly[state] = next != target && (opensSession(state, next) || opensEarly[next])
                early[state, target] = opensEarly[state]
            }
        }
        for from in table.supportedStates {
            for to in table.supportedStates where early[from, to] {
                let walk = forest.walk(from: from, toward: to, limit: count + 1)
                for index in 0..<(walk.count - 2) where model.opensSession(Arc(walk[index], walk[index + 1])) {
                    findings.append(.init(features: table.features,
                        "\(model.describe(path: walk)) opens a session at \(model.describe(Arc(walk[index], walk[index + 1]))), before its final arc"))
                }
            }
        }
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
            let mine = NextStateForest(table)
            let theirs = NextStateForest(otherTable)
            var departs = RequestMatrix<Bool>(count: count, fill: false)
            // Per state, for the current target: whether both walks from it
            // reach the target along the same states.
            var same = [Bool](repeating: false, count: count)
            for target in table.supportedStates {
                for state in table.supportedStates { same[state] = false }
                same[target] = true
                for node in mine.rootFirst(toward: target).dropFirst() {
                    let state = Int(node)
                    if let next = mine.parent(of: state, toward: target), next == theirs.parent(of: state, toward: target) {
                        same[state] = same[next]
                    }
                }
                // A walk that never reaches the target reads as a refusal,
                // as `path(from:to:)` gives it.
                for from in table.supportedStates where from != target {
                    departs[from, target] = !same[from]
                        && (mine.reaches(from, toward: target) || theirs.reaches(from, toward: target))
                }
            }
            for from in table.supportedStates {
                for to in table.supportedStates where departs[from, to] {
                    let describe = { (forest: NextStateForest) in
                        forest.reaches(from, toward: to)
                            ? model.describe(path: forest.walk(from: from, toward: to, limit: count + 1)) : "refused"
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
