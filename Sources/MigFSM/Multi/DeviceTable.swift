/// One driver on one feature set compiled to its transition table: every
/// device state reachable from a freshly opened device by any user action
/// and injected fault, and for each state and action every outcome (the
/// next state, whether a request succeeded, the single-device properties
/// broken), in `DriverMachine`'s fixed branch order.
///
/// Devices in one VM never touch each other's state, so the several-device
/// search and the Promela export both run on these tables: one table per
/// distinct driver and feature set, shared by the devices that use them.
public struct DeviceTable: Sendable {
    public let machine: DriverMachine
    /// Local state ID -> device; 0 is the freshly opened device.
    public let states: [DeviceState]
    /// Action slots: one per request value, then read the state, reset,
    /// close the FD, access the FD.
    public let actions: [UserAction]
    /// Outcomes of (state, action) are `first[s * actions.count + a] ..< first[... + 1]`.
    public let first: [Int32]
    /// Per outcome: the next local state, or -1 when the request never returns.
    public let next: [Int32]
    /// Per outcome: the single-device properties broken, as bits of
    /// `ExploreProperty.allCases` indices.
    public let broken: [UInt16]
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

    /// The slot of `.request(value)`; reads, resets and FD actions follow.
    public var readSlot: Int { machine.requestValues.count }
    public var resetSlot: Int { readSlot + 1 }
    public var closeSlot: Int { readSlot + 2 }
    public var accessSlot: Int { readSlot + 3 }

    public init(machine: DriverMachine) {
        self.machine = machine
        let model = machine.model
        let actions = machine.requestValues.map(UserAction.request) + [.readState, .reset, .closeFD, .accessFD]
        self.actions = actions
        let codec = StateCodec(model: model)
        var idOfCode: [Int: Int32] = [:]
        var states: [DeviceState] = [.opened(model)]
        idOfCode[Int(codec.encode(states[0]))] = 0
        var first: [Int32] = []
        var next: [Int32] = []
        var broken: [UInt16] = []
        var succeeded: [Bool] = []
        var wrote: [Bool] = []
        let propertyIndex = Dictionary(uniqueKeysWithValues: ExploreProperty.allCases.enumerated().map { ($1, $0) })
        var head = 0
        while head < states.count {
            let device = states[head]
            head += 1
            let available = Set(machine.actions(for: device))
            for action in actions {
                first.append(Int32(next.count))
                guard available.contains(action) else { continue }
                machine.branches(of: device, action: action, record: false) { branch in
                    var bits: UInt16 = 0
                    for violation in branch.violations { bits |= 1 << UInt16(propertyIndex[violation.property]!) }
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
                    let code = Int(codec.encode(after))
                    if let id = idOfCode[code] {
                        next.append(id)
                    } else {
                        let id = Int32(states.count)
                        idOfCode[code] = id
                        states.append(after)
                        next.append(id)
                    }
                }
            }
        }
        first.append(Int32(next.count))
        self.states = states
        self.first = first
        self.next = next
        self.broken = broken
        self.succeeded = succeeded
        self.wrote = wrote
        let initiators = Set(model.p2pInitiators)
        initiator = states.map { initiators.contains($0.hardware) }
        frozen = states.map { device in model.frozen.contains { $0.state == device.hardware && !$0.afterWrite } }
        frozenAfterWrite = states.map { device in model.frozen.contains { $0.state == device.hardware && $0.afterWrite } }
        var bits = 1
        while (1 << bits) < states.count { bits += 1 }
        idBits = bits
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
