/// What one kind of finding means, for tools that list findings by rule
/// (SARIF's `rules`): the kind, a one-line summary, and the help a reviewer
/// reads when the finding is shown inline.
///
///     FindingRule(id: "kernel-lookup", summary: "The kernel's lookup departs from the spec", help: "...")
public struct FindingRule: Hashable, Sendable {
    /// The finding kind: `Finding.kind`, SARIF's `ruleId`.
    public var id: String
    /// One sentence.
    public var summary: String
    /// What the finding means and what to do about it.
    public var help: String
    /// The severity findings of this kind usually have.
    public var severity: Finding.Severity

    /// A rule for findings of kind `id`.
    public init(id: String, summary: String, help: String, severity: Finding.Severity = .error) {
        self.id = id
        self.summary = summary
        self.help = help
        self.severity = severity
    }
}
