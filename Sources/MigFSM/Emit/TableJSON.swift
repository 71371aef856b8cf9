/// The JSON of `migfsm table --json`, a stable interface other tools and our
/// tests read (schema in README):
///
///     { "protocol": "vfio-v2",
///       "featureSets": [ { "features": [...], "flags": 3, "states": [...],
///                          "arcs": [[...]], "next": {...}, "paths": {...} } ] }
public enum TableJSON {
    public static func document(_ paths: ProtocolPaths) -> JSONValue {
        .object([
            ("protocol", .string(paths.model.name)),
            ("featureSets", .array(paths.tables.map(featureSet))),
        ])
    }

    public static func render(_ paths: ProtocolPaths) -> String {
        document(paths).rendered() + "\n"
    }

    static func featureSet(_ table: PathTable) -> JSONValue {
        let model = table.model
        let states = table.supportedStates
        let name = { (id: StateID) in JSONValue.string(model.states[id].name) }
        return .object([
            ("features", .array(model.featureNames(table.features).map(JSONValue.string))),
            ("flags", .number(Int(table.features.rawValue))),
            ("states", .array(states.map(name))),
            ("arcs", .array(table.requiredArcs.map { .array([name($0.from), name($0.to)]) })),
            ("next", .object(states.map { from in
                (model.states[from].name, .object(states.map { to in
                    (model.states[to].name, table.nextState(from: from, to: to).map(name) ?? .null)
                }))
            })),
            ("paths", .object(states.map { from in
                (model.states[from].name, .object(states.map { to in
                    (model.states[to].name, table.path(from: from, to: to).map { .array($0.map(name)) } ?? .null)
                }))
            })),
        ])
    }
}
