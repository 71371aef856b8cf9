/// A `Policy` compiled for one list of devices: which step line applies to
/// each (event, phase, device, belief), each action's slot in the device
/// tables, and the policy's control flow (events in order, the failure
/// sequence, interrupts, the VM's run state) as small tables and pure
/// functions on a `PolicyPosition`, so that the search never walks the
/// policy's lines and both policy systems (in QEMU's order and under
/// symmetry reduction) move through the policy with the same code.
struct CompiledPolicy: Sendable {
    /// One action of a step line, ready for the tables.
    struct Action: Sendable {
        enum Kind: UInt8, Sendable { case request, write, read, close, fail, reset }
        var kind: Kind
        var target: StateID
        var recover: StateID
        /// The device table's slot of the action (`LocalEdge.skipSlot` for
        /// `fail`), and of the request for the recover state.
        var slot: Int
        var recoverSlot: Int
        /// The recover state is the error state: a failure resets at once.
        var resetsAtOnce: Bool
        /// Runs only when the action before it succeeded (`then`).
        var onlyAfterSuccess: Bool
    }

    /// One event's attributes.
    struct Event: Sendable {
        var kind: PolicyEvent.Kind
        var uninterrupted: Bool
        var stopsAtFailure: Bool
        var afterCompletion: Bool
        var reverse: Bool
        /// Per run state (`VMRunState.allCases` order): whether the event runs.
        var runsIn: [Bool]
        /// `vm-becomes` as a run-state index, applied at the event's start
        /// when it stops the VM, at its end when it starts it (-1: none).
        var becomes: Int
        var stopsVM: Bool
        var startsVM: Bool
    }

    let policy: Policy
    let deviceCount: Int
    let beliefCount: Int
    let events: [Event]
    /// Per event: where its step lines start in `partBase`/`partCount`.
    let stepBase: [Int]
    /// Per step line (all events): where its actions start in `actions`, and how many.
    let partBase: [Int]
    let partCount: [Int]
    let actions: [Action]
    /// `stepFor[((event * 2 + phase) * deviceCount + device) * beliefCount + belief]`:
    /// the event's first step line that applies, or -1 (also when every
    /// action of it is a request for the belief that `skip-believed` skips).
    let stepFor: [Int32]
    /// The event that starts the migration (-1: none).
    let firstMigrationEvent: Int
    /// Per event: the next migration event after it (-1: none).
    let nextMigrationEvent: [Int]
    /// The failure sequence, and per event the next in it (-1: none).
    let failureSequence: [Int]
    let nextFailureEvent: [Int]
    /// Per run state: the interrupts that may come in it.
    let interruptsIn: [[Int]]
    let assumed: StateID
    let resetAssumes: StateID
    let resetSlot: Int
    let reopenSlot: Int
    let maximumSteps: Int
    let maximumParts: Int
    let skipsBelieved: Bool
    let abortsOnResetFailure: Bool
    /// Whether the policy's devices carry "holds the guest's state" (for
    /// p2p-safety and, on a destination, loaded-before-run).
    let tracksHeld: Bool
    let destination: Bool
    let initialVM: Int
    let initialHeld: Bool

    static let runningVM = 0
    static let pausedVM = 2

