/// The JSON of `migfsm table --json`, a stable interface other tools read
/// (`schemas/table.schema.json`; the generated Swift module's
/// `MigrationTableDocument` decodes it): what a consumer needs without the
/// spec, then per valid feature set its tables.
///
///     { "formatVersion": 1, "protocol": "vfio-v2",
///       "states": [ { "name": "ERROR", "value": 0, "needs": [], "mask": 4294967295, ... } ],
///       "features": [ { "name": "STOP_COPY", "bit": 0, "flag": 1, ... } ],
///       "errorState": "ERROR", "resetState": "RUNNING",
///       "groups": [ { "name": "saving", "states": [...] } ], "blocked": [["STOP_COPY", "PRE_COPY"], ...],
///       "featureSets": [ { "features": [...], "flags": 3, "states": [...],
///                          "arcs": [[...]], "next": {...}, "paths": {...} } ] }
public enum TableJSON {
    /// The version of the document's shape; a change that can break a
    /// reader bumps it.
    public static let formatVersion = 1

    /// The document of `paths`.
    public static func document(_ paths: ProtocolPaths) -> JSONValue {
        let model = paths.model
        let names = { (set: FeatureSet) in JSONValue.array(model.featureNames(set).map(JSONValue.string)) }
        let name = { (id: StateID) in JSONValue.string(model.states[id].name) }
        return .object([
            ("formatVersion", .number(formatVersion)),
            ("protocol", .string(model.name)),
            ("states", .array(model.statesByValue.map { id in
                let state = model.states[id]
                return .object([
                    ("name", .string(state.name)),
                    ("value", .number(Int(state.value))),
                    ("needs", names(state.needs)),
                    ("mask", .number(Int(state.isError ? ~0 : state.needs.rawValue))),
                    ("error", .bool(state.isError)),
                    ("reset", .bool(state.isReset)),
                    ("session", state.session.map { .string($0.rawValue) } ?? .null),
                ])
            })),
            ("features", .array(model.features.sorted { $0.bit < $1.bit }.map { feature in
                .object([
                    ("name", .string(feature.name)),
                    ("bit", .number(feature.bit)),
                    ("flag", .number(Int(feature.flag.rawValue))),
                    ("mandatory", .bool(feature.isMandatory)),
                    ("needs", names(feature.needs)),
                ])
            })),
            ("errorState", name(model.errorState)),
            ("resetState", name(model.resetState)),
            ("groups", .array(model.groups.map { group in
                .object([("name", .string(group.name)), ("states", .array(group.members.map(name)))])
            })),
            ("blocked", .array(model.blockedInOrder.map { .array([name($0.from), name($0.to)]) })),
            ("featureSets", .array(paths.tables.map(featureSet))),
        ])
    }

    /// The document as printed, newline-terminated.
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
