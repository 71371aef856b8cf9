/// A policy's devices with symmetry reduction: the policy as QEMU runs it,
/// except that within each phase it may take the devices of a class
/// (same driver, same feature set) in any order, so that every permutation
/// within a class is an automorphism and the key can stay canonical.
///
/// Why this is sound. QEMU takes the devices in index order; no permutation
/// of devices commutes with that order (device k is always followed by
/// device k + 1), so sorting the devices of a class in `OrderedPolicySystem`
/// would lose states. But the devices of a class only meet through the
/// policy's `failed` flag (an OR over the event) and through properties
/// that do not care which device is which (p2p-safety asks whether some
/// device is frozen while some other may initiate). Hence, by induction
/// over phases: at the start of a phase, any arrangement of a reachable
/// state's devices within classes is reachable in QEMU's order too (give
/// each device the outcomes its image had, in every earlier phase), by a
/// path of the same length. A path of this system takes the devices of a
/// phase in some order; QEMU's order reaches the same states, renumbered,
/// from the arrangement that puts them in that order. Conversely every
/// path in QEMU's order is one of this system's. So both reach the same
/// verdicts with shortest traces of the same length, and a trace found
/// here is replayed in QEMU's order (`SymmetricPolicySearch`).
///
/// A state is, per device, one slot: local state, whether data was
/// written (with p2p-safety), the policy's belief, and a mark (pending,
/// done in this phase, or current: in the middle of its step's recovery);
/// plus where the policy is, with `device` counting the positions of the
/// phase consumed (in device order, each position is one of its class's
/// devices, taken or, when no step applies to it, skipped). Between two
/// steps the next transition chooses the device: any pending device of
/// the class the next position holds, one per distinct slot.
struct SymmetricPolicySystem<Key: SearchKey>: TransitionSystem {
    let tables: DeviceTables
    let policy: CompiledPolicy
    let slotFields: [KeyField]
    let positionField: KeyField
    let codec: PositionCodec
    let checksP2P: Bool
    let idBits: UInt64
    let beliefMask: UInt64
    /// Per device and per position in device order: its class.
    let classOf: [Int]
    /// Per class: its devices, ascending.
    let members: [[Int]]
    /// `positionsBefore[c][k]`: positions of class `c` among the first `k`.
    let positionsBefore: [[Int]]
    /// Per position: every position from it on holds the same class.
    let sameClassToEnd: [Bool]
    let edgeCodec: SymmetricEdge
    /// Devices in index order: the canonical order of a canonical key.
    let identityOrder: [Int]

    static var pending: UInt64 { 0 }
    static var done: UInt64 { 1 }
    static var current: UInt64 { 2 }

    /// The widths of a slot's parts: mark (2 bits), local state, written, belief.
    static func slotWidth(idBits: Int, beliefBits: Int, checksP2P: Bool) -> Int {
        2 + idBits + (checksP2P ? 1 : 0) + beliefBits
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
        beliefMask = (1 << UInt64(beliefBits)) - 1
        self.classOf = classOf
        let classes = (classOf.max() ?? 0) + 1
        members = (0..<classes).map { group in classOf.indices.filter { classOf[$0] == group } }
        positionsBefore = (0..<classes).map { group in
            (0...classOf.count).map { k in classOf.prefix(k).filter { $0 == group }.count }
        }
        sameClassToEnd = classOf.indices.map { k in classOf[k...].allSatisfy { $0 == classOf[k] } }
        self.edgeCodec = edgeCodec
        identityOrder = Array(classOf.indices)
    }

    // MARK: - Slots

    @inline(__always) func mark(_ slot: UInt64) -> UInt64 { slot & 3 }
    @inline(__always) func local(_ slot: UInt64) -> UInt64 { (slot >> 2) & ((1 << idBits) - 1) }
    @inline(__always) func written(_ slot: UInt64) -> Bool { checksP2P && (slot >> (2 + idBits)) & 1 == 1 }
    @inline(__always) func belief(_ slot: UInt64) -> Int {
        Int((slot >> (2 + idBits + (checksP2P ? 1 : 0))) & beliefMask)
    }

    @inline(__always)
    func makeSlot(mark: UInt64, local: UInt64, written: Bool, belief: Int) -> UInt64 {
        mark | local << 2 | (checksP2P && written ? 1 << (2 + idBits) : 0)
            | UInt64(belief) << (2 + idBits + (checksP2P ? 1 : 0))
    }

    @inline(__always)
    func position(_ key: Key) -> PolicyPosition { codec.unpack(key.field(positionField)) }

    var initialKey: Key {
        var key = Key()
        let slot = makeSlot(mark: Self.pending, local: 0, written: false, belief: policy.assumed)
        for field in slotFields { key.set(field, slot) }
        var start = PolicyPosition()
        if policy.firstEvent < 0 { start.done = true } else { start.event = policy.firstEvent }
        key.set(positionField, codec.pack(start))
        var log: [[Int]]? = nil
        settle(&key, log: &log)
        return key
    }

