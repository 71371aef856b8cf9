/// A property of several devices in one VM, checked by `MultiExplorer`.
public enum MultiProperty: Hashable, Sendable, Comparable {
    /// A single-device property, on any device.
    case device(ExploreProperty)
    /// No device is frozen while a peer may initiate P2P DMA (spec's
    /// `frozen` and `p2p-initiator`).
    case p2pSafety
    /// After every policy step the policy's belief is the device's state.
    case beliefConsistency

    public var name: String {
        switch self {
        case .device(let property): return property.name
        case .p2pSafety: return "p2p-safety"
        case .beliefConsistency: return "belief-consistency"
        }
    }

    public var summary: String {
        switch self {
        case .device(let property): return property.summary + " (on every device)"
        case .p2pSafety:
            return "no device is in a frozen state while a peer is in a state that may initiate P2P DMA"
        case .beliefConsistency:
            return "after every policy step the policy's own copy of the device state is the state the device records"
        }
    }

    var order: Int {
        switch self {
        case .p2pSafety: return 0
        case .beliefConsistency: return 1
        case .device(let property): return 2 + ExploreProperty.allCases.firstIndex(of: property)!
        }
    }

    public static func < (lhs: MultiProperty, rhs: MultiProperty) -> Bool { lhs.order < rhs.order }
}

/// One device of a VM: which driver and feature set it runs.
public struct DeviceSetup: Sendable {
    public var driver: DriverDescription
    /// The driver file, or `nil` for the default driver.
    public var driverPath: String?
    public var features: FeatureSet

    public init(driver: DriverDescription, driverPath: String?, features: FeatureSet) {
        self.driver = driver
        self.driverPath = driverPath
        self.features = features
    }

    /// Devices with equal identities are interchangeable.
    var identity: String { (driverPath ?? "default") + "#\(features.rawValue)" }
}

/// Breadth-first search over several devices in one VM, driven by a free
/// user (any action on any device at any time) or by a `Policy`, with the
/// same fault injection as single-device exploration.
///
/// A state is a fixed-width key: per device its local state in its
/// `DeviceTable`, a written bit (data written to a resuming session, when
/// P2P safety is checked) and the policy's belief; with a policy, one more
/// word for where the policy is. With a free user, devices with the same
/// driver and feature set are interchangeable and the key is canonical
/// (their slots sorted) unless symmetry reduction is off.
public struct MultiExplorer: Sendable {
    public let model: MigrationProtocol
    public let devices: [DeviceSetup]
    public let policy: Policy?
    /// Distinct tables and each device's table.
    public let tables: [DeviceTable]
    public let tableOf: [Int]
    public let symmetry: Bool
    /// Whether P2P safety is checked (a policy, and a spec declaring it).
    public let checksP2P: Bool
    let slotBits: Int
    let slotsPerWord: Int
    let deviceWords: Int
    public let stride: Int
    let idBits: Int
    let beliefBits: Int
    /// Device indices per interchangeability class (free user only).
    let classes: [[Int]]

    /// The most devices a search takes.
    public static let maximumDevices = 12
    /// The edge slot of a policy step that fails without touching the device.
    static let skipSlot = 63

    /// `nil` when a driver's kernel lookup cannot be built, or the devices
    /// do not fit a key.
    public init?(model: MigrationProtocol, devices: [DeviceSetup], policy: Policy?, symmetry: Bool = true) {
        guard !devices.isEmpty, devices.count <= Self.maximumDevices else { return nil }
        self.model = model
        self.devices = devices
        self.policy = policy
        var identities: [String: Int] = [:]
        var tables: [DeviceTable] = []
        var tableOf: [Int] = []
        for device in devices {
            if let index = identities[device.identity] {
                tableOf.append(index)
                continue
            }
            guard let machine = DriverMachine(model: model, features: device.features, driver: device.driver) else { return nil }
            identities[device.identity] = tables.count
            tableOf.append(tables.count)
            tables.append(DeviceTable(machine: machine))
        }
        self.tables = tables
        self.tableOf = tableOf
        self.symmetry = symmetry && policy == nil
        checksP2P = policy != nil && model.declaresP2P
        idBits = tables.map(\.idBits).max() ?? 1
        var bits = 1
        while (1 << bits) < model.states.count { bits += 1 }
        beliefBits = policy == nil ? 0 : bits
        slotBits = idBits + 1 + beliefBits
        guard slotBits <= 32 else { return nil }
        slotsPerWord = 64 / slotBits
        deviceWords = (devices.count + slotsPerWord - 1) / slotsPerWord
        stride = deviceWords + (policy == nil ? 0 : 1)
        var classes: [[Int]] = []
        for table in tables.indices {
            let members = tableOf.indices.filter { tableOf[$0] == table }
            if members.count > 1 { classes.append(members) }
        }
        self.classes = classes
    }

