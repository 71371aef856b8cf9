/// One driver on one feature set compiled to its local transition table:
/// every device state reachable from a freshly opened device by any user
/// action and injected fault, numbered from 0 (the opened device), and for
/// each state and action slot every outcome in `DriverMachine`'s fixed
/// branch order (the next state, what a policy tells apart of it, the
/// single-device properties broken).
///
/// Devices never touch each other's state, so a search over any number of
/// devices, under a free user or a policy, runs on these tables: a global
/// transition is a lookup here plus the replacement of one field of the
/// packed key. For that the table also keeps, per state, the distinct
/// successors over all actions one level further from the opened device
/// (what a free user reaches anew) and, per state
/// and slot, the distinct (next state, flags) outcomes (what a policy
/// tells apart), each with the slot and ordinal of the first
/// outcome that produces it, plus the union of the properties broken and
/// the number of outcomes. Nothing here depends on what the device model
/// contains: a richer `DriverMachine` gives a bigger table.
public struct DeviceTable: Sendable {
    public let machine: DriverMachine
    /// Local state ID -> device; 0 is the freshly opened device.
    public let states: [DeviceState]
    /// Action slots: `DriverMachine.allActions`; the first `freeSlots` are
    /// a free user's, the rest a policy's steps (reads to the end, whole
    /// streams), made of free actions.
    public let actions: [UserAction]
    public let freeSlots: Int
    /// Outcomes of (state, slot) are `first[s * actions.count + a] ..< first[... + 1]`.
    public let first: [Int32]
    /// Per outcome: the next local state, or -1 when the request never returns.
    public let next: [Int32]
    /// Per outcome: the single-device properties broken, as bits of
    /// `ExploreProperty.allCases` indices.
    public let broken: [UInt32]
    /// Per outcome: what a policy tells apart besides the next state.
    public let flags: [OutcomeFlags]
    /// Per local state: its hardware state may initiate P2P DMA; is frozen;
    /// is frozen once data was written.
    public let initiator: [Bool]
    public let frozen: [Bool]
    public let frozenAfterWrite: [Bool]
    /// Bits a local state ID takes.
    public let idBits: Int

    /// Per local state: the fewest free actions from the opened device.
    public let level: [Int32]
    /// Per local state `s`: its distinct successors one level further from
    /// the opened device by free actions, in the order of their first
    /// outcome, as `forwardNext[r]` with the local edge (slot and ordinal)
    /// of that outcome, `r` in `forwardStart[s] ..< forwardStart[s + 1]`.
    /// Under a free user the devices are independent, so a state of several
    /// devices is as many actions from the start as its devices' levels add
    /// up to: a successor that moves no device further is already stored,
    /// and only these need a lookup.
    let forwardStart: [Int32]
    let forwardNext: [Int32]
    let forwardEdge: [LocalEdge]
    /// Per local state: outcomes over the free slots, and the properties they break.
    let outcomeCount: [Int32]
    let brokenByState: [UInt32]
    /// Per (state, slot): the distinct (next, flags) outcomes in
    /// first-occurrence order, and the properties the slot's outcomes break.
    let groupStart: [Int32]
    let groupNext: [Int32]
    let groupFlags: [OutcomeFlags]
    let groupOrdinal: [UInt32]
    let brokenBySlot: [UInt32]

    /// The slot of `.request(value)`; reads, resets and FD actions follow.
    public var readSlot: Int { machine.requestValues.count }
    public var resetSlot: Int { readSlot + 1 }
    public var closeSlot: Int { readSlot + 2 }
    public var accessSlot: Int { readSlot + 3 }
    public var reopenSlot: Int { readSlot + 4 }
    public var readToEndSlot: Int { readSlot + 5 }
    public var writeStreamSlot: Int { readSlot + 6 }

