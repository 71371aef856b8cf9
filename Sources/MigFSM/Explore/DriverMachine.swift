/// One driver running on a device with one feature set: the standard
/// set_state loop of DOMAIN.md section 6 over the driver's lookup, its step
/// function (the arcs it implements, their faults and quirks), the deferred
/// reset, the data sessions, and the user's FD.
///
/// `branches(of:action:record:_:)` yields every way one user action can turn
/// out, one `Branch` per combination of injected faults.
public struct DriverMachine: Sendable {
    public let model: MigrationProtocol
    public let features: FeatureSet
    public let driver: DriverDescription
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
    /// Per arc: whether it opens / ends a session by the spec.
    let opens: [Bool]
    let ends: [Bool]
    /// Per state: its session kind.
    let sessionOf: [SessionKind?]
    let refusalReturnsSuccess: Bool
    let errorRecovers: Bool
    let resetKeepsState: Bool
    let resetKeepsSession: Bool
    let errorState: StateID
    let resetState: StateID

    struct ArcFlags: OptionSet {
        var rawValue: UInt8
        static let ignores = ArcFlags(rawValue: 1 << 0)
        static let keepsSession = ArcFlags(rawValue: 1 << 1)
        static let returnsNoSession = ArcFlags(rawValue: 1 << 2)
        static let returnsSession = ArcFlags(rawValue: 1 << 3)
        static let leaks = ArcFlags(rawValue: 1 << 4)
        static let endsSessionEarly = ArcFlags(rawValue: 1 << 5)
        static let alwaysFails = ArcFlags(rawValue: 1 << 6)
    }

