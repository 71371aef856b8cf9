/// One thing a command found in an input file, as data: what kind of
/// finding it is, how bad, where, and why; rendered as text, JSON or SARIF
/// by one renderer each.
///
///     drivers/vfio/pci/qat/main.c:412:3: error: the result of qat_vfmig_resume() is dropped on RUNNING_P2P -> RUNNING [dropped-result]
///
/// Every finding has a location (a whole file when no line is known).
public struct Finding: Hashable, Sendable {
    /// How much a finding matters.
    public enum Severity: String, Hashable, Sendable, Comparable, CaseIterable {
        /// Breaks a promise of the protocol (the uAPI header) or the spec.
        case error
        /// A risk a reviewer should look at.
        case warning
        /// Information, including what migfsm could not read or decide.
        case note

        var rank: Int {
            switch self {
            case .error: return 0
            case .warning: return 1
            case .note: return 2
            }
        }

        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
    }

    /// A stable identifier of the kind of finding (`dropped-result`,
    /// `kernel-lookup`): the SARIF rule id and the JSON `kind`.
    public var kind: String
    public var severity: Severity
    public var location: SourceLocation
    /// One sentence, without the location or severity.
    public var message: String
    /// Related places (where a name is declared, the line that calls a
    /// function), in the order a reader should visit them.
    public var related: [Diagnostic.Note]
    /// The explorer's shortest trace leading to the finding, one step per
    /// line, when there is one.
    public var trace: [String]

    public init(
        kind: String, severity: Severity, location: SourceLocation, message: String,
        related: [Diagnostic.Note] = [], trace: [String] = []
    ) {
        self.kind = kind
        self.severity = severity
        self.location = location
        self.message = message
        self.related = related
        self.trace = trace
    }

    /// `file:line:column: severity: message [kind]`, then one `note:` line
    /// per related place, newline-terminated: the compiler style editors read.
    public var rendered: String {
        var text = "\(location.description): \(severity.rawValue): \(message) [\(kind)]\n"
        for note in related {
            text += "\(note.location.description): note: \(note.message)\n"
        }
        return text
    }
}
