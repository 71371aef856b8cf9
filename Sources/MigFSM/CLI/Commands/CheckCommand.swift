extension Commands {
    /// `migfsm check SPEC`: validate the spec and run every proof.
    public static let check = CommandDefinition(
        name: "check",
        summary: "Validate a spec and prove its tables, lookups and invariants.",
        discussion: """
            Prints each check with its verdict and a counterexample for every
            violation. Exit status: 0 when every check holds, 1 when one fails
            or the spec has errors, 2 for usage errors.

            EXAMPLE: migfsm check Specs/vfio-v2.fsm
            """,
        positionals: [spec],
        options: [groupRule],
        run: { arguments, output in
            guard let model = load(arguments.positionals[0], &output) else { return .failure }
            for hint in Checker.stateNeedsHints(model) { output.error(hint.rendered, terminator: false) }
            let report = Checker.check(model, rule: rule(arguments, model))
            output.print(report.rendered)
            return report.allHold ? .success : .failure
        })
}
