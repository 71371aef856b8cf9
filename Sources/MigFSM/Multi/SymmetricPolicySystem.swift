/// A policy's devices with symmetry reduction: the policy as QEMU runs it,
/// except that within each phase it may take the devices of a class
/// (same driver, same feature set) in any order, so that every permutation
/// within a class is an automorphism and the key can stay canonical.
///
/// Why this is sound (docs/multi-device.md has the whole argument). QEMU
/// takes the devices in a fixed order per event (index order, or reversed);
/// no permutation of devices commutes with that order, so sorting the
/// devices of a class in `OrderedPolicySystem` would lose states. This
/// system instead lets each position of a phase's order take any pending
/// device of that position's class: every path in QEMU's order is one of
/// its paths (it may choose QEMU's device at every position), so it
/// over-approximates QEMU's order, and a property that holds here holds
/// there. Each violation found here is replayed in QEMU's order
/// (`SymmetricPolicySearch`), and when the replay does not confirm it the
/// search is redone in QEMU's order: the verdicts are QEMU's.
///
/// A state is, per device, one slot: local state, whether data was
/// written (with p2p-safety), whether it holds the guest's state (when
/// tracked), the policy's belief, and a mark (pending, done in this phase,
/// or current: in the middle of its step); plus where the policy is, with
/// `device` counting the positions of the phase consumed (in the event's
/// device order, each position is one of its class's devices, taken or,
/// when no step applies to it, skipped). Between two steps the next
/// transition chooses the device: any pending device of the class the
/// next position holds, one per distinct slot; at a boundary, an
/// interrupt or going on.
struct SymmetricPolicySystem<Key: SearchKey>: TransitionSystem {
    let tables: DeviceTables
    let policy: CompiledPolicy
    let slotFields: [KeyField]
    let positionField: KeyField
    let codec: PositionCodec
    let checksP2P: Bool
    let idBits: UInt64
    let beliefShift: UInt64
    let beliefMask: UInt64
    /// Per device: its class.
    let classOf: [Int]
    /// Per class: its devices, ascending.
    let members: [[Int]]
    /// Per direction (0: forward, 1: reverse) and position: its class.
    let classAt: [[Int]]
    /// `positionsBefore[direction][c][k]`: positions of class `c` among the first `k`.
    let positionsBefore: [[[Int]]]
    /// Per direction and position: every position from it on holds the same class.
    let sameClassToEnd: [[Bool]]
    let edgeCodec: SymmetricEdge
    /// Devices in index order: the canonical order of a canonical key.
    let identityOrder: [Int]

    static var pending: UInt64 { 0 }
    static var done: UInt64 { 1 }
    static var current: UInt64 { 2 }

    /// The widths of a slot's parts: mark (2 bits), local state, written, held, belief.
    static func slotWidth(idBits: Int, beliefBits: Int, checksP2P: Bool, tracksHeld: Bool) -> Int {
        2 + idBits + (checksP2P ? 1 : 0) + (tracksHeld ? 1 : 0) + beliefBits
    }

    init(tables: DeviceTables, policy: CompiledPolicy, slotFields: [KeyField], positionField: KeyField,
         codec: PositionCodec, checksP2P: Bool, idBits: Int, beliefBits: Int, classOf: [Int], edgeCodec: SymmetricEdge) {
        self.tables = tables
        self.policy = policy
        self.slotFields = slotFields
        self.positionField = positionField
        self.codec = codec
        self.checksP2P = checksP2P
        self.idBits = UInt64(idBits)
        beliefShift = 2 + UInt64(idBits) + (checksP2P ? 1 : 0) + (policy.tracksHeld ? 1 : 0)
        beliefMask = (1 << UInt64(beliefBits)) - 1
        self.classOf = classOf
        let classes = (classOf.max() ?? 0) + 1
        members = (0..<classes).map { group in classOf.indices.filter { classOf[$0] == group } }
        let directions = [classOf, Array(classOf.reversed())]
        classAt = directions
        positionsBefore = directions.map { order in
            (0..<classes).map { group in (0...order.count).map { k in order.prefix(k).filter { $0 == group }.count } }
        }
        sameClassToEnd = directions.map { order in order.indices.map { k in order[k...].allSatisfy { $0 == order[k] } } }
        self.edgeCodec = edgeCodec
        identityOrder = Array(classOf.indices)
    }

    // MARK: - Slots

    @inline(__always) func mark(_ slot: UInt64) -> UInt64 { slot & 3 }
    @inline(__always) func local(_ slot: UInt64) -> UInt64 { (slot >> 2) & ((1 << idBits) - 1) }
    @inline(__always) func written(_ slot: UInt64) -> Bool { checksP2P && (slot >> (2 + idBits)) & 1 == 1 }
    @inline(__always) func held(_ slot: UInt64) -> Bool {
        policy.tracksHeld && (slot >> (2 + idBits + (checksP2P ? 1 : 0))) & 1 == 1
    }
    @inline(__always) func belief(_ slot: UInt64) -> Int { Int((slot >> beliefShift) & beliefMask) }