    init(policy: Policy, model: MigrationProtocol, devices: [DeviceSetup], table: DeviceTable, checksP2P: Bool) {
        self.policy = policy
        deviceCount = devices.count
        beliefCount = model.states.count
        let states = VMRunState.allCases
        events = policy.events.map { event in
            let becomes = event.vmBecomes.flatMap { states.firstIndex(of: $0) } ?? -1
            return Event(kind: event.kind, uninterrupted: event.uninterrupted, stopsAtFailure: event.stopsAtFailure,
                         afterCompletion: event.afterCompletion, reverse: event.reverse,
                         runsIn: states.map(event.runs(in:)), becomes: becomes,
                         stopsVM: becomes > 0, startsVM: becomes == 0)
        }
        var stepBase: [Int] = []
        var partBase: [Int] = []
        var partCount: [Int] = []
        var actions: [Action] = []
        for event in policy.events {
            stepBase.append(partBase.count)
            for step in event.steps {
                partBase.append(actions.count)
                partCount.append(step.parts.count)
                for part in step.parts {
                    var action = Action(kind: .fail, target: 0, recover: 0, slot: LocalEdge.skipSlot, recoverSlot: 0,
                                        resetsAtOnce: false, onlyAfterSuccess: part.onlyAfterSuccess)
                    switch part.action {
                    case .request(let target, let recover):
                        action.kind = .request
                        action.target = target
                        action.recover = recover
                        action.slot = table.requestSlot(target)
                        action.recoverSlot = table.requestSlot(recover)
                        action.resetsAtOnce = recover == model.errorState
                    case .write:
                        action.kind = .write
                        action.slot = table.writeStreamSlot
                    case .read:
                        action.kind = .read
                        action.slot = table.readToEndSlot
                    case .close:
                        action.kind = .close
                        action.slot = table.closeSlot
                    case .fail:
                        action.kind = .fail
                    case .reset:
                        action.kind = .reset
                        action.slot = table.resetSlot
                    }
                    actions.append(action)
                }
            }
        }
        self.stepBase = stepBase
        self.partBase = partBase
        self.partCount = partCount
        self.actions = actions
        var stepFor: [Int32] = []
        for (eventIndex, event) in policy.events.enumerated() {
            for phase in PolicyStep.Phase.allCases {
                for device in devices {
                    for belief in 0..<model.states.count {
                        var index = event.steps.firstIndex {
                            $0.phase == phase && $0.applies(features: device.features, belief: belief)
                        } ?? -1
                        if index >= 0 && policy.skipsBelieved {
                            let line = stepBase[eventIndex] + index
                            let skipped = (0..<partCount[line]).allSatisfy {
                                let action = actions[partBase[line] + $0]
                                return action.kind == .request && action.target == belief
                            }
                            if skipped { index = -1 }
                        }
                        stepFor.append(Int32(index))
                    }
                }
            }
        }
        self.stepFor = stepFor
        let migration = policy.events.indices.filter { policy.events[$0].kind == .migration }
        firstMigrationEvent = migration.first ?? -1
        nextMigrationEvent = policy.events.indices.map { event in migration.first { $0 > event } ?? -1 }
        failureSequence = policy.failureEvents
        nextFailureEvent = policy.events.indices.map { event in policy.failureEvents.first { $0 > event } ?? -1 }
        interruptsIn = states.map { state in
            policy.events.indices.filter { policy.events[$0].kind == .interrupt && policy.events[$0].runs(in: state) }
        }
        assumed = policy.assumed
        resetAssumes = policy.resetAssumes
        resetSlot = table.resetSlot
        reopenSlot = table.reopenSlot
        maximumSteps = policy.events.map(\.steps.count).max() ?? 0
        maximumParts = partCount.max() ?? 1
        skipsBelieved = policy.skipsBelieved
        abortsOnResetFailure = policy.abortsOnResetFailure
        destination = policy.role == .destination
        tracksHeld = checksP2P || destination
        initialVM = states.firstIndex(of: policy.vm) ?? 0
        initialHeld = policy.role == .source
    }

    /// The step line for `device` believed in `belief`, in `phase` (0:
    /// prepare, 1: main) of `event`, or -1.
    @inline(__always)
    func step(event: Int, phase: Int, device: Int, belief: Int) -> Int {
        Int(stepFor[((event * 2 + phase) * deviceCount + device) * beliefCount + belief])
    }

    /// Action `part` of step line `step` of `event`.
    @inline(__always)
    func action(event: Int, step: Int, part: Int) -> Action {
        actions[partBase[stepBase[event] + step] + part]
    }

    /// The first action of a step to run for a device believed in
    /// `belief`: with `skip-believed`, requests for the belief are skipped.
    @inline(__always)
    func firstPart(event: Int, step: Int, belief: Int) -> Int {
        nextPart(event: event, step: step, after: -1, ok: true, belief: belief) ?? 0
    }

    /// The action after `part` once it completed (`ok`), or `nil` when the
    /// step is over: an action after `then` runs only after a success; a
    /// skipped request counts as one.
    @inline(__always)
    func nextPart(event: Int, step: Int, after part: Int, ok: Bool, belief: Int) -> Int? {
        let line = stepBase[event] + step
        var ok = ok
        var next = part + 1
        while next < partCount[line] {
            let action = actions[partBase[line] + next]
            if !ok && action.onlyAfterSuccess { return nil }
            if skipsBelieved && action.kind == .request && action.target == belief {
                ok = true
                next += 1
                continue
            }
            return next
        }
        return nil
    }

