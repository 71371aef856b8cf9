/// Devices driven by a VMM policy exactly as QEMU orders them: in each
/// event every device's prepare step, then every device's main step, in
/// device order (reversed for `reverse` events), each failed request
/// recovered as the policy says, the failure sequence after a failed
/// event, and at each boundary between migration events any interrupt the
/// VM's run state allows.
///
/// A state is, per device, its local state, whether data was written into
/// its resuming session (when p2p-safety is checked), whether it holds the
/// guest's state (when p2p-safety or loaded-before-run is checked) and the
/// policy's belief, plus where the policy is. The policy does one thing at
/// a time, so a state has one action (that of the device whose step runs)
/// and its outcomes, or at a boundary the interrupts and going on: the
/// device's `DeviceTable` gives the distinct outcomes (next local state and
/// flags), the compiled policy gives the next belief and position. The
/// properties: the single-device ones, `p2p-safety` and `loaded-before-run`
/// on every state, `belief-consistency` after every completed action.
struct OrderedPolicySystem<Key: SearchKey>: TransitionSystem {
    let tables: DeviceTables
    let policy: CompiledPolicy
    let idFields: [KeyField]
    /// Empty unless p2p-safety is checked.
    let writtenFields: [KeyField]
    /// Empty unless the policy tracks which devices hold the guest's state.
    let heldFields: [KeyField]
    let beliefFields: [KeyField]
    let positionField: KeyField
    let codec: PositionCodec
    let checksP2P: Bool

    static var p2pBit: UInt32 { 1 << UInt32(MultiProperty.p2pSafety.searchBit) }
    static var beliefBit: UInt32 { 1 << UInt32(MultiProperty.beliefConsistency.searchBit) }
    static var loadedBit: UInt32 { 1 << UInt32(MultiProperty.loadedBeforeRun.searchBit) }
    /// The device field of a policy move's edge (an interrupt, or going on
    /// from a boundary): no device acts.
    static var policyMoveDevice: UInt32 { 15 }

    /// The key's fields: per device id, written (with p2p-safety), held
    /// (when tracked), belief; then the position.
    static func layout(idBits: Int, beliefBits: Int, devices: Int, checksP2P: Bool, tracksHeld: Bool,
                       codec: PositionCodec)
        -> (layout: KeyLayout, ids: [KeyField], written: [KeyField], held: [KeyField], beliefs: [KeyField],
            position: KeyField)
    {
        var layout = KeyLayout()
        var ids: [Int] = [], written: [Int] = [], held: [Int] = [], beliefs: [Int] = []
        for _ in 0..<devices {
            ids.append(layout.add(width: idBits))
            if checksP2P { written.append(layout.add(width: 1)) }
            if tracksHeld { held.append(layout.add(width: 1)) }
            beliefs.append(layout.add(width: beliefBits))
        }
        let position = layout.add(width: codec.width)
        let fields = layout.fields
        return (layout, ids.map { fields[$0] }, written.map { fields[$0] }, held.map { fields[$0] },
                beliefs.map { fields[$0] }, fields[position])
    }

    var stateProperties: UInt32 {
        (checksP2P ? Self.p2pBit : 0) | (policy.destination ? Self.loadedBit : 0)
    }

    var initialKey: Key {
        var key = Key()
        for device in 0..<idFields.count {
            set(&key, device, PolicyDeviceValues(belief: policy.assumed, written: false, held: policy.initialHeld))
        }
        key.set(positionField, codec.pack(settle(policy.start, key)))
        return key
    }

    @inline(__always)
    func position(_ key: Key) -> PolicyPosition { codec.unpack(key.field(positionField)) }

    @inline(__always)
    func values(_ key: Key, _ device: Int) -> PolicyDeviceValues {
        PolicyDeviceValues(
            belief: Int(key.field(beliefFields[device])),
            written: checksP2P && key.field(writtenFields[device]) == 1,
            held: policy.tracksHeld && key.field(heldFields[device]) == 1)
    }

