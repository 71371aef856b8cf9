/// The path tables of every valid feature set of a protocol, ascending by
/// flags: what the kernel hand-writes today, computed.
public struct ProtocolPaths: Sendable {
    public let model: MigrationProtocol
    public let rule: PathRule
    public let tables: [PathTable]

    public init(model: MigrationProtocol, rule: PathRule? = nil, featureSets: [FeatureSet]? = nil) {
        self.model = model
        let rule = rule ?? model.pathRule
        self.rule = rule
        tables = (featureSets ?? model.validFeatureSets).map {
            PathTable(model: model, features: $0, rule: rule)
        }
    }

    /// The table of the full feature set: the one the kernel keeps.
    public var full: PathTable? { tables.last }

    public func table(for features: FeatureSet) -> PathTable? {
        tables.first { $0.features == features }
    }
}
