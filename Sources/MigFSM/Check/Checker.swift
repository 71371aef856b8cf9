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
        var results: [CheckResult] = [
            tieCheck(paths),
            requiredArcsCheck(paths),
            pathConsistencyCheck(paths),
            sessionSafetyCheck(paths),
            oneTableCheck(paths),
        ]
        results += kernelLookupChecks(paths)
        results.append(groupReadingCheck(paths))
        results += paths.model.invariants.map { invariantCheck($0, paths) }
        return CheckReport(paths: paths, results: results)
    }
}

/// The verdicts of one `check` run, with the protocol's summary.
public struct CheckReport: Sendable {
    public let paths: ProtocolPaths
    public let results: [CheckResult]

    public var model: MigrationProtocol { paths.model }

    /// Whether no check fails.
    public var allHold: Bool { !results.contains { $0.verdict == .fails } }

    public var rendered: String {
        let model = self.model
        var text = "protocol \(model.name) (\(model.sourcePath))\n"
        text += "  \(model.states.count) states, \(model.features.count) features, "
        text += "\(paths.tables.count) valid feature sets, \(model.arcs.count) arcs"
        text += model.arcGates.isEmpty ? ", " : " (\(model.arcGates.count) gated by a feature), "
        text += "\(model.blocked.count) blocked requests"
        text += model.blockedGates.isEmpty ? "\n" : " (\(model.blockedGates.count) served with a feature)\n"
        for table in paths.tables {
            text += "  \(model.describe(table.features)): \(table.supportedStates.count) states, "
            text += "\(table.requiredArcs.count) required arcs, \(table.combinationPaths.count) combination transitions\n"
        }
        text += "\n"
        for result in results {
            let verdict = result.verdict == .fails ? "FAILS" : result.verdict.rawValue
            text += verdict.padding(toLength: 7) + result.name + ": " + result.summary + "\n"
            for finding in result.findings {
                let prefix = finding.features.map { model.describe($0) + " " } ?? ""
                text += "       " + prefix + finding.message + "\n"
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
