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
    /// One `read()` of a saving FD, or one `write()` into a resuming FD
    /// (the next part of the stream, its rest, or data that is no valid
    /// stream); ended or not.
    case accessFD
    /// `close()` of the device (the driver's `close_device`), then `open()`
    /// again: a reopened device is in the reset state with no session.
    case reopen
    /// `read()` until end of stream (STOP_COPY) or ENOMSG (pre-copy), as a
    /// VMM reads: a policy's `read` step (not a free user's action: it is
    /// made of single reads).
    case readToEnd
    /// `write()` of a whole valid stream: a policy's `write` step.
    case writeStream

    /// Whether a free user takes this action (the others are policy steps
    /// made of free actions).
    public var isFree: Bool {
        switch self {
        case .readToEnd, .writeStream: return false
        default: return true
        }
    }
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
        /// Where a stream stands after a read or write.
        case stream
        /// A hardware command's effect besides moving the device.
        case effect
    }

    public var kind: Kind
    public var text: String
    /// The driver file's statement behind the event, when there is one
    /// (where a finding about it is placed).
    public var cause: TraceCause?

    public init(_ kind: Kind, _ text: String, cause: TraceCause? = nil) {
        self.kind = kind
        self.text = text
        self.cause = cause
    }
}

/// Which statement of a driver file an event of a trace comes from.
public enum TraceCause: Hashable, Sendable {
    /// An injected fault of this kind on this arc (`fault A -> B KIND` or
    /// `fault all KIND`).
    case fault(Arc, FaultKinds)
    /// `fault reset-while-locked`.
    case resetWhileLocked
    /// `fault reset-may-fail`.
    case resetMayFail
    /// `quirk A -> B KEYWORD`.
    case arcQuirk(Arc, String)
    /// `quirk KEYWORD` (or `quirk KEYWORD for F`).
    case driverQuirk(DriverQuirk)
    /// `effect A -> B ...`.
    case effect(Arc)
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
    /// The reset, close or reopen is done.
    case done
    /// `VFIO_DEVICE_RESET` fails (`fault reset-may-fail`).
    case resetFailed
    /// What a read or write of the data FD returned.
    case stream(StreamResult)
}

/// What the user sees of a read or write of its data FD.
public enum StreamResult: Hashable, Sendable {
    /// `read()` returns data.
    case data
    /// `read()` returns 0: the permanent end of stream.
    case endOfStream
    /// `read()` fails with ENOMSG: no data for now (the temporary end).
    case noMessage
    /// Reads return data up to the end of stream (0).
    case dataToEnd
    /// Reads return data, if any, up to ENOMSG.
    case dataToNoMessage
    /// Reads stop at ENOMSG before the end, in STOP_COPY.
    case dataToEarlyNoMessage
    /// `write()` is accepted, with part of the stream.
    case wrotePart
    /// `write()` is accepted, with the rest of the stream.
    case wroteRest
    /// `write()` is accepted, with data that is no valid stream (another
    /// device's, or more than one stream).
    case wroteInvalid
    /// A whole stream is written.
    case streamWritten
    /// The FD's session has ended: the read or write fails.
    case ended(SessionKind)

    /// Whether the read or write reached a live session.
    public var live: Bool {
        if case .ended = self { return false }
        return true
    }

    /// Whether data went into a resuming session.
    public var wrote: Bool {
        switch self {
        case .wrotePart, .wroteRest, .wroteInvalid, .streamWritten: return true
        default: return false
        }
    }
}

/// What a VMM policy tells apart in an outcome besides the next state.
public struct OutcomeFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// The request succeeded, the read or write reached a live session,
    /// or the reset, close or reopen was done.
    public static let succeeded = OutcomeFlags(rawValue: 1 << 0)
    /// Data went into the driver's live resuming session.
    public static let wrote = OutcomeFlags(rawValue: 1 << 1)
    /// The request handed back an FD while the user held one, and the
    /// user closed the new one at once (`UserFDHolding.keepsFirst`).
    public static let refusedFD = OutcomeFlags(rawValue: 1 << 2)
    /// The device was reset (explicitly, by a deferred reset, or by
    /// closing and opening it), or a reset was tried and failed.
    public static let reset = OutcomeFlags(rawValue: 1 << 3)
    /// A stream was loaded: the request left RESUMING with the data taken.
    public static let loaded = OutcomeFlags(rawValue: 1 << 4)
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
    public var flags: OutcomeFlags

    public init(after: DeviceState?, result: ActionResult, violations: [Violation] = [],
                events: [TraceEvent] = [], flags: OutcomeFlags = []) {
        self.after = after
        self.result = result
        self.violations = violations
        self.events = events
        self.flags = flags
    }
}
