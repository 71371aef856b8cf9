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
        /// How many more cases the message stands for ("and 4,092 more
        /// like it": every value no state has behaves the same).
        public var alike: Int

        public init(features: FeatureSet?, _ message: String, alike: Int = 0) {
            self.features = features
            self.message = message
            self.alike = alike
        }
    }

    /// A stable identifier: `kernel-lookup`, `invariant sink ERROR`.
    public var name: String
    public var verdict: Verdict
    /// One line saying what was proven or how it failed.
    public var summary: String
    /// The findings listed, at most `FindingList.limit`.
    public var findings: [Finding]
    /// Findings counted but not listed (`and 502,441 more like it`).
    public var unlistedFindings: Int
    /// Where the spec asks for the check (invariants), or the spec line the
    /// check is about, if any.
    public var location: SourceLocation?

    public init(name: String, verdict: Verdict, summary: String, findings: [Finding] = [],
                unlistedFindings: Int = 0, location: SourceLocation? = nil) {
        self.name = name
        self.verdict = verdict
        self.summary = summary
        self.findings = findings
        self.unlistedFindings = unlistedFindings
        self.location = location
    }

    public init(name: String, verdict: Verdict, summary: String, findings: FindingList, location: SourceLocation? = nil) {
        self.init(name: name, verdict: verdict, summary: summary, findings: findings.listed,
                  unlistedFindings: findings.unlisted, location: location)
    }

    /// Every finding: those listed, the cases they stand for, the unlisted.
    public var findingCount: Int { findings.reduce(unlistedFindings) { $0 + 1 + $1.alike } }

    /// `holds` when there are no findings, else `fails`.
    public static func proven(_ name: String, _ summary: String, findings: [Finding], location: SourceLocation? = nil) -> CheckResult {
        var list = FindingList()
        for finding in findings { list.append(finding) }
        return proven(name, summary, findings: list, location: location)
    }

    /// `holds` when there are no findings, else `fails`.
    public static func proven(_ name: String, _ summary: String, findings: FindingList, location: SourceLocation? = nil) -> CheckResult {
        CheckResult(
            name: name, verdict: findings.count == 0 ? .holds : .fails,
            summary: findings.count == 0 ? summary : "\(Count.grouped(findings.count)) violation\(findings.count == 1 ? "" : "s")",
            findings: findings, location: location)
    }
}

/// The findings of one check as it collects them: the first `limit` are
/// kept, the rest only counted, so a spec with a million violations costs
/// a million increments, not a million messages.
///
///     var findings = FindingList()
///     findings.append(.init(features: set, "A -> B is refused"))
public struct FindingList: Sendable {
    /// The most findings one check lists.
    public static let limit = 100

    public private(set) var listed: [CheckResult.Finding] = []
    /// Findings counted beyond `limit`.
    public private(set) var unlisted = 0

    public init() {}

    public var count: Int { listed.reduce(unlisted) { $0 + 1 + $1.alike } }

    /// Adds a finding; its message is built only while fewer than `limit`
    /// are listed.
    public mutating func append(_ finding: @autoclosure () -> CheckResult.Finding) {
        if listed.count < Self.limit {
            listed.append(finding())
        } else {
            unlisted += 1
        }
    }

    /// Counts `more` findings without listing them.
    public mutating func count(_ more: Int) {
        unlisted += more
    }

    /// Adds a finding that stands for itself and `alike` more cases.
    public mutating func append(alike: Int, _ finding: @autoclosure () -> CheckResult.Finding) {
        if listed.count < Self.limit {
            var made = finding()
            made.alike = alike
            listed.append(made)
        } else {
            unlisted += 1 + alike
        }
    }
}

/// Numbers as reports print them: `502,441`, the same on every machine
/// (no locale).
public enum Count {
    public static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var text = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { text += "," }
            text.append(digit)
        }
        return value < 0 ? "-" + text : text
    }
}
