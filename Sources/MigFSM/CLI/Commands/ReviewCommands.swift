import Foundation

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

extension Commands {
    /// `migfsm doc SPEC [--out DIR] [--check]`: the reviewer's page.
    public static let doc = CommandDefinition(
        name: "doc",
        summary: "Write the Markdown page of a spec (also part of generate).",
        discussion: """
            Writes DIR/docs/<protocol>.md (default DIR: Generated): the uAPI
            comment blocks, each feature set's required arcs, next-state table,
            combination transitions and Mermaid diagram, and every check's
            verdict. --check writes nothing and exits 1 with a diff when the
            page is stale.

            EXAMPLE: migfsm doc Specs/vfio-v2.fsm
            """,
        positionals: [spec],
        options: [
            .value("--out", "DIR", "the output folder (default: Generated)"),
            .flag("--check", "write nothing; exit 1 with a diff if the page is stale"),
        ],
        run: { arguments, output in
            guard let model = load(arguments.positionals[0], &output) else { return .failure }
            let file = ReviewFiles.doc(ProtocolPaths(model: model), outputDirectory: arguments["--out"] ?? "Generated",
                                       currentDirectory: FileManager.default.currentDirectoryPath)
            return writeOrCheck([file], arguments, &output, command: "doc")
        })
}
