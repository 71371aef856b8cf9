/// The JSON of `migfsm check --json` (`schemas/check.schema.json`): the
/// protocol's summary and every check with its verdict, summary, where the
/// spec asks for it, and its counterexamples.
///
///     { "formatVersion": 1, "protocol": "vfio-v2", "spec": "Specs/vfio-v2.fsm", "allHold": true,
///       "summary": { "states": 8, ... }, "featureSets": [ ... ],
///       "checks": [ { "name": "ties", "verdict": "holds", "summary": "...", "location": null, "findings": [] } ] }
extension CheckReport {
    /// The version of the document's shape; a change that can break a
    /// reader bumps it.
    public static let jsonFormatVersion = 1

    /// The report as the `--json` document.
    public var json: JSONValue {
        let model = self.model
        let names = { (set: FeatureSet) in JSONValue.array(model.featureNames(set).map(JSONValue.string)) }
        return .object([
            ("formatVersion", .number(Self.jsonFormatVersion)),
            ("protocol", .string(model.name)),
            ("spec", .string(model.sourcePath)),
            ("allHold", .bool(allHold)),
            ("summary", .object([
                ("states", .number(model.states.count)),
                ("features", .number(model.features.count)),
                ("validFeatureSets", .number(paths.tables.count)),
                ("arcs", .number(model.arcs.count)),
                ("blockedRequests", .number(model.blocked.count)),
            ])),
            ("featureSets", .array(paths.tables.map { table in
                .object([
                    ("features", names(table.features)),
                    ("flags", .number(Int(table.features.rawValue))),
                    ("states", .number(table.supportedStates.count)),
                    ("requiredArcs", .number(table.requiredArcs.count)),
                    ("combinationTransitions", .number(table.combinationPaths.count)),
                ])
            })),
            ("checks", .array(results.map { result in
                .object([
                    ("name", .string(result.name)),
                    ("verdict", .string(result.verdict.rawValue)),
                    ("summary", .string(result.summary)),
                    ("location", result.location.map(Self.json) ?? .null),
                    ("findings", .array(result.findings.map { finding in
                        .object([
                            ("features", finding.features.map(names) ?? .null),
                            ("message", .string(finding.message)),
                        ])
                    })),
                ])
            })),
        ])
    }

    static func json(_ location: SourceLocation) -> JSONValue {
        .object([("file", .string(location.file)), ("line", .number(location.line)), ("column", .number(location.column))])
    }
}