    @inline(__always)
    func set(_ key: inout Key, _ device: Int, _ values: PolicyDeviceValues) {
        key.set(beliefFields[device], UInt64(values.belief))
        if checksP2P { key.set(writtenFields[device], values.written ? 1 : 0) }
        if policy.tracksHeld { key.set(heldFields[device], values.held ? 1 : 0) }
    }

    /// The device whose step runs at `at`.
    @inline(__always)
    func device(_ at: PolicyPosition) -> Int { policy.device(at: at.device, of: at.event) }

    /// The first step that applies at or after `start` (stage 0), moving
    /// through devices, phases and events; stops at a boundary; done when
    /// nothing is left.
    func settle(_ start: PolicyPosition, _ key: Key) -> PolicyPosition {
        var at = start
        let devices = idFields.count
        while !at.done && !at.boundary {
            if at.phase < 2 {
                while at.device < devices {
                    let device = policy.device(at: at.device, of: at.event)
                    let believed = Int(key.field(beliefFields[device]))
                    let step = policy.step(event: at.event, phase: at.phase, device: device, belief: believed)
                    if step >= 0 {
                        at.step = step
                        at.part = policy.firstPart(event: at.event, step: step, belief: believed)
                        at.stage = 0
                        return at
                    }
                    at.device += 1
                }
                at.phase += 1
                at.device = 0
                continue
            }
            policy.leave(&at, ran: true)
        }
        return at
    }

    /// The key after the current step's action on device `device(at)`
    /// ended in local state `local` (`nil`: the skip, the device stays)
    /// with outcome `flags`; the properties of the VM the transition
    /// broke (belief-consistency), and the single-device ones an abort's
    /// closing of the devices broke.
    @inline(__always)
    func apply(_ key: Key, _ at: PolicyPosition, local: Int32?, flags: UInt8) -> (key: Key, broken: UInt32) {
        var next = key
        let device = self.device(at)
        var id = key.field(idFields[device])
        if let local {
            id = UInt64(local)
            next.set(idFields[device], id)
        }
        var at = at
        var values = self.values(key, device)
        let state = tables.global(device, id)
        let (progress, completed) = policy.progress(&at, &values, flags: flags, skipped: local == nil,
                                                    resumingAfter: tables.resuming[state])
        if progress == .abort { return abort(next) }
        set(&next, device, values)
        var broken: UInt32 = 0
        if completed && values.belief != Int(tables.recorded[state]) { broken |= Self.beliefBit }
        if progress == .stepOver { at = settle(at, next) }
        next.set(positionField, codec.pack(at))
        return (next, broken)
    }

    /// QEMU aborts: the kernel closes every device (`close_device`), as a
    /// reopen leaves it; the single-device properties that breaks.
    func abort(_ key: Key) -> (key: Key, broken: UInt32) {
        var next = key
        var broken: UInt32 = 0
        for device in 0..<idFields.count {
            let state = tables.global(device, key.field(idFields[device]))
            let index = state * tables.slots + policy.reopenSlot
            let outcome = Int(tables.first[index])
            next.set(idFields[device], UInt64(tables.next[outcome]))
            broken |= tables.broken[outcome]
        }
        var done = PolicyPosition(done: true, vm: CompiledPolicy.pausedVM)
        done.aborted = true
        next.set(positionField, codec.pack(done))
        return (next, broken)
    }

    @inline(__always)
    func edge(_ device: Int, _ local: LocalEdge) -> UInt32 {
        UInt32(truncatingIfNeeded: device) | local.bits << 4
    }

    /// The key after policy move `choice` from the boundary `key`: 0 goes
    /// on into the migration event, `1 + i` starts the i-th interrupt the
    /// VM's run state allows.
    func move(_ key: Key, _ choice: Int) -> Key {
        let at = policy.position(after: position(key), choice: choice)
        var next = key
        next.set(positionField, codec.pack(settle(at, key)))
        return next
    }

