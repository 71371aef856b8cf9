/// Devices driven by a free user: any action on any device at any time,
/// every outcome of it. A state is one key field per device (its local
/// state in its `DeviceTable`); a transition replaces one field. The
/// devices are independent, so a state's breadth-first level is the sum of
/// its devices' levels in their tables, and only a successor that moves a
/// device one level further can be a state not stored yet: the others are
/// counted and checked but not looked up.
///
/// With `symmetric`, devices with the same table are interchangeable (the
/// user treats them alike and they never touch each other), so every
/// permutation within such a class is an automorphism of the system and
/// the key is kept canonical: the class's fields sorted. Only one device
/// of equal fields in a class is expanded; an edge names the device's
/// position in the canonical key.
struct FreeUserSystem<Key: SearchKey>: TransitionSystem {
    let tables: DeviceTables
    let deviceCount: Int
    /// Per device: its key field.
    let fields: [KeyField]
    let symmetric: Bool
    /// Per device: the class member before it (-1: none), and the class's
    /// members in order (`members[memberStart[d] ..< memberStart[d] + memberCount[d]]`)
    /// with the device's index among them.
    let previousMember: [Int]
    let members: [Int]
    let memberStart: [Int]
    let memberCount: [Int]
    let memberIndex: [Int]
    /// Per device: how to sort its class in one go when the class's fields
    /// lie side by side in one word.
    let sortPlans: [SortPlan]

    /// A class of `count` fields of `width` bits from bit `low` of one
    /// word, the device being member `index`.
    struct SortPlan: Sendable {
        var contiguous: Bool
        var word: Int
        var low: UInt64
        var width: UInt64
        var count: Int
        var index: Int
    }

    /// Edge bits: the device in the low 4, the `LocalEdge` above.
    static var deviceBits: UInt32 { 4 }

    init(tables: DeviceTables, layout: [KeyField], classes: [[Int]], symmetric: Bool) {
        self.tables = tables
        deviceCount = layout.count
        fields = layout
        self.symmetric = symmetric
        var previous = [Int](repeating: -1, count: layout.count)
        var members: [Int] = []
        var start = [Int](repeating: 0, count: layout.count)
        var count = [Int](repeating: 1, count: layout.count)
        var index = [Int](repeating: 0, count: layout.count)
        for device in 0..<layout.count where !classes.contains(where: { $0.contains(device) }) {
            start[device] = members.count
            members.append(device)
        }
        for group in classes {
            let base = members.count
            members += group
            for (position, device) in group.enumerated() {
                start[device] = base
                count[device] = group.count
                index[device] = position
                if position > 0 { previous[device] = group[position - 1] }
            }
        }
        previousMember = previous
        self.members = members
        memberStart = start
        memberCount = count
        memberIndex = index
        sortPlans = (0..<layout.count).map { device in
            let group = Array(members[start[device]..<(start[device] + count[device])])
            let first = layout[group[0]]
            let width = UInt64(first.width)
            let contiguous = group.enumerated().allSatisfy { position, member in
                layout[member].word == first.word && layout[member].width == first.width
                    && layout[member].shift == first.shift + UInt64(position) * width
            }
            return SortPlan(contiguous: contiguous, word: first.word, low: first.shift, width: width,
                            count: group.count, index: index[device])
        }
    }

    var initialKey: Key { Key() }
    /// Every successor reported moves a device one level further.
    var successorsLeaveTheLevel: Bool { true }
    var stateProperties: UInt32 { 0 }

    func stateViolations(_ key: Key, among properties: UInt32) -> UInt32 { 0 }

    @inline(__always)
    func edge(_ device: Int, _ local: UInt32) -> UInt32 {
        UInt32(truncatingIfNeeded: device) | local << Self.deviceBits
    }

    func expand<Sink: SuccessorSink>(_ key: Key, into sink: inout Sink) where Sink.Key == Key {
        let tables = self.tables
        let slots = tables.slots
        let freeSlots = tables.freeSlots
        for device in 0..<deviceCount {
            let field = fields[device]
            let value = key.field(field)
            if symmetric {
                let previous = previousMember[device]
                if previous >= 0 && key.field(fields[previous]) == value { continue }
            }
            let state = tables.global(device, value)
            sink.count(Int(tables.outcomeCount[state]))
            if tables.brokenByState[state] & sink.unfound != 0 {
                for slot in 0..<freeSlots {
                    let low = Int(tables.first[state * slots + slot]), high = Int(tables.first[state * slots + slot + 1])
                    for outcome in low..<high where tables.broken[outcome] & sink.unfound != 0 {
                        sink.violate(tables.broken[outcome],
                                     edge: edge(device, LocalEdge(slot: slot, ordinal: UInt32(outcome - low)).bits))
                    }
                }
            }
            // Only successors that move the device one level further can
            // be new: any other is as near the start as this state, or nearer.
            let end = Int(tables.forwardStart[state + 1])
            var successor = Int(tables.forwardStart[state])
            while successor < end {
                var next = key
                let local = UInt64(tables.forwardNext[successor])
                next.set(field, local)
                if symmetric { canonicalize(&next, changed: device, to: local) }
                sink.reach(next, edge: edge(device, tables.forwardEdge[successor]))
                successor += 1
            }
        }
    }

    /// Moves the new value of `changed` to its sorted place in its class
    /// (every other member is already in order).
    @inline(__always)
    func canonicalize(_ key: inout Key, changed device: Int, to value: UInt64) {
        let plan = sortPlans[device]
        if plan.count < 2 { return }
        if plan.contiguous {
            // Take the member out of the class's bits, find the first of
            // the others not below the value, and put it back there.
            let width = plan.width
            let fieldMask: UInt64 = (1 << width) - 1
            let regionMask: UInt64 = (1 << (UInt64(plan.count) * width)) - 1
            let word = key[word: plan.word]
            let region = (word >> plan.low) & regionMask
            let member = UInt64(plan.index)
            let rest = region & ((1 << (member * width)) - 1) | (region >> ((member + 1) * width)) << (member * width)
            var place: UInt64 = 0
            let others = UInt64(plan.count - 1)
            while place < others && (rest >> (place * width)) & fieldMask < value { place += 1 }
            let sorted = rest & ((1 << (place * width)) - 1) | value << (place * width)
                | (rest >> (place * width)) << ((place + 1) * width)
            key[word: plan.word] = word & ~(regionMask << plan.low) | sorted << plan.low
            return
        }
        let count = memberCount[device]
        let base = memberStart[device]
        var index = memberIndex[device]
        while index > 0 {
            let neighbour = key.field(fields[members[base + index - 1]])
            if neighbour <= value { break }
            key.set(fields[members[base + index]], neighbour)
            index -= 1
        }
        if index == memberIndex[device] {
            while index + 1 < count {
                let neighbour = key.field(fields[members[base + index + 1]])
                if neighbour >= value { break }
                key.set(fields[members[base + index]], neighbour)
                index += 1
            }
        }
        key.set(fields[members[base + index]], value)
    }

    /// Which device of the concrete (unsorted) `key` sits at `device`'s
    /// place in the canonical key: within a class, devices ordered by
    /// field value, ties by position.
    func actualDevice(_ key: Key, canonical device: Int) -> Int {
        guard symmetric, memberCount[device] > 1 else { return device }
        let group = Array(members[memberStart[device]..<(memberStart[device] + memberCount[device])])
        let order = group.sorted { (key.field(fields[$0]), $0) < (key.field(fields[$1]), $1) }
        return order[memberIndex[device]]
    }
}