    var stateProperties: UInt32 { checksP2P ? OrderedPolicySystem<Key>.p2pBit : 0 }

    func stateViolations(_ key: Key, among properties: UInt32) -> UInt32 {
        var frozen = false
        var initiators = false
        for device in 0..<slotFields.count {
            let slot = key.field(slotFields[device])
            let state = tables.global(device, local(slot))
            if tables.initiator[state] { initiators = true }
            if tables.frozen[state] || (tables.frozenAfterWrite[state] && written(slot)) { frozen = true }
        }
        return frozen && initiators ? OrderedPolicySystem<Key>.p2pBit & properties : 0
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
    /// (with the step line) after the positions skipped and phases ended on
    /// the way, and the device (in the order given) whose step runs.
    struct Choice {
        var key: Key
        var at: PolicyPosition
        var device: Int
        /// Positions consumed by skipping on the way, per phase begun
        /// (the first entry is the phase the choice started in).
        var skips: [[Int]]
    }

    /// Every choice from `key` (at stage 0), in a fixed order; `order`
    /// maps the canonical order of devices to the key's devices (identity
    /// on a canonical key). `body` returns false to stop.
    func choices(_ key: Key, order: [Int], recordSkips: Bool, _ body: (Choice) -> Bool) {
        var at = position(key)
        var key = key
        var skips: [[Int]] = recordSkips ? [[]] : []
        _ = choose(&key, &at, order, &skips, body)
    }

    /// How many devices of position `k`'s class are done in this phase,
    /// pending with a step, and pending without one.
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
    /// `OrderedPolicySystem.settle` does: skips positions whose class has no pending device with a step
    /// and ends phases, up to a position with a device to take, or done.
    /// With a `log`, records the positions skipped per phase begun.
    func settle(_ key: inout Key, log: inout [[Int]]?) {
        var at = position(key)
        if at.stage != 0 { return }
        let count = slotFields.count
        while !at.done {
            if at.device >= count {
                endPhase(&key, &at)
                if !at.done { log?.append([]) }
                continue
            }
            if census(key, at, classOf[at.device]).applicable > 0 { break }
            if log != nil { log![log!.count - 1].append(at.device) }
            at.device += 1
        }
        if at.done { at = PolicyPosition(done: true) }
        key.set(positionField, codec.pack(at))
    }

    /// Returns false when `body` asked to stop.
    private func choose(
        _ key: inout Key, _ at: inout PolicyPosition, _ order: [Int], _ skips: inout [[Int]], _ body: (Choice) -> Bool
    ) -> Bool {
        let count = slotFields.count
        while !at.done {
            if at.device >= count {
                endPhase(&key, &at)
                if !skips.isEmpty && !at.done { skips.append([]) }
                continue
            }
            let k = at.device
            let group = classOf[k]
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
                    if !body(Choice(key: key, at: chosen, device: device, skips: skips)) { return false }
                }
            }
            // Or let the position go to a device the phase has no step for:
            // possible while such devices outnumber the positions already
            // skipped; useless (it only delays) when the rest of the phase
            // is this class and a device with a step is still pending.
            let skipped = positionsBefore[group][k] - doneCount
            guard inapplicable > skipped, !(sameClassToEnd[k] && applicable > 0) else { return true }
            if !skips.isEmpty { skips[skips.count - 1].append(k) }
            at.device += 1
        }
        return true
    }

    /// Ends the phase: every mark back to pending, then the next phase or
    /// event as `OrderedPolicySystem.settle` moves, or done.
    private func endPhase(_ key: inout Key, _ at: inout PolicyPosition) {
        for field in slotFields { key.set(field, key.field(field) & ~3) }
        at.device = 0
        at.step = 0
        if at.phase == 0 {
            at.phase = 1
            return
        }
        at.phase = 0
        if at.inFailure {
            at = PolicyPosition(done: true)
        } else if at.failed && policy.failureEvent >= 0 {
            at.event = policy.failureEvent
            at.inFailure = true
            at.failed = false
        } else if policy.nextEvent[at.event] >= 0 {
            at.event = policy.nextEvent[at.event]
        } else {
            at = PolicyPosition(done: true)
        }
    }

    // MARK: - Steps

    /// The slot of the action of `device`'s step at `at`, or
    /// `LocalEdge.skipSlot` for a read or write without a data FD.
    @inline(__always)
    func actionSlot(_ key: Key, _ at: PolicyPosition, device: Int) -> Int {
        let step = policy.steps[policy.stepBase[at.event] + at.step]
        switch (at.stage, step.kind) {
        case (2, _): return policy.resetSlot
        case (1, _): return step.recoverSlot
        case (_, .request): return step.targetSlot
        case (_, .write), (_, .read):
            let state = tables.global(device, local(key.field(slotFields[device])))
            let slots = tables.slots
            let empty = tables.first[state * slots + step.targetSlot] == tables.first[state * slots + step.targetSlot + 1]
            return empty ? LocalEdge.skipSlot : step.targetSlot
        }
    }

    /// The key (not canonical) after `device`'s action at `at` ended in
    /// local state `local` (`nil`: the skip), with success `ok` and data
    /// written `wrote`; and whether the completed step leaves the belief
    /// off the recorded state.
    @inline(__always)
    func apply(_ key: Key, _ at: PolicyPosition, device: Int, local next: Int32?, ok: Bool, wrote: Bool)
        -> (key: Key, beliefBroken: Bool)
    {
        var result = key
        let old = key.field(slotFields[device])
        var id = local(old)
        var wasWritten = written(old)
        if let next {
            id = UInt64(next)
            if checksP2P { wasWritten = (wasWritten || wrote) && tables.resuming[tables.global(device, id)] }
        }
        var at = at
        var believed = belief(old)
        let step = policy.steps[policy.stepBase[at.event] + at.step]
        var complete = false
        switch (at.stage, step.kind) {
        case (2, _):
            believed = policy.resetAssumes
            at.failed = true
            complete = true
        case (1, _):
            if ok {
                believed = step.recover
                at.failed = true
                complete = true
            } else {
                at.stage = 2
            }
        case (_, .request):
            if ok {
                believed = step.target
                complete = true
            } else {
                at.stage = step.resetsAtOnce ? 2 : 1
            }
        case (_, .write), (_, .read):
            if !ok { at.failed = true }
            complete = true
        }
        var broken = false
        var mark = Self.current
        if complete {
            broken = believed != Int(tables.recorded[tables.global(device, id)])
            mark = Self.done
            at.stage = 0
            at.device += 1
        }
        result.set(slotFields[device], makeSlot(mark: mark, local: id, written: wasWritten, belief: believed))
        result.set(positionField, codec.pack(at))
        return (result, broken)
    }

    /// The device whose step is under recovery (marked current).
    func currentDevice(_ key: Key) -> Int? {
        (0..<slotFields.count).first { mark(key.field(slotFields[$0])) == Self.current }
    }

    func expand<Sink: SuccessorSink>(_ key: Key, into sink: inout Sink) where Sink.Key == Key {
        let at = position(key)
        if at.done { return }
        if at.stage > 0 {
            guard let device = currentDevice(key) else { return }
            run(key, at, device: device, option: 0, into: &sink)
            return
        }
        var option = 0
        choices(key, order: identityOrder, recordSkips: false) { choice in
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
        let slot = actionSlot(key, at, device: device)
        if slot == LocalEdge.skipSlot {
            sink.count(1)
            var (next, broken) = apply(key, at, device: device, local: nil, ok: false, wrote: false)
            let edge = edgeCodec.edge(device: device, option: option, ordinal: 0)
            if broken { sink.violate(OrderedPolicySystem<Key>.beliefBit, edge: edge) }
            var log: [[Int]]? = nil
            settle(&next, log: &log)
            canonicalize(&next)
            sink.reach(next, edge: edge)
            return
        }
        let slots = tables.slots
        let index = tables.global(device, local(key.field(slotFields[device]))) * slots + slot
        let low = Int(tables.first[index]), high = Int(tables.first[index + 1])
        sink.count(high - low)
        if tables.brokenBySlot[index] & sink.unfound != 0 {
            for outcome in low..<high where tables.broken[outcome] & sink.unfound != 0 {
                sink.violate(tables.broken[outcome], edge: edgeCodec.edge(device: device, option: option, ordinal: outcome - low))
            }
        }
        for group in Int(tables.groupStart[index])..<Int(tables.groupStart[index + 1]) {
            let local = tables.groupNext[group]
            if local < 0 { continue }
            var (next, broken) = apply(key, at, device: device, local: local,
                                       ok: tables.groupFlags[group] & OutcomeFlags.succeeded.rawValue != 0,
                                       wrote: tables.groupFlags[group] & OutcomeFlags.wrote.rawValue != 0)
            let edge = edgeCodec.edge(device: device, option: option, ordinal: Int(tables.groupOrdinal[group]))
            if broken { sink.violate(OrderedPolicySystem<Key>.beliefBit, edge: edge) }
            var log: [[Int]]? = nil
            settle(&next, log: &log)
            canonicalize(&next)
            sink.reach(next, edge: edge)
        }
    }
}

/// The edge of `SymmetricPolicySystem`: the device (its place in the
/// canonical source key), which of the state's choices, and the outcome's
/// ordinal in its action slot (the slot follows from the position), with
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

    func device(_ edge: UInt32) -> Int { Int(edge & 0xF) }
    func option(_ edge: UInt32) -> Int { Int((edge >> 4) & ((1 << optionBits) - 1)) }
    func ordinal(_ edge: UInt32) -> Int { Int(edge >> (4 + optionBits)) }
}
