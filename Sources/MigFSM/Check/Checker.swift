/// Runs every proof of `migfsm check` on a protocol and collects the
/// verdicts, in a fixed order.
///
///     let report = Checker.check(model)
///     print(report.rendered)
public enum Checker {
    /// The built-in checks, in report order; the spec's invariants follow.
    public static let builtInChecks = [
        "ties", "required-arcs", "path-consistency", "session-safety",
        "one-table", "kernel-lookup", "unguarded-kernel-lookup", "generated-lookup", "invalid-flags", "group-readings",
    ]

    public static func check(_ model: MigrationProtocol, rule: PathRule? = nil) -> CheckReport {
        let paths = ProtocolPaths(model: model, rule: rule)
        return check(paths)
    }

    public static func check(_ paths: ProtocolPaths) -> CheckReport {
        let required = paths.tables.map(\.requiredArcs)
        let walks = walkChecks(paths)
        var results: [CheckResult] = [
            tieCheck(paths),
            requiredArcsCheck(paths, required: required),
            walks.pathConsistency,
            walks.sessionSafety,
            oneTableCheck(paths),
        ]
        results += kernelLookupChecks(paths, required: required)
        results.append(groupReadingCheck(paths))
        results += paths.model.invariants.map { invariantCheck($0, paths) }
        let summaries = paths.tables.prefix(CheckReport.listedFeatureSets).enumerated().map { index, table in
            CheckReport.FeatureSetSummary(
                features: table.features, states: table.supportedStates.count,
                requiredArcs: required[index].count, combinationTransitions: table.combinationCount)
        }
        return CheckReport(paths: paths, results: results, featureSets: summaries)
    }
}

/// The verdicts of one `check` run, with the protocol's summary.
public struct CheckReport: Sendable {
    /// The size of one feature set's tables, for the summary.
    public struct FeatureSetSummary: Hashable, Sendable {
        public var features: FeatureSet
        public var states: Int
        public var requiredArcs: Int
        public var combinationTransitions: Int
    }

    /// The most feature sets the summary lists (a spec may have 65,536).
    public static let listedFeatureSets = 64

    public let paths: ProtocolPaths
    public let results: [CheckResult]
    /// The first `listedFeatureSets` feature sets, ascending by flags.
    public let featureSets: [FeatureSetSummary]

    public var model: MigrationProtocol { paths.model }

    /// Whether no check fails.
    public var allHold: Bool { !results.contains { $0.verdict == .fails } }

    public var rendered: String {
        let model = self.model
        var text = "protocol \(model.name) (\(model.sourcePath))\n"
        text += "  \(model.states.count) states, \(model.features.count) features, "
        text += "\(Count.grouped(paths.tables.count)) valid feature sets, \(model.arcs.count) arcs"
        text += model.arcGates.isEmpty ? ", " : " (\(model.arcGates.count) gated by a feature), "
        text += "\(model.blocked.count) blocked requests"
        text += model.blockedGates.isEmpty ? "\n" : " (\(model.blockedGates.count) served with a feature)\n"
        for set in featureSets {
            text += "  \(model.describe(set.features)): \(set.states) states, "
            text += "\(set.requiredArcs) required arcs, \(set.combinationTransitions) combination transitions\n"
        }
        if paths.tables.count > featureSets.count {
            text += "  and \(Count.grouped(paths.tables.count - featureSets.count)) more feature sets\n"
        }
        text += "\n"
        for result in results {
            let verdict = result.verdict == .fails ? "FAILS" : result.verdict.rawValue
            text += verdict.padding(toLength: 7) + result.name + ": " + result.summary + "\n"
            for finding in result.findings {
                let prefix = finding.features.map { model.describe($0) + " " } ?? ""
                text += "       " + prefix + finding.message + "\n"
            }
            if result.unlistedFindings > 0 {
                text += "       and \(Count.grouped(result.unlistedFindings)) more\n"
            }
        }
        let failed = results.filter { $0.verdict == .fails }.count
        let held = results.filter { $0.verdict == .holds }.count
        text += "\n\(results.count) checks: \(held) hold, \(failed) fail"
        let notes = results.count - held - failed
        if notes > 0 { text += ", \(notes) note\(notes == 1 ? "" : "s")" }
        return text + "\n"
    }
}
