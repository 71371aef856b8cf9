/// The `--json` document of `migfsm explore`: keys in a fixed order, one
/// object per feature set, each counterexample's trace step by step.
public enum ExploreJSON {
    /// The document's `formatVersion`: raised when a member changes meaning
    /// or disappears.
    public static let formatVersion = 1

    public static func render(_ report: ExploreReport) -> String {
        document(report).rendered() + "\n"
    }

    public static func document(_ report: ExploreReport) -> JSONValue {
        let model = report.model
        var driver: [(String, JSONValue)] = [("name", .string(report.driver.name))]
        driver.append(("path", report.driverPath.map(JSONValue.string) ?? .null))
        driver.append(("lookup", .string(report.driver.lookup.rawValue)))
        return .object([
            ("formatVersion", .number(formatVersion)),
            ("protocol", .string(model.name)),
            ("driver", .object(driver)),
            ("properties", .array(ExploreProperty.allCases.map {
                .object([("name", .string($0.name)), ("summary", .string($0.summary))])
            })),
            ("featureSets", .array(report.explorations.map { exploration($0, model) })),
            ("findings", .array(report.findings.map(\.json))),
            ("violations", .number(report.violations)),
        ])
    }

    static func exploration(_ exploration: Exploration, _ model: MigrationProtocol) -> JSONValue {
        .object([
            ("features", .array(model.featureNames(exploration.features).map(JSONValue.string))),
            ("flags", .number(Int(exploration.features.rawValue))),
            ("states", .number(exploration.states)),
            ("transitions", .number(exploration.transitions)),
            ("depth", .number(exploration.depth)),
            ("propertiesChecked", .number(exploration.propertiesChecked)),
            ("violations", .number(exploration.violations)),
            ("counterexamples", .array(exploration.counterexamples.map { counterexample($0, model) })),
        ])
    }

    static func counterexample(_ counterexample: Counterexample, _ model: MigrationProtocol) -> JSONValue {
        .object([
            ("property", .string(counterexample.property.name)),
            ("message", .string(counterexample.message)),
            ("start", .array(counterexample.start.map { device($0, model) })),
            ("trace", .array(counterexample.steps.map { step in
                .object([
                    ("step", .number(step.number)),
                    ("device", .number(step.device)),
                    ("action", .string(step.actionText)),
                    ("events", .array(step.events.map {
                        .object([("kind", .string($0.kind.rawValue)), ("text", .string($0.text))])
                    })),
                    ("result", .string(step.result)),
                    ("after", step.after.map { .array($0.map { device($0, model) }) } ?? .null),
                ])
            })),
        ])
    }

    static func device(_ device: DeviceState, _ model: MigrationProtocol) -> JSONValue {
        let fd: JSONValue
        switch device.userFD {
        case .none: fd = .null
        case .driver(let kind):
            fd = .object([("session", .string(kind.rawValue)), ("live", .bool(true))])
        case .detached(let kind, let live):
            fd = .object([("session", .string(kind.rawValue)), ("live", .bool(live))])
        }
        let saving: JSONValue = device.userFD == .driver(.saving)
            ? .string(ExploreReport.savingText(device, model)) : .null
        let resuming: JSONValue = device.resumingSession ? .string(ExploreReport.resumingText(device.resumingStream)) : .null
        return .object([
            ("recorded", .string(model.states[device.recorded].name)),
            ("hardware", .string(model.states[device.hardware].name)),
            ("disabled", .bool(device.disabled)),
            ("sessions", .array(ExploreReport.sessionNames(device).map(JSONValue.string))),
            ("fd", fd),
            ("savingStream", saving),
            ("resumingStream", resuming),
        ])
    }
}
