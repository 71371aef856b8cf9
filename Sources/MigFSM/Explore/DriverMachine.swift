/// How the user keeps the data FDs requests hand back.
public enum UserFDHolding: Hashable, Sendable {
    /// A free user: a newly handed FD replaces (and closes) the one held.
    case keepsLast
    /// QEMU: the user holds its FD until it closes it; an FD handed back
    /// while it holds one is closed at once ("data_fd out of sync",
    /// `-EBADF`, `vfio_migration_set_state()`).
    case keepsFirst
}

/// One driver running on a device with one feature set: the standard
/// set_state loop of DOMAIN.md section 6 over the driver's lookup, its step
/// function (the arcs it implements, their faults, quirks and hardware
/// effects), the validation of a resumed stream, the deferred reset, the
/// data sessions and their streams, resets that may fail, closing and
/// reopening the device, and the user's FD.
///
/// `branches(of:action:record:_:)` yields every way one user action can turn
/// out, one `Branch` per combination of injected faults.
public struct DriverMachine: Sendable {
    public let model: MigrationProtocol
    public let features: FeatureSet
    public let driver: DriverDescription
    /// How the user keeps the FDs it is handed.
    public let holding: UserFDHolding
    /// The spec's table for `features`: what the properties promise.
    public let table: PathTable
    /// The values the user requests: every state's, then one out of range.
    public let requestValues: [UInt32]

    let checks: PropertyChecks
    let count: Int
    /// The driver's own table when it uses the spec lookup (the spec's,
    /// unless the driver ignores blocked requests).
    let driverTable: PathTable
    let kernel: KernelTable?
    let stateByValue: [UInt32: StateID]
    /// `count * count` entries, indexed `from * count + to`.
    let implemented: [Bool]
    let faults: [FaultKinds]
    let quirks: [[ArcQuirk]]
    /// Per arc: the quirks as flags, and `records`/`rolls-back-to` targets (-1: none).
    let arcFlags: [ArcFlags]
    let recordsState: [Int32]
    let rollbackState: [Int32]
    /// Per arc: whether it opens / ends a session by the spec; whether it
    /// leaves RESUMING's session, which validates the data written.
    let opens: [Bool]
    let ends: [Bool]
    let validates: [Bool]
    /// Per arc: what its hardware command does besides moving the device.
    let effects: [ArcEffects]
    /// Per state: its session kind.
    let sessionOf: [SessionKind?]
    let quirkSet: Set<DriverQuirk>
    let errorState: StateID
    let resetState: StateID

    struct ArcFlags: OptionSet {
        var rawValue: UInt16
        static let ignores = ArcFlags(rawValue: 1 << 0)
        static let keepsSession = ArcFlags(rawValue: 1 << 1)
        static let returnsNoSession = ArcFlags(rawValue: 1 << 2)
        static let returnsSession = ArcFlags(rawValue: 1 << 3)
        static let leaks = ArcFlags(rawValue: 1 << 4)
        static let endsSessionEarly = ArcFlags(rawValue: 1 << 5)
        static let alwaysFails = ArcFlags(rawValue: 1 << 6)
        static let acceptsTruncated = ArcFlags(rawValue: 1 << 7)
        static let acceptsInvalid = ArcFlags(rawValue: 1 << 8)
    }

