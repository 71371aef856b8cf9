/// What `migfsm explore` found for one driver: one `Exploration` per
/// feature set, rendered as a summary per feature set and a shortest trace
/// per violated property.
public struct ExploreReport: Sendable {
    public var model: MigrationProtocol
    public var driver: DriverDescription
    /// The driver file, or `nil` for the default driver.
    public var driverPath: String?
    public var explorations: [Exploration]

    public init(model: MigrationProtocol, driver: DriverDescription, driverPath: String?, explorations: [Exploration]) {
        self.model = model
        self.driver = driver
        self.driverPath = driverPath
        self.explorations = explorations
    }

    /// Explores `featureSets` (ascending) with `driver`; `nil` when the
    /// driver's kernel lookup cannot be built for this protocol.
    public static func explore(
        model: MigrationProtocol, driver: DriverDescription, driverPath: String?, featureSets: [FeatureSet],
        options: SearchOptions = SearchOptions()
    ) -> ExploreReport? {
        var explorations: [Exploration] = []
        for set in featureSets.sorted() {
            guard let machine = DriverMachine(model: model, features: set, driver: driver),
                  let explorer = Explorer(machine: machine) else { return nil }
            explorations.append(explorer.run(options: options))
        }
        return ExploreReport(model: model, driver: driver, driverPath: driverPath, explorations: explorations)
    }

    /// Violated properties, summed over the feature sets.
    public var violations: Int { explorations.reduce(0) { $0 + $1.violations } }

    public var holds: Bool { violations == 0 }

    /// `explore vfio-v2: driver default (...), spec lookup`
    public var heading: String {
        let source = driverPath.map { "driver \(driver.name) (\($0))" }
            ?? "driver default (each feature set's required arcs, every fault)"
        return "explore \(model.name): \(source), \(driver.lookup.rawValue) lookup"
    }

    /// `{STOP_COPY}: 21 states, 746 transitions, 18 properties checked, 0 violations`
    public static func summary(_ exploration: Exploration, _ model: MigrationProtocol) -> String {
        let violations = exploration.violations
        return "\(model.describe(exploration.features)): \(exploration.states) states, "
            + "\(exploration.transitions) transitions, \(exploration.propertiesChecked) properties checked, "
            + "\(violations) violation\(violations == 1 ? "" : "s")"
    }

    public var rendered: String {
        var text = heading + "\n"
        for exploration in explorations {
            text += Self.summary(exploration, model) + "\n"
        }
        for exploration in explorations {
            for counterexample in exploration.counterexamples {
                text += "\n" + Self.render(counterexample, model)
            }
        }
        let sets = explorations.count
        if holds {
            text += "\nexplore: every property holds on \(sets) feature set\(sets == 1 ? "" : "s")\n"
        } else {
            let failing = explorations.filter { $0.violations > 0 }.count
            text += "\nexplore: \(violations) violation\(violations == 1 ? "" : "s") on \(failing) of \(sets) feature set\(sets == 1 ? "" : "s")\n"
        }
        return text
    }

    /// A counterexample: the property, what broke, and the numbered trace.
    public static func render(_ counterexample: Counterexample, _ model: MigrationProtocol) -> String {
        let property = counterexample.property
        let count = counterexample.steps.count
        var text = "violation of \(property.name) on \(model.describe(counterexample.features)): \(counterexample.message)\n"
        text += "  property: \(property.summary)\n"
        text += "  shortest trace (\(count) user action\(count == 1 ? "" : "s")):\n"
        text += "    0. open: " + describe(counterexample.start, model) + "\n"
        let several = counterexample.start.count > 1
        for step in counterexample.steps {
            text += "    \(step.number). " + (several ? "device \(step.device + 1): " : "") + step.actionText + "\n"
            for event in step.events {
                text += "         " + (event.kind == .quirk ? "quirk " : "") + event.text + "\n"
            }
            if let after = step.after {
                text += "       -> \(step.result); now " + describe(after, model) + "\n"
            } else {
                text += "       -> \(step.result)\n"
            }
        }
        return text
    }

    /// `STOP, sessions: none, FD: none` for each device.
    static func describe(_ devices: [DeviceState], _ model: MigrationProtocol) -> String {
        if devices.count == 1 { return describe(devices[0], model) }
        return devices.enumerated().map { "device \($0.offset + 1): " + describe($0.element, model) }
            .joined(separator: "; ")
    }

    /// `RUNNING (hardware STOP), sessions: saving, FD: saving, partly read`
    public static func describe(_ device: DeviceState, _ model: MigrationProtocol) -> String {
        var text = model.states[device.recorded].name
        if device.hardware != device.recorded {
            text += " (hardware \(model.states[device.hardware].name)\(device.disabled ? ", disabled" : ""))"
        } else if device.disabled {
            text += " (device disabled)"
        }
        let sessions = sessionNames(device).map { name in
            name == SessionKind.resuming.rawValue ? "\(name) (\(resumingText(device.resumingStream)))" : name
        }
        text += ", sessions: " + (sessions.isEmpty ? "none" : sessions.joined(separator: ", "))
        text += ", FD: " + fdName(device.userFD)
        if device.userFD == .driver(.saving) {
            text += ", " + savingText(device, model)
        }
        return text
    }

    static func sessionNames(_ device: DeviceState) -> [String] {
        SessionKind.allCases.filter { device.hasSession($0) }.map(\.rawValue)
    }

    /// `nothing read`, `partly read`, `read to its end`, `initial bytes read`.
    static func savingText(_ device: DeviceState, _ model: MigrationProtocol) -> String {
        switch device.savingStream {
        case .unread: return "nothing read"
        case .partial: return "partly read"
        case .drained:
            let temporary = PropertyChecks.temporaryEnds(model)[device.recorded]
            return temporary ? "initial bytes read" : "read to its end"
        }
    }

    /// `nothing written`, `part of a stream written`, ...
    static func resumingText(_ stream: ResumingStream) -> String {
        switch stream {
        case .empty: return "nothing written"
        case .partial: return "part of a stream written"
        case .complete: return "a complete stream written"
        case .invalid: return "invalid data written"
        }
    }

    static func fdName(_ fd: UserFD) -> String {
        switch fd {
        case .none: return "none"
        case .driver(let kind): return kind.rawValue
        case .detached(let kind, false): return "\(kind.rawValue) (ended)"
        case .detached(let kind, true): return "\(kind.rawValue) (leaked, live)"
        }
    }
}
