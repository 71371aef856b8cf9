/// The index of a state in its protocol's declaration order.
public typealias StateID = Int

/// What kind of data transfer session a state carries, if any.
public enum SessionKind: String, Hashable, Sendable, CaseIterable {
    /// The device's state streams out (STOP_COPY, PRE_COPY...).
    case saving
    /// The user writes a saved state in (RESUMING).
    case resuming
}

/// One value of the protocol's state enum:
/// `state RUNNING_P2P = 5 needs STOP_COPY | P2P`.
public struct State: Hashable, Sendable {
    public var name: String
    /// The uAPI value (`VFIO_DEVICE_STATE_RUNNING_P2P = 5`).
    public var value: UInt32
    /// The features a device must have for the state to exist.
    public var needs: FeatureSet
    /// The state a failed arc may leave the device in; never requestable.
    public var isError: Bool
    /// The state a device reset and a fresh open give.
    public var isReset: Bool
    /// The data session the state carries, if any.
    public var session: SessionKind?
    public var location: SourceLocation
}

/// A directed pair of states: an arc of the graph, or a request `cur -> new`.
public struct Arc: Hashable, Sendable {
    public var from: StateID
    public var to: StateID

    public init(_ from: StateID, _ to: StateID) {
        self.from = from
        self.to = to
    }
}

/// States whose members share one data session:
/// `group saving = PRE_COPY, PRE_COPY_P2P, STOP_COPY`.
/// Moving between members keeps the session; entering the group from
/// outside opens one, leaving it ends it.
public struct StateGroup: Hashable, Sendable {
    public var name: String
    public var members: [StateID]
    public var location: SourceLocation
}
