/// Where a policy is: the event, the phase (0: prepare, 1: main), the
/// device whose step runs (for `SymmetricPolicySystem`: the position in
/// device order whose step comes next), the step line, the stage of
/// QEMU's recovery (0: the step's action; 1: the recover request; 2: the
/// reset), whether a request of the event failed, whether the failure
/// event runs, whether the policy is done.
struct PolicyPosition: Equatable, Sendable {
    var event = 0
    var phase = 0
    var device = 0
    var step = 0
    var stage = 0
    var failed = false
    var inFailure = false
    var done = false
}

/// Packs a `PolicyPosition` into one key field, with widths from the
/// policy and the number of devices.
struct PositionCodec: Sendable {
    let eventBits: Int
    let deviceBits: Int
    let stepBits: Int

    init(events: Int, devices: Int, steps: Int) {
        eventBits = bitsFor(events)
        deviceBits = bitsFor(devices + 1)
        stepBits = bitsFor(steps)
    }

    var width: Int { eventBits + 1 + deviceBits + stepBits + 2 + 3 }

    @inline(__always)
    func pack(_ at: PolicyPosition) -> UInt64 {
        var bits = UInt64(at.event)
        var shift = UInt64(eventBits)
        bits |= UInt64(at.phase) << shift
        shift += 1
        bits |= UInt64(at.device) << shift
        shift += UInt64(deviceBits)
        bits |= UInt64(at.step) << shift
        shift += UInt64(stepBits)
        bits |= UInt64(at.stage) << shift
        shift += 2
        if at.failed { bits |= 1 << shift }
        if at.inFailure { bits |= 2 << shift }
        if at.done { bits |= 4 << shift }
        return bits
    }

    @inline(__always)
    func unpack(_ bits: UInt64) -> PolicyPosition {
        var at = PolicyPosition()
        at.event = Int(bits & ((1 << UInt64(eventBits)) - 1))
        var shift = UInt64(eventBits)
        at.phase = Int((bits >> shift) & 1)
        shift += 1
        at.device = Int((bits >> shift) & ((1 << UInt64(deviceBits)) - 1))
        shift += UInt64(deviceBits)
        at.step = Int((bits >> shift) & ((1 << UInt64(stepBits)) - 1))
        shift += UInt64(stepBits)
        at.stage = Int((bits >> shift) & 3)
        shift += 2
        at.failed = (bits >> shift) & 1 == 1
        at.inFailure = (bits >> shift) & 2 == 2
        at.done = (bits >> shift) & 4 == 4
        return at
    }
}

/// Devices driven by a VMM policy exactly as QEMU orders them: every
/// device's prepare step in device order, then every device's main step,
/// event after event, each failed request recovered as the policy says.
///
/// A state is, per device, its local state, whether data was written into
/// its resuming session (when p2p-safety is checked) and the policy's
/// belief, plus where the policy is. The policy does one thing at a time,
/// so a state has one action (that of the device whose step runs) and its
/// outcomes: the device's `DeviceTable` gives the distinct outcomes (next
/// local state, success, write), the compiled policy gives the next
/// belief and position. The properties: the single-device ones (bits 0 to
/// 11), `p2p-safety` on every state (bit 12), `belief-consistency` after
/// every completed step (bit 13).
struct OrderedPolicySystem<Key: SearchKey>: TransitionSystem {
    let tables: DeviceTables
    let policy: CompiledPolicy
    let idFields: [KeyField]
    /// Empty unless p2p-safety is checked.
    let writtenFields: [KeyField]
    let beliefFields: [KeyField]
    let positionField: KeyField
    let codec: PositionCodec
    let checksP2P: Bool

    static var p2pBit: UInt32 { 1 << UInt32(MultiProperty.p2pSafety.searchBit) }
    static var beliefBit: UInt32 { 1 << UInt32(MultiProperty.beliefConsistency.searchBit) }

    /// The key's fields: per device id, written (with p2p-safety), belief;
    /// then the position.
    static func layout(idBits: Int, beliefBits: Int, devices: Int, checksP2P: Bool, codec: PositionCodec)
        -> (layout: KeyLayout, ids: [KeyField], written: [KeyField], beliefs: [KeyField], position: KeyField)
    {
        var layout = KeyLayout()
        var ids: [Int] = [], written: [Int] = [], beliefs: [Int] = []
        for _ in 0..<devices {
            ids.append(layout.add(width: idBits))
            if checksP2P { written.append(layout.add(width: 1)) }
            beliefs.append(layout.add(width: beliefBits))
        }
        let position = layout.add(width: codec.width)
        let fields = layout.fields
        return (layout, ids.map { fields[$0] }, written.map { fields[$0] }, beliefs.map { fields[$0] }, fields[position])
    }

    var stateProperties: UInt32 { checksP2P ? Self.p2pBit : 0 }

    var initialKey: Key {
        var key = Key()
        for device in 0..<idFields.count { key.set(beliefFields[device], UInt64(policy.assumed)) }
        var start = PolicyPosition()
        if policy.firstEvent < 0 {
            start.done = true
        } else {
            start.event = policy.firstEvent
        }
        key.set(positionField, codec.pack(start.done ? start : settle(start, key)))
        return key
    }

    @inline(__always)
    func position(_ key: Key) -> PolicyPosition { codec.unpack(key.field(positionField)) }

