/// Several devices in one VM, driven by a free user (any action on any
/// device at any time) or by a `Policy`, with the same fault injection as
/// single-device exploration: the engine (`BreadthFirstSearch`) on a
/// `FreeUserSystem` or a policy system over the devices' `DeviceTable`s
/// (one per distinct driver and feature set).
///
/// Devices with the same driver and feature set are interchangeable. Under
/// a free user the key is kept canonical (their fields sorted) unless
/// symmetry reduction is off. Under a policy the devices are ordered, so
/// the reduction explores `SymmetricPolicySystem` instead: the policy
/// taking the devices of a class in any order, which reaches the same
/// verdicts with traces of the same lengths; each trace is then replayed
/// in the policy's own order (see docs/multi-device.md for why that is
/// sound).
public struct MultiExplorer: Sendable {
    public let model: MigrationProtocol
    public let devices: [DeviceSetup]
    public let policy: Policy?
    /// Distinct tables and each device's table.
    public let tables: [DeviceTable]
    public let tableOf: [Int]
    /// Whether symmetry reduction was asked for.
    public let symmetry: Bool
    /// Whether p2p-safety is checked (a policy, and a spec declaring it).
    public let checksP2P: Bool
    /// Device indices per class of interchangeable devices (two or more).
    let classes: [[Int]]

    /// The most devices a search takes.
    public static let maximumDevices = 12

    /// `nil` when a driver's kernel lookup cannot be built, a driver's
    /// table does not fit a search, or there are no or too many devices.
    public init?(model: MigrationProtocol, devices: [DeviceSetup], policy: Policy?, symmetry: Bool = true) {
        guard !devices.isEmpty, devices.count <= Self.maximumDevices else { return nil }
        self.model = model
        self.devices = devices
        self.policy = policy
        var identities: [String: Int] = [:]
        var tables: [DeviceTable] = []
        var tableOf: [Int] = []
        let holding: UserFDHolding = policy?.holdsFD == true ? .keepsFirst : .keepsLast
        for device in devices {
            if let index = identities[device.identity] {
                tableOf.append(index)
                continue
            }
            guard let machine = DriverMachine(model: model, features: device.features, driver: device.driver,
                                              holding: holding),
                  let table = DeviceTable(machine: machine) else { return nil }
            identities[device.identity] = tables.count
            tableOf.append(tables.count)
            tables.append(table)
        }
        self.tables = tables
        self.tableOf = tableOf
        self.symmetry = symmetry
        checksP2P = policy != nil && model.declaresP2P
        var classes: [[Int]] = []
        for table in tables.indices {
            let members = tableOf.indices.filter { tableOf[$0] == table }
            if members.count > 1 { classes.append(members) }
        }
        self.classes = classes
        guard policy == nil ? FreeUserSearch.fits(devices: devices.count, tables: tables) : OrderedPolicySearch.fits(self)
        else { return nil }
    }

    /// Whether the search reduces by symmetry: asked for, with devices to
    /// interchange.
    public var reducesBySymmetry: Bool { symmetry && !classes.isEmpty }

    /// Searches with `maxStates` and `progress` on one thread.
    public func run(maxStates: Int? = nil, progress: ((Int, Double, Int) -> Void)? = nil) -> MultiExploration {
        run(options: SearchOptions(maxStates: maxStates, progress: progress))
    }

    /// The devices lacking what the policy's `several-devices-need` asks
    /// for, when it refuses this VM.
    public var refusal: [Int]? { policy?.refusal(devices) }

    /// `device 1 and device 2 lack P2P`, when the policy refuses this VM.
    public var refusalReason: String? {
        guard let lacking = refusal, let needed = policy?.severalDevicesNeed else { return nil }
        let names = lacking.map { "device \($0 + 1)" }
        let list = names.count == 1 ? names[0] : names.dropLast().joined(separator: ", ") + " and " + (names.last ?? "")
        let features = model.featureNames(needed).joined(separator: " | ")
        return "\(list) \(names.count == 1 ? "lacks" : "lack") \(features)"
    }

    public func run(options: SearchOptions) -> MultiExploration {
        if let lacking = refusal {
            return MultiExploration(states: 0, transitions: 0, depth: 0, counterexamples: [], incomplete: false,
                                    queue: 0, statistics: SearchStatistics(), reduced: false, refusedFor: lacking)
        }
        let flat = DeviceTables(tables: tables, tableOf: tableOf)
        if policy != nil {
            if reducesBySymmetry {
                switch SymmetricPolicySearch.run(self, flat, options) {
                case .found(let reduced): return reduced
                case .notReplayed:
                    var ordered = OrderedPolicySearch.run(self, flat, options)
                    ordered.redoneInOrder = true
                    return ordered
                case .doesNotFit: break
                }
            }
            return OrderedPolicySearch.run(self, flat, options)
        }
        // A free user cannot tell bisimilar device states apart: with the
        // reduction on, the search runs on merged tables.
        var searched = flat
        var lifting: FreeUserSearch.Lifting?
        if symmetry {
            let merged = tables.map { $0.merged() }
            searched = DeviceTables(tables: merged.map(\.table), tableOf: tableOf)
            lifting = FreeUserSearch.Lifting(tables: tables, classOf: merged.map(\.classOf))
        }
        guard let result = FreeUserSearch.run(
            tables: searched, devices: devices.count, classes: classes, symmetric: reducesBySymmetry, options: options,
            lifting: lifting)
        else {
            return MultiExploration(states: 0, transitions: 0, depth: 0, counterexamples: [], incomplete: false,
                                    queue: 0, statistics: SearchStatistics(), reduced: false)
        }
        let counterexamples = result.traces.compactMap { trace -> MultiCounterexample? in
            guard let property = MultiProperty(searchBit: trace.property), case .device(let single) = property else {
                return nil
            }
            let steps = trace.steps.enumerated().map { number, step in
                MultiTraceStep(number: number + 1, device: step.device, policy: nil, action: step.actionText,
                               events: step.events, result: step.result,
                               after: step.after.map { $0.map { DeviceSnapshot(state: $0) } })
            }
            let message = trace.steps.last?.violations.first { $0.property == single }?.message ?? ""
            return MultiCounterexample(property: property, message: message,
                                       start: result.start.map { DeviceSnapshot(state: $0) }, steps: steps)
        }
        let outcome = result.outcome
        return MultiExploration(
            states: outcome.states, transitions: outcome.transitions, depth: outcome.depth,
            counterexamples: counterexamples.sorted { $0.property < $1.property }, incomplete: outcome.incomplete,
            queue: outcome.queued, statistics: outcome.statistics, reduced: reducesBySymmetry,
            mergedStates: lifting == nil ? nil : zip(tables, searched.tables).map { ($0.freeStates, $1.freeStates) })
    }
}
