extension Checker {
    /// `ties`: no request has two shortest allowed paths with different next
    /// states (unless the spec declares a tie-break).
    static func tieCheck(_ paths: ProtocolPaths) -> CheckResult {
        let model = paths.model
        var findings: [CheckResult.Finding] = []
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
    static func requiredArcsCheck(_ paths: ProtocolPaths) -> CheckResult {
        let model = paths.model
        var findings: [CheckResult.Finding] = []
        for table in paths.tables {
            let required = Set(table.requiredArcs)
            for arc in table.graph.arcs where !required.contains(arc) {
                findings.append(.init(features: table.features,
                    "the contracted arc \(model.describe(arc)) is never used by a path"))
            }
            for arc in table.requiredArcs where !table.graph.hasArc(arc) {
                findings.append(.init(features: table.features,
                    "a path uses \(model.describe(arc)), which the full graph does not contract to"))
            }
        }
        let counts = paths.tables.map { "\($0.requiredArcs.count)" }.joined(separator: "/")
        return .proven("required-arcs", "each feature set's paths use exactly its contracted arcs (\(counts))", findings: findings)
    }

    /// `path-consistency`: following next[][] from any state reaches the
    /// requested one within |states| steps, along a shortest path that obeys
    /// the path rule from the first state, and that path is the breadth-first
    /// search's own.
    static func pathConsistencyCheck(_ paths: ProtocolPaths) -> CheckResult {
        let model = paths.model
        var findings: [CheckResult.Finding] = []
        let values = model.states.map(\.value)
        for table in paths.tables {
            let graph = table.graph
            for from in table.supportedStates {
                let outside = ShortestPathTree(graph: graph, source: from, mode: .outside, values: values)
                let group = graph.ruledGroup[from]
                let inside = group >= 0 && graph.groupIsContained[Int(group)]
                    ? ShortestPathTree(graph: graph, source: from, mode: .inside(group: group), values: values) : nil
                for to in table.supportedStates where to != from {
                    guard let first = table.nextState(from: from, to: to), let length = table.length(from: from, to: to) else { continue }
                    var walk = [from]
                    var state = from
                    var broken: String?
                    while state != to {
                        guard walk.count <= model.states.count else {
                            broken = "does not reach \(model.states[to].name) within \(model.states.count) steps"
                            break
                        }
                        guard let step = table.nextState(from: state, to: to) else {
                            broken = "is refused midway, at \(model.states[state].name)"
                            break
                        }
                        walk.append(step)
                        state = step
                    }
                    let request = model.describe(Arc(from, to))
                    if let broken {
                        findings.append(.init(features: table.features, "\(request): the walk \(model.describe(path: walk)) \(broken)"))
                        continue
                    }
                    let tree = [outside, inside].compactMap { $0 }.first {
                        $0.distance[to] == Int32(length) && $0.firstSteps(to: to).contains(first)
                    }
                    let searched = tree?.path(to: to, first: first)
                    if walk.count - 1 != length || !graph.obeysGroupRule(walk) || (searched != nil && searched! != walk) {
                        var message = "\(request): next[][] walks \(model.describe(path: walk))"
                        if let searched { message += ", the search found \(model.describe(path: searched))" }
                        if !graph.obeysGroupRule(walk) { message += "; the walk breaks the group rule" }
                        findings.append(.init(features: table.features, message))
                    }
                }
            }
        }
        return .proven("path-consistency", "next[][] walks every request along its shortest allowed path", findings: findings)
    }

    /// `session-safety`: no path opens a data session except with its final
    /// arc (the FD is handed back only when the ioctl returns).
    static func sessionSafetyCheck(_ paths: ProtocolPaths) -> CheckResult {
        let model = paths.model
        var findings: [CheckResult.Finding] = []
        for table in paths.tables {
            for path in table.combinationPaths {
                for index in 0..<(path.count - 2) where model.opensSession(Arc(path[index], path[index + 1])) {
                    findings.append(.init(features: table.features,
                        "\(model.describe(path: path)) opens a session at \(model.describe(Arc(path[index], path[index + 1]))), before its final arc"))
                }
            }
        }
        return .proven("session-safety", "only a path's final arc opens a data session", findings: findings)
    }

    /// `group-readings`: where the literal and the contained reading of the
    /// group rule choose different paths (a note, not a failure).
    static func groupReadingCheck(_ paths: ProtocolPaths) -> CheckResult {
        let model = paths.model
        guard !paths.rule.groupInterior.isEmpty else {
            return CheckResult(name: "group-readings", verdict: .note, summary: "the spec rules no group")
        }
        let active = paths.rule.groupInterior.map(\.reading)
        let other: GroupReading = active.contains(.contained) ? .literal : .contained
        let alternative = ProtocolPaths(model: model, rule: paths.rule.reading(other), featureSets: paths.tables.map(\.features))
        var findings: [CheckResult.Finding] = []
        for (table, otherTable) in zip(paths.tables, alternative.tables) {
            for from in table.supportedStates {
                for to in table.supportedStates where to != from {
                    let mine = table.path(from: from, to: to)
                    let theirs = otherTable.path(from: from, to: to)
                    if mine != theirs {
                        let describe = { (path: [StateID]?) in path.map { model.describe(path: $0) } ?? "refused" }
                        findings.append(.init(features: table.features,
                            "\(model.describe(Arc(from, to))): the spec's reading walks \(describe(mine)); \(other.rawValue) walks \(describe(theirs))"))
                    }
                }
            }
        }
        let summary = findings.isEmpty
            ? "the \(other.rawValue) reading chooses the same paths"
            : "the \(other.rawValue) reading departs on \(findings.count) request\(findings.count == 1 ? "" : "s")"
        return CheckResult(name: "group-readings", verdict: .note, summary: summary, findings: findings)
    }
}
