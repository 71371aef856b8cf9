/// The data FD the user holds, as the explorer abstracts it: the user keeps
/// the FD of the last session a request handed back (a newly handed FD
/// replaces, and closes, the one held before), unless it holds its FD
/// until it closes it (`UserFDHolding.keepsFirst`, as QEMU does).
public enum UserFD: Hashable, Sendable {
    /// The user holds no data FD.
    case none
    /// The FD of the session the driver's slot of this kind references
    /// (`saving_migf`, `resuming_migf`); that session is live.
    case driver(SessionKind)
    /// The FD of a session the driver no longer references: ended (reads
    /// and writes fail), or still live because the driver let go of it
    /// without ending it (a leak).
    case detached(SessionKind, live: Bool)

    /// The kind of session the FD belongs to, if the user holds one.
    public var kind: SessionKind? {
        switch self {
        case .none: return nil
        case .driver(let kind), .detached(let kind, _): return kind
        }
    }
}

/// How far the user has read a saving session's stream, as the uAPI
/// comment defines its ends [001]: "During pre-copy the migration data FD
/// has a temporary "end of stream" that is reached when both initial_bytes
/// and dirty_byte are zero [...] the kernel driver should return ENOMSG
/// from read()"; "Once in STOP_COPY the migration data FD has a permanent
/// end of stream signaled in the usual way by read() always returning 0".
public enum SavingStream: UInt8, Hashable, Sendable, CaseIterable {
    /// Nothing read yet.
    case unread
    /// Some read, more to come: in pre-copy the initial bytes are not all
    /// read (`initial_bytes` > 0); in STOP_COPY not all device state is.
    case partial
    /// Read to its end: in pre-copy the initial bytes (`initial_bytes` is
    /// 0; a read returns ENOMSG unless the device dirtied more since); in
    /// STOP_COPY all device state (a read returns 0).
    case drained
}

/// What the user has written into a resuming session: what
/// `RESUMING -> STOP` validates [000]: "If the user provided data is found
/// to be incomplete, inconsistent, or otherwise invalid, the migration
/// driver must fail the SET_STATE ioctl".
public enum ResumingStream: UInt8, Hashable, Sendable, CaseIterable {
    /// Nothing written yet.
    case empty
    /// Part of a valid stream.
    case partial
    /// A whole valid stream, as one saving FD carried it.
    case complete
    /// Data that is no valid stream (another device's, or more than one stream).
    case invalid
}

/// One device between two user actions, as compact as the properties
/// allow: the state the driver records, the state the hardware is really
/// in, the driver's live sessions and how far their streams went, and the
/// user's FD.
///
/// Nothing else survives a request: the state mutex is free, no reset is
/// pending, and the request's own bookkeeping is gone. A `DeviceTable`
/// numbers the states a driver reaches, so that a device takes a few bits
/// of a search key. Stream progress is kept only while it can still
/// matter (`normalized()`): the saving stream while the user holds the
/// driver's live saving FD, the resuming stream while the driver's
/// resuming session is live.
public struct DeviceState: Hashable, Sendable {
    /// `mig_state`: what the driver believes and `GET` reports.
    public var recorded: StateID
    /// What the device really does. Equal to `recorded` unless the driver
    /// lost track (a quirk that ignores a hardware failure, say).
    public var hardware: StateID
    /// Whether the driver references a live saving session (`saving_migf`).
    public var savingSession: Bool
    /// Whether the driver references a live resuming session (`resuming_migf`).
    public var resumingSession: Bool
    public var userFD: UserFD
    /// How far the user read the saving stream it holds.
    public var savingStream: SavingStream
    /// What the user wrote into the driver's resuming session.
    public var resumingStream: ResumingStream
    /// The hardware was disabled by a destructive save (seed 004's NVMe
    /// SAVE_DATA "disable[s] the VF controller") and nothing enabled it
    /// again: it does not run, whatever state it is moved to.
    public var disabled: Bool

    public init(recorded: StateID, hardware: StateID, savingSession: Bool = false,
                resumingSession: Bool = false, userFD: UserFD = .none,
                savingStream: SavingStream = .unread, resumingStream: ResumingStream = .empty,
                disabled: Bool = false) {
        self.recorded = recorded
        self.hardware = hardware
        self.savingSession = savingSession
        self.resumingSession = resumingSession
        self.userFD = userFD
        self.savingStream = savingStream
        self.resumingStream = resumingStream
        self.disabled = disabled
    }

    /// A freshly opened device: in the reset state, no session, no FD.
    public static func opened(_ model: MigrationProtocol) -> DeviceState {
        DeviceState(recorded: model.resetState, hardware: model.resetState)
    }

    /// Whether the driver references a live session of `kind`.
    public func hasSession(_ kind: SessionKind) -> Bool {
        kind == .saving ? savingSession : resumingSession
    }

    mutating func setSession(_ kind: SessionKind, _ live: Bool) {
        if kind == .saving { savingSession = live } else { resumingSession = live }
    }

    /// Whether any session (driver's or user's) is still live.
    public var hasLiveSession: Bool {
        if savingSession || resumingSession { return true }
        if case .detached(_, true) = userFD { return true }
        return false
    }

    /// Whether a saving session is live, the driver's or one the user holds.
    var hasLiveSavingSession: Bool {
        savingSession || userFD == .detached(.saving, live: true)
    }

    /// The same device with stream progress forgotten where nothing can
    /// read or validate it any more, so that equal futures are one state.
    func normalized() -> DeviceState {
        var device = self
        if device.userFD != .driver(.saving) { device.savingStream = .unread }
        if !device.resumingSession { device.resumingStream = .empty }
        return device
    }
}
