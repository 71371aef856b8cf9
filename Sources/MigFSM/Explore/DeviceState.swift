/// The data FD the user holds, as the explorer abstracts it: the user keeps
/// the FD of the last session a request handed back (a newly handed FD
/// replaces, and closes, the one held before).
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

/// One device between two user actions, as compact as the properties
/// allow: the state the driver records, the state the hardware is really
/// in, the driver's live sessions, and the user's FD.
///
/// Nothing else survives a request: the state mutex is free, no reset is
/// pending, and the request's own bookkeeping is gone. A `DeviceTable`
/// numbers the states a driver reaches, so that a device takes a few bits
/// of a search key.
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

    public init(recorded: StateID, hardware: StateID, savingSession: Bool = false,
                resumingSession: Bool = false, userFD: UserFD = .none) {
        self.recorded = recorded
        self.hardware = hardware
        self.savingSession = savingSession
        self.resumingSession = resumingSession
        self.userFD = userFD
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
}
