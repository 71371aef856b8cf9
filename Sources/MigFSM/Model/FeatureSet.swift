/// A set of migration features as the uAPI reports them: the OR of the
/// features' flag bits (`VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P` is 3).
public struct FeatureSet: OptionSet, Hashable, Sendable, Comparable {
    public var rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// Whether every feature of `other` is in this set.
    @inlinable
    public func covers(_ other: FeatureSet) -> Bool {
        rawValue & other.rawValue == other.rawValue
    }

    public static func < (lhs: FeatureSet, rhs: FeatureSet) -> Bool {
        lhs.rawValue < rhs.rawValue
    }
}

/// One optional capability of a device, reported as one flag bit:
/// `feature P2P = 1 << 1 needs STOP_COPY`.
public struct Feature: Hashable, Sendable {
    public var name: String
    /// The bit number: the flag is `1 << bit`.
    public var bit: Int
    /// Every valid feature set contains a mandatory feature.
    public var isMandatory: Bool
    /// Features that must be present whenever this one is.
    public var needs: FeatureSet
    public var location: SourceLocation

    public var flag: FeatureSet { FeatureSet(rawValue: 1 << UInt32(bit)) }
}
