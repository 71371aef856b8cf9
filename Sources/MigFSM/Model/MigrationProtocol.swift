/// A validated migration protocol: the single source every table, proof and
/// emitted file is computed from.
///
/// Built by `Validator` from a spec; every name is resolved and every
/// cross-reference checked, so the algorithms downstream never fail on it.
public struct MigrationProtocol: Hashable, Sendable {
    public var name: String
    /// The spec file the protocol was read from, as the user named it.
    public var sourcePath: String
    public var naming: Naming
    /// In declaration order.
    public var features: [Feature]
    /// In declaration order; a `StateID` indexes this array.
    public var states: [State]
    public var groups: [StateGroup]
    /// The arcs of the full graph (all features), in declaration order.
    public var arcs: [Arc]
    /// Per arc declared `A -> B needs F`: the features that enable it; the
    /// arc exists only on devices with all of them. Absent: always there.
    public var arcGates: [Arc: FeatureSet] = [:]
    /// Requests refused although a path may exist.
    public var blocked: Set<Arc>
    /// Per request declared `blocked A -> B unless F`: the features on which
    /// it is served after all. Absent: refused on every feature set.
    public var blockedGates: [Arc: FeatureSet] = [:]
    /// Blocked requests in declaration order.
    public var blockedInOrder: [Arc]
    public var pathRule: PathRule
    public var invariants: [Invariant]
    /// The state failed arcs may leave behind; never requestable.
    public var errorState: StateID
    /// The state reset and open give.
    public var resetState: StateID
    /// Per state: the group whose session it shares (`states.count + group
    /// index`), or its own ID. Moving inside one domain keeps the session.
    public var sessionDomains: [Int]
    /// `p2p-initiator`: the states in which a device may still initiate
    /// peer-to-peer DMA, in declaration order (empty: not declared).
    public var p2pInitiators: [StateID] = []
    /// `frozen`: the states whose internal state must not change, in
    /// declaration order (empty: not declared).
    public var frozen: [FrozenState] = []

    /// The protocol names of the specs this one extends, nearest first:
    /// driver and policy files written for any of them run on this one.
    public var ancestors: [String] = []

    /// Whether a driver or policy file written for protocol `name` runs on
    /// this protocol: it is this one, or one this spec extends.
    public func accepts(protocolNamed name: String) -> Bool {
        name == self.name || ancestors.contains(name)
    }

    /// Whether the full graph's `arc` exists on a device with `set`.
    public func hasArc(_ arc: Arc, on set: FeatureSet) -> Bool {
        guard let gate = arcGates[arc] else { return true }
        return set.covers(gate)
    }

    /// Whether the spec refuses `request` on a device with `set` although a
    /// path may exist.
    public func isBlocked(_ request: Arc, on set: FeatureSet) -> Bool {
        guard blocked.contains(request) else { return false }
        guard let gate = blockedGates[request] else { return true }
        return !set.covers(gate)
    }

    /// Whether the spec gates an arc or a blocked request by a feature.
    public var hasGates: Bool { !arcGates.isEmpty || !blockedGates.isEmpty }

    /// Whether the spec says which states may initiate P2P DMA and which
    /// must not be written to: what multi-device P2P safety checks.
    public var declaresP2P: Bool { !p2pInitiators.isEmpty && !frozen.isEmpty }

    /// The union of all declared feature flags.
    public var allFeatures: FeatureSet {
        features.reduce(into: FeatureSet()) { $0.formUnion($1.flag) }
    }

    public func stateID(named name: String) -> StateID? {
        states.firstIndex { $0.name == name }
    }

    public func featureSet(named names: [String]) -> FeatureSet? {
        var set = FeatureSet()
        for name in names {
            guard let feature = features.first(where: { $0.name == name }) else { return nil }
            set.formUnion(feature.flag)
        }
        return set
    }

    /// Feature names of `set` in declaration order.
    public func featureNames(_ set: FeatureSet) -> [String] {
        features.filter { set.covers($0.flag) }.map(\.name)
    }

    /// `{STOP_COPY, P2P}`
    public func describe(_ set: FeatureSet) -> String {
        "{" + featureNames(set).joined(separator: ", ") + "}"
    }

    /// Every feature set a device may report: it holds the mandatory
    /// features and every feature each member needs. Ascending by flags.
    public var validFeatureSets: [FeatureSet] {
        let mandatory = features.filter(\.isMandatory).reduce(into: FeatureSet()) { $0.formUnion($1.flag) }
        var result: [FeatureSet] = []
        let optional = features.filter { !$0.isMandatory }
        for combination in 0..<(1 << optional.count) {
            var set = mandatory
            for (index, feature) in optional.enumerated() where combination & (1 << index) != 0 {
                set.formUnion(feature.flag)
            }
            if isValid(set) { result.append(set) }
        }
        return result.sorted()
    }

    /// Whether a device may report `set`: only declared bits, the mandatory
    /// features, and every need met.
    public func isValid(_ set: FeatureSet) -> Bool {
        guard allFeatures.covers(set) else { return false }
        for feature in features {
            if feature.isMandatory && !set.covers(feature.flag) { return false }
            if set.covers(feature.flag) && !set.covers(feature.needs) { return false }
        }
        return true
    }

    /// Whether `state` exists on a device with `set`. The error state always
    /// exists but is never *supported*: it cannot be requested.
    public func supports(_ state: StateID, in set: FeatureSet) -> Bool {
        !states[state].isError && set.covers(states[state].needs)
    }

    /// The supported states of `set`, by uAPI value.
    public func supportedStates(in set: FeatureSet) -> [StateID] {
        statesByValue.filter { supports($0, in: set) }
    }

    /// All states ordered by uAPI value.
    public var statesByValue: [StateID] {
        states.indices.sorted { states[$0].value < states[$1].value }
    }

    /// The group whose session a state shares, or the state alone:
    /// moving between states of one domain keeps the session.
    public func sessionDomain(of state: StateID) -> Int {
        sessionDomains[state]
    }

    /// Whether the arc `from -> to` opens a new data session.
    public func opensSession(_ arc: Arc) -> Bool {
        states[arc.to].session != nil && sessionDomain(of: arc.from) != sessionDomain(of: arc.to)
    }

    /// Whether the arc `from -> to` ends the session `from` carried.
    public func endsSession(_ arc: Arc) -> Bool {
        states[arc.from].session != nil && sessionDomain(of: arc.from) != sessionDomain(of: arc.to)
    }

    /// `A -> B`
    public func describe(_ arc: Arc) -> String {
        "\(states[arc.from].name) -> \(states[arc.to].name)"
    }

    /// `A -> B -> C`
    public func describe(path: [StateID]) -> String {
        path.map { states[$0].name }.joined(separator: " -> ")
    }
}

/// A state whose internal state must not change while it holds it (no
/// peer may DMA into the device): `frozen STOP` or, for a state that
/// receives data, `frozen RESUMING after-write` (frozen only once data was
/// written to its session).
public struct FrozenState: Hashable, Sendable {
    public var state: StateID
    public var afterWrite: Bool

    public init(state: StateID, afterWrite: Bool) {
        self.state = state
        self.afterWrite = afterWrite
    }
}
