extension Commands {
    /// `migfsm diff OLD NEW [--json]`: what a protocol change does.
    public static let diff = CommandDefinition(
        name: "diff",
        summary: "Show what a spec change does to behaviour, per feature set.",
        discussion: """
            Per valid feature set: requests whose path changes, requests that
            become refused or allowed, arcs drivers must now implement or no
            longer need; feature sets that appear or vanish; checks whose
            verdict changes. Comments and formatting never show.

            Exit status, like diff(1): 0 when behaviour is identical, 1 when it
            differs, 2 on errors (including spec errors).

            EXAMPLE: migfsm diff Specs/vfio-v2.fsm Specs/proposals/stop-copy-to-pre-copy.fsm
            """,
        positionals: [.init("OLD", "the spec before the change"), .init("NEW", "the spec after the change")],
        options: [.flag("--json", "print JSON")],
        run: { arguments, output in
            guard let old = load(arguments.positionals[0], &output),
                  let new = load(arguments.positionals[1], &output) else { return .usage }
            let diff = BehaviourDiff(old: old, new: new)
            output.standardOutput += arguments.has("--json") ? diff.json.rendered() + "\n" : diff.rendered
            return diff.isIdentical ? .success : .failure
        })

    /// `migfsm graph SPEC [--features ...] --format dot|mermaid`.
    public static let graph = CommandDefinition(
        name: "graph",
        summary: "Draw a feature set's states, required arcs and blocked requests.",
        discussion: """
            States are nodes, each group a cluster, the error state apart;
            required arcs are edges, blocked requests dashed red edges. Without
            --features, draws the full feature set.

            EXAMPLE: migfsm graph Specs/vfio-v2.fsm --format dot | dot -Tsvg > vfio.svg
            """,
        positionals: [spec],
        options: [features, groupRule,
                  .value("--format", "FORMAT", "dot (default) or mermaid", choices: ["dot", "mermaid"])],
        run: { arguments, output in
            withSpec("graph", arguments, &output) { model, sets, output in
                let chosen = arguments["--features"] == nil ? Array(sets.suffix(1)) : sets
                let paths = ProtocolPaths(model: model, rule: rule(arguments, model), featureSets: chosen)
                guard let table = paths.tables.first else { return .failure }
                output.standardOutput += arguments["--format"] == "mermaid" ? MermaidGraph.render(table) : DOTGraph.render(table)
                return .success
            }
        })
}
