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

        let newByName = Dictionary(new.states.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var changes: [(String, UInt32, UInt32)] = []
        for state in old.states {
            if let other = newByName[state.name], other.value != state.value {
                changes.append((state.name, state.value, other.value))
            }
        }
        valueChanges = changes

        // Feature sets match by their names, in any order.
        let oldSets = oldPaths.tables.map { old.featureNames($0.features) }
        let newSets = newPaths.tables.map { new.featureNames($0.features) }
        let key = { (names: [String]) in names.sorted() }
        let oldIndex = Dictionary(oldSets.enumerated().map { (key($1), $0) }, uniquingKeysWith: { first, _ in first })
        let newIndex = Dictionary(newSets.enumerated().map { (key($1), $0) }, uniquingKeysWith: { first, _ in first })
        featureSetsAdded = newSets.filter { oldIndex[key($0)] == nil }
        featureSetsRemoved = oldSets.filter { newIndex[key($0)] == nil }

        var perSet: [FeatureSetChanges] = []
        for (index, names) in oldSets.enumerated() {
            guard let match = newIndex[key(names)] else { continue }
            perSet.append(Self.compare(oldPaths.tables[index], newPaths.tables[match], names))
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

    /// The changes of one feature set, matching states by name. Two walks
    /// toward one state are the same exactly when their first steps are
    /// (by name) and so are the walks from there: one pass per requested
    /// state over the next-state trees, then paths are written out only
    /// for the requests that changed.
    static func compare(_ old: PathTable, _ new: PathTable, _ features: [String]) -> FeatureSetChanges {
        var changes = FeatureSetChanges(features: features)
        let oldModel = old.model
        let newModel = new.model
        let oldStates = old.supportedStates.map { oldModel.states[$0].name }
        let newStates = new.supportedStates.map { newModel.states[$0].name }
        let oldSupported = Set(oldStates)
        let newSupported = Set(newStates)
        changes.statesAdded = newStates.filter { !oldSupported.contains($0) }
        changes.statesRemoved = oldStates.filter { !newSupported.contains($0) }
        // Per old state: the new state of the same name, supported in both.
        let newIDs = Dictionary(new.supportedStates.map { (newModel.states[$0].name, $0) }, uniquingKeysWith: { first, _ in first })
        let counterpart = oldModel.states.indices.map { old.isSupported[$0] ? newIDs[oldModel.states[$0].name] ?? -1 : -1 }
        let common = old.supportedStates.filter { counterpart[$0] >= 0 }
        let count = oldModel.states.count
        var oldTree = NextStateTree(old)
        var newTree = NextStateTree(new)
        // The requests whose walks differ, as (from, to) positions in
        // `common`, sorted: gathered one requested state at a time.
        var position = [Int](repeating: -1, count: count)
        for (index, state) in common.enumerated() { position[state] = index }
        var differing: [(from: Int, to: Int)] = []
        // Per old state, for the current target: whether both walks reach
        // it along states of the same names.
        var same = [Bool](repeating: false, count: count)
        for target in common {
            let newTarget = counterpart[target]
            oldTree.grow(toward: target)
            newTree.grow(toward: newTarget)
            for state in common { same[state] = false }
            same[target] = true
            for node in oldTree.rootFirst.dropFirst() {
                let state = Int(node)
                guard counterpart[state] >= 0, let next = oldTree.parent(of: state), counterpart[next] >= 0,
                      newTree.parent(of: counterpart[state]) == counterpart[next] else { continue }
                same[state] = same[next]
            }
            for from in common where from != target {
                if !same[from] && (oldTree.reaches(from) || newTree.reaches(counterpart[from])) {
                    differing.append((position[from], position[target]))
                }
            }
        }
        differing.sort { ($0.from, $0.to) < ($1.from, $1.to) }
        let names = { (table: PathTable, from: StateID, to: StateID) -> [String]? in
            table.path(from: from, to: to).map { $0.map { table.model.states[$0].name } }
        }
        for (fromPosition, toPosition) in differing {
            let from = common[fromPosition], to = common[toPosition]
            let oldPath = names(old, from, to)
            let newPath = names(new, counterpart[from], counterpart[to])
            let change = RequestChange(
                from: oldModel.states[from].name, to: oldModel.states[to].name, old: oldPath, new: newPath)
            switch (oldPath, newPath) {
            case (nil, _): changes.nowAllowed.append(change)
            case (_, nil): changes.nowRefused.append(change)
            default: changes.pathChanges.append(change)
            }
        }
        let oldArcs = old.requiredArcs.map { [oldModel.states[$0.from].name, oldModel.states[$0.to].name] }
        let newArcs = new.requiredArcs.map { [newModel.states[$0.from].name, newModel.states[$0.to].name] }
        let oldArcSet = Set(oldArcs)
        let newArcSet = Set(newArcs)
        changes.arcsAdded = newArcs.filter { !oldArcSet.contains($0) }
        changes.arcsRemoved = oldArcs.filter { !newArcSet.contains($0) }
        return changes
    }
}