    // MARK: - Key layout

    @inline(__always)
    func slot(_ key: [UInt64], _ device: Int) -> UInt64 {
        let shift = UInt64((device % slotsPerWord) * slotBits)
        return (key[device / slotsPerWord] >> shift) & ((1 << UInt64(slotBits)) - 1)
    }

    @inline(__always)
    func setSlot(_ key: inout [UInt64], _ device: Int, _ value: UInt64) {
        let shift = UInt64((device % slotsPerWord) * slotBits)
        let mask = ((UInt64(1) << UInt64(slotBits)) - 1) << shift
        let word = device / slotsPerWord
        key[word] = key[word] & ~mask | (value << shift)
    }

    @inline(__always) func localID(_ slot: UInt64) -> Int { Int(slot & ((1 << UInt64(idBits)) - 1)) }
    @inline(__always) func written(_ slot: UInt64) -> Bool { (slot >> UInt64(idBits)) & 1 == 1 }
    @inline(__always) func belief(_ slot: UInt64) -> StateID { Int(slot >> UInt64(idBits + 1)) }

    @inline(__always)
    func makeSlot(id: Int, written: Bool, belief: StateID) -> UInt64 {
        UInt64(id) | (written ? 1 << UInt64(idBits) : 0) | (UInt64(belief) << UInt64(idBits + 1))
    }

    /// Sorts the slots of each class of interchangeable devices.
    func canonicalize(_ key: inout [UInt64]) {
        guard symmetry else { return }
        // Insertion sort in place: one slot changed since the key was
        // canonical, and classes hold at most a dozen devices.
        for members in classes {
            for i in 1..<members.count {
                let value = slot(key, members[i])
                var j = i
                while j > 0 {
                    let previous = slot(key, members[j - 1])
                    if previous <= value { break }
                    setSlot(&key, members[j], previous)
                    j -= 1
                }
                if j != i { setSlot(&key, members[j], value) }
            }
        }
    }

    /// Which device of `key` is canonical device `index`: within a class,
    /// devices ordered by slot value, ties by position.
    func actualDevice(_ key: [UInt64], canonical index: Int) -> Int {
        guard symmetry, let members = classes.first(where: { $0.contains(index) }) else { return index }
        let order = members.sorted { (slot(key, $0), $0) < (slot(key, $1), $1) }
        return order[members.firstIndex(of: index)!]
    }

    // MARK: - The policy's position (one word)

    /// Where the policy is: the event, phase, device and step line, the
    /// recovery stage, whether a request of the event failed, whether the
    /// failure event runs, whether the policy is done.
    struct Position: Equatable {
        var event = 0
        var phase = 0
        var device = 0
        var step = 0
        /// 0: the step's action; 1: the recover request; 2: the reset.
        var stage = 0
        var failed = false
        var inFailure = false
        var done = false

        var word: UInt64 {
            UInt64(event) | UInt64(phase) << 8 | UInt64(device) << 9 | UInt64(step) << 16 | UInt64(stage) << 28
                | (failed ? 1 << 30 : 0) | (inFailure ? 1 << 31 : 0) | (done ? 1 << 32 : 0)
        }

        init() {}

        init(_ word: UInt64) {
            event = Int(word & 0xFF)
            phase = Int(word >> 8 & 1)
            device = Int(word >> 9 & 0x7F)
            step = Int(word >> 16 & 0xFFF)
            stage = Int(word >> 28 & 3)
            failed = word >> 30 & 1 == 1
            inFailure = word >> 31 & 1 == 1
            done = word >> 32 & 1 == 1
        }
    }

    func position(_ key: [UInt64]) -> Position { Position(key[stride - 1]) }

