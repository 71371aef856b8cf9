/// How a group's members may appear inside a combination transition's path.
///
/// The uAPI says "the path cannot have saving group states as interior arcs,
/// only starting/end states". Read literally, that forbids
/// `PRE_COPY -> PRE_COPY_P2P -> STOP_COPY`, which the header itself lists.
public enum GroupReading: String, Hashable, Sendable, CaseIterable {
    /// No member anywhere inside a path.
    case literal
    /// A member may be inside a path only when the whole path stays in the group.
    case contained
}

/// What a spec says about choosing the path of a combination transition:
/// the shortest one, under its group rules, with ties an error unless a
/// tie-break is declared.
public struct PathRule: Hashable, Sendable {
    public struct GroupInterior: Hashable, Sendable {
        public var group: Int
        public var reading: GroupReading
    }

    /// How equally short paths with different next states are resolved.
    public enum TieBreak: String, Hashable, Sendable, CaseIterable {
        /// The next state with the lowest uAPI value wins.
        case lowestValue = "lowest-value"
    }

    public var groupInterior: [GroupInterior] = []
    public var tieBreak: TieBreak?

    public init(groupInterior: [GroupInterior] = [], tieBreak: TieBreak? = nil) {
        self.groupInterior = groupInterior
        self.tieBreak = tieBreak
    }

    /// The same rule with every group rule read `reading`.
    public func reading(_ reading: GroupReading) -> PathRule {
        var copy = self
        copy.groupInterior = groupInterior.map { GroupInterior(group: $0.group, reading: reading) }
        return copy
    }
}
