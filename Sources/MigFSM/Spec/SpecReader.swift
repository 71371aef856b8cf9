/// Reads a spec file into a validated `MigrationProtocol`: the one entry
/// point the CLI and the other readers use.
///
///     let model = try SpecReader.load(path: "Specs/vfio-v2.fsm")
public enum SpecReader {
    /// The most errors reported for one file; the rest are counted.
    public static let errorLimit = 100

    /// Reads, parses and validates a file.
    public static func load(path: String) throws(DiagnosticList) -> MigrationProtocol {
        try read(try SourceText.read(path: path))
    }

    /// Parses and validates text, as if read from `path`.
    public static func read(text: String, path: String) throws(DiagnosticList) -> MigrationProtocol {
        try read(try SourceText.read(text: text, path: path))
    }

    /// Parses, resolves `extends` (reading the specs it names, relative to
    /// `source`'s folder) and validates.
    public static func read(_ source: SourceText) throws(DiagnosticList) -> MigrationProtocol {
        let (syntax, parseErrors) = SpecParser.parse(source)
        let (resolved, extensionErrors) = SpecExtension.resolve(syntax)
        guard let resolved else {
            throw LineOrientedReader.failure(parseErrors + extensionErrors, in: source)
        }
        let (model, validationErrors) = Validator.validate(resolved)
        guard parseErrors.isEmpty, extensionErrors.isEmpty, let model else {
            throw LineOrientedReader.failure(parseErrors + extensionErrors + validationErrors, in: source)
        }
        return model
    }

    /// Parses without validating, for `fmt`.
    public static func parse(_ source: SourceText) throws(DiagnosticList) -> SpecSyntax {
        let (syntax, errors) = SpecParser.parse(source)
        if !errors.isEmpty { throw LineOrientedReader.failure(errors, in: source) }
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