    /// The first applicable step at or after `position` (stage 0), moving
    /// through devices, phases and events; done when none is left.
    func settle(_ start: Position, _ key: [UInt64]) -> Position {
        guard let policy else { return start }
        var at = start
        at.stage = 0
        while !at.done {
            let event = policy.events[at.event]
            while at.phase < 2 {
                while at.device < devices.count {
                    let phase: PolicyStep.Phase = at.phase == 0 ? .prepare : .main
                    let features = devices[at.device].features
                    let believed = belief(slot(key, at.device))
                    if let index = event.steps.firstIndex(where: {
                        $0.phase == phase && $0.applies(features: features, belief: believed)
                    }) {
                        at.step = index
                        return at
                    }
                    at.device += 1
                }
                at.phase += 1
                at.device = 0
            }
            // The event is over.
            at.phase = 0
            at.device = 0
            at.step = 0
            if at.inFailure {
                at.done = true
            } else if at.failed, let failure = policy.failureEvent {
                at.event = failure
                at.inFailure = true
                at.failed = false
            } else if let next = policy.events.indices.first(where: { $0 > at.event && !policy.events[$0].onFailure }) {
                at.event = next
            } else {
                at.done = true
            }
        }
        at.event = 0
        at.step = 0
        at.failed = false
        at.inFailure = false
        return at
    }

    /// The initial key: every device freshly opened, believed `assume`d.
    public func initialKey() -> [UInt64] {
        var key = [UInt64](repeating: 0, count: stride)
        let assumed = policy?.assumed ?? 0
        for device in devices.indices { setSlot(&key, device, makeSlot(id: 0, written: false, belief: assumed)) }
        if let policy {
            var start = Position()
            start.event = policy.events.firstIndex { !$0.onFailure } ?? 0
            if policy.events.allSatisfy(\.onFailure) { start.done = true }
            key[stride - 1] = settle(start, key).word
        }
        return key
    }

    // MARK: - Transitions

    /// What the policy does next: the device, the action slot, and the
    /// step, or `nil` when it is done.
    func policyAction(_ key: [UInt64]) -> (device: Int, slot: Int, step: PolicyStep, position: Position)? {
        guard let policy else { return nil }
        let at = position(key)
        if at.done { return nil }
        let step = policy.events[at.event].steps[at.step]
        let table = tables[tableOf[at.device]]
        let id = localID(slot(key, at.device))
        let slotIndex: Int
        switch (at.stage, step.action) {
        case (2, _): slotIndex = table.resetSlot
        case (1, .request(_, let recover)): slotIndex = table.requestSlot(recover)
        case (_, .request(let target, _)): slotIndex = table.requestSlot(target)
        case (_, .write), (_, .read):
            slotIndex = table.outcomes(id, table.accessSlot).isEmpty ? Self.skipSlot : table.accessSlot
        }
        return (at.device, slotIndex, step, at)
    }

    /// Applies outcome `outcome` (an index into the device's table, or -1
    /// for the policy's skip) of `slot` on `device`. Returns the new key
    /// (not canonical), or `nil` when the request never returns, and
    /// whether the policy's belief disagrees with the device after a step.
    func apply(_ key: [UInt64], device: Int, slot slotIndex: Int, outcome: Int, into next: inout [UInt64]) -> (alive: Bool, beliefBroken: Bool) {
        let table = tables[tableOf[device]]
        let old = slot(key, device)
        var id = localID(old)
        var wasWritten = written(old)
        var believed = belief(old)
        var ok = false
        if outcome >= 0 {
            let to = Int(table.next[outcome])
            if to < 0 { return (false, false) }
            id = to
            ok = table.succeeded[outcome]
            if checksP2P {
                wasWritten = (wasWritten || table.wrote[outcome]) && table.states[id].resumingSession
            }
        }
        for index in 0..<stride { next[index] = key[index] }
        guard let policy else {
            setSlot(&next, device, makeSlot(id: id, written: wasWritten, belief: 0))
            return (true, false)
        }
        var at = position(key)
        let step = policy.events[at.event].steps[at.step]
        var complete = false
        switch (at.stage, step.action) {
        case (2, _):
            believed = policy.resetAssumes
            at.failed = true
            complete = true
        case (1, .request(_, let recover)):
            if ok {
                believed = recover
                at.failed = true
                complete = true
            } else {
                at.stage = 2
            }
        case (_, .request(let target, let recover)):
            if ok {
                believed = target
                complete = true
            } else {
                at.stage = recover == model.errorState ? 2 : 1
            }
        case (_, .write), (_, .read):
            if !ok { at.failed = true }
            complete = true
        }
        setSlot(&next, device, makeSlot(id: id, written: wasWritten, belief: believed))
        var broken = false
        if complete {
            broken = believed != table.states[id].recorded
            at.stage = 0
            at.device += 1
            at = settle(at, next)
        }
        next[stride - 1] = at.word
        return (true, broken)
    }

