extension Checker {
    /// `one-table`: whether the kernel's technique can serve the spec at all.
    ///
    /// One next-state table, a feature mask per state and a lookup that skips
    /// the states a device lacks answer a request from the device's supported
    /// states alone: whatever the table holds, two feature sets with the same
    /// states get the same answer. So every two valid feature sets with the
    /// same states must agree on every request. A feature that gates a
    /// request or an arc but that no state needs (a new flag for a new
    /// behaviour) breaks that: no table says it, and the lookup must test the
    /// flag before reading the table, as migfsm's generated lookup does for
    /// a gated blocked request (`blocked A -> B unless F`).
    static func oneTableCheck(_ paths: ProtocolPaths) -> CheckResult {
        let model = paths.model
        var findings: [CheckResult.Finding] = []
        var stateSets: [[Bool]] = []
        for (index, table) in paths.tables.enumerated() {
            let states = table.graph.isSupported
            if !stateSets.contains(states) { stateSets.append(states) }
            // Compared with the first (fewest flags) set that has the same states.
            guard let first = paths.tables[..<index].first(where: { $0.graph.isSupported == states }) else { continue }
            for from in first.supportedStates {
                for to in first.supportedStates where to != from {
                    let old = first.nextState(from: from, to: to)
                    let new = table.nextState(from: from, to: to)
                    guard old != new else { continue }
                    let request = Arc(from, to)
                    func answer(_ table: PathTable) -> String {
                        switch table.next(from: from, to: to) {
                        case .success:
                            return table.path(from: from, to: to).map { "walks " + model.describe(path: $0) }
                                ?? "serves it"
                        case .failure(let refusal):
                            return "refuses it (\(refusal.explanation))"
                        }
                    }
                    var message = "\(model.describe(first.features)) and \(model.describe(table.features)) have the same states, "
                        + "so one table with per-state masks answers \(model.describe(request)) alike for both; "
                        + "the spec \(answer(first)) on the first and \(answer(table)) on the second"
                    if let gate = model.blockedGates[request], model.isBlocked(request, on: first.features),
                       !model.isBlocked(request, on: table.features) {
                        message += "; the lookup must test \(model.featureNames(gate).joined(separator: " | ")) "
                            + "before reading the table (migfsm's generated lookup does)"
                    } else {
                        message += "; no test of the flags before the table decides it: the paths differ"
                    }
                    findings.append(.init(features: nil, message))
                }
            }
        }
        let summary = "feature sets with the same states get the same answers, as one table with per-state masks needs "
            + "(\(paths.tables.count) feature sets, \(stateSets.count) distinct sets of states)"
        return .proven("one-table", summary, findings: findings)
    }
}
