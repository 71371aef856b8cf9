/// One driver on one feature set compiled to its local transition table:
/// every device state reachable from a freshly opened device by any user
/// action and injected fault, numbered from 0 (the opened device), and for
/// each state and action slot every outcome in `DriverMachine`'s fixed
/// branch order (the next state, whether the user saw success, whether
/// data was written, the single-device properties broken).
///
/// Devices never touch each other's state, so a search over any number of
/// devices, under a free user or a policy, runs on these tables: a global
/// transition is a lookup here plus the replacement of one field of the
/// packed key. For that the table also keeps, per state, the distinct
/// successors over all actions one level further from the opened device
/// (what a free user reaches anew) and, per state
/// and slot, the distinct (next state, success, write) outcomes (what a
/// policy tells apart), each with the slot and ordinal of the first
/// outcome that produces it, plus the union of the properties broken and
/// the number of outcomes. Nothing here depends on what the device model
/// contains: a richer `DriverMachine` gives a bigger table.
public struct DeviceTable: Sendable {
    public let machine: DriverMachine
    /// Local state ID -> device; 0 is the freshly opened device.
    public let states: [DeviceState]
    /// Action slots: `DriverMachine.allActions`.
    public let actions: [UserAction]
    /// Outcomes of (state, slot) are `first[s * actions.count + a] ..< first[... + 1]`.
    public let first: [Int32]
    /// Per outcome: the next local state, or -1 when the request never returns.
    public let next: [Int32]
    /// Per outcome: the single-device properties broken, as bits of
    /// `ExploreProperty.allCases` indices.
    public let broken: [UInt32]
    /// Per outcome: whether the user saw success (a request) or a live
    /// session (an FD access).
    public let succeeded: [Bool]
    /// Per outcome: whether data was written into a live resuming session.
    public let wrote: [Bool]
    /// Per local state: its hardware state may initiate P2P DMA; is frozen;
    /// is frozen once data was written.
    public let initiator: [Bool]
    public let frozen: [Bool]
    public let frozenAfterWrite: [Bool]
    /// Bits a local state ID takes.
    public let idBits: Int

    /// Per local state: the fewest actions from the opened device.
    public let level: [Int32]
    /// Per local state `s`: its distinct successors one level further from
    /// the opened device, in the order of their first outcome, as
    /// `forwardNext[r]` with the local edge (slot and ordinal) of that
    /// outcome, `r` in `forwardStart[s] ..< forwardStart[s + 1]`. Under a
    /// free user the devices are independent, so a state of several devices
    /// is as many actions from the start as its devices' levels add up to:
    /// a successor that moves no device further is already stored, and only
    /// these need a lookup.
    let forwardStart: [Int32]
    let forwardNext: [Int32]
    let forwardEdge: [LocalEdge]
    /// Per local state: outcomes over all slots, and the properties they break.
    let outcomeCount: [Int32]
    let brokenByState: [UInt32]
    /// Per (state, slot): the distinct (next, success, write) outcomes in
    /// first-occurrence order, and the properties the slot's outcomes break.
    let groupStart: [Int32]
    let groupNext: [Int32]
    let groupSucceeded: [Bool]
    let groupWrote: [Bool]
    let groupOrdinal: [UInt32]
    let brokenBySlot: [UInt32]

    /// The slot of `.request(value)`; reads, resets and FD actions follow.
    public var readSlot: Int { machine.requestValues.count }
    public var resetSlot: Int { readSlot + 1 }
    public var closeSlot: Int { readSlot + 2 }
    public var accessSlot: Int { readSlot + 3 }