    /// The device at position `k` of `event`'s order.
    @inline(__always)
    func device(at k: Int, of event: Int) -> Int {
        events[event].reverse ? deviceCount - 1 - k : k
    }

    /// Where the policy starts: before its first migration event.
    var start: PolicyPosition {
        var at = PolicyPosition()
        at.vm = initialVM
        if firstMigrationEvent < 0 { return PolicyPosition(done: true, vm: initialVM) }
        arrive(at: firstMigrationEvent, &at)
        return at
    }

    /// At the boundary before migration event `event`: stop there when an
    /// interrupt may come in the VM's run state, else begin the event.
    @inline(__always)
    func arrive(at event: Int, _ at: inout PolicyPosition) {
        at.clearStep()
        at.event = event
        at.failed = false
        if !interruptsIn[at.vm].isEmpty && !events[event].uninterrupted {
            at.boundary = true
            return
        }
        enter(&at)
    }

    /// Begins `at.event` (phase 0, position 0), applying a stopping
    /// `vm-becomes`; an event that does not run in the VM's run state is
    /// passed.
    @inline(__always)
    func enter(_ at: inout PolicyPosition) {
        at.boundary = false
        at.clearStep()
        let event = events[at.event]
        if !event.runsIn[at.vm] {
            leave(&at, ran: false)
            return
        }
        if event.stopsVM { at.vm = event.becomes }
    }

    /// Past the end of `at.event` (`ran`: it ran, and a starting
    /// `vm-becomes` applies): the boundary before the next migration event
    /// (or, from an interrupt, the event it interrupted), the failure
    /// sequence after a failure, its next event, or done.
    func leave(_ at: inout PolicyPosition, ran: Bool) {
        var ran = ran
        while true {
            let event = events[at.event]
            if ran && event.startsVM { at.vm = event.becomes }
            let failed = ran && at.failed && !event.afterCompletion
            var next: Int
            var arriving = false
            if at.inFailure {
                next = nextFailureEvent[at.event]
            } else if failed {
                at.inFailure = true
                at.interrupting = false
                next = failureSequence.first ?? -1
            } else if at.interrupting {
                at.interrupting = false
                next = at.resume
                arriving = true
            } else {
                next = nextMigrationEvent[at.event]
                arriving = true
            }
            if next < 0 {
                at = PolicyPosition(done: true, vm: at.vm)
                return
            }
            if arriving {
                arrive(at: next, &at)
                return
            }
            at.clearStep()
            at.event = next
            at.failed = false
            if events[next].runsIn[at.vm] {
                if events[next].stopsVM { at.vm = events[next].becomes }
                return
            }
            ran = false
        }
    }

    /// The position after policy move `choice` from the boundary `at`: 0
    /// goes on into the migration event, `1 + i` starts the i-th interrupt
    /// the VM's run state allows.
    func position(after at: PolicyPosition, choice: Int) -> PolicyPosition {
        if choice == 0 {
            var next = at
            enter(&next)
            return next
        }
        return interrupt(interruptsIn[at.vm][choice - 1], from: at)
    }

    /// Interrupt `interrupt` begins at the boundary `at`.
    func interrupt(_ interrupt: Int, from at: PolicyPosition) -> PolicyPosition {
        var next = at
        next.boundary = false
        next.interrupting = true
        next.resume = at.event
        next.event = interrupt
        next.clearStep()
        next.failed = false
        if events[interrupt].stopsVM { next.vm = events[interrupt].becomes }
        return next
    }

    /// `policy: event vm-stop, main, line 11` and what stage of QEMU's
    /// recovery the step is in.
    func describe(event: Int, step: Int, part: Int, stage: Int, model: MigrationProtocol) -> String {
        let line = policy.events[event].steps[step]
        var text = "policy: event \(policy.events[event].name), \(line.phase.rawValue), line \(line.line)"
        if line.parts.count > 1 { text += ", action \(part + 1)" }
        if stage == 1 { text += ": the request failed; the recover request" }
        if stage == 2 { text += ": recovery failed or none; reset and assume \(model.states[policy.resetAssumes].name)" }
        return text
    }
}

