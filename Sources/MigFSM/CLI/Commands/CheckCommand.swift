extension Commands {
    /// `migfsm check SPEC`: validate the spec and run every proof.
    public static let check = CommandDefinition(
        name: "check",
        summary: "Validate a spec and prove its tables, lookups and invariants.",
        discussion: """
            Prints each check with its verdict and a counterexample for every
            violation. Exit status: 0 when every check holds, 1 when one fails
            or the spec has errors, 2 for usage errors.

            --format json (or --json) prints the verdicts as JSON
            (schemas/check.schema.json); --format sarif prints the failing
            checks and the notes as SARIF 2.1.0 results, located at the spec,
            for code scanning. The exit status is the same in every format.

            EXAMPLE: migfsm check Specs/vfio-v2.fsm --format sarif > migfsm.sarif
            """,
        positionals: [spec],
        options: [groupRule, outputFormat, .flag("--json", "print JSON (as --format json)")],
        run: { arguments, output in
            let format: OutputFormat
            do throws(ParsedArguments.UsageError) {
                format = try OutputFormat(arguments)
            } catch {
                output.error("migfsm check: error: \(error.message)\nhint: run 'migfsm check --help'")
                return .usage
            }
            guard let model = load(arguments.positionals[0], &output) else { return .failure }
            for hint in Checker.stateNeedsHints(model) { output.error(hint.rendered, terminator: false) }
            let report = Checker.check(model, rule: rule(arguments, model))
            format.print(text: { report.rendered }, json: { report.json.rendered() }, findings: { report.findings },
                         rules: FindingRule.checkRules, to: &output)
            return report.allHold ? .success : .failure
        })
}
