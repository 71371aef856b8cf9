/// Reads a spec file into a validated `MigrationProtocol`: the one entry
/// point the CLI and the other readers use.
///
///     let model = try SpecReader.load(path: "Specs/vfio-v2.fsm")
public enum SpecReader {
    /// The most errors reported for one file; the rest are counted.
    public static let errorLimit = 100

    /// Reads, parses and validates a file.
    public static func load(path: String) throws(DiagnosticList) -> MigrationProtocol {
        let source: SourceText
        do {
            source = try SourceText.load(path: path)
        } catch {
            throw DiagnosticList([error])
        }
        return try read(source)
    }

    /// Parses and validates text, as if read from `path`.
    public static func read(text: String, path: String) throws(DiagnosticList) -> MigrationProtocol {
        let source: SourceText
        do {
            source = try SourceText(path: path, bytes: Array(text.utf8))
        } catch {
            throw DiagnosticList([error])
        }
        return try read(source)
    }

    public static func read(_ source: SourceText) throws(DiagnosticList) -> MigrationProtocol {
        let (syntax, parseErrors) = SpecParser.parse(source)
        let (model, validationErrors) = Validator.validate(syntax)
        guard parseErrors.isEmpty, let model else {
            let all = (parseErrors + validationErrors).sorted { $0.location < $1.location }
            throw DiagnosticList(limited(all, path: source.path))
        }
        return model
    }

    /// Parses without validating, for `fmt`.
    public static func parse(_ source: SourceText) throws(DiagnosticList) -> SpecSyntax {
        let (syntax, errors) = SpecParser.parse(source)
        if !errors.isEmpty { throw DiagnosticList(limited(errors, path: source.path)) }
        return syntax
    }

    static func limited(_ diagnostics: [Diagnostic], path: String) -> [Diagnostic] {
        guard diagnostics.count > errorLimit else { return diagnostics }
        var kept = Array(diagnostics.prefix(errorLimit))
        kept.append(.error(at: .file(path),
            "too many errors: \(diagnostics.count - errorLimit) more not shown"))
        return kept
    }
}