    /// Fails only when the driver uses the kernel lookup and the state
    /// values are too large for a kernel table.
    public init?(model: MigrationProtocol, features: FeatureSet, driver: DriverDescription) {
        self.model = model
        self.features = features
        self.driver = driver
        let table = PathTable(model: model, features: features)
        self.table = table
        checks = PropertyChecks(model: model, table: table)
        let count = model.states.count
        self.count = count
        let driverQuirks = driver.quirks(on: features)
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
        var flags = [ArcFlags](repeating: [], count: count * count)
        var records = [Int32](repeating: -1, count: count * count)
        var rollback = [Int32](repeating: -1, count: count * count)
        var opens = [Bool](repeating: false, count: count * count)
        var ends = [Bool](repeating: false, count: count * count)
        for from in 0..<count {
            for to in 0..<count {
                let index = from * count + to
                opens[index] = model.opensSession(Arc(from, to))
                ends[index] = model.endsSession(Arc(from, to))
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
                    }
                }
            }
        }
        arcFlags = flags
        recordsState = records
        rollbackState = rollback
        self.opens = opens
        self.ends = ends
        sessionOf = model.states.map(\.session)
        refusalReturnsSuccess = driverQuirks.contains(.refusalReturnsSuccess)
        errorRecovers = driverQuirks.contains(.errorRecoversOnRequest)
        resetKeepsState = driverQuirks.contains(.resetKeepsState)
        resetKeepsSession = driverQuirks.contains(.resetKeepsSession)
        errorState = model.errorState
        resetState = model.resetState
    }

    /// Every action the user has, in the fixed order of `actions(for:)`:
    /// the alphabet a `DeviceTable` numbers its action slots by.
    public var allActions: [UserAction] {
        requestValues.map(UserAction.request) + [.readState, .reset, .closeFD, .accessFD]
    }

    /// The actions the user can take on `device`, in a fixed order:
    /// requests by value, read the state, reset, then (holding an FD)
    /// close it and read or write it.
    public func actions(for device: DeviceState) -> [UserAction] {
        var actions = requestValues.map(UserAction.request)
        actions.append(.readState)
        actions.append(.reset)
        if device.userFD != .none {
            actions.append(.closeFD)
            actions.append(.accessFD)
        }
        return actions
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
                        "a device reset arrives while set_state holds the state mutex; the driver defers it to the unlock"))
                }
                step(run, request, body)
            }
        case .readState:
            body(Branch(after: device, result: .read(device.recorded), violations: [], events: []))
        case .reset:
            var after = device
            var events: [TraceEvent] = []
            applyReset(&after, &events, record: record)
            body(Branch(after: after, result: .done, violations: checks.reset(after), events: events))
        case .closeFD:
            var after = device
            after.userFD = .none
            body(Branch(after: after, result: .done, violations: [], events: []))
        case .accessFD:
            switch device.userFD {
            case .none:
                break
            case .driver(let kind), .detached(let kind, live: true):
                body(Branch(after: device, result: .access(kind, live: true), violations: [], events: []))
            case .detached(let kind, live: false):
                body(Branch(after: device, result: .access(kind, live: false), violations: [], events: []))
            }
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
        case .access(let kind, let live):
            if !live { return "fails: the session has ended" }
            return kind == .saving ? "the read returns data" : "the write is accepted"
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
            return kind == .saving ? "read the saving FD" : "write the resuming FD"
        }
    }

    // MARK: - The set_state loop

    struct Request {
        var value: UInt32
        var target: StateID?
        var origin: DeviceState
        var resetArrives: Bool
        var record: Bool
    }

    /// One branch of a request in progress.
    struct Run {
        var device: DeviceState
        var steps = 0
        /// The FD the last step returned.
        var fd: SessionKind?
        var failed = false
        var hung = false
        /// Whether a step put a new session in a driver slot.
        var replaced = false
        var events: [TraceEvent] = []
        var violations: [Violation] = []
    }

    enum Lookup {
        case next(StateID)
        case refused(String)
        case hangs(String)
    }

    func name(_ state: StateID) -> String { model.states[state].name }

    func describe(value: UInt32) -> String {
        if let state = stateByValue[value] { return "\(model.states[state].name) (\(value))" }
        return "value \(value) (out of range)"
    }

    func lookup(_ current: StateID, _ request: Request) -> Lookup {
        if let kernel {
            let flags = features.rawValue, value = model.states[current].value
            let outcome: KernelTable.Outcome
            switch driver.lookup {
            case .kernelUnguarded:
                outcome = kernel.lookup(flags: flags, current: value, requested: request.value, loop: .unguarded)
            case .kernel:
                outcome = kernel.lookup(flags: flags, current: value, requested: request.value)
            case .spec, .generated:
                outcome = kernel.generatedLookup(flags: flags, current: value, requested: request.value)
            }
            switch outcome {
            case .next(let value, _):
                guard let state = stateByValue[value] else { return .refused("the table names value \(value)") }
                return .next(state)
            case .refused:
                return .refused("vfio_mig_get_next_state() returns -EINVAL")
            case .cycle(let visited):
                let names = visited.map { stateByValue[$0].map(name) ?? "value \($0)" }
                return .hangs("its skip loop reads " + names.joined(separator: " -> ") + " -> ... forever")
            }
        }
        guard let target = request.target else { return .refused("the value is out of range") }
        switch driverTable.next(from: current, to: target) {
        case .success(let next): return .next(next)
        case .failure(let refusal): return .refused(refusal.explanation)
        }
    }

    /// `while (new_state != mig_state)`: one iteration, branching on the
    /// arc's outcomes. Text is built only when recording or on a violation.
    func step(_ start: Run, _ request: Request, _ body: (Branch) -> Void) {
        var run = start
        if let target = request.target, run.device.recorded == target {
            finish(run, request, body)
            return
        }
        let current = run.device.recorded
        if errorRecovers && current == errorState {
            if request.record {
                run.events.append(TraceEvent(.quirk,
                    "error-recovers-on-request: the driver reinitialises the device to \(name(resetState)) without a reset"))
            }
            run.device.recorded = resetState
            run.device.hardware = resetState
            step(run, request, body)
            return
        }
        func asked() -> String { request.target.map(name) ?? "value \(request.value)" }
        switch lookup(current, request) {
        case .refused(let why):
            if request.record { run.events.append(TraceEvent(.refusal, "the lookup refuses \(name(current)) -> \(asked()): \(why)")) }
            if refusalReturnsSuccess {
                if request.record {
                    run.events.append(TraceEvent(.quirk,
                        "refusal-returns-success: the loop breaks out without setting an error"))
                }
            } else {
                run.failed = true
            }
            finish(run, request, body)
        case .hangs(let why):
            run.violations.append(Violation(.requestBounded,
                "the lookup for \(name(current)) -> \(asked()) never returns"))
            if request.record {
                run.events.append(TraceEvent(.warning, "the lookup for \(name(current)) -> \(asked()) never returns: \(why)"))
            }
            run.hung = true
            finish(run, request, body)
        case .next(let next):
            if run.steps >= count {
                run.violations.append(Violation(.requestBounded,
                    "request \(asked()) from \(name(request.origin.recorded)) has performed \(run.steps) arcs and is in \(name(current)), not done"))
                run.hung = true
                finish(run, request, body)
                return
            }
            run.steps += 1
            let index = current * count + next
            guard implemented[index] else {
                let arc = model.describe(Arc(current, next))
                run.violations.append(Violation(.driverArcsImplemented,
                    "the driver is asked for \(arc), which its step function does not implement"))
                if request.record {
                    run.events.append(TraceEvent(.warning,
                        "\(arc): WARN_ON: the step function does not implement the arc; -EINVAL"))
                }
                run.failed = true
                finish(run, request, body)
                return
            }
            let arc = Arc(current, next)
            if arcFlags[index].contains(.alwaysFails) {
                let text = model.describe(arc)
                run.violations.append(Violation(.driverArcsImplemented,
                    "the driver is asked for \(text), which its step function always fails"))
                if request.record {
                    run.events.append(TraceEvent(.quirk, "always-fails: every path of the step for \(text) returns an error"))
                }
                run.failed = true
                finish(run, request, body)
                return
            }
            if run.device.hardware == errorState {
                if perform(.stuck, arc, index, &run, request) { step(run, request, body) } else { finish(run, request, body) }
                return
            }
            let kinds = faults[index]
            var branch = run
            if perform(.ok, arc, index, &branch, request) { step(branch, request, body) } else { finish(branch, request, body) }
            if kinds.contains(.stays) {
                branch = run
                if perform(.stays, arc, index, &branch, request) { step(branch, request, body) } else { finish(branch, request, body) }
            }
            if kinds.contains(.error) {
                branch = run
                if perform(.error, arc, index, &branch, request) { step(branch, request, body) } else { finish(branch, request, body) }
            }
            if kinds.contains(.afterSession) && creates(index) {
                branch = run
                if perform(.afterSession, arc, index, &branch, request) { step(branch, request, body) } else { finish(branch, request, body) }
            }
            if kinds.contains(.swallowed) {
                branch = run
                if perform(.swallowed, arc, index, &branch, request) { step(branch, request, body) } else { finish(branch, request, body) }
            }
        }
    }

    func quirks(of arc: Arc) -> [ArcQuirk] { quirks[arc.from * count + arc.to] }

    func creates(_ index: Int) -> Bool {
        opens[index] || arcFlags[index].contains(.returnsSession)
    }

    /// Performs one arc with `outcome`; returns whether the loop goes on.
    func perform(_ outcome: StepOutcome, _ arc: Arc, _ index: Int, _ run: inout Run, _ request: Request) -> Bool {
        let flags = arcFlags[index]
        let record = request.record
        switch outcome {
        case .ok:
            if record { run.events.append(TraceEvent(.arc, model.describe(arc))) }
            return complete(arc, index, &run, request, hardware: arc.to)
        case .stays, .stuck:
            if record {
                run.events.append(TraceEvent(.fault, outcome == .stays
                    ? "\(model.describe(arc)): injected fault: the hardware command fails; the device stays in \(name(arc.from))"
                    : "\(model.describe(arc)): the hardware is in \(name(errorState)) and fails the command"))
            }
            if flags.contains(.ignores) {
                if record {
                    run.events.append(TraceEvent(.quirk,
                        "ignores-hardware-failure: the step returns success; the driver records \(name(arc.to))"))
                }
                return complete(arc, index, &run, request, hardware: run.device.hardware)
            }
            if flags.contains(.endsSessionEarly), ends[index], let kind = sessionOf[arc.from] {
                if record {
                    run.events.append(TraceEvent(.quirk,
                        "ends-session-early: the step ended the \(kind.rawValue) session before the command that failed"))
                }
                endSession(kind, &run, record: record)
            }
            if rollbackState[index] >= 0 {
                let state = Int(rollbackState[index])
                if record {
                    run.events.append(TraceEvent(.quirk, "rolls-back-to \(name(state)): the driver moves the device to \(name(state))"))
                }
                run.device.recorded = state
                if run.device.hardware != errorState { run.device.hardware = state }
                for kind in SessionKind.allCases where sessionOf[state] != kind {
                    endSession(kind, &run, record: record)
                }
            }
            run.failed = true
            return false
        case .error:
            if record {
                run.events.append(TraceEvent(.fault,
                    "\(model.describe(arc)): injected fault: the arc fails and leaves the device in \(name(errorState))"))
            }
            run.device.hardware = errorState
            if flags.contains(.ignores) {
                if record {
                    run.events.append(TraceEvent(.quirk,
                        "ignores-hardware-failure: the step returns success; the driver records \(name(arc.to))"))
                }
                return complete(arc, index, &run, request, hardware: errorState)
            }
            run.device.recorded = errorState
            if flags.contains(.keepsSession) {
                if record { run.events.append(TraceEvent(.quirk, "keeps-session: the driver does not end the sessions")) }
            } else {
                for kind in SessionKind.allCases { endSession(kind, &run, record: record) }
            }
            run.failed = true
            return false
        case .swallowed:
            if record {
                run.events.append(TraceEvent(.fault,
                    "\(model.describe(arc)): injected fault: a command of the step fails, and the step never learns it; it returns success, the driver records \(name(arc.to)), the device stays in \(name(arc.from))"))
            }
            return complete(arc, index, &run, request, hardware: run.device.hardware)
        case .afterSession:
            let kind = sessionOf[arc.to] ?? .saving
            if record {
                run.events.append(TraceEvent(.fault,
                    "\(model.describe(arc)): injected fault: the step creates its \(kind.rawValue) session, then fails"))
            }
            if flags.contains(.leaks) {
                if record {
                    run.events.append(TraceEvent(.quirk,
                        "leaks-session-on-failure: the driver does not release the new session"))
                }
                run.violations.append(Violation(.noSessionLeak,
                    "the \(kind.rawValue) session created by \(model.describe(arc)) stays live after the step failed"))
            } else if record {
                run.events.append(TraceEvent(.session, "the driver releases the new \(kind.rawValue) session"))
            }
            run.failed = true
            return false
        }
    }

    /// The software side of an arc that the driver counts as done: end the
    /// old session, open the new one, record the new state, and check the
    /// FD against the loop's rule. Returns whether the loop goes on.
    func complete(_ arc: Arc, _ index: Int, _ run: inout Run, _ request: Request, hardware: StateID) -> Bool {
        let flags = arcFlags[index]
        let record = request.record
        if ends[index], let kind = sessionOf[arc.from] {
            if flags.contains(.keepsSession) {
                if record {
                    run.events.append(TraceEvent(.quirk, "keeps-session: the \(kind.rawValue) session stays live"))
                }
            } else {
                endSession(kind, &run, record: record)
            }
        }
        var returned: SessionKind?
        if creates(index), let kind = sessionOf[arc.to] {
            if run.device.hasSession(kind) {
                run.violations.append(Violation(.noSessionLeak,
                    "\(model.describe(arc)) replaces the driver's live \(kind.rawValue) session without ending it"))
                if run.device.userFD == .driver(kind) { run.device.userFD = .detached(kind, live: true) }
            }
            run.device.setSession(kind, true)
            run.replaced = true
            if flags.contains(.returnsNoSession) {
                if record {
                    run.events.append(TraceEvent(.quirk,
                        "returns-no-session: the step creates a \(kind.rawValue) session but returns no FD"))
                }
            } else {
                returned = kind
                if record && !opens[index] {
                    run.events.append(TraceEvent(.quirk,
                        "returns-session: the step opens a new \(kind.rawValue) session and returns its FD"))
                }
            }
        }
        run.device.hardware = hardware
        run.device.recorded = arc.to
        if recordsState[index] >= 0 {
            let state = Int(recordsState[index])
            if record {
                run.events.append(TraceEvent(.quirk, "records \(name(state)): the driver records \(name(state))"))
            }
            run.device.recorded = state
        }
        run.fd = returned
        if let kind = returned, request.target != run.device.recorded {
            let asked = request.target.map(name) ?? "value \(request.value)"
            run.violations.append(Violation(.noIntermediateSession,
                "\(model.describe(arc)) returns a new \(kind.rawValue) FD, but the request goes on to \(asked)"))
            if record {
                run.events.append(TraceEvent(.warning,
                    "WARN_ON: an FD from an intermediate step; the loop drops it and fails with -EINVAL"))
            }
            run.fd = nil
            run.failed = true
            return false
        }
        return true
    }

    func endSession(_ kind: SessionKind, _ run: inout Run, record: Bool) {
        guard run.device.hasSession(kind) else { return }
        run.device.setSession(kind, false)
        if run.device.userFD == .driver(kind) { run.device.userFD = .detached(kind, live: false) }
        if record { run.events.append(TraceEvent(.session, "the \(kind.rawValue) session ends")) }
    }

    /// The driver's reset handling: the reset state, every session ended.
    func applyReset(_ device: inout DeviceState, _ events: inout [TraceEvent], record: Bool) {
        device.hardware = resetState
        if resetKeepsState {
            if record { events.append(TraceEvent(.quirk, "reset-keeps-state: the driver keeps recording \(name(device.recorded))")) }
        } else {
            device.recorded = resetState
        }
        if resetKeepsSession {
            if record { events.append(TraceEvent(.quirk, "reset-keeps-session: the sessions stay live")) }
            return
        }
        for kind in SessionKind.allCases where device.hasSession(kind) {
            device.setSession(kind, false)
            if device.userFD == .driver(kind) { device.userFD = .detached(kind, live: false) }
            if record { events.append(TraceEvent(.session, "the \(kind.rawValue) session ends")) }
        }
    }

    /// The end of set_state: unlock (applying a deferred reset), return.
    func finish(_ start: Run, _ request: Request, _ body: (Branch) -> Void) {
        var run = start
        if run.hung {
            body(Branch(after: nil, result: .hang, violations: run.violations, events: run.events))
            return
        }
        let succeeded = !run.failed
        if succeeded, let kind = run.fd { run.device.userFD = .driver(kind) }
        let result: ActionResult = succeeded ? .success(run.fd) : .failure
        var violations = run.violations
        violations += checks.request(
            value: request.value, target: request.target, origin: request.origin, after: run.device,
            succeeded: succeeded, fd: succeeded ? run.fd : nil, sessionReplaced: run.replaced)
        if request.resetArrives {
            if request.record { run.events.append(TraceEvent(.reset, "unlock: the deferred reset is applied")) }
            applyReset(&run.device, &run.events, record: request.record)
            violations += checks.reset(run.device)
        }
        body(Branch(after: run.device, result: result, violations: violations, events: run.events))
    }
}