    /// Fails only when the driver uses the kernel lookup and the state
    /// values are too large for a kernel table.
    public init?(model: MigrationProtocol, features: FeatureSet, driver: DriverDescription,
                 holding: UserFDHolding = .keepsLast) {
        self.model = model
        self.features = features
        self.driver = driver
        self.holding = holding
        let table = PathTable(model: model, features: features)
        self.table = table
        checks = PropertyChecks(model: model, table: table)
        let count = model.states.count
        self.count = count
        let driverQuirks = driver.quirks(on: features)
        quirkSet = driverQuirks
        var driverModel = model
        if driverQuirks.contains(.ignoresBlocked) {
            driverModel.blocked = []
            driverModel.blockedInOrder = []
        }
        driverTable = driverQuirks.contains(.ignoresBlocked)
            ? PathTable(model: driverModel, features: features) : table
        if driver.lookup != .spec {
            guard let kernel = KernelTable(paths: PathTable(model: driverModel, features: model.allFeatures)) else {
                return nil
            }
            self.kernel = kernel
        } else {
            kernel = nil
        }
        var byValue: [UInt32: StateID] = [:]
        for (id, state) in model.states.enumerated() { byValue[state.value] = id }
        stateByValue = byValue
        let values = model.statesByValue.map { model.states[$0].value }
        requestValues = values + [(values.max() ?? 0) &+ 1]

        var implemented = [Bool](repeating: false, count: count * count)
        for arc in driver.arcs { implemented[arc.from * count + arc.to] = true }
        if driver.implementsRequired {
            for set in driver.featureSets {
                for arc in PathTable(model: model, features: set).requiredArcs {
                    implemented[arc.from * count + arc.to] = true
                }
            }
        }
        self.implemented = implemented
        var faults = [FaultKinds](repeating: driver.faultsOfAllArcs, count: count * count)
        for (arc, kinds) in driver.faults { faults[arc.from * count + arc.to].formUnion(kinds) }
        self.faults = faults
        var quirks = [[ArcQuirk]](repeating: [], count: count * count)
        for (arc, list) in driver.arcQuirks { quirks[arc.from * count + arc.to] = list }
        self.quirks = quirks
        var effects = [ArcEffects](repeating: [], count: count * count)
        for (arc, kinds) in driver.effects { effects[arc.from * count + arc.to] = kinds }
        self.effects = effects
        var flags = [ArcFlags](repeating: [], count: count * count)
        var records = [Int32](repeating: -1, count: count * count)
        var rollback = [Int32](repeating: -1, count: count * count)
        var opens = [Bool](repeating: false, count: count * count)
        var ends = [Bool](repeating: false, count: count * count)
        var validates = [Bool](repeating: false, count: count * count)
        for from in 0..<count {
            for to in 0..<count {
                let index = from * count + to
                opens[index] = model.opensSession(Arc(from, to))
                ends[index] = model.endsSession(Arc(from, to))
                validates[index] = ends[index] && model.states[from].session == .resuming
                for quirk in quirks[index] {
                    switch quirk {
                    case .ignoresHardwareFailure: flags[index].insert(.ignores)
                    case .keepsSession: flags[index].insert(.keepsSession)
                    case .returnsNoSession: flags[index].insert(.returnsNoSession)
                    case .returnsSession: flags[index].insert(.returnsSession)
                    case .leaksSessionOnFailure: flags[index].insert(.leaks)
                    case .records(let state): records[index] = Int32(state)
                    case .rollsBackTo(let state): rollback[index] = Int32(state)
                    case .endsSessionEarly: flags[index].insert(.endsSessionEarly)
                    case .alwaysFails: flags[index].insert(.alwaysFails)
                    case .acceptsTruncatedStream: flags[index].insert(.acceptsTruncated)
                    case .acceptsInvalidStream: flags[index].insert(.acceptsInvalid)
                    }
                }
            }
        }
        arcFlags = flags
        recordsState = records
        rollbackState = rollback
        self.opens = opens
        self.ends = ends
        self.validates = validates
        sessionOf = model.states.map(\.session)
        errorState = model.errorState
        resetState = model.resetState
    }

    /// Every action, in the fixed order of `actions(for:)`, then the
    /// policy-only ones: the alphabet a `DeviceTable` numbers its action
    /// slots by.
    public var allActions: [UserAction] {
        requestValues.map(UserAction.request)
            + [.readState, .reset, .closeFD, .accessFD, .reopen, .readToEnd, .writeStream]
    }

    /// The actions a free user can take on `device`, in a fixed order:
    /// requests by value, read the state, reset, then (holding an FD)
    /// close it and read or write it, then close and reopen the device.
    public func actions(for device: DeviceState) -> [UserAction] {
        var actions = requestValues.map(UserAction.request)
        actions.append(.readState)
        actions.append(.reset)
        if device.userFD != .none {
            actions.append(.closeFD)
            actions.append(.accessFD)
        }
        actions.append(.reopen)
        return actions
    }