    func expand<Sink: SuccessorSink>(_ key: Key, into sink: inout Sink) where Sink.Key == Key {
        let at = position(key)
        if at.done { return }
        if at.boundary {
            let choices = policy.interruptsIn[at.vm].count
            for choice in 0...choices {
                sink.count(1)
                let next = move(key, choice)
                if next != key {
                    sink.reach(next, edge: edge(Int(Self.policyMoveDevice), LocalEdge(slot: LocalEdge.policySlot, ordinal: UInt32(choice))))
                }
            }
            return
        }
        let device = self.device(at)
        let state = tables.global(device, key.field(idFields[device]))
        let slot = policy.slot(at, tables, state: state)
        if slot == LocalEdge.skipSlot {
            sink.count(1)
            let (next, broken) = apply(key, at, local: nil, flags: policy.skipFlags(at))
            let edge = edge(device, LocalEdge(slot: slot, ordinal: 0))
            if broken != 0 { sink.violate(broken, edge: edge) }
            if next != key { sink.reach(next, edge: edge) }
            return
        }
        let tables = self.tables
        let index = state * tables.slots + slot
        let low = Int(tables.first[index]), high = Int(tables.first[index + 1])
        let excluded = policy.excludedFlags(at)
        sink.count(tables.outcomeCount(low..<high, excluding: excluded))
        if tables.brokenBySlot[index] & sink.unfound != 0 {
            for outcome in low..<high where tables.broken[outcome] & sink.unfound != 0 && tables.flags[outcome] & excluded == 0 {
                sink.violate(tables.broken[outcome], edge: edge(device, LocalEdge(slot: slot, ordinal: UInt32(outcome - low))))
            }
        }
        for group in Int(tables.groupStart[index])..<Int(tables.groupStart[index + 1]) {
            let local = tables.groupNext[group]
            if local < 0 || tables.groupFlags[group] & excluded != 0 { continue }
            let (next, broken) = apply(key, at, local: local, flags: tables.groupFlags[group])
            let edge = edge(device, LocalEdge(slot: slot, ordinal: tables.groupOrdinal[group]))
            if broken != 0 { sink.violate(broken, edge: edge) }
            if next != key { sink.reach(next, edge: edge) }
        }
    }

    func stateViolations(_ key: Key, among properties: UInt32) -> UInt32 {
        var found: UInt32 = 0
        if properties & Self.p2pBit != 0 && policy.exportsState(position(key)) && p2pBroken(key) { found |= Self.p2pBit }
        if properties & Self.loadedBit != 0 && !unloaded(key).isEmpty { found |= Self.loadedBit }
        return found
    }

    /// Whether the device may initiate P2P DMA: its hardware in an
    /// initiating state, set up by the guest (it holds the guest's state,
    /// or the guest runs and sets it up).
    @inline(__always)
    func initiates(_ key: Key, _ device: Int, vm: Int) -> Bool {
        let state = tables.global(device, key.field(idFields[device]))
        guard tables.initiator[state] else { return false }
        return vm == CompiledPolicy.runningVM || !policy.tracksHeld || key.field(heldFields[device]) == 1
    }

    @inline(__always)
    func isFrozen(_ key: Key, _ device: Int) -> Bool {
        let state = tables.global(device, key.field(idFields[device]))
        return tables.frozen[state] || (tables.frozenAfterWrite[state] && key.field(writtenFields[device]) == 1)
    }

    /// Whether some device is frozen while a peer may initiate P2P DMA.
    func p2pBroken(_ key: Key) -> Bool {
        let vm = position(key).vm
        var frozen = false
        var initiators = false
        for device in 0..<idFields.count {
            if initiates(key, device, vm: vm) { initiators = true }
            if isFrozen(key, device) { frozen = true }
        }
        return frozen && initiators
    }

    /// On a destination whose VM runs: the devices that hold no guest
    /// state (never loaded, or reset since).
    func unloaded(_ key: Key) -> [Int] {
        guard policy.destination, position(key).vm == CompiledPolicy.runningVM else { return [] }
        return (0..<idFields.count).filter { key.field(heldFields[$0]) == 0 }
    }
}