    /// Whether some device is frozen while a peer may initiate P2P DMA.
    func p2pBroken(_ key: [UInt64]) -> Bool {
        var frozen = false
        var initiators = 0
        for device in devices.indices {
            let table = tables[tableOf[device]]
            let value = slot(key, device)
            let id = localID(value)
            if table.initiator[id] { initiators += 1 }
            if table.frozen[id] || (table.frozenAfterWrite[id] && written(value)) { frozen = true }
        }
        return frozen && initiators > 0
    }

    // MARK: - Search

    /// How a state was first reached: device (canonical), action slot,
    /// outcome ordinal within the slot.
    struct Edge {
        var device: Int
        var slot: Int
        var ordinal: Int

        var packed: UInt32 { UInt32(device) | UInt32(slot) << 5 | UInt32(ordinal) << 11 }
        init(device: Int, slot: Int, ordinal: Int) {
            self.device = device
            self.slot = slot
            self.ordinal = ordinal
        }
        init(_ packed: UInt32) {
            device = Int(packed & 31)
            slot = Int(packed >> 5 & 63)
            ordinal = Int(packed >> 11)
        }
    }

    /// Progress of a long search: states stored, states per second, queue.
    public typealias Progress = (_ states: Int, _ perSecond: Double, _ queue: Int) -> Void

