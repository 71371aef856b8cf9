/// What `BreadthFirstSearch` is generic over: a system of packed states
/// (one device or several, a free user or a policy, with or without
/// symmetry reduction), its initial state, how a state expands, and its
/// properties, numbered 0 to 31.
///
/// `expand` tells the sink every successor (canonical, when the system
/// reduces by symmetry) with an edge (the system's own 32-bit encoding of
/// the transition, for the trace), every transition that breaks a property
/// and how many transitions the state has, always in the same order: that
/// order, state by state, is the search's order, so the first violation
/// of each property ends a shortest trace and every run agrees.
protocol TransitionSystem: Sendable {
    associatedtype Key: SearchKey

    var initialKey: Key { get }
    /// Whether every successor `expand` reports lies beyond the level of
    /// the state expanded, so that none is stored yet when the level
    /// begins (the search then does not probe before inserting).
    var successorsLeaveTheLevel: Bool { get }
    /// The properties broken by states rather than transitions: checked on
    /// each new state (`stateViolations`).
    var stateProperties: UInt32 { get }

    func expand<Sink: SuccessorSink>(_ key: Key, into sink: inout Sink) where Sink.Key == Key
    /// Which of `properties` the state `key` breaks.
    func stateViolations(_ key: Key, among properties: UInt32) -> UInt32
}

extension TransitionSystem {
    var successorsLeaveTheLevel: Bool { false }
}

/// Where `TransitionSystem.expand` reports what it finds.
protocol SuccessorSink {
    associatedtype Key: SearchKey
    /// The properties with no violation recorded yet: a system checks
    /// these precisely and may skip the others.
    var unfound: UInt32 { get }
    /// A successor that differs from the state expanded.
    mutating func reach(_ key: Key, edge: UInt32)
    /// A transition breaking `properties`.
    mutating func violate(_ properties: UInt32, edge: UInt32)
    /// Adds to the transitions counted (every outcome of every action,
    /// self-loops and duplicates included).
    mutating func count(_ transitions: Int)
}
