/// The `DeviceTable`s of the devices one search explores, laid end to end
/// in raw memory for the search's inner loop: a device's local state `l`
/// on table `t` is global state `stateBase[t] + l`, and every per-state,
/// per-slot and per-outcome array is indexed globally, so a transition
/// reads a few words without bounds checks, reference counting or a
/// second level of arrays. One table per distinct driver and feature set.
struct DeviceTables: @unchecked Sendable {
    let tables: [DeviceTable]
    /// Per device: its table.
    let tableOf: RawArray<Int32>
    let stateBase: RawArray<Int32>
    let slots: Int
    /// The first `freeSlots` slots are a free user's actions.
    let freeSlots: Int

    /// Per global state: `forwardStart[g] ..< forwardStart[g + 1]` into
    /// `forwardNext` (local IDs) and `forwardEdge`: `DeviceTable`'s
    /// successors one level further from the opened device.
    let forwardStart: RawArray<Int32>
    let forwardNext: RawArray<Int32>
    let forwardEdge: RawArray<UInt32>
    let outcomeCount: RawArray<Int32>
    let brokenByState: RawArray<UInt32>
    /// Per (global state, slot): `first[g * slots + a] ..< first[... + 1]`
    /// into the per-outcome arrays.
    let first: RawArray<Int32>
    let next: RawArray<Int32>
    let broken: RawArray<UInt32>
    /// Per outcome: its `OutcomeFlags`.
    let flags: RawArray<UInt8>
    /// Per (global state, slot): the distinct policy outcomes, as for `first`.
    let groupStart: RawArray<Int32>
    let groupNext: RawArray<Int32>
    let groupFlags: RawArray<UInt8>
    let groupOrdinal: RawArray<UInt32>
    let brokenBySlot: RawArray<UInt32>
    /// Per global state: what p2p-safety asks of its hardware state.
    let initiator: RawArray<Bool>
    let frozen: RawArray<Bool>
    let frozenAfterWrite: RawArray<Bool>
    /// Per global state: whether the driver holds a live resuming session.
    let resuming: RawArray<Bool>
    /// Per global state: the state the driver records.
    let recorded: RawArray<Int32>
    /// Keeps the memory alive while any copy of these tables is.
    let owner: RawMemory

    init(tables: [DeviceTable], tableOf: [Int]) {
        self.tables = tables
        let owner = RawMemory()
        self.owner = owner
        slots = tables.first?.actions.count ?? 0
        freeSlots = tables.first?.freeSlots ?? 0
        var stateBase: [Int32] = []
        var forwardStart: [Int32] = [], forwardNext: [Int32] = [], forwardEdge: [UInt32] = []
        var outcomeCount: [Int32] = [], brokenByState: [UInt32] = []
        var first: [Int32] = [], next: [Int32] = [], broken: [UInt32] = [], flags: [UInt8] = []
        var groupStart: [Int32] = [], groupNext: [Int32] = [], groupFlags: [UInt8] = []
        var groupOrdinal: [UInt32] = [], brokenBySlot: [UInt32] = []
        var initiator: [Bool] = [], frozen: [Bool] = [], frozenAfterWrite: [Bool] = []
        var resuming: [Bool] = [], recorded: [Int32] = []
        var states = 0
        for table in tables {
            stateBase.append(Int32(states))
            states += table.states.count
            let forwardBase = Int32(forwardNext.count)
            forwardStart += table.forwardStart.dropLast().map { $0 + forwardBase }
            forwardNext += table.forwardNext
            forwardEdge += table.forwardEdge.map(\.bits)
            outcomeCount += table.outcomeCount
            brokenByState += table.brokenByState
            let outcomeBase = Int32(next.count)
            first += table.first.dropLast().map { $0 + outcomeBase }
            next += table.next
            broken += table.broken
            flags += table.flags.map(\.rawValue)
            let groupBase = Int32(groupNext.count)
            groupStart += table.groupStart.dropLast().map { $0 + groupBase }
            groupNext += table.groupNext
            groupFlags += table.groupFlags.map(\.rawValue)
            groupOrdinal += table.groupOrdinal
            brokenBySlot += table.brokenBySlot
            initiator += table.initiator
            frozen += table.frozen
            frozenAfterWrite += table.frozenAfterWrite
            resuming += table.states.map(\.resumingSession)
            recorded += table.states.map { Int32($0.recorded) }
        }
        forwardStart.append(Int32(forwardNext.count))
        first.append(Int32(next.count))
        groupStart.append(Int32(groupNext.count))
        self.tableOf = owner.copy(tableOf.map { Int32($0) })
        self.stateBase = owner.copy(stateBase)
        self.forwardStart = owner.copy(forwardStart)
        self.forwardNext = owner.copy(forwardNext)
        self.forwardEdge = owner.copy(forwardEdge)
        self.outcomeCount = owner.copy(outcomeCount)
        self.brokenByState = owner.copy(brokenByState)
        self.first = owner.copy(first)
        self.next = owner.copy(next)
        self.broken = owner.copy(broken)
        self.flags = owner.copy(flags)
        self.groupStart = owner.copy(groupStart)
        self.groupNext = owner.copy(groupNext)
        self.groupFlags = owner.copy(groupFlags)
        self.groupOrdinal = owner.copy(groupOrdinal)
        self.brokenBySlot = owner.copy(brokenBySlot)
        self.initiator = owner.copy(initiator)
        self.frozen = owner.copy(frozen)
        self.frozenAfterWrite = owner.copy(frozenAfterWrite)
        self.resuming = owner.copy(resuming)
        self.recorded = owner.copy(recorded)
    }

    /// The global state of device `device` in local state `local`.
    @inline(__always)
    func global(_ device: Int, _ local: UInt64) -> Int {
        Int(stateBase[Int(tableOf[device])]) + Int(truncatingIfNeeded: local)
    }

    /// How many of the outcomes `range` have none of the `excluded` flags
    /// (outcomes a policy rules out at this point, such as a reset
    /// arriving while the VM does not run).
    @inline(__always)
    func outcomeCount(_ range: Range<Int>, excluding excluded: UInt8) -> Int {
        guard excluded != 0 else { return range.count }
        var count = 0
        for outcome in range where flags[outcome] & excluded == 0 { count += 1 }
        return count
    }
}

/// A read-only array in raw memory that a `RawMemory` owns: indexing is a
/// load, with no bounds check (indices come from the tables themselves).
struct RawArray<Element>: @unchecked Sendable {
    let base: UnsafePointer<Element>
    let count: Int

    @inline(__always)
    subscript(index: Int) -> Element { base[index] }
}

/// Owns the raw memory of `RawArray`s and frees it with the last reference.
final class RawMemory: @unchecked Sendable {
    private var blocks: [UnsafeMutableRawPointer] = []

    func copy<Element>(_ array: [Element]) -> RawArray<Element> {
        let pointer = UnsafeMutablePointer<Element>.allocate(capacity: max(1, array.count))
        pointer.initialize(from: array, count: array.count)
        blocks.append(UnsafeMutableRawPointer(pointer))
        return RawArray(base: UnsafePointer(pointer), count: array.count)
    }

    deinit {
        for block in blocks { block.deallocate() }
    }
}
