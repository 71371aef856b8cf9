/// Breadth-first search of everything the user and injected faults can do
/// to one driver on one feature set, to a fixed point over the reachable
/// states, checking every property on every transition.
///
/// States are `PackedState` keys in a visited set; each state remembers the
/// transition that first reached it, so the first violation of a property
/// found (in breadth-first order) ends a shortest trace, which is rebuilt by
/// replaying the transitions with trace events recorded.
///
/// Several devices can be explored together (`devices`): a transition is
/// one user action on one device. Issue 8 adds what couples them.
public struct Explorer: Sendable {
    public let machine: DriverMachine
    public let devices: Int
    public let codec: StateCodec

    /// `nil` when `devices` is not between 1 and what one key holds.
    public init?(machine: DriverMachine, devices: Int = 1) {
        let codec = StateCodec(model: machine.model)
        guard devices >= 1, devices <= codec.maximumDevices else { return nil }
        self.machine = machine
        self.devices = devices
        self.codec = codec
    }

    /// How a state was first reached: the action, and which of its
    /// branches (they come in a fixed order, so the ordinal names the
    /// injected faults).
    struct Edge {
        var device: Int32
        var action: UserAction
        var branch: Int32
    }

    struct Found {
        var source: Int32
        var edge: Edge
        var message: String
    }

    public func run() -> Exploration {
        // Locals, so the per-branch closure captures a few words, not a
        // copy of the machine.
        let codec = self.codec
        let machine = self.machine
        let devices = self.devices
        let clock = ContinuousClock()
        let started = clock.now
        let initial = [DeviceState](repeating: .opened(machine.model), count: devices)
        var index: [PackedState: Int32] = [codec.pack(initial): 0]
        var keys: [PackedState] = [codec.pack(initial)]
        var parents: [Int32] = [-1]
        var edges: [Edge] = [Edge(device: 0, action: .readState, branch: 0)]
        var depths: [Int32] = [0]
        var found: [ExploreProperty: Found] = [:]
        var transitions = 0
        var head = 0
        while head < keys.count {
            let source = Int32(head)
            let here = keys[head]
            let state = codec.unpack(here, count: devices)
            let depth = depths[head]
            head += 1
            for device in 0..<devices {
                for action in machine.actions(for: state[device]) {
                    var ordinal: Int32 = 0
                    machine.branches(of: state[device], action: action, record: false) { branch in
                        let edge = Edge(device: Int32(device), action: action, branch: ordinal)
                        ordinal += 1
                        transitions += 1
                        for violation in branch.violations where found[violation.property] == nil {
                            found[violation.property] = Found(source: source, edge: edge, message: violation.message)
                        }
                        guard let after = branch.after, after != state[device] else { return }
                        let key = codec.replacing(here, device: device, with: after)
                        if index[key] == nil {
                            index[key] = Int32(keys.count)
                            keys.append(key)
                            parents.append(source)
                            edges.append(edge)
                            depths.append(depth + 1)
                        }
                    }
                }
            }
        }
        let searched = clock.now - started
        let counterexamples = found.keys.sorted().compactMap { property -> Counterexample? in
            guard let entry = found[property] else { return nil }
            var path: [Edge] = [entry.edge]
            var node = entry.source
            while node > 0 {
                path.append(edges[Int(node)])
                node = parents[Int(node)]
            }
            return counterexample(property, entry.message, Array(path.reversed()), initial)
        }
        let components = searched.components
        return Exploration(
            features: machine.features, states: keys.count, transitions: transitions,
            depth: Int(depths.last ?? 0), counterexamples: counterexamples,
            seconds: Double(components.seconds) + Double(components.attoseconds) / 1e18)
    }

    /// Replays `path` from the initial state, recording what happened.
    func counterexample(_ property: ExploreProperty, _ message: String, _ path: [Edge], _ initial: [DeviceState]) -> Counterexample {
        var state: [DeviceState]? = initial
        var steps: [TraceStep] = []
        for (number, edge) in path.enumerated() {
            guard let current = state else { break }
            let device = Int(edge.device)
            var taken: Branch?
            var ordinal: Int32 = 0
            machine.branches(of: current[device], action: edge.action, record: true) { branch in
                if ordinal == edge.branch { taken = branch }
                ordinal += 1
            }
            guard let branch = taken else { break }
            var next: [DeviceState]?
            if let after = branch.after {
                var copy = current
                copy[device] = after
                next = copy
            }
            steps.append(TraceStep(
                number: number + 1, device: device, action: edge.action,
                actionText: machine.describe(edge.action, on: current[device]), events: branch.events,
                result: machine.describe(branch.result), after: next))
            state = next
        }
        return Counterexample(
            property: property, message: message, features: machine.features, start: initial, steps: steps)
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
    /// Wall-clock time of the search (not of the trace replays).
    public var seconds: Double

    /// Every property is checked on every transition.
    public var propertiesChecked: Int { ExploreProperty.allCases.count }
    public var violations: Int { counterexamples.count }
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
