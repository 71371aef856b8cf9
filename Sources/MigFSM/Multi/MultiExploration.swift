/// What one several-device search found.
public struct MultiExploration: Sendable {
    /// States stored (canonical ones under symmetry reduction).
    public var states: Int
    /// Every outcome of every action taken from a stored state.
    public var transitions: Int
    public var depth: Int
    /// One shortest counterexample per violated property, in property order.
    public var counterexamples: [MultiCounterexample]
    /// The search stopped at `--max-states`.
    public var incomplete: Bool
    /// States still queued when the search stopped.
    public var queue: Int
    /// How the search went (time, threads, memory): never in normal output.
    public var statistics: SearchStatistics
    /// Whether interchangeable devices were reduced by symmetry.
    public var reduced: Bool
    /// Under a free user with the reduction on: per distinct table, the
    /// device states a free user reaches, and how many classes of
    /// bisimilar ones the search ran on.
    public var mergedStates: [(Int, Int)]? = nil
    /// The reduced search ran, but a trace it found did not replay in the
    /// policy's own order, so the search was redone in that order.
    public var redoneInOrder: Bool = false
    /// The devices the policy refuses to migrate (with `several-devices-need`),
    /// when it refuses the VM: nothing was searched.
    public var refusedFor: [Int]? = nil

    public var violations: Int { counterexamples.count }
    /// Wall-clock seconds of the search.
    public var seconds: Double { statistics.seconds }
}

/// A shortest trace across devices to a transition breaking `property`.
public struct MultiCounterexample: Sendable {
    public var property: MultiProperty
    public var message: String
    /// Each device at the start.
    public var start: [DeviceSnapshot]
    public var steps: [MultiTraceStep]
}

/// One action of a several-device trace.
public struct MultiTraceStep: Sendable {
    public var number: Int
    /// `nil` for a step of the policy itself (an interrupt).
    public var device: Int?
    /// Which policy line asked for the action (with a policy).
    public var policy: String?
    /// That line's number in the policy file (0: none).
    public var policyLine: Int = 0
    public var action: String
    public var events: [TraceEvent]
    public var result: String
    /// Every device afterwards; `nil` when the request never returns.
    public var after: [DeviceSnapshot]?
}

/// One device of a trace: its state and, as the search tracks them, the
/// policy's belief about it, whether data was written into its resuming
/// session, and whether it holds the guest's state.
public struct DeviceSnapshot: Sendable, Equatable {
    public var state: DeviceState
    /// Tracked only when p2p-safety is checked.
    public var dataWritten: Bool?
    /// Tracked only under a policy.
    public var belief: StateID?
    /// Tracked under a policy that checks p2p-safety or loaded-before-run.
    public var holdsGuestState: Bool?

    public init(state: DeviceState, dataWritten: Bool? = nil, belief: StateID? = nil, holdsGuestState: Bool? = nil) {
        self.state = state
        self.dataWritten = dataWritten
        self.belief = belief
        self.holdsGuestState = holdsGuestState
    }
}
