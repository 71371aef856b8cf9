/// What the user (a VMM) can do to a device between two requests.
public enum UserAction: Hashable, Sendable {
    /// `VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE` SET with this `device_state`
    /// value: valid, unsupported, out of range, or the error state.
    case request(UInt32)
    /// `VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE` GET.
    case readState
    /// `VFIO_DEVICE_RESET`.
    case reset
    /// `close()` of the data FD the user holds.
    case closeFD
    /// `read()` of a saving FD or `write()` of a resuming FD, ended or not.
    case accessFD
}

/// How one arc the driver performs turns out.
public enum StepOutcome: UInt8, Hashable, Sendable {
    /// The arc succeeds.
    case ok
    /// Injected: the hardware command fails; the device stays.
    case stays
    /// Injected: the arc fails and leaves the device in the error state.
    case error
    /// Injected: a session-opening arc fails after creating its session.
    case afterSession
    /// Injected: a command fails, and the step reports success all the same.
    case swallowed
    /// Not injected: the hardware is in the error state and fails every
    /// command (reachable only after the driver lost track of it).
    case stuck
}

/// One line of what happened inside an action, for traces.
public struct TraceEvent: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable {
        /// The driver performs an arc.
        case arc
        /// An injected fault.
        case fault
        /// A driver quirk changes what happens.
        case quirk
        /// The lookup refuses the request.
        case refusal
        /// A kernel warning (`WARN_ON`).
        case warning
        /// A reset is applied.
        case reset
        /// A session ends or is released.
        case session
    }

    public var kind: Kind
    public var text: String

    public init(_ kind: Kind, _ text: String) {
        self.kind = kind
        self.text = text
    }
}

/// What the user sees of one action.
public enum ActionResult: Hashable, Sendable {
    /// The request succeeded, handing back a new FD of this kind or none.
    case success(SessionKind?)
    case failure
    /// The request never returns (the kernel spins with the mutex held).
    case hang
    /// GET returned this state.
    case read(StateID)
    /// The reset or close is done.
    case done
    /// A read or write of the FD: whether it reached a live session.
    case access(SessionKind, live: Bool)
}

/// One way an action from one state can turn out: the resulting device
/// (`nil` when the request never returns), what the user saw, and the
/// properties it broke. Branches come in a fixed order, so a branch's
/// ordinal names its injected faults.
public struct Branch: Sendable {
    public var after: DeviceState?
    public var result: ActionResult
    public var violations: [Violation]
    /// Filled only when the machine is asked to record.
    public var events: [TraceEvent]
}