/// Where a policy is: the event; at the boundary before it (interrupts
/// may come) or in it: the phase (0: prepare, 1: main), the position in
/// the phase's device order (for `SymmetricPolicySystem`: positions
/// consumed), the step line, the action of the step, the stage of QEMU's
/// recovery (0: the action; 1: the recover request; 2: the reset);
/// whether a step of the event failed; whether the failure sequence runs;
/// whether an interrupt runs (and the migration event it resumes); the
/// VM's run state; whether the policy is done, and whether it aborted.
struct PolicyPosition: Equatable, Sendable {
    var event = 0
    var phase = 0
    var device = 0
    var step = 0
    var part = 0
    var stage = 0
    var failed = false
    var inFailure = false
    var done = false
    var aborted = false
    var boundary = false
    var interrupting = false
    var resume = 0
    var vm = 0

    init() {}

    init(done: Bool, vm: Int) {
        self.done = done
        self.vm = vm
    }

    mutating func clearStep() {
        phase = 0
        device = 0
        step = 0
        part = 0
        stage = 0
    }
}

/// Packs a `PolicyPosition` into one key field, with widths from the
/// policy and the number of devices.
struct PositionCodec: Sendable {
    let eventBits: Int
    let deviceBits: Int
    let stepBits: Int
    let partBits: Int

    init(events: Int, devices: Int, steps: Int, parts: Int) {
        eventBits = bitsFor(events)
        deviceBits = bitsFor(devices + 1)
        stepBits = bitsFor(steps)
        partBits = bitsFor(parts)
    }

    /// event, phase, device, step, part, stage (2), six flags, resume, vm (2).
    var width: Int { eventBits + 1 + deviceBits + stepBits + partBits + 2 + 6 + eventBits + 2 }

    @inline(__always)
    func pack(_ at: PolicyPosition) -> UInt64 {
        var bits = UInt64(at.event)
        var shift = UInt64(eventBits)
        bits |= UInt64(at.phase & 1) << shift
        shift += 1
        bits |= UInt64(at.device) << shift
        shift += UInt64(deviceBits)
        bits |= UInt64(at.step) << shift
        shift += UInt64(stepBits)
        bits |= UInt64(at.part) << shift
        shift += UInt64(partBits)
        bits |= UInt64(at.stage) << shift
        shift += 2
        var flags: UInt64 = 0
        if at.failed { flags |= 1 }
        if at.inFailure { flags |= 2 }
        if at.done { flags |= 4 }
        if at.aborted { flags |= 8 }
        if at.boundary { flags |= 16 }
        if at.interrupting { flags |= 32 }
        bits |= flags << shift
        shift += 6
        bits |= UInt64(at.resume) << shift
        shift += UInt64(eventBits)
        bits |= UInt64(at.vm) << shift
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
        at.part = Int((bits >> shift) & ((1 << UInt64(partBits)) - 1))
        shift += UInt64(partBits)
        at.stage = Int((bits >> shift) & 3)
        shift += 2
        let flags = (bits >> shift) & 63
        at.failed = flags & 1 != 0
        at.inFailure = flags & 2 != 0
        at.done = flags & 4 != 0
        at.aborted = flags & 8 != 0
        at.boundary = flags & 16 != 0
        at.interrupting = flags & 32 != 0
        shift += 6
        at.resume = Int((bits >> shift) & ((1 << UInt64(eventBits)) - 1))
        shift += UInt64(eventBits)
        at.vm = Int((bits >> shift) & 3)
        return at
    }
}

/// What a policy system keeps of one device besides its local state: the
/// policy's belief, whether data was written into its resuming session
/// (for p2p-safety), and whether it holds the guest's state.
struct PolicyDeviceValues: Equatable, Sendable {
    var belief: Int
    var written: Bool
    /// The device holds the guest's state: on a source from the start, on
    /// a destination once a stream was loaded into it; a reset takes it
    /// away unless the guest runs and asked for it (it then sets the device
    /// up again).
    var held: Bool
}

/// How the current step goes on after one of its device's outcomes.
enum StepProgress: Equatable, Sendable {
    /// The same step: its next stage or action.
    case sameStep
    /// The step is over: the next device, or the event's end.
    case stepOver
    /// A recovery reset failed and the policy aborts.
    case abort
}

