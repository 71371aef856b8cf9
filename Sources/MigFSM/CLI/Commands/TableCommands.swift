extension Commands {
    /// `migfsm table SPEC [--features A,B] [--json]`: next-state tables.
    public static let table = CommandDefinition(
        name: "table",
        summary: "Print the next-state table of each feature set.",
        discussion: """
            Rows are current states, columns requested states, cells the next
            state ('-' where refused). --json prints the stable JSON document
            described in README.

            EXAMPLE: migfsm table Specs/vfio-v2.fsm --features STOP_COPY,P2P
            """,
        positionals: [spec],
        options: [features, groupRule, .flag("--json", "print JSON")],
        run: { arguments, output in
            withSpec("table", arguments, &output) { model, sets, output in
                let paths = ProtocolPaths(model: model, rule: rule(arguments, model), featureSets: sets)
                if arguments.has("--json") {
                    output.standardOutput += TableJSON.render(paths)
                } else {
                    output.standardOutput += paths.tables.map { TableText.heading($0) + TableText.grid($0) }
                        .joined(separator: "\n")
                }
                return .success
            }
        })

    /// `migfsm paths SPEC [--features ...] [FROM TO]`: combination transitions.
    public static let paths = CommandDefinition(
        name: "paths",
        summary: "Print the combination transitions, or the path of one request.",
        discussion: """
            Without FROM and TO, prints every request that walks more than one
            arc, in the uAPI header's notation and order. With them, prints the
            path of that one request on each feature set that has both states.

            EXAMPLE: migfsm paths Specs/vfio-v2.fsm RUNNING STOP_COPY
            """,
        positionals: [spec, .init("FROM", "the current state", optional: true), .init("TO", "the requested state", optional: true)],
        options: [features, groupRule],
        run: { arguments, output in
            withSpec("paths", arguments, &output) { model, sets, output throws(ParsedArguments.UsageError) in
                let paths = ProtocolPaths(model: model, rule: rule(arguments, model), featureSets: sets)
                switch arguments.positionals.count {
                case 1:
                    output.standardOutput += paths.tables.map { TableText.heading($0) + TableText.combinationPaths($0) }
                        .joined(separator: "\n")
                    return .success
                case 3:
                    let ends = try arguments.positionals[1...].map { (name: String) throws(ParsedArguments.UsageError) -> StateID in
                        guard let id = model.stateID(named: name) else {
                            var message = "unknown state '\(name)'"
                            if let suggestion = Suggestion.closest(to: name, among: model.states.map(\.name)) {
                                message += "; did you mean '\(suggestion)'?"
                            }
                            throw .init(message)
                        }
                        return id
                    }
                    var served = false
                    for table in paths.tables {
                        let text: String
                        switch table.next(from: ends[0], to: ends[1]) {
                        case .success:
                            text = model.describe(path: table.path(from: ends[0], to: ends[1]) ?? [])
                            served = true
                        case .failure(let refusal):
                            text = "refused (\(refusal.explanation))"
                        }
                        output.print("\(model.describe(table.features)): \(text)")
                    }
                    return served ? .success : .failure
                default:
                    throw .init("give both FROM and TO, or neither")
                }
            }
        })

    /// `migfsm arcs SPEC [--features ...]`: the arcs drivers implement.
    public static let arcs = CommandDefinition(
        name: "arcs",
        summary: "Print the arcs a driver must implement, per feature set.",
        discussion: "EXAMPLE: migfsm arcs Specs/vfio-v2.fsm --features STOP_COPY,PRE_COPY",
        positionals: [spec],
        options: [features, groupRule],
        run: { arguments, output in
            withSpec("arcs", arguments, &output) { model, sets, output in
                let paths = ProtocolPaths(model: model, rule: rule(arguments, model), featureSets: sets)
                if sets.count == 1, let table = paths.tables.first {
                    output.standardOutput += TableText.requiredArcs(table)
                } else {
                    output.standardOutput += paths.tables.map { TableText.heading($0) + TableText.requiredArcs($0) }
                        .joined(separator: "\n")
                }
                return .success
            }
        })
}

extension Refusal {
    /// A few words for a refused request.
    public var explanation: String {
        switch self {
        case .unsupported: return "a state is not supported with these features"
        case .errorState: return "the error state can be neither requested nor left by a request"
        case .blocked: return "blocked by the spec"
        case .noPath: return "no path obeys the path rule"
        }
    }
}
