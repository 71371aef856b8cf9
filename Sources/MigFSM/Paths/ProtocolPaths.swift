/// The path tables of every valid feature set of a protocol, ascending by
/// flags: what the kernel hand-writes today, computed.
public struct ProtocolPaths: Sendable {
    public let model: MigrationProtocol
    public let rule: PathRule
    public let tables: [PathTable]
    /// The index in `tables` of each feature set.
    let tableIndex: [FeatureSet: Int]

    /// The most (current, requested) entries migfsm holds for one protocol,
    /// over all its feature sets' tables: about 1 GiB.
    public static let maximumEntries = 1 << 27

    /// An error naming the spec when its tables would exceed
    /// `maximumEntries`; `nil` when they fit. Callers check before building.
    public static func sizeError(_ model: MigrationProtocol) -> Diagnostic? {
        let states = model.states.count
        let sets = model.validFeatureSets.count
        let (square, overflow1) = states.multipliedReportingOverflow(by: states)
        let (entries, overflow2) = square.multipliedReportingOverflow(by: max(sets, 1))
        guard overflow1 || overflow2 || entries > maximumEntries else { return nil }
        return .error(at: .file(model.sourcePath),
            "\(states) states and \(sets) valid feature sets need \(overflow1 || overflow2 ? "too many" : String(entries)) table entries; migfsm computes at most \(maximumEntries)")
    }

    public init(model: MigrationProtocol, rule: PathRule? = nil, featureSets: [FeatureSet]? = nil) {
        self.model = model
        let rule = rule ?? model.pathRule
        self.rule = rule
        let tables = (featureSets ?? model.validFeatureSets).map {
            PathTable(model: model, features: $0, rule: rule)
        }
        self.tables = tables
        tableIndex = Dictionary(tables.enumerated().map { ($1.features, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The table of the full feature set: the one the kernel keeps.
    public var full: PathTable? { tables.last }

    public func table(for features: FeatureSet) -> PathTable? {
        tableIndex[features].map { tables[$0] }
    }
}
