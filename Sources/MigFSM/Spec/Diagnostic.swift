/// A message about an input file, rendered in compiler style:
///
///     Specs/bad.fsm:12:7: error: unknown state 'STOPP'; did you mean 'STOP'?
///     Specs/bad.fsm:3:7: note: 'STOP' is declared here
///
/// Diagnostics are data; `rendered` is the one place that formats them.
public struct Diagnostic: Hashable, Sendable, Error {
    public enum Severity: String, Hashable, Sendable {
        case error, warning, note
    }

    /// A secondary message pointing at a related place, such as the first
    /// declaration of a duplicated name.
    public struct Note: Hashable, Sendable {
        public var location: SourceLocation
        public var message: String

        public init(_ location: SourceLocation, _ message: String) {
            self.location = location
            self.message = message
        }
    }

    public var severity: Severity
    public var location: SourceLocation
    public var message: String
    public var notes: [Note]

    public init(
        _ severity: Severity = .error, at location: SourceLocation, _ message: String,
        notes: [Note] = []
    ) {
        self.severity = severity
        self.location = location
        self.message = message
        self.notes = notes
    }

    public static func error(
        at location: SourceLocation, _ message: String, notes: [Note] = []
    ) -> Diagnostic {
        Diagnostic(.error, at: location, message, notes: notes)
    }

    /// The diagnostic and its notes, one line each, newline-terminated.
    public var rendered: String {
        var text = "\(location.description): \(severity.rawValue): \(message)\n"
        for note in notes {
            text += "\(note.location.description): note: \(note.message)\n"
        }
        return text
    }
}

/// The errors found in one input, in file order. Thrown by the readers.
public struct DiagnosticList: Error, Sendable, Equatable {
    public var diagnostics: [Diagnostic]

    public init(_ diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics
    }

    public var rendered: String {
        diagnostics.map(\.rendered).joined()
    }
}
