extension Commands {
    /// `migfsm fmt SPEC [--check]`: print the spec canonically.
    public static let fmt = CommandDefinition(
        name: "fmt",
        summary: "Print a spec in canonical form.",
        discussion: """
            Keeps every statement and comment in order; normalizes spacing,
            attribute order, numbers and blank lines. With --check, prints
            nothing and exits 1 when the file is not canonical.

            EXAMPLE: migfsm fmt --check Specs/vfio-v2.fsm
            """,
        positionals: [spec],
        options: [.flag("--check", "exit 1 if the file is not in canonical form")],
        run: { arguments, output in
            let path = arguments.positionals[0]
            let source: SourceText
            let syntax: SpecSyntax
            do throws(DiagnosticList) {
                source = try SourceText.read(path: path)
                syntax = try SpecReader.parse(source)
            } catch {
                output.error(error.rendered)
                return .failure
            }
            let formatted = SpecFormatter.format(syntax)
            if arguments.has("--check") {
                if formatted.utf8.elementsEqual(source.bytes) { return .success }
                output.error("\(path): not in canonical form; run 'migfsm fmt \(path)'")
                return .failure
            }
            output.standardOutput += formatted
            return .success
        })
}
