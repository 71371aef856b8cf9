/// What the line-oriented readers (specs, driver files, policy files) share:
/// opening the input as checked text, handing each non-blank line to a
/// statement parser as a `LineCursor`, and gathering one diagnostic per bad
/// line, all lines read, reported in file order.
///
///     let source = try SourceText.read(path: path)
///     var errors = LineOrientedReader.statements(in: source) { cursor throws(Diagnostic) in
///         try reader.statement(&cursor)
///     }
public enum LineOrientedReader {
    /// Lexes every line and runs `statement` on each line that has tokens,
    /// requiring it to consume the whole line. Returns the lexical errors and
    /// the errors `statement` threw, one per line, in line order.
    public static func statements(
        in source: SourceText, _ statement: (inout LineCursor) throws(Diagnostic) -> Void
    ) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        for number in source.lines.indices.map({ $0 + 1 }) {
            let lexed = Lexer.lex(source, line: number)
            if let error = lexed.error {
                diagnostics.append(error)
                continue
            }
            if lexed.tokens.isEmpty { continue }
            var cursor = LineCursor(
                tokens: lexed.tokens, file: source.path, line: number,
                endColumn: source.lines[number - 1].count + 1)
            do throws(Diagnostic) {
                try statement(&cursor)
                try cursor.expectEnd()
            } catch {
                diagnostics.append(error)
            }
        }
        return diagnostics
    }

    /// The errors of a read, in file order, capped at `SpecReader.errorLimit`.
    public static func failure(_ diagnostics: [Diagnostic], in source: SourceText) -> DiagnosticList {
        DiagnosticList(SpecReader.limited(diagnostics.sorted { $0.location < $1.location }, path: source.path))
    }
}