extension CompiledPolicy {
    /// The policy's side of one outcome of the current action of `at`'s
    /// step on a device (`flags` of the outcome, `skipped`: the skip, no
    /// device action; `resumingAfter`: the device holds a live resuming
    /// session afterwards): the device's values and the position move on.
    /// Returns how the step goes on and whether an action completed (the
    /// moment belief-consistency is checked).
    @inline(__always)
    func progress(_ at: inout PolicyPosition, _ values: inout PolicyDeviceValues, flags rawFlags: UInt8,
                  skipped: Bool, resumingAfter: Bool) -> (StepProgress, completed: Bool) {
        let flags = OutcomeFlags(rawValue: rawFlags)
        if !skipped {
            values.written = (values.written || flags.contains(.wrote)) && resumingAfter
            if tracksHeld {
                if flags.contains(.loaded) { values.held = true }
                if flags.contains(.reset) && (at.vm != Self.runningVM || at.stage == 2) { values.held = false }
            }
        }
        let action = self.action(event: at.event, step: at.step, part: at.part)
        let ok = flags.contains(.succeeded)
        var actionOK = false
        switch (at.stage, action.kind) {
        case (2, _):
            if !ok && abortsOnResetFailure { return (.abort, false) }
            values.belief = resetAssumes
        case (1, _):
            guard ok else {
                at.stage = 2
                return (.sameStep, false)
            }
            values.belief = action.recover
        case (_, .request):
            if flags.contains(.refusedFD) {
                values.belief = action.target
            } else if ok {
                values.belief = action.target
                actionOK = true
            } else {
                at.stage = action.resetsAtOnce ? 2 : 1
                return (.sameStep, false)
            }
        case (_, .write), (_, .read):
            actionOK = ok
        case (_, .close), (_, .reset):
            actionOK = true
        case (_, .fail):
            actionOK = false
        }
        at.stage = 0
        if !actionOK { at.failed = true }
        if let next = nextPart(event: at.event, step: at.step, after: at.part, ok: actionOK, belief: values.belief) {
            at.part = next
            return (.sameStep, true)
        }
        at.part = 0
        if at.failed && events[at.event].stopsAtFailure {
            at.phase = 2
        } else {
            at.device += 1
        }
        return (.stepOver, true)
    }

    /// The slot of the current action of `at`'s step on a device in
    /// global state `state`, `LocalEdge.skipSlot` when the action touches
    /// no device (`fail`, or an FD action with no FD to use).
    @inline(__always)
    func slot(_ at: PolicyPosition, _ tables: DeviceTables, state: Int) -> Int {
        let action = self.action(event: at.event, step: at.step, part: at.part)
        switch (at.stage, action.kind) {
        case (2, _): return resetSlot
        case (1, _): return action.recoverSlot
        case (_, .request), (_, .reset): return action.slot
        case (_, .fail): return LocalEdge.skipSlot
        case (_, .write), (_, .read), (_, .close):
            let index = state * tables.slots + action.slot
            return tables.first[index] == tables.first[index + 1] ? LocalEdge.skipSlot : action.slot
        }
    }

    /// The outcomes the current action cannot have now, as flags: a reset
    /// arriving while set_state holds the lock (the `reset` flag of a
    /// request's outcome) while the VM does not run. Behind the VMM's back
    /// only the guest resets a device (an FLR through config space), and
    /// that needs running vCPUs; a host's error recovery makes QEMU stop
    /// the VM for good (`vfio_err_notifier_handler()`), which is not
    /// modelled.
    @inline(__always)
    func excludedFlags(_ at: PolicyPosition) -> UInt8 {
        guard at.vm != Self.runningVM, at.stage < 2 else { return 0 }
        let kind = action(event: at.event, step: at.step, part: at.part).kind
        return kind == .request ? OutcomeFlags.reset.rawValue : 0
    }

    /// Whether p2p-safety is checked at `at`: while the migration may still
    /// export a device's state (not in the failure sequence, not done).
    @inline(__always)
    func exportsState(_ at: PolicyPosition) -> Bool { !at.inFailure && !at.done }

    /// The flags of the skip: a `close` with nothing to close succeeds; a
    /// read or write with no FD, and `fail`, fail.
    @inline(__always)
    func skipFlags(_ at: PolicyPosition) -> UInt8 {
        action(event: at.event, step: at.step, part: at.part).kind == .close ? OutcomeFlags.succeeded.rawValue : 0
    }
}