    @inline(__always)
    func values(_ slot: UInt64) -> PolicyDeviceValues {
        PolicyDeviceValues(belief: belief(slot), written: written(slot), held: held(slot))
    }

    @inline(__always)
    func makeSlot(mark: UInt64, local: UInt64, _ values: PolicyDeviceValues) -> UInt64 {
        var slot = mark | local << 2
        if checksP2P && values.written { slot |= 1 << (2 + idBits) }
        if policy.tracksHeld && values.held { slot |= 1 << (2 + idBits + (checksP2P ? 1 : 0)) }
        return slot | UInt64(values.belief) << beliefShift
    }

    @inline(__always)
    func position(_ key: Key) -> PolicyPosition { codec.unpack(key.field(positionField)) }

    /// The class of position `k` in `at`'s phase.
    @inline(__always)
    func classAt(_ at: PolicyPosition, _ k: Int) -> Int {
        classAt[policy.events[at.event].reverse ? 1 : 0][k]
    }

    var initialKey: Key {
        var key = Key()
        let slot = makeSlot(mark: Self.pending, local: 0,
                            PolicyDeviceValues(belief: policy.assumed, written: false, held: policy.initialHeld))
        for field in slotFields { key.set(field, slot) }
        key.set(positionField, codec.pack(policy.start))
        settle(&key)
        return key
    }

    var stateProperties: UInt32 {
        (checksP2P ? OrderedPolicySystem<Key>.p2pBit : 0) | (policy.destination ? OrderedPolicySystem<Key>.loadedBit : 0)
    }

    func stateViolations(_ key: Key, among properties: UInt32) -> UInt32 {
        let at = position(key)
        let vm = at.vm
        var found: UInt32 = 0
        if properties & OrderedPolicySystem<Key>.p2pBit != 0 && policy.exportsState(at) {
            var frozen = false
            var initiators = false
            for device in 0..<slotFields.count {
                let slot = key.field(slotFields[device])
                let state = tables.global(device, local(slot))
                if tables.initiator[state] && (vm == CompiledPolicy.runningVM || !policy.tracksHeld || held(slot)) {
                    initiators = true
                }
                if tables.frozen[state] || (tables.frozenAfterWrite[state] && written(slot)) { frozen = true }
            }
            if frozen && initiators { found |= OrderedPolicySystem<Key>.p2pBit }
        }
        if properties & OrderedPolicySystem<Key>.loadedBit != 0 && policy.destination && vm == CompiledPolicy.runningVM
            && slotFields.contains(where: { !held(key.field($0)) }) {
            found |= OrderedPolicySystem<Key>.loadedBit
        }
        return found
    }

    /// Sorts every class's slots (insertion sort in the key: classes are small).
    @inline(__always)
    func canonicalize(_ key: inout Key) {
        for group in members where group.count > 1 {
            for i in 1..<group.count {
                let value = key.field(slotFields[group[i]])
                var j = i
                while j > 0 {
                    let previous = key.field(slotFields[group[j - 1]])
                    if previous <= value { break }
                    key.set(slotFields[group[j]], previous)
                    j -= 1
                }
                if j != i { key.set(slotFields[group[j]], value) }
            }
        }
    }

    // MARK: - Choosing the next device

    /// One way to go on from a state between steps: the key and position
    /// (with the step line and action) after the positions skipped on the
    /// way, and the device whose step runs.
    struct Choice {
        var key: Key
        var at: PolicyPosition
        var device: Int
        /// Positions skipped on the way to the one taken.
        var skipped: [Int]
    }

