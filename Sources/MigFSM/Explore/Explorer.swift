/// Everything the user and injected faults can do to one driver on one
/// feature set (or to several identical devices of it, each action on
/// one device), searched to a fixed point with every property checked on
/// every transition: the engine (`BreadthFirstSearch`) on a
/// `FreeUserSystem` over the driver's `DeviceTable`. The first violation
/// of a property found in breadth-first order ends a shortest trace,
/// rebuilt by replaying the driver machine with trace events recorded.
public struct Explorer: Sendable {
    public let machine: DriverMachine
    public let devices: Int
    public let table: DeviceTable

    /// `nil` when `devices` is not between 1 and `MultiExplorer.maximumDevices`,
    /// or the driver's states do not fit a search.
    public init?(machine: DriverMachine, devices: Int = 1) {
        guard devices >= 1, devices <= MultiExplorer.maximumDevices,
              let table = DeviceTable(machine: machine),
              FreeUserSearch.fits(devices: devices, tables: [table]) else { return nil }
        self.machine = machine
        self.devices = devices
        self.table = table
    }

    public func run(options: SearchOptions = SearchOptions()) -> Exploration {
        let tables = DeviceTables(tables: [table], tableOf: Array(repeating: 0, count: devices))
        guard let result = FreeUserSearch.run(
            tables: tables, devices: devices, classes: [], symmetric: false, options: options)
        else {
            // The initializer checked that the devices fit a key.
            return Exploration(features: machine.features, states: 0, transitions: 0, depth: 0,
                               counterexamples: [], statistics: SearchStatistics())
        }
        let counterexamples = result.traces.compactMap { trace -> Counterexample? in
            guard let property = MultiProperty(searchBit: trace.property), case .device(let single) = property else {
                return nil
            }
            let steps = trace.steps.enumerated().map { number, step in
                TraceStep(number: number + 1, device: step.device, action: step.action, actionText: step.actionText,
                          events: step.events, result: step.result, after: step.after)
            }
            let message = trace.steps.last?.violations.first { $0.property == single }?.message ?? ""
            return Counterexample(property: single, message: message, features: machine.features,
                                  start: result.start, steps: steps)
        }
        let outcome = result.outcome
        return Exploration(
            features: machine.features, states: outcome.states, transitions: outcome.transitions,
            depth: outcome.depth, counterexamples: counterexamples, statistics: outcome.statistics)
    }
}

/// What exploring one feature set found: the size of the state space and a
/// shortest counterexample per violated property.
public struct Exploration: Sendable {
    public var features: FeatureSet
    /// Reachable states (the visited set at the fixed point).
    public var states: Int
    /// Transitions taken: every outcome of every action from every state.
    public var transitions: Int
    /// The most user actions any state needs to be reached.
    public var depth: Int
    /// One per violated property, in property order.
    public var counterexamples: [Counterexample]
    /// How the search went (time, threads, memory): never in normal output.
    public var statistics: SearchStatistics

    /// Every property is checked on every transition.
    public var propertiesChecked: Int { ExploreProperty.allCases.count }
    public var violations: Int { counterexamples.count }
    /// Wall-clock seconds of the search.
    public var seconds: Double { statistics.seconds }
}

/// A shortest sequence of user actions (with their injected faults) from
/// freshly opened devices to a transition that breaks `property`.
public struct Counterexample: Sendable {
    public var property: ExploreProperty
    /// What the last step broke.
    public var message: String
    public var features: FeatureSet
    public var start: [DeviceState]
    public var steps: [TraceStep]
}

/// One numbered user action of a trace and what it did.
public struct TraceStep: Sendable {
    public var number: Int
    /// Which device the action is on (0 when exploring one).
    public var device: Int
    public var action: UserAction
    /// `request STOP (1)`, `read the saving FD`.
    public var actionText: String
    public var events: [TraceEvent]
    /// What the user saw.
    public var result: String
    /// Every device afterwards; `nil` when the request never returns.
    public var after: [DeviceState]?
}
