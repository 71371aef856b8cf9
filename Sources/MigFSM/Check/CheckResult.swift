/// The verdict of one named check, with a concrete counterexample for every
/// violation found.
public struct CheckResult: Hashable, Sendable {
    public enum Verdict: String, Hashable, Sendable {
        /// Proven on every case.
        case holds
        /// At least one counterexample.
        case fails
        /// Information that is neither a proof nor a failure (how the group
        /// readings differ).
        case note
    }

    /// One counterexample or remark: the feature set it is about, if any,
    /// and what happened, step by step.
    public struct Finding: Hashable, Sendable {
        public var features: FeatureSet?
        public var message: String

        public init(features: FeatureSet?, _ message: String) {
            self.features = features
            self.message = message
        }
    }

    /// A stable identifier: `kernel-lookup`, `invariant sink ERROR`.
    public var name: String
    public var verdict: Verdict
    /// One line saying what was proven or how it failed.
    public var summary: String
    public var findings: [Finding]
    /// Where the spec asks for the check (invariants), if it does.
    public var location: SourceLocation?

    public init(name: String, verdict: Verdict, summary: String, findings: [Finding] = [], location: SourceLocation? = nil) {
        self.name = name
        self.verdict = verdict
        self.summary = summary
        self.findings = findings
        self.location = location
    }

    /// `holds` when there are no findings, else `fails`.
    public static func proven(_ name: String, _ summary: String, findings: [Finding], location: SourceLocation? = nil) -> CheckResult {
        CheckResult(
            name: name, verdict: findings.isEmpty ? .holds : .fails,
            summary: findings.isEmpty ? summary : "\(findings.count) violation\(findings.count == 1 ? "" : "s")",
            findings: findings, location: location)
    }
}