    /// Every choice from `key` (between steps of a phase), in a fixed
    /// order; `order` maps the canonical order of devices to the key's
    /// devices (identity on a canonical key). `body` returns false to stop.
    func choices(_ key: Key, order: [Int], _ body: (Choice) -> Bool) {
        var at = position(key)
        var skipped: [Int] = []
        let count = slotFields.count
        let direction = policy.events[at.event].reverse ? 1 : 0
        while at.device < count && at.phase < 2 {
            let k = at.device
            let group = classAt[direction][k]
            let (doneCount, applicable, inapplicable) = census(key, at, group)
            // Take a pending device with a step, one per distinct slot, in
            // canonical order.
            if applicable > 0 {
                for (place, device) in order.enumerated() where classOf[device] == group {
                    let slot = key.field(slotFields[device])
                    guard mark(slot) == Self.pending else { continue }
                    let step = policy.step(event: at.event, phase: at.phase, device: device, belief: belief(slot))
                    guard step >= 0 else { continue }
                    var repeated = false
                    for earlier in 0..<place
                    where classOf[order[earlier]] == group && key.field(slotFields[order[earlier]]) == slot {
                        repeated = true
                        break
                    }
                    if repeated { continue }
                    var chosen = at
                    chosen.step = step
                    chosen.part = policy.firstPart(event: at.event, step: step, belief: belief(slot))
                    chosen.stage = 0
                    if !body(Choice(key: key, at: chosen, device: device, skipped: skipped)) { return }
                }
            }
            // Or let the position go to a device the phase has no step for:
            // possible while such devices outnumber the positions already
            // skipped; useless (it only delays) when the rest of the phase
            // is this class and a device with a step is still pending.
            let skippedBefore = positionsBefore[direction][group][k] - doneCount
            guard inapplicable > skippedBefore, !(sameClassToEnd[direction][k] && applicable > 0) else { return }
            skipped.append(k)
            at.device += 1
        }
    }

    /// How many devices of class `group` are done in this phase, pending
    /// with a step, and pending without one.
    @inline(__always)
    func census(_ key: Key, _ at: PolicyPosition, _ group: Int) -> (done: Int, applicable: Int, inapplicable: Int) {
        var done = 0, applicable = 0, inapplicable = 0
        for member in members[group] {
            let slot = key.field(slotFields[member])
            let mark = mark(slot)
            if mark == Self.done {
                done += 1
            } else if mark == Self.pending {
                if policy.step(event: at.event, phase: at.phase, device: member, belief: belief(slot)) >= 0 {
                    applicable += 1
                } else {
                    inapplicable += 1
                }
            }
        }
        return (done, applicable, inapplicable)
    }

    /// Between two steps, takes the moves nobody chooses, as
    /// `OrderedPolicySystem.settle` does: skips positions whose class has
    /// no pending device with a step, ends phases and events, up to a
    /// position with a device to take, a boundary, or done.
    func settle(_ key: inout Key) {
        var at = position(key)
        let count = slotFields.count
        while !at.done && !at.boundary {
            if at.phase >= 2 {
                clearMarks(&key)
                policy.leave(&at, ran: true)
                continue
            }
            if at.device >= count {
                clearMarks(&key)
                at.device = 0
                at.phase += 1
                continue
            }
            if census(key, at, classAt(at, at.device)).applicable > 0 { break }
            at.device += 1
        }
        key.set(positionField, codec.pack(at))
    }

    func clearMarks(_ key: inout Key) {
        for field in slotFields { key.set(field, key.field(field) & ~3) }
    }

    // MARK: - Steps

    /// The key (not canonical) after `device`'s action at `at` ended in
    /// local state `local` (`nil`: the skip) with outcome `flags`; and the
    /// properties the transition broke.
    @inline(__always)
    func apply(_ key: Key, _ at: PolicyPosition, device: Int, local next: Int32?, flags: UInt8)
        -> (key: Key, broken: UInt32)
    {
        var result = key
        let old = key.field(slotFields[device])
        var id = local(old)
        if let next { id = UInt64(next) }
        var at = at
        var values = self.values(old)
        let state = tables.global(device, id)
        let (progress, completed) = policy.progress(&at, &values, flags: flags, skipped: next == nil,
                                                    resumingAfter: tables.resuming[state])
        if progress == .abort {
            result.set(slotFields[device], makeSlot(mark: Self.pending, local: id, values))
            return abort(result, vm: at.vm)
        }
        var broken: UInt32 = 0
        if completed && values.belief != Int(tables.recorded[state]) { broken |= OrderedPolicySystem<Key>.beliefBit }
        let mark = progress == .stepOver ? Self.done : Self.current
        result.set(slotFields[device], makeSlot(mark: mark, local: id, values))
        result.set(positionField, codec.pack(at))
        if progress == .stepOver { settle(&result) }
        return (result, broken)
    }

    /// The policy aborts: every device closed, as a reopen leaves it.
    func abort(_ key: Key, vm: Int) -> (key: Key, broken: UInt32) {
        var next = key
        var broken: UInt32 = 0
        for device in 0..<slotFields.count {
            let slot = key.field(slotFields[device])
            let state = tables.global(device, local(slot))
            let outcome = Int(tables.first[state * tables.slots + policy.reopenSlot])
            next.set(slotFields[device], makeSlot(mark: Self.pending, local: UInt64(tables.next[outcome]), values(slot)))
            broken |= tables.broken[outcome]
        }
        var done = PolicyPosition(done: true, vm: CompiledPolicy.pausedVM)
        done.aborted = true
        next.set(positionField, codec.pack(done))
        return (next, broken)
    }