    /// `nil` when the device's states or outcomes do not fit the search's
    /// edge encoding (more than 2^20 outcomes of one action, more than 254
    /// actions, or more than 2^31 local states).
    public init?(machine: DriverMachine) {
        self.machine = machine
        let model = machine.model
        let actions = machine.allActions
        self.actions = actions
        guard actions.count < LocalEdge.skipSlot else { return nil }
        var idOf: [DeviceState: Int32] = [:]
        var states: [DeviceState] = [.opened(model)]
        var level: [Int32] = [0]
        idOf[states[0]] = 0
        var first: [Int32] = []
        var next: [Int32] = []
        var broken: [UInt32] = []
        var succeeded: [Bool] = []
        var wrote: [Bool] = []
        var propertyBit: [ExploreProperty: UInt32] = [:]
        for (index, property) in ExploreProperty.allCases.enumerated() { propertyBit[property] = 1 << UInt32(index) }
        var head = 0
        var fits = true
        while head < states.count && fits {
            let device = states[head]
            head += 1
            let available = machine.actions(for: device)
            for action in actions {
                first.append(Int32(next.count))
                guard available.contains(action) else { continue }
                let start = next.count
                machine.branches(of: device, action: action, record: false) { branch in
                    var bits: UInt32 = 0
                    for violation in branch.violations { bits |= propertyBit[violation.property] ?? 0 }
                    broken.append(bits)
                    var ok = false
                    var wroteNow = false
                    switch branch.result {
                    case .success: ok = true
                    case .access(let kind, let live):
                        ok = live
                        wroteNow = live && kind == .resuming
                    default: break
                    }
                    succeeded.append(ok)
                    wrote.append(wroteNow)
                    guard let after = branch.after else {
                        next.append(-1)
                        return
                    }
                    if let id = idOf[after] {
                        next.append(id)
                    } else {
                        let id = Int32(truncatingIfNeeded: states.count)
                        idOf[after] = id
                        states.append(after)
                        level.append(level[head - 1] + 1)
                        next.append(id)
                    }
                }
                if next.count - start >= LocalEdge.ordinalLimit || states.count >= Int(Int32.max) { fits = false }
            }
        }
        guard fits else { return nil }
        first.append(Int32(next.count))
        self.states = states
        self.level = level
        self.first = first
        self.next = next
        self.broken = broken
        self.succeeded = succeeded
        self.wrote = wrote
        let initiators = Set(model.p2pInitiators)
        initiator = states.map { initiators.contains($0.hardware) }
        frozen = states.map { device in model.frozen.contains { $0.state == device.hardware && !$0.afterWrite } }
        frozenAfterWrite = states.map { device in model.frozen.contains { $0.state == device.hardware && $0.afterWrite } }
        idBits = bitsFor(states.count)

        let slots = actions.count
        var forwardStart: [Int32] = []
        var forwardNext: [Int32] = []
        var forwardEdge: [LocalEdge] = []
        var outcomeCount: [Int32] = []
        var brokenByState: [UInt32] = []
        var groupStart: [Int32] = []
        var groupNext: [Int32] = []
        var groupSucceeded: [Bool] = []
        var groupWrote: [Bool] = []
        var groupOrdinal: [UInt32] = []
        var brokenBySlot: [UInt32] = []
        var seen = [Int32](repeating: -1, count: states.count)
        for state in states.indices {
            forwardStart.append(Int32(forwardNext.count))
            var union: UInt32 = 0
            for slot in 0..<slots {
                let low = Int(first[state * slots + slot]), high = Int(first[state * slots + slot + 1])
                groupStart.append(Int32(groupNext.count))
                let groupBase = groupNext.count
                var slotUnion: UInt32 = 0
                for outcome in low..<high {
                    slotUnion |= broken[outcome]
                    let to = next[outcome]
                    let ordinal = UInt32(outcome - low)
                    if to >= 0 && level[Int(to)] == level[state] + 1 && seen[Int(to)] != Int32(state) {
                        seen[Int(to)] = Int32(state)
                        forwardNext.append(to)
                        forwardEdge.append(LocalEdge(slot: slot, ordinal: ordinal))
                    }
                    let isNew = !(groupBase..<groupNext.count).contains {
                        groupNext[$0] == to && groupSucceeded[$0] == succeeded[outcome] && groupWrote[$0] == wrote[outcome]
                    }
                    if isNew {
                        groupNext.append(to)
                        groupSucceeded.append(succeeded[outcome])
                        groupWrote.append(wrote[outcome])
                        groupOrdinal.append(ordinal)
                    }
                }
                brokenBySlot.append(slotUnion)
                union |= slotUnion
            }
            outcomeCount.append(first[(state + 1) * slots] - first[state * slots])
            brokenByState.append(union)
        }
        forwardStart.append(Int32(forwardNext.count))
        groupStart.append(Int32(groupNext.count))
        self.forwardStart = forwardStart
        self.forwardNext = forwardNext
        self.forwardEdge = forwardEdge
        self.outcomeCount = outcomeCount
        self.brokenByState = brokenByState
        self.groupStart = groupStart
        self.groupNext = groupNext
        self.groupSucceeded = groupSucceeded
        self.groupWrote = groupWrote
        self.groupOrdinal = groupOrdinal
        self.brokenBySlot = brokenBySlot
    }

    /// The outcome range of `action` (a slot) in local state `state`.
    @inline(__always)
    public func outcomes(_ state: Int, _ action: Int) -> Range<Int> {
        let index = state * actions.count + action
        return Int(first[index])..<Int(first[index + 1])
    }

    /// The slot of a request for `state`'s value.
    public func requestSlot(_ state: StateID) -> Int {
        let value = machine.model.states[state].value
        return machine.requestValues.firstIndex(of: value) ?? 0
    }

    /// Transitions of the table: every outcome of every action.
    public var transitions: Int { next.count }
}

/// One outcome of a device's table as a search edge records it: the action
/// slot (`skipSlot`: a policy step that fails without touching the device)
/// and the outcome's ordinal within the slot.
struct LocalEdge: Sendable, Equatable {
    var bits: UInt32

    static let skipSlot = 255
    static let ordinalLimit = 1 << 20

    init(slot: Int, ordinal: UInt32) {
        bits = UInt32(truncatingIfNeeded: slot) & 0xFF | ordinal << 8
    }

    init(bits: UInt32) { self.bits = bits }

    var slot: Int { Int(bits & 0xFF) }
    var ordinal: Int { Int(bits >> 8) }
}
