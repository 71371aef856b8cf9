/// A driver as its C code stands, read into the model `explore` runs: the
/// feature sets the code can set (with the conditions that choose them),
/// the arcs its step function handles and how each can fail or misbehave,
/// and what a reset does on each feature set.
///
/// Each departure from a correct driver is a `Defect`, tied to the C
/// place that causes it, so the explorer can run the driver with one
/// defect at a time and show what that one line breaks.
public struct DriverModel: Sendable {
    public var name: String
    public var code: DriverCode
    public var entry: DriverEntryPoints
    /// The arcs the step function handles, in source order.
    public var branches: [ArcBranch]
    /// The feature sets the code sets, valid or not, in source order.
    public var configurations: [FlagConfiguration]
    /// What a reset does, per valid feature set.
    public var resets: [FeatureSet: [ResetBehaviour]]
    /// Whether a reset that finds the state mutex held is applied at unlock.
    public var deferredReset: Bool
    /// What `set_state` calls when the kernel's lookup refuses a request.
    public var refused = RefusedRequest(calls: [])
    /// What could not be read, as located notes.
    public var notes: [Diagnostic]

    /// One way the driver departs from a correct one.
    public enum Defect: Hashable, Sendable {
        /// A required arc the step function does not handle.
        case missing(Arc)
        case alwaysFails(Arc)
        /// A command's failure never reaches the step's result.
        case swallows(Arc)
        case endsSessionEarly(Arc)
        case leaksSession(Arc)
        /// The arc leaves a session's state without ending the session.
        case keepsSession(Arc)
        case returnsNoSession(Arc)
        case returnsSession(Arc)
        /// A reset on this feature set leaves the recorded state / the sessions.
        case resetKeepsState(FeatureSet)
        case resetKeepsSession(FeatureSet)
    }

    public var model: MigrationProtocol { names.model }
    let names: CNames

    /// The valid feature sets the code sets, ascending.
    public var featureSets: [FeatureSet] {
        configurations.map { FeatureSet(rawValue: $0.flags) }.filter(model.isValid).sorted()
    }

    public func branch(_ arc: Arc) -> ArcBranch? { branches.first { $0.arc == arc } }

    /// Reads every driver of `code` (one per `migration_set_state` op).
    public static func extract(_ folder: DriverCode, names: CNames) -> [DriverModel] {
        // A folder of several modules (samples/vfio-mdev): each driver is
        // its own .c file with the folder's headers.
        let several = folder.files.filter { $0.path.hasSuffix(".c") && $0.registersModule }.count > 1
        var units: [(DriverCode, DriverEntryPoints)] = []
        for entry in DriverEntryPoints.find(in: folder, names: names) {
            guard several, let file = entry.setState?.located ?? Optional(entry.step.located), !file.header else {
                units.append((folder, entry))
                continue
            }
            let own = folder.files.enumerated().filter { $0.offset == file.file || $0.element.path.hasSuffix(".h") }.map(\.element)
            let code = DriverCode(directory: folder.directory, isFolder: false, files: own, headers: folder.headers)
            if let narrowed = DriverEntryPoints.find(in: code, names: names).first(where: { $0.step.name == entry.step.name }) {
                units.append((code, narrowed))
            }
        }
        return units.map { code, entry in
            let (configurations, flagNotes) = FlagConfigurations.read(code, names: names)
            var reader = StepFunctionReader(code: code, entry: entry, names: names)
            let result = reader.read()
            var resets: [FeatureSet: [ResetBehaviour]] = [:]
            let valid = configurations.map { FeatureSet(rawValue: $0.flags) }.filter(names.model.isValid)
            for set in valid {
                resets[set] = entry.resets.map { reset in
                    ResetBehaviour.read(reset.function, entries: entry, code: code, names: names, flags: set.rawValue)
                }
            }
            let deferred = resets.values.contains { $0.contains { $0.deferredTo != nil } }
            // The folder's name for a folder given whole; else the file's,
            // unless it is `main.c` (then the folder's, as for a patch).
            let folderName = code.directory.split(separator: "/").last.map(String.init) ?? ""
            let file = code.file(entry.step.located).source.label ?? code.file(entry.step.located).path
            let stem = String((file.split(separator: "/").last ?? Substring(file)).split(separator: ".").first ?? "")
            var name = code.isFolder && !several ? folderName : stem
            if name == "main" || name.isEmpty { name = folderName.isEmpty || folderName == "." ? "driver" : folderName }
            var driver = DriverModel(name: Self.driverName(name), code: code, entry: entry, branches: result.branches,
                                     configurations: configurations, resets: resets, deferredReset: deferred,
                                     notes: entry.notes + result.notes + flagNotes, names: names)
            driver.refused = RefusedRequest.read(entry.setState, code: code)
            return driver
        }
    }