    /// `nil` when the device's states or outcomes do not fit the search's
    /// edge encoding (more than 2^20 outcomes of one action, more than 254
    /// actions, or more than 2^31 local states).
    public init?(machine: DriverMachine) {
        let model = machine.model
        let actions = machine.allActions
        let freeSlots = actions.firstIndex { !$0.isFree } ?? actions.count
        guard actions.count < LocalEdge.policySlot else { return nil }
        var idOf: [DeviceState: Int32] = [:]
        var states: [DeviceState] = [.opened(model)]
        idOf[states[0]] = 0
        var first: [Int32] = []
        var next: [Int32] = []
        var broken: [UInt32] = []
        var flags: [OutcomeFlags] = []
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
                if action.isFree {
                    guard available.contains(action) else { continue }
                } else {
                    guard machine.policyActionAvailable(action, on: device) else { continue }
                }
                let start = next.count
                machine.branches(of: device, action: action, record: false) { branch in
                    var bits: UInt32 = 0
                    for violation in branch.violations { bits |= propertyBit[violation.property] ?? 0 }
                    broken.append(bits)
                    flags.append(branch.flags)
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
                        next.append(id)
                    }
                }
                if next.count - start >= LocalEdge.ordinalLimit || states.count >= Int(Int32.max) { fits = false }
            }
        }
        guard fits else { return nil }
        first.append(Int32(next.count))
        self.init(machine: machine, actions: actions, freeSlots: freeSlots, states: states, first: first, next: next,
                  broken: broken, flags: flags)
    }

    /// The table of these states and outcomes, with everything derived
    /// from them (levels, successors one level further, policy groups).
    private init(machine: DriverMachine, actions: [UserAction], freeSlots: Int, states: [DeviceState], first: [Int32],
                 next: [Int32], broken: [UInt32], flags: [OutcomeFlags]) {
        self.machine = machine
        self.actions = actions
        self.freeSlots = freeSlots
        let model = machine.model
        self.states = states
        self.first = first
        self.next = next
        self.broken = broken
        self.flags = flags
        let initiators = Set(model.p2pInitiators)
        initiator = states.map { initiators.contains($0.hardware) && !$0.disabled }
        frozen = states.map { device in model.frozen.contains { $0.state == device.hardware && !$0.afterWrite } }
        frozenAfterWrite = states.map { device in model.frozen.contains { $0.state == device.hardware && $0.afterWrite } }
        idBits = bitsFor(states.count)

        // Levels by free actions only: what a free user needs.
        let slots = actions.count
        let unreached = Int32.max / 2
        var level = [Int32](repeating: unreached, count: states.count)
        level[0] = 0
        var queue = [0]
        var cursor = 0
        while cursor < queue.count {
            let state = queue[cursor]
            cursor += 1
            let low = Int(first[state * slots]), high = Int(first[state * slots + freeSlots])
            for outcome in low..<high {
                let to = Int(next[outcome])
                if to >= 0 && level[to] == unreached {
                    level[to] = level[state] + 1
                    queue.append(to)
                }
            }
        }
        self.level = level

        var forwardStart: [Int32] = []
        var forwardNext: [Int32] = []
        var forwardEdge: [LocalEdge] = []
        var outcomeCount: [Int32] = []
        var brokenByState: [UInt32] = []
        var groupStart: [Int32] = []
        var groupNext: [Int32] = []
        var groupFlags: [OutcomeFlags] = []
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
                    if slot < freeSlots && to >= 0 && level[Int(to)] == level[state] + 1 && seen[Int(to)] != Int32(state) {
                        seen[Int(to)] = Int32(state)
                        forwardNext.append(to)
                        forwardEdge.append(LocalEdge(slot: slot, ordinal: ordinal))
                    }
                    let isNew = !(groupBase..<groupNext.count).contains {
                        groupNext[$0] == to && groupFlags[$0] == flags[outcome]
                    }
                    if isNew {
                        groupNext.append(to)
                        groupFlags.append(flags[outcome])
                        groupOrdinal.append(ordinal)
                    }
                }
                brokenBySlot.append(slotUnion)
                if slot < freeSlots { union |= slotUnion }
            }
            outcomeCount.append(first[state * slots + freeSlots] - first[state * slots])
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
        self.groupFlags = groupFlags
        self.groupOrdinal = groupOrdinal
        self.brokenBySlot = brokenBySlot
    }

    /// The table a free user needs, with the states it cannot tell apart
    /// merged: states are bisimilar when, for every free action, their
    /// outcomes break the same properties and lead to bisimilar states.
    /// (A free user takes any action at any time and the devices never
    /// meet, so the product of merged tables is bisimilar to the product of
    /// the originals: every property breaks on the same paths, as soon.)
    /// Each class is numbered by its first member, kept as its state and
    /// outcomes; `classOf` maps each state of this table to its class.
    public func merged() -> (table: DeviceTable, classOf: [Int32]) {
        let count = states.count
        let slots = actions.count
        var classOf = [Int32](repeating: 0, count: count)
        var classes = 1
        while true {
            var numbering: [[Int64]: Int32] = [:]
            var refined = [Int32](repeating: 0, count: count)
            for state in 0..<count {
                var signature: [Int64] = [Int64(classOf[state])]
                for slot in 0..<freeSlots {
                    let low = Int(first[state * slots + slot]), high = Int(first[state * slots + slot + 1])
                    var outcomes = Set<Int64>()
                    for outcome in low..<high {
                        let to = next[outcome] < 0 ? -1 : Int64(classOf[Int(next[outcome])])
                        outcomes.insert(Int64(broken[outcome]) << 32 | (to & 0xFFFF_FFFF))
                    }
                    signature.append(-Int64(slot) - 1)
                    signature += outcomes.sorted()
                }
                if let known = numbering[signature] {
                    refined[state] = known
                } else {
                    let id = Int32(numbering.count)
                    numbering[signature] = id
                    refined[state] = id
                }
            }
            classOf = refined
            if numbering.count == classes { break }
            classes = numbering.count
        }
        var representative: [Int] = []
        var seen = Set<Int32>()
        for state in 0..<count where seen.insert(classOf[state]).inserted { representative.append(state) }
        var newFirst: [Int32] = []
        var newNext: [Int32] = []
        var newBroken: [UInt32] = []
        var newFlags: [OutcomeFlags] = []
        for state in representative {
            for slot in 0..<slots {
                newFirst.append(Int32(newNext.count))
                let low = Int(first[state * slots + slot]), high = Int(first[state * slots + slot + 1])
                for outcome in low..<high {
                    newNext.append(next[outcome] < 0 ? -1 : classOf[Int(next[outcome])])
                    newBroken.append(broken[outcome])
                    newFlags.append(flags[outcome])
                }
            }
        }
        newFirst.append(Int32(newNext.count))
        let table = DeviceTable(machine: machine, actions: actions, freeSlots: freeSlots,
                                states: representative.map { states[$0] }, first: newFirst, next: newNext,
                                broken: newBroken, flags: newFlags)
        return (table, classOf)
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

    /// Transitions a free user takes: every outcome of every free action
    /// of every state a free user reaches.
    public var transitions: Int {
        var total = 0
        for state in states.indices where level[state] < Int32.max / 2 { total += Int(outcomeCount[state]) }
        return total
    }

    /// States a free user reaches.
    public var freeStates: Int { level.filter { $0 < Int32.max / 2 }.count }
}

/// One outcome of a device's table as a search edge records it: the action
/// slot (`skipSlot`: a policy step that touches no device; `policySlot`: a
/// move of the policy itself, such as an interrupt) and the outcome's
/// ordinal within the slot.
struct LocalEdge: Sendable, Equatable {
    var bits: UInt32

    static let skipSlot = 255
    static let policySlot = 254
    static let ordinalLimit = 1 << 20

    init(slot: Int, ordinal: UInt32) {
        bits = UInt32(truncatingIfNeeded: slot) & 0xFF | ordinal << 8
    }

    init(bits: UInt32) { self.bits = bits }

    var slot: Int { Int(bits & 0xFF) }
    var ordinal: Int { Int(bits >> 8) }
}
