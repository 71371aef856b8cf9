/// The `--json` document of `migfsm explore --devices N`: the single-device
/// document's members where they mean the same (`formatVersion`,
/// `protocol`, `properties`, the search's sizes, `counterexamples` with
/// their traces, `violations`), with the devices and the user in place of
/// one driver and its feature sets. A trace step also names the policy
/// line that asked for it, and a device also the policy's belief and
/// whether data was written, when the search tracks them.
extension ExploreJSON {
    public static func render(_ report: MultiReport) -> String {
        document(report).rendered() + "\n"
    }

    public static func document(_ report: MultiReport) -> JSONValue {
        let explorer = report.explorer
        let model = explorer.model
        let run = report.exploration
        let devices: [JSONValue] = explorer.devices.enumerated().map { index, device in
            .object([
                ("device", .number(index + 1)),
                ("driver", .object([
                    ("name", .string(device.driverPath == nil ? "default" : device.driver.name)),
                    ("path", device.driverPath.map(JSONValue.string) ?? .null),
                    ("lookup", .string(device.driver.lookup.rawValue)),
                ])),
                ("features", .array(model.featureNames(device.features).map(JSONValue.string))),
                ("flags", .number(Int(device.features.rawValue))),
            ])
        }
        let user: JSONValue
        if let policy = explorer.policy {
            user = .object([("policy", .string(policy.name)), ("path", report.policyPath.map(JSONValue.string) ?? .null)])
        } else {
            user = .object([("policy", .null), ("path", .null)])
        }
        return .object([
            ("formatVersion", .number(formatVersion)),
            ("protocol", .string(model.name)),
            ("devices", .array(devices)),
            ("user", user),
            ("reduction", .string(report.reduction)),
            ("properties", .array(report.properties.map {
                .object([("name", .string($0.name)), ("summary", .string($0.summary))])
            })),
            ("states", .number(run.states)),
            ("transitions", .number(run.transitions)),
            ("depth", .number(run.depth)),
            ("propertiesChecked", .number(report.properties.count)),
            ("complete", .bool(!run.incomplete)),
            ("queued", .number(run.queue)),
            ("counterexamples", .array(run.counterexamples.map { counterexample($0, model) })),
            ("refused", refused(report)),
            ("findings", .array(report.findings.map(\.json))),
            ("violations", .number(run.violations)),
        ])
    }

    /// The refusal of the VM by the policy, or null.
    static func refused(_ report: MultiReport) -> JSONValue {
        guard let lacking = report.exploration.refusedFor, let text = report.refusalText else { return .null }
        return .object([
            ("message", .string(text)),
            ("devices", .array(lacking.map { .number($0 + 1) })),
        ])
    }

    static func counterexample(_ counterexample: MultiCounterexample, _ model: MigrationProtocol) -> JSONValue {
        .object([
            ("property", .string(counterexample.property.name)),
            ("message", .string(counterexample.message)),
            ("start", .array(counterexample.start.map { snapshot($0, model) })),
            ("trace", .array(counterexample.steps.map { step in
                .object([
                    ("step", .number(step.number)),
                    ("device", step.device.map { .number($0) } ?? .null),
                    ("policy", step.policy.map(JSONValue.string) ?? .null),
                    ("action", .string(step.action)),
                    ("events", .array(step.events.map {
                        .object([("kind", .string($0.kind.rawValue)), ("text", .string($0.text))])
                    })),
                    ("result", .string(step.result)),
                    ("after", step.after.map { .array($0.map { snapshot($0, model) }) } ?? .null),
                ])
            })),
        ])
    }

    static func snapshot(_ snapshot: DeviceSnapshot, _ model: MigrationProtocol) -> JSONValue {
        guard case .object(var members) = device(snapshot.state, model) else { return device(snapshot.state, model) }
        if let belief = snapshot.belief { members.append(("belief", .string(model.states[belief].name))) }
        if let written = snapshot.dataWritten { members.append(("dataWritten", .bool(written))) }
        if let held = snapshot.holdsGuestState { members.append(("holdsGuestState", .bool(held))) }
        return .object(members)
    }
}
