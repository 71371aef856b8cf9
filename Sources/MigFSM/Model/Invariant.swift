/// A named property a spec asks `check` to prove on every valid feature set.
public enum InvariantKind: Hashable, Sendable {
    /// `no-interior GROUP`: no path has a member of GROUP as an interior state,
    /// except, under the `contained` reading, a path that stays in the group.
    case noInterior(group: Int)
    /// `refused A -> B [unless F]`: wherever A and B exist (on a device
    /// without all of F, when given), the request is refused.
    case refused(Arc, unless: FeatureSet?)
    /// `sink STATE`: no arc leaves or enters STATE, no request from or to it
    /// is served.
    case sink(StateID)
    /// `reachable`: every supported state can be requested from every other,
    /// except the blocked requests.
    case reachable
    /// `path A -> B -> C [with F]`: the request A -> C walks exactly this path
    /// (on feature set F; by default all features).
    case path([StateID], FeatureSet?)
}

/// An invariant as declared, with where.
public struct Invariant: Hashable, Sendable {
    public var kind: InvariantKind
    public var location: SourceLocation
}