    /// A name the driver language reads: letters, digits, `-` and `_`.
    static func driverName(_ text: String) -> String {
        let cleaned = String(text.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" ? $0 : "-" })
        guard let first = cleaned.first, first.isLetter || first == "_" else { return "driver-" + cleaned }
        return cleaned
    }

    /// Every defect, in a fixed order: arcs by source order, then resets.
    public var defects: [Defect] {
        var found: [Defect] = []
        let handled = Set(branches.map(\.arc))
        for set in featureSets {
            for arc in PathTable(model: model, features: set).requiredArcs where !handled.contains(arc) {
                if !found.contains(.missing(arc)) { found.append(.missing(arc)) }
            }
        }
        let required = requiredArcs
        for branch in branches {
            let arc = branch.arc
            if branch.alwaysFails {
                if required.contains(arc) { found.append(.alwaysFails(arc)) }
                continue
            }
            if !branch.dropped.isEmpty || !branch.swallowed.isEmpty { found.append(.swallows(arc)) }
            if branch.endsSessionEarly != nil { found.append(.endsSessionEarly(arc)) }
            if !branch.leaks.isEmpty { found.append(.leaksSession(arc)) }
            guard required.contains(arc) else { continue }
            if model.endsSession(arc), model.states[arc.from].session != nil, !branch.releasesOnSuccess, !branch.successCallsUnseen {
                found.append(.keepsSession(arc))
            }
            if model.opensSession(arc), !branch.returnsFileSometimes { found.append(.returnsNoSession(arc)) }
            if !model.opensSession(arc), branch.returnsFileAlways, model.states[arc.to].session != nil {
                found.append(.returnsSession(arc))
            }
        }
        for set in featureSets {
            guard let resets = resets[set], !resets.isEmpty, !resets.contains(where: { $0.incomplete && !$0.restores }) else { continue }
            if !resets.contains(where: \.restoresState) {
                found.append(.resetKeepsState(set))
                found.append(.resetKeepsSession(set))
            } else if !resets.contains(where: \.restores) {
                found.append(.resetKeepsSession(set))
            }
        }
        return found
    }

    /// The arcs some feature set of the driver requires.
    public var requiredArcs: Set<Arc> {
        var arcs: Set<Arc> = []
        for set in featureSets { arcs.formUnion(PathTable(model: model, features: set).requiredArcs) }
        return arcs
    }

    /// The driver for `explore`: the arcs it handles with their faults,
    /// carrying the defects in `keeping` (all of them by default). Without
    /// a defect, a missing arc is there and every quirk is gone.
    public func description(keeping: Set<Defect>? = nil) -> DriverDescription {
        let keep = keeping ?? Set(defects)
        let all = Set(defects)
        var arcs = Set(branches.filter { !$0.alwaysFails || requiredArcs.contains($0.arc) }.map(\.arc))
        for case .missing(let arc) in all where !keep.contains(.missing(arc)) { arcs.insert(arc) }
        var faults: [Arc: FaultKinds] = [:]
        var quirks: [Arc: [ArcQuirk]] = [:]
        for branch in branches where arcs.contains(branch.arc) {
            let arc = branch.arc
            var kinds: FaultKinds = []
            if keep.contains(.alwaysFails(arc)) {
                quirks[arc, default: []].append(.alwaysFails)
                continue
            }
            if branch.canFail && !branch.alwaysFails { kinds.insert(.stays) }
            if branch.failsAfterSession && (model.opensSession(arc) || keep.contains(.returnsSession(arc))) {
                kinds.insert(.afterSession)
            }
            if keep.contains(.swallows(arc)) { kinds.insert(.swallowed) }
            if !kinds.isEmpty { faults[arc] = kinds }
            if keep.contains(.endsSessionEarly(arc)) {
                if !kinds.contains(.stays) { faults[arc, default: []].insert(.stays) }
                quirks[arc, default: []].append(.endsSessionEarly)
            }
            if keep.contains(.leaksSession(arc)) && kinds.contains(.afterSession) { quirks[arc, default: []].append(.leaksSessionOnFailure) }
            if keep.contains(.keepsSession(arc)) { quirks[arc, default: []].append(.keepsSession) }
            if keep.contains(.returnsNoSession(arc)) { quirks[arc, default: []].append(.returnsNoSession) }
            if keep.contains(.returnsSession(arc)) { quirks[arc, default: []].append(.returnsSession) }
        }
        var scoped: [FeatureSet: Set<DriverQuirk>] = [:]
        for defect in keep {
            switch defect {
            case .resetKeepsState(let set): scoped[set, default: []].insert(.resetKeepsState)
            case .resetKeepsSession(let set): scoped[set, default: []].insert(.resetKeepsSession)
            default: break
            }
        }
        return DriverDescription(
            name: name, featureSets: featureSets, lookup: .kernel, arcs: arcs, faults: faults,
            resetWhileLocked: deferredReset, arcQuirks: quirks, quirksByFeatures: scoped)
    }
}