    public func run(maxStates: Int? = nil, progress: Progress? = nil) -> MultiExploration {
        let clock = ContinuousClock()
        let started = clock.now
        var lastReport = started
        var visited = VisitedSet(stride: stride, capacity: min(maxStates ?? (1 << 16), 1 << 24))
        var parents: [Int32] = [-1]
        var edges: [UInt32] = [0]
        var depths: [Int32] = [0]
        var found: [MultiProperty: (source: Int, edge: UInt32)] = [:]
        var transitions = 0
        var incomplete = false
        var initial = initialKey()
        canonicalize(&initial)
        _ = initial.withUnsafeBufferPointer { visited.insert($0) }
        var next = [UInt64](repeating: 0, count: stride)
        var head = 0
        var key = [UInt64](repeating: 0, count: stride)
        search: while head < visited.count {
            let source = head
            for index in 0..<stride { key[index] = visited.words[source * stride + index] }
            head += 1
            if let progress, head & 0x3FFF == 0 {
                let now = clock.now
                if now - lastReport > .milliseconds(500) {
                    lastReport = now
                    let seconds = Self.seconds(now - started)
                    progress(visited.count, Double(visited.count) / max(seconds, 1e-9), visited.count - head)
                }
            }
            func visit(_ device: Int, _ slotIndex: Int, _ ordinal: Int, _ outcome: Int, _ broken: UInt16) -> Bool {
                transitions += 1
                if broken != 0 {
                    for (bit, property) in ExploreProperty.allCases.enumerated() where broken & (1 << UInt16(bit)) != 0 {
                        if found[.device(property)] == nil {
                            found[.device(property)] = (source, Edge(device: device, slot: slotIndex, ordinal: ordinal).packed)
                        }
                    }
                }
                let (alive, beliefBroken) = apply(key, device: device, slot: slotIndex, outcome: outcome, into: &next)
                let edge = Edge(device: device, slot: slotIndex, ordinal: ordinal).packed
                if beliefBroken && found[.beliefConsistency] == nil { found[.beliefConsistency] = (source, edge) }
                guard alive else { return true }
                canonicalize(&next)
                if next == key { return true }
                let (position, inserted) = next.withUnsafeBufferPointer { visited.insert($0) }
                if inserted {
                    parents.append(Int32(source))
                    edges.append(edge)
                    depths.append(depths[source] + 1)
                    if checksP2P && found[.p2pSafety] == nil && p2pBroken(next) {
                        found[.p2pSafety] = (source, edge)
                    }
                    if let maxStates, position + 1 > maxStates {
                        return false
                    }
                }
                return true
            }
            if policy != nil {
                guard let action = policyAction(key) else { continue }
                if action.slot == Self.skipSlot {
                    if !visit(action.device, action.slot, 0, -1, 0) { incomplete = true; break search }
                    continue
                }
                let table = tables[tableOf[action.device]]
                let range = table.outcomes(localID(slot(key, action.device)), action.slot)
                for (ordinal, outcome) in range.enumerated() {
                    if !visit(action.device, action.slot, ordinal, outcome, table.broken[outcome]) {
                        incomplete = true
                        break search
                    }
                }
                continue
            }
            // A free user: the fast path, straight on the tables.
            for device in devices.indices {
                let value = slot(key, device)
                if symmetry && device > 0 && tableOf[device - 1] == tableOf[device] && slot(key, device - 1) == value {
                    continue
                }
                let tableIndex = tableOf[device]
                let actionCount = tables[tableIndex].actions.count
                let id = localID(value)
                let stop = tables[tableIndex].first.withUnsafeBufferPointer { first in
                    tables[tableIndex].next.withUnsafeBufferPointer { nextState in
                        tables[tableIndex].broken.withUnsafeBufferPointer { broken in
                            for slotIndex in 0..<actionCount {
                                let low = Int(first[id * actionCount + slotIndex])
                                let high = Int(first[id * actionCount + slotIndex + 1])
                                for outcome in low..<high {
                                    transitions += 1
                                    let edge = Edge(device: device, slot: slotIndex, ordinal: outcome - low).packed
                                    let bits = broken[outcome]
                                    if bits != 0 {
                                        for (bit, property) in ExploreProperty.allCases.enumerated()
                                        where bits & (1 << UInt16(bit)) != 0 && found[.device(property)] == nil {
                                            found[.device(property)] = (source, edge)
                                        }
                                    }
                                    let to = Int(nextState[outcome])
                                    if to < 0 || to == id { continue }
                                    for index in 0..<stride { next[index] = key[index] }
                                    setSlot(&next, device, UInt64(to))
                                    canonicalize(&next)
                                    let (position, inserted) = next.withUnsafeBufferPointer { visited.insert($0) }
                                    if inserted {
                                        parents.append(Int32(source))
                                        edges.append(edge)
                                        depths.append(depths[source] + 1)
                                        if let maxStates, position + 1 > maxStates { return true }
                                    }
                                }
                            }
                            return false
                        }
                    }
                }
                if stop {
                    incomplete = true
                    break search
                }
            }
        }
        let seconds = Self.seconds(clock.now - started)
        var counterexamples: [MultiCounterexample] = []
        for property in found.keys.sorted() {
            guard let entry = found[property] else { continue }
            var path: [UInt32] = [entry.edge]
            var node = entry.source
            while node > 0 {
                path.append(edges[node])
                node = Int(parents[node])
            }
            counterexamples.append(counterexample(property, Array(path.reversed())))
        }
        return MultiExploration(
            states: visited.count, transitions: transitions, depth: Int(depths.last ?? 0),
            counterexamples: counterexamples, incomplete: incomplete, queue: visited.count - head,
            seconds: seconds)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    // MARK: - Traces

    /// Every device and the policy's beliefs in a key.
    public func describe(_ key: [UInt64]) -> [String] {
        devices.indices.map { device in
            let value = slot(key, device)
            let table = tables[tableOf[device]]
            var text = ExploreReport.describe(table.states[localID(value)], model)
            if checksP2P && written(value) { text += ", data written" }
            if policy != nil { text += "; believed \(model.states[belief(value)].name)" }
            return text
        }
    }

    /// Replays `path` from the initial key (not canonical: device numbers
    /// stay put), recording what each step did.
    func counterexample(_ property: MultiProperty, _ path: [UInt32]) -> MultiCounterexample {
        let start = initialKey()
        var key = start
        var next = key
        var steps: [MultiTraceStep] = []
        var message = ""
        for (number, packed) in path.enumerated() {
            let edge = Edge(packed)
            var canonical = key
            canonicalize(&canonical)
            let device = actualDevice(key, canonical: edge.device)
            let table = tables[tableOf[device]]
            let id = localID(slot(key, device))
            var policyText: String?
            if let policy {
                let at = position(key)
                let step = policy.events[at.event].steps[at.step]
                policyText = "policy: event \(policy.events[at.event].name), \(step.phase.rawValue), line \(step.line)"
                    + (at.stage == 1 ? ": the request failed; the recover request" : at.stage == 2 ? ": recovery failed or none; reset and assume \(model.states[policy.resetAssumes].name)" : "")
            }
            if edge.slot == Self.skipSlot {
                _ = apply(key, device: device, slot: edge.slot, outcome: -1, into: &next)
                steps.append(MultiTraceStep(
                    number: number + 1, device: device, policy: policyText,
                    action: "the policy has no data FD to use", events: [], result: "the step fails", after: describe(next)))
                key = next
                continue
            }
            let range = table.outcomes(id, edge.slot)
            let outcome = range.lowerBound + edge.ordinal
            let action = table.actions[edge.slot]
            var taken: Branch?
            var ordinal = 0
            table.machine.branches(of: table.states[id], action: action, record: true) { branch in
                if ordinal == edge.ordinal { taken = branch }
                ordinal += 1
            }
            let (alive, beliefBroken) = apply(key, device: device, slot: edge.slot, outcome: outcome, into: &next)
            let isLast = number == path.count - 1
            if isLast {
                switch property {
                case .device(let single):
                    message = taken?.violations.first { $0.property == single }?.message ?? ""
                case .beliefConsistency:
                    if beliefBroken {
                        let value = slot(next, device)
                        message = "the policy believes device \(device + 1) is \(model.states[belief(value)].name), but it records \(model.states[table.states[localID(value)].recorded].name)"
                    }
                case .p2pSafety:
                    message = p2pMessage(next)
                }
            }
            steps.append(MultiTraceStep(
                number: number + 1, device: device, policy: policyText,
                action: table.machine.describe(action, on: table.states[id]), events: taken?.events ?? [],
                result: taken.map { table.machine.describe($0.result) } ?? "", after: alive ? describe(next) : nil))
            if !alive { break }
            key = next
        }
        return MultiCounterexample(property: property, message: message, start: describe(start), steps: steps)
    }

    func p2pMessage(_ key: [UInt64]) -> String {
        var frozen: [String] = []
        var initiators: [String] = []
        for device in devices.indices {
            let table = tables[tableOf[device]]
            let value = slot(key, device)
            let state = table.states[localID(value)]
            let name = "device \(device + 1) in \(model.states[state.hardware].name)"
            if table.initiator[localID(value)] { initiators.append(name) }
            if table.frozen[localID(value)] { frozen.append(name) }
            if table.frozenAfterWrite[localID(value)] && written(value) { frozen.append(name + " after data was written") }
        }
        return frozen.joined(separator: ", ") + " must not change, while " + initiators.joined(separator: ", ")
            + " may initiate P2P DMA"
    }
}

/// What one several-device search found.
public struct MultiExploration: Sendable {
    /// States stored (canonical ones under symmetry reduction).
    public var states: Int
    public var transitions: Int
    public var depth: Int
    /// One shortest counterexample per violated property, in property order.
    public var counterexamples: [MultiCounterexample]
    /// The search stopped at `--max-states`.
    public var incomplete: Bool
    /// States still queued when the search stopped.
    public var queue: Int
    public var seconds: Double

    public var violations: Int { counterexamples.count }
}

/// A shortest trace across devices to a transition breaking `property`.
public struct MultiCounterexample: Sendable {
    public var property: MultiProperty
    public var message: String
    /// Each device at the start.
    public var start: [String]
    public var steps: [MultiTraceStep]
}

/// One action of a several-device trace.
public struct MultiTraceStep: Sendable {
    public var number: Int
    public var device: Int
    /// Which policy line asked for the action (with a policy).
    public var policy: String?
    public var action: String
    public var events: [TraceEvent]
    public var result: String
    /// Every device afterwards; `nil` when the request never returns.
    public var after: [String]?
}