    /// The device whose step is in progress (marked current).
    func currentDevice(_ key: Key) -> Int? {
        (0..<slotFields.count).first { mark(key.field(slotFields[$0])) == Self.current }
    }

    /// The key after policy move `choice` from the boundary `key`.
    func move(_ key: Key, _ choice: Int) -> Key {
        let at = policy.position(after: position(key), choice: choice)
        var next = key
        next.set(positionField, codec.pack(at))
        settle(&next)
        return next
    }

    func expand<Sink: SuccessorSink>(_ key: Key, into sink: inout Sink) where Sink.Key == Key {
        let at = position(key)
        if at.done { return }
        if at.boundary {
            for choice in 0...policy.interruptsIn[at.vm].count {
                sink.count(1)
                var next = move(key, choice)
                canonicalize(&next)
                if next != key { sink.reach(next, edge: edgeCodec.policyMove(choice)) }
            }
            return
        }
        if let device = currentDevice(key) {
            run(key, at, device: device, option: 0, into: &sink)
            return
        }
        var option = 0
        choices(key, order: identityOrder) { choice in
            run(choice.key, choice.at, device: choice.device, option: option, into: &sink)
            option += 1
            return true
        }
    }

    /// Every outcome of `device`'s action at `at`.
    @inline(__always)
    func run<Sink: SuccessorSink>(_ key: Key, _ at: PolicyPosition, device: Int, option: Int, into sink: inout Sink)
        where Sink.Key == Key
    {
        let state = tables.global(device, local(key.field(slotFields[device])))
        let slot = policy.slot(at, tables, state: state)
        if slot == LocalEdge.skipSlot {
            sink.count(1)
            var (next, broken) = apply(key, at, device: device, local: nil, flags: policy.skipFlags(at))
            let edge = edgeCodec.edge(device: device, option: option, ordinal: 0)
            if broken != 0 { sink.violate(broken, edge: edge) }
            canonicalize(&next)
            sink.reach(next, edge: edge)
            return
        }
        let index = state * tables.slots + slot
        let low = Int(tables.first[index]), high = Int(tables.first[index + 1])
        let excluded = policy.excludedFlags(at)
        sink.count(tables.outcomeCount(low..<high, excluding: excluded))
        if tables.brokenBySlot[index] & sink.unfound != 0 {
            for outcome in low..<high where tables.broken[outcome] & sink.unfound != 0 && tables.flags[outcome] & excluded == 0 {
                sink.violate(tables.broken[outcome], edge: edgeCodec.edge(device: device, option: option, ordinal: outcome - low))
            }
        }
        for group in Int(tables.groupStart[index])..<Int(tables.groupStart[index + 1]) {
            let local = tables.groupNext[group]
            if local < 0 || tables.groupFlags[group] & excluded != 0 { continue }
            var (next, broken) = apply(key, at, device: device, local: local, flags: tables.groupFlags[group])
            let edge = edgeCodec.edge(device: device, option: option, ordinal: Int(tables.groupOrdinal[group]))
            if broken != 0 { sink.violate(broken, edge: edge) }
            canonicalize(&next)
            sink.reach(next, edge: edge)
        }
    }
}

/// The edge of `SymmetricPolicySystem`: the device (its place in the
/// canonical source key; 15 for a move of the policy itself), which of the
/// state's choices, and the outcome's ordinal in its action slot (the slot
/// follows from the position; a policy move's ordinal is its choice), with
/// widths fixed for the policy and devices at hand.
struct SymmetricEdge: Sendable {
    let optionBits: UInt32
    let ordinalBits: UInt32

    /// `nil` when choices and outcomes cannot both fit 28 bits.
    init?(maximumOptions: Int, maximumOutcomes: Int) {
        let option = UInt32(bitsFor(maximumOptions))
        let ordinal = UInt32(bitsFor(maximumOutcomes))
        guard option + ordinal <= 28 else { return nil }
        optionBits = option
        ordinalBits = 28 - option
    }

    @inline(__always)
    func edge(device: Int, option: Int, ordinal: Int) -> UInt32 {
        UInt32(truncatingIfNeeded: device) | UInt32(truncatingIfNeeded: option) << 4
            | UInt32(truncatingIfNeeded: ordinal) << (4 + optionBits)
    }

    func policyMove(_ choice: Int) -> UInt32 { edge(device: 15, option: 0, ordinal: choice) }

    func device(_ edge: UInt32) -> Int { Int(edge & 0xF) }
    func option(_ edge: UInt32) -> Int { Int((edge >> 4) & ((1 << optionBits) - 1)) }
    func ordinal(_ edge: UInt32) -> Int { Int(edge >> (4 + optionBits)) }
}
