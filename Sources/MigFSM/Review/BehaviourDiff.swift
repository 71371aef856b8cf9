/// What a protocol change does to behaviour, feature set by feature set:
/// the requests whose path changes, the requests that become refused or
/// allowed, the arcs drivers must now implement or no longer need, and the
/// checks whose verdict changes. Comments and formatting never show.
///
/// States, features and checks are matched by name, so a diff reads in the
/// spec author's words.
public struct BehaviourDiff: Sendable {
    /// One request that changed on one feature set.
    public struct RequestChange: Hashable, Sendable {
        public var from: String
        public var to: String
        /// The old and new paths, state names; `nil` where refused.
        public var old: [String]?
        public var new: [String]?
    }

    /// The changes on one feature set present in both protocols.
    public struct FeatureSetChanges: Hashable, Sendable {
        public var features: [String]
        public var statesAdded: [String] = []
        public var statesRemoved: [String] = []
        /// Both served, along different paths.
        public var pathChanges: [RequestChange] = []
        /// Served before, refused now.
        public var nowRefused: [RequestChange] = []
        /// Refused before, served now.
        public var nowAllowed: [RequestChange] = []
        public var arcsAdded: [[String]] = []
        public var arcsRemoved: [[String]] = []

        public var isEmpty: Bool {
            statesAdded.isEmpty && statesRemoved.isEmpty && pathChanges.isEmpty && nowRefused.isEmpty
                && nowAllowed.isEmpty && arcsAdded.isEmpty && arcsRemoved.isEmpty
        }
    }

    /// A feature set only the new protocol has (a new flag), compared with
    /// the old protocol's set of the same features without the new ones:
    /// what a driver that adds the flag changes.
    public struct NewFeatureSet: Hashable, Sendable {
        public var features: [String]
        /// The old set it is compared with; `nil` when the old protocol has
        /// no valid set of those features.
        public var comparedWith: [String]?
        /// The features it adds to `comparedWith`.
        public var added: [String]
        /// What differs from `comparedWith` (its `features` are this set's).
        public var changes: FeatureSetChanges
    }

    /// A check whose verdict differs; `nil` where the check does not exist.
    public struct CheckChange: Hashable, Sendable {
        public var name: String
        public var old: CheckResult.Verdict?
        public var new: CheckResult.Verdict?
    }

    public var oldPath: String
    public var newPath: String
    /// State values that changed (the uAPI enum), by name.
    public var valueChanges: [(name: String, old: UInt32, new: UInt32)]
    public var featureSetsAdded: [[String]]
    public var featureSetsRemoved: [[String]]
    /// One entry per feature set in both, in the old protocol's order; empty
    /// ones included so callers can count.
    public var featureSets: [FeatureSetChanges]
    /// One entry per feature set in `featureSetsAdded`, in the same order.
    public var newFeatureSets: [NewFeatureSet]
    public var checks: [CheckChange]

    /// Whether the two protocols behave identically.
    public var isIdentical: Bool {
        valueChanges.isEmpty && featureSetsAdded.isEmpty && featureSetsRemoved.isEmpty
            && featureSets.allSatisfy(\.isEmpty) && checks.isEmpty
    }

    public init(old: MigrationProtocol, new: MigrationProtocol) {
        oldPath = old.sourcePath
        newPath = new.sourcePath
        let oldPaths = ProtocolPaths(model: old)
        let newPaths = ProtocolPaths(model: new)

        var changes: [(String, UInt32, UInt32)] = []
        for state in old.states {
            if let other = new.states.first(where: { $0.name == state.name }), other.value != state.value {
                changes.append((state.name, state.value, other.value))
            }
        }
        valueChanges = changes

        let oldSets = oldPaths.tables.map { old.featureNames($0.features) }
        let newSets = newPaths.tables.map { new.featureNames($0.features) }
        let key = { (names: [String]) in Set(names) }
        featureSetsAdded = newSets.filter { set in !oldSets.contains { key($0) == key(set) } }
        featureSetsRemoved = oldSets.filter { set in !newSets.contains { key($0) == key(set) } }

        var perSet: [FeatureSetChanges] = []
        for (index, names) in oldSets.enumerated() {
            guard let newIndex = newSets.firstIndex(where: { key($0) == key(names) }) else { continue }
            perSet.append(Self.compare(oldPaths.tables[index], newPaths.tables[newIndex], names))
        }
        featureSets = perSet

        // A new set against the old set of its features the old spec knows.
        let oldFeatureNames = Set(old.features.map(\.name))
        var newOnes: [NewFeatureSet] = []
        for (index, names) in newSets.enumerated() where !oldSets.contains(where: { key($0) == key(names) }) {
            let known = names.filter { oldFeatureNames.contains($0) }
            let added = names.filter { !oldFeatureNames.contains($0) }
            guard let oldIndex = oldSets.firstIndex(where: { key($0) == key(known) }) else {
                newOnes.append(NewFeatureSet(features: names, comparedWith: nil, added: added,
                                             changes: FeatureSetChanges(features: names)))
                continue
            }
            newOnes.append(NewFeatureSet(features: names, comparedWith: oldSets[oldIndex], added: added,
                                         changes: Self.compare(oldPaths.tables[oldIndex], newPaths.tables[index], names)))
        }
        newFeatureSets = newOnes

        let oldChecks = Checker.check(oldPaths).results
        let newChecks = Checker.check(newPaths).results
        var checkChanges: [CheckChange] = []
        for result in oldChecks {
            let other = newChecks.first { $0.name == result.name }
            if other?.verdict != result.verdict {
                checkChanges.append(CheckChange(name: result.name, old: result.verdict, new: other?.verdict))
            }
        }
        for result in newChecks where !oldChecks.contains(where: { $0.name == result.name }) {
            checkChanges.append(CheckChange(name: result.name, old: nil, new: result.verdict))
        }
        checks = checkChanges
    }

    static func compare(_ old: PathTable, _ new: PathTable, _ features: [String]) -> FeatureSetChanges {
        var changes = FeatureSetChanges(features: features)
        let oldModel = old.model
        let newModel = new.model
        let oldStates = old.supportedStates.map { oldModel.states[$0].name }
        let newStates = new.supportedStates.map { newModel.states[$0].name }
        changes.statesAdded = newStates.filter { !oldStates.contains($0) }
        changes.statesRemoved = oldStates.filter { !newStates.contains($0) }
        let names = { (model: MigrationProtocol, path: [StateID]?) in path.map { $0.map { model.states[$0].name } } }
        for from in oldStates where newStates.contains(from) {
            for to in oldStates where newStates.contains(to) && to != from {
                let oldPath = names(oldModel, old.path(from: oldModel.stateID(named: from)!, to: oldModel.stateID(named: to)!))
                let newPath = names(newModel, new.path(from: newModel.stateID(named: from)!, to: newModel.stateID(named: to)!))
                guard oldPath != newPath else { continue }
                let change = RequestChange(from: from, to: to, old: oldPath, new: newPath)
                switch (oldPath, newPath) {
                case (nil, _): changes.nowAllowed.append(change)
                case (_, nil): changes.nowRefused.append(change)
                default: changes.pathChanges.append(change)
                }
            }
        }
        let oldArcs = old.requiredArcs.map { [oldModel.states[$0.from].name, oldModel.states[$0.to].name] }
        let newArcs = new.requiredArcs.map { [newModel.states[$0.from].name, newModel.states[$0.to].name] }
        changes.arcsAdded = newArcs.filter { !oldArcs.contains($0) }
        changes.arcsRemoved = oldArcs.filter { !newArcs.contains($0) }
        return changes
    }
}