    /// Whether a policy step's `action` (`readToEnd`, `writeStream`) can be
    /// taken on `device`: the user holds an FD of the right kind.
    public func policyActionAvailable(_ action: UserAction, on device: DeviceState) -> Bool {
        switch action {
        case .readToEnd: return device.userFD.kind == .saving
        case .writeStream: return device.userFD.kind == .resuming
        default: return actions(for: device).contains(action)
        }
    }

    /// Every outcome of `action` on `device`, in a fixed order (no fault
    /// before faults, earlier arcs' faults first). With `record`, each
    /// branch carries its trace events.
    public func branches(of device: DeviceState, action: UserAction, record: Bool, _ body: (Branch) -> Void) {
        switch action {
        case .request(let value):
            for resetArrives in driver.resetWhileLocked ? [false, true] : [false] {
                let request = Request(
                    value: value, target: stateByValue[value], origin: device, resetArrives: resetArrives, record: record)
                var run = Run(device: device)
                if record && resetArrives {
                    run.events.append(TraceEvent(.fault,
                        "a device reset arrives while set_state holds the state mutex; the driver defers it to the unlock",
                        cause: .resetWhileLocked))
                }
                step(run, request, body)
            }
        case .readState:
            body(Branch(after: device, result: .read(device.recorded), flags: .succeeded))
        case .reset:
            resetBranches(device, record: record, body)
        case .reopen:
            reopen(device, record: record, body)
        case .closeFD:
            var after = device
            after.userFD = .none
            body(Branch(after: after.normalized(), result: .done, flags: .succeeded))
        case .accessFD, .readToEnd, .writeStream:
            streamBranches(device, action, record: record, body)
        }
    }

    /// `success, new saving FD`, `fails`, `reads STOP (1)`.
    public func describe(_ result: ActionResult) -> String {
        switch result {
        case .success(nil): return "success"
        case .success(let kind?): return "success, new \(kind.rawValue) FD"
        case .failure: return "fails"
        case .hang: return "never returns"
        case .read(let state): return "reads \(describe(value: model.states[state].value))"
        case .done: return "done"
        case .resetFailed: return "fails: the reset failed"
        case .stream(let stream):
            switch stream {
            case .data: return "the read returns data"
            case .endOfStream: return "the read returns 0: end of stream"
            case .noMessage: return "the read fails with ENOMSG: no data for now"
            case .dataToEnd: return "the reads return data, then 0: end of stream"
            case .dataToNoMessage: return "the reads return data, if any, then fail with ENOMSG: no data for now"
            case .dataToEarlyNoMessage: return "the reads fail with ENOMSG before the end of stream"
            case .wrotePart: return "the write is accepted: part of the stream"
            case .wroteRest: return "the write is accepted: the rest of the stream"
            case .wroteInvalid: return "the write is accepted: data that is no valid stream"
            case .streamWritten: return "the stream is written"
            case .ended: return "fails: the session has ended"
            }
        }
    }

    /// `request STOP (1)`, `reset the device`, `read the saving FD`.
    public func describe(_ action: UserAction, on device: DeviceState) -> String {
        switch action {
        case .request(let value): return "request \(describe(value: value))"
        case .readState: return "read the state"
        case .reset: return "reset the device"
        case .closeFD: return "close the \(device.userFD.kind?.rawValue ?? "") FD"
        case .accessFD:
            let kind = device.userFD.kind ?? .saving
            return kind == .saving ? "read the saving FD" : "write into the resuming FD"
        case .reopen: return "close the device and open it again"
        case .readToEnd: return "read the saving FD to its end"
        case .writeStream: return "write the whole stream into the resuming FD"
        }
    }

    func name(_ state: StateID) -> String { model.states[state].name }

    func describe(value: UInt32) -> String {
        if let state = stateByValue[value] { return "\(model.states[state].name) (\(value))" }
        return "value \(value) (out of range)"
    }

    func has(_ quirk: DriverQuirk) -> Bool { quirkSet.contains(quirk) }

    func endSession(_ kind: SessionKind, _ device: inout DeviceState, _ events: inout [TraceEvent], record: Bool) {
        guard device.hasSession(kind) else { return }
        device.setSession(kind, false)
        if device.userFD == .driver(kind) { device.userFD = .detached(kind, live: false) }
        if record { events.append(TraceEvent(.session, "the \(kind.rawValue) session ends")) }
    }
}