    /// The first step that applies at or after `start` (stage 0), moving
    /// through devices, phases and events; done when none is left.
    func settle(_ start: PolicyPosition, _ key: Key) -> PolicyPosition {
        var at = start
        at.stage = 0
        let devices = idFields.count
        while !at.done {
            while at.phase < 2 {
                while at.device < devices {
                    let believed = Int(key.field(beliefFields[at.device]))
                    let step = policy.step(event: at.event, phase: at.phase, device: at.device, belief: believed)
                    if step >= 0 {
                        at.step = step
                        return at
                    }
                    at.device += 1
                }
                at.phase += 1
                at.device = 0
            }
            at.phase = 0
            at.device = 0
            at.step = 0
            if at.inFailure {
                at.done = true
            } else if at.failed && policy.failureEvent >= 0 {
                at.event = policy.failureEvent
                at.inFailure = true
                at.failed = false
            } else if policy.nextEvent[at.event] >= 0 {
                at.event = policy.nextEvent[at.event]
            } else {
                at.done = true
            }
        }
        return PolicyPosition(done: true)
    }

    /// The action slot of the policy's next action, `LocalEdge.skipSlot`
    /// for a read or write without a data FD, or `nil` when done.
    @inline(__always)
    func slot(_ key: Key, _ at: PolicyPosition) -> Int? {
        if at.done { return nil }
        let step = policy.steps[policy.stepBase[at.event] + at.step]
        switch (at.stage, step.kind) {
        case (2, _): return policy.resetSlot
        case (1, _): return step.recoverSlot
        case (_, .request): return step.targetSlot
        case (_, .write), (_, .read):
            let state = tables.global(at.device, key.field(idFields[at.device]))
            let slots = tables.slots
            let empty = tables.first[state * slots + step.targetSlot] == tables.first[state * slots + step.targetSlot + 1]
            return empty ? LocalEdge.skipSlot : step.targetSlot
        }
    }

    /// The key after the current step's action on device `at.device`
    /// ended in local state `local` (`nil`: the skip, the device stays),
    /// the user having seen success `ok` and data written `wrote`; and
    /// whether the step completed with the policy's belief not the
    /// device's recorded state.
    @inline(__always)
    func apply(_ key: Key, _ at: PolicyPosition, local: Int32?, ok: Bool, wrote: Bool) -> (key: Key, beliefBroken: Bool) {
        var next = key
        let device = at.device
        var id = key.field(idFields[device])
        if let local {
            id = UInt64(local)
            next.set(idFields[device], id)
            if checksP2P {
                let written = (key.field(writtenFields[device]) == 1 || wrote) && tables.resuming[tables.global(device, id)]
                next.set(writtenFields[device], written ? 1 : 0)
            }
        }
        var at = at
        var believed = Int(key.field(beliefFields[device]))
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
        next.set(beliefFields[device], UInt64(believed))
        var broken = false
        if complete {
            broken = believed != Int(tables.recorded[tables.global(device, id)])
            at.stage = 0
            at.device += 1
            at = settle(at, next)
        }
        next.set(positionField, codec.pack(at))
        return (next, broken)
    }

    @inline(__always)
    func edge(_ device: Int, _ local: LocalEdge) -> UInt32 {
        UInt32(truncatingIfNeeded: device) | local.bits << 4
    }

    func expand<Sink: SuccessorSink>(_ key: Key, into sink: inout Sink) where Sink.Key == Key {
        let at = position(key)
        guard let slot = slot(key, at) else { return }
        let device = at.device
        if slot == LocalEdge.skipSlot {
            sink.count(1)
            let (next, broken) = apply(key, at, local: nil, ok: false, wrote: false)
            let edge = edge(device, LocalEdge(slot: slot, ordinal: 0))
            if broken { sink.violate(Self.beliefBit, edge: edge) }
            if next != key { sink.reach(next, edge: edge) }
            return
        }
        let tables = self.tables
        let slots = tables.slots
        let index = tables.global(device, key.field(idFields[device])) * slots + slot
        let low = Int(tables.first[index]), high = Int(tables.first[index + 1])
        sink.count(high - low)
        if tables.brokenBySlot[index] & sink.unfound != 0 {
            for outcome in low..<high where tables.broken[outcome] & sink.unfound != 0 {
                sink.violate(tables.broken[outcome], edge: edge(device, LocalEdge(slot: slot, ordinal: UInt32(outcome - low))))
            }
        }
        for group in Int(tables.groupStart[index])..<Int(tables.groupStart[index + 1]) {
            let local = tables.groupNext[group]
            if local < 0 { continue }
            let (next, broken) = apply(key, at, local: local, ok: tables.groupFlags[group] & OutcomeFlags.succeeded.rawValue != 0,
                                       wrote: tables.groupFlags[group] & OutcomeFlags.wrote.rawValue != 0)
            let edge = edge(device, LocalEdge(slot: slot, ordinal: tables.groupOrdinal[group]))
            if broken { sink.violate(Self.beliefBit, edge: edge) }
            if next != key { sink.reach(next, edge: edge) }
        }
    }

    func stateViolations(_ key: Key, among properties: UInt32) -> UInt32 {
        p2pBroken(key) ? Self.p2pBit & properties : 0
    }

    /// Whether some device is frozen while a peer may initiate P2P DMA.
    func p2pBroken(_ key: Key) -> Bool {
        var frozen = false
        var initiators = false
        for device in 0..<idFields.count {
            let state = tables.global(device, key.field(idFields[device]))
            if tables.initiator[state] { initiators = true }
            if tables.frozen[state] || (tables.frozenAfterWrite[state] && key.field(writtenFields[device]) == 1) {
                frozen = true
            }
        }
        return frozen && initiators
    }
}
