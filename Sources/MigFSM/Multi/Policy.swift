/// A VMM's orchestration of several devices, as a policy file declares it:
/// the VM events in order, the state each device is asked for in each
/// phase of an event, how a failed request is recovered, and what the VMM
/// believes each device's state is (its own copy, never read back).
public struct Policy: Sendable {
    public var name: String
    /// The belief about a freshly opened device (`assume RUNNING`).
    public var assumed: StateID
    /// The belief after the recovery's device reset (`reset-assumes RUNNING`).
    public var resetAssumes: StateID
    /// In file order; the `on-failure` event is not run in sequence.
    public var events: [PolicyEvent]

    public init(name: String, assumed: StateID, resetAssumes: StateID, events: [PolicyEvent]) {
        self.name = name
        self.assumed = assumed
        self.resetAssumes = resetAssumes
        self.events = events
    }

    /// The event run (instead of the rest) after an event in which a
    /// request failed, if the policy declares one.
    public var failureEvent: Int? { events.firstIndex { $0.onFailure } }
}

/// One VM event (`event vm-stop`): every device's prepare step, in device
/// order, then every device's main step.
public struct PolicyEvent: Sendable {
    public var name: String
    /// Run only after an event in which a request failed.
    public var onFailure: Bool
    /// The event's step lines in file order; for each device and phase the
    /// first line that applies is taken.
    public var steps: [PolicyStep]

    public init(name: String, onFailure: Bool, steps: [PolicyStep]) {
        self.name = name
        self.onFailure = onFailure
        self.steps = steps
    }
}

/// One line of an event: `prepare RUNNING_P2P with P2P without PRE_COPY recover ERROR`.
public struct PolicyStep: Sendable {
    /// Prepare callbacks of every device run before any main callback.
    public enum Phase: String, Sendable, CaseIterable {
        case prepare, main
    }

    /// What the step does to the device.
    public enum Action: Sendable, Equatable {
        /// SET this state; on failure SET the recover state (none when it
        /// is the error state), then reset and assume the reset belief.
        case request(StateID, recover: StateID)
        /// Write the migration stream into the data FD (destination).
        case write
        /// Read the data FD to end of stream (source).
        case read
    }

    public var phase: Phase
    public var action: Action
    /// The device must have every one of these features.
    public var with: FeatureSet
    /// The device must have none of these features.
    public var without: FeatureSet
    /// The policy must believe the device is in one of these (empty: any).
    public var from: [StateID]
    public var line: Int

    public init(phase: Phase, action: Action, with: FeatureSet = [], without: FeatureSet = [], from: [StateID] = [], line: Int = 0) {
        self.phase = phase
        self.action = action
        self.with = with
        self.without = without
        self.from = from
        self.line = line
    }

    /// Whether the step is for a device with `features` the policy believes is in `belief`.
    public func applies(features: FeatureSet, belief: StateID) -> Bool {
        features.covers(with) && features.intersection(without).isEmpty && (from.isEmpty || from.contains(belief))
    }
}
