/// Runs the engine on an `OrderedPolicySystem` with the narrowest key its
/// fields fit, and replays each violation's path into a trace.
enum OrderedPolicySearch {
    struct Plan {
        var policy: CompiledPolicy
        var codec: PositionCodec
        var words: Int
        var ids: [KeyField]
        var written: [KeyField]
        var held: [KeyField]
        var beliefs: [KeyField]
        var position: KeyField
    }

    static func compile(_ explorer: MultiExplorer) -> (CompiledPolicy, PositionCodec)? {
        guard let policy = explorer.policy, let table = explorer.tables.first else { return nil }
        let compiled = CompiledPolicy(policy: policy, model: explorer.model, devices: explorer.devices, table: table,
                                      checksP2P: explorer.checksP2P)
        let codec = PositionCodec(events: policy.events.count, devices: explorer.devices.count,
                                  steps: compiled.maximumSteps, parts: compiled.maximumParts)
        guard codec.width <= 63 else { return nil }
        return (compiled, codec)
    }

    static func plan(_ explorer: MultiExplorer) -> Plan? {
        guard let (compiled, codec) = compile(explorer) else { return nil }
        let fields = OrderedPolicySystem<Key64>.layout(
            idBits: explorer.tables.map(\.idBits).max() ?? 1, beliefBits: bitsFor(explorer.model.states.count),
            devices: explorer.devices.count, checksP2P: explorer.checksP2P, tracksHeld: compiled.tracksHeld,
            codec: codec)
        return Plan(policy: compiled, codec: codec, words: fields.layout.words, ids: fields.ids,
                    written: fields.written, held: fields.held, beliefs: fields.beliefs, position: fields.position)
    }

    /// Whether the devices and the policy fit a key of at most four words.
    static func fits(_ explorer: MultiExplorer) -> Bool {
        guard let plan = plan(explorer) else { return false }
        return plan.words <= 4
    }

    static func system<Key: SearchKey>(_ type: Key.Type, _ explorer: MultiExplorer, _ tables: DeviceTables,
                                       _ plan: Plan) -> OrderedPolicySystem<Key> {
        OrderedPolicySystem<Key>(
            tables: tables, policy: plan.policy, idFields: plan.ids, writtenFields: plan.written,
            heldFields: plan.held, beliefFields: plan.beliefs, positionField: plan.position, codec: plan.codec,
            checksP2P: explorer.checksP2P)
    }

    static func run(_ explorer: MultiExplorer, _ tables: DeviceTables, _ options: SearchOptions) -> MultiExploration {
        guard let plan = plan(explorer) else {
            return MultiExploration(states: 0, transitions: 0, depth: 0, counterexamples: [], incomplete: false,
                                    queue: 0, statistics: SearchStatistics(), reduced: false)
        }
        switch plan.words {
        case 1: return run(Key64.self, explorer, tables, plan, options)
        case 2: return run(Key128.self, explorer, tables, plan, options)
        case 3: return run(Key192.self, explorer, tables, plan, options)
        default: return run(Key256.self, explorer, tables, plan, options)
        }
    }

    static func run<Key: SearchKey>(
        _ type: Key.Type, _ explorer: MultiExplorer, _ tables: DeviceTables, _ plan: Plan, _ options: SearchOptions
    ) -> MultiExploration {
        let system = system(Key.self, explorer, tables, plan)
        let outcome = BreadthFirstSearch(system: system, options: options).run()
        var counterexamples: [MultiCounterexample] = []
        for violation in outcome.violations {
            guard let property = MultiProperty(searchBit: violation.property),
                  let counterexample = system.counterexample(property, violation.path, model: explorer.model)
            else { continue }
            counterexamples.append(counterexample)
        }
        return MultiExploration(
            states: outcome.states, transitions: outcome.transitions, depth: outcome.depth,
            counterexamples: counterexamples.sorted { $0.property < $1.property }, incomplete: outcome.incomplete,
            queue: outcome.queued, statistics: outcome.statistics, reduced: false)
    }
}

extension OrderedPolicySystem {
    /// Every device of `key`, with the policy's beliefs.
    func snapshots(_ key: Key) -> [DeviceSnapshot] {
        (0..<idFields.count).map { device in
            let table = tables.tables[Int(tables.tableOf[device])]
            let values = self.values(key, device)
            return DeviceSnapshot(
                state: table.states[Int(key.field(idFields[device]))],
                dataWritten: checksP2P ? values.written : nil,
                belief: values.belief,
                holdsGuestState: policy.tracksHeld ? values.held : nil)
        }
    }

    /// `the VM is running`, for a trace.
    func vmText(_ key: Key) -> String {
        "the VM is " + VMRunState.allCases[position(key).vm].rawValue
    }

    /// Replays `path` from the initial key, recording what each step did,
    /// and says what the last step broke; `nil` when the path is not the
    /// policy's (an edge names another device than the policy's next) or
    /// does not end in a violation of `property`. Going on from a
    /// boundary is no step of the trace.
    func counterexample(_ property: MultiProperty, _ path: [UInt32], model: MigrationProtocol) -> MultiCounterexample? {
        let start = initialKey
        var key = start
        var steps: [MultiTraceStep] = []
        var message = ""
        var replayed = 0
        func stateMessage(_ next: Key) -> String {
            switch property {
            case .p2pSafety: return p2pBroken(next) ? p2pMessage(next, model) : ""
            case .loadedBeforeRun: return unloaded(next).isEmpty ? "" : loadedMessage(next)
            default: return ""
            }
        }
        if path.isEmpty {
            // A state property broken before anything happened.
            let message = stateMessage(start)
            return message.isEmpty ? nil : MultiCounterexample(property: property, message: message, start: snapshots(start), steps: [])
        }
        for (number, edge) in path.enumerated() {
            let at = position(key)
            let isLast = number == path.count - 1
            if at.done { return nil }
            if edge & 0xF == Self.policyMoveDevice {
                let choice = Int(LocalEdge(bits: edge >> 4).ordinal)
                guard at.boundary, choice <= policy.interruptsIn[at.vm].count else { return nil }
                let next = move(key, choice)
                replayed += 1
                if isLast { message = stateMessage(next) }
                if choice > 0 {
                    let event = policy.interruptsIn[at.vm][choice - 1]
                    steps.append(MultiTraceStep(
                        number: steps.count + 1, device: nil,
                        policy: "policy: event \(policy.policy.events[event].name), line \(policy.policy.events[event].line)",
                        policyLine: policy.policy.events[event].line,
                        action: "interrupt \(policy.policy.events[event].name) comes between migration events",
                        events: [], result: vmText(next), after: snapshots(next)))
                } else if isLast && !message.isEmpty {
                    steps.append(MultiTraceStep(
                        number: steps.count + 1, device: nil, policy: nil,
                        policyLine: policy.policy.events[at.event].line,
                        action: "event \(policy.policy.events[at.event].name) begins", events: [],
                        result: vmText(next), after: snapshots(next)))
                }
                key = next
                continue
            }
            let device = self.device(at)
            if at.boundary || Int(edge & 0xF) != device { return nil }
            let local = LocalEdge(bits: edge >> 4)
            let table = tables.tables[Int(tables.tableOf[device])]
            let id = Int(key.field(idFields[device]))
            let policyText = policy.describe(event: at.event, step: at.step, part: at.part, stage: at.stage, model: model)
            let policyLine = policy.policy.events[at.event].steps[at.step].line
            replayed += 1
            if local.slot == LocalEdge.skipSlot {
                let (next, broken) = apply(key, at, local: nil, flags: policy.skipFlags(at))
                if isLast && broken & Self.beliefBit != 0 && property == .beliefConsistency {
                    message = beliefMessage(next, device, model)
                }
                if isLast && message.isEmpty { message = stateMessage(next) }
                let kind = policy.action(event: at.event, step: at.step, part: at.part).kind
                let (action, result): (String, String)
                switch kind {
                case .fail: (action, result) = ("the step fails without a request", "the step fails")
                case .close: (action, result) = ("the policy holds no data FD to close", "nothing to do")
                default: (action, result) = ("the policy has no data FD to use", "the step fails")
                }
                steps.append(MultiTraceStep(
                    number: steps.count + 1, device: device, policy: policyText, policyLine: policyLine,
                    action: action, events: [],
                    result: result, after: snapshots(next)))
                key = next
                continue
            }
            let outcomes = table.outcomes(id, local.slot)
            guard local.slot < table.actions.count, local.ordinal < outcomes.count else { break }
            let outcome = outcomes.lowerBound + local.ordinal
            let action = table.actions[local.slot]
            var taken: Branch?
            var ordinal = 0
            table.machine.branches(of: table.states[id], action: action, record: true) { branch in
                if ordinal == local.ordinal { taken = branch }
                ordinal += 1
            }
            let to = table.next[outcome]
            var after: [DeviceSnapshot]?
            var next = key
            var events = taken?.events ?? []
            if to >= 0 {
                let applied = apply(key, at, local: to, flags: table.flags[outcome].rawValue)
                next = applied.key
                after = snapshots(next)
                if position(next).aborted {
                    events.append(TraceEvent(.reset,
                        "the recovery's reset failed: the policy aborts (QEMU: hw_error()), and the kernel closes every device"))
                }
                if isLast && property == .beliefConsistency && applied.broken & Self.beliefBit != 0 {
                    message = beliefMessage(next, device, model)
                }
                if isLast, case .device(let single) = property, applied.broken & (1 << UInt32(single.index)) != 0,
                   taken?.violations.contains(where: { $0.property == single }) != true {
                    var closing = key
                    closing.set(idFields[device], UInt64(to))
                    message = "closing the devices after the abort: " + abortMessage(closing, single, model)
                }
            }
            if isLast {
                switch property {
                case .device(let single):
                    if message.isEmpty { message = taken?.violations.first { $0.property == single }?.message ?? "" }
                case .p2pSafety, .loadedBeforeRun:
                    if to >= 0 { message = stateMessage(next) }
                case .beliefConsistency:
                    break
                }
            }
            steps.append(MultiTraceStep(
                number: steps.count + 1, device: device, policy: policyText, policyLine: policyLine,
                action: table.machine.describe(action, on: table.states[id]), events: events,
                result: taken.map { table.machine.describe($0.result) } ?? "", after: after))
            if to < 0 { break }
            key = next
        }
        if message.isEmpty || replayed != path.count { return nil }
        return MultiCounterexample(property: property, message: message, start: snapshots(start), steps: steps)
    }

    func beliefMessage(_ key: Key, _ device: Int, _ model: MigrationProtocol) -> String {
        let believed = Int(key.field(beliefFields[device]))
        let recorded = Int(tables.recorded[tables.global(device, key.field(idFields[device]))])
        return "the policy believes device \(device + 1) is \(model.states[believed].name), but it records \(model.states[recorded].name)"
    }

    /// What closing a device after an abort broke.
    func abortMessage(_ key: Key, _ property: ExploreProperty, _ model: MigrationProtocol) -> String {
        for device in 0..<idFields.count {
            let table = tables.tables[Int(tables.tableOf[device])]
            let state = table.states[Int(key.field(idFields[device]))]
            var found = ""
            table.machine.branches(of: state, action: .reopen, record: false) { branch in
                if found.isEmpty, let violation = branch.violations.first(where: { $0.property == property }) {
                    found = "device \(device + 1): " + violation.message
                }
            }
            if !found.isEmpty { return found }
        }
        return property.summary
    }

    /// `device 1 in STOP must not change, while device 2 in RUNNING may initiate P2P DMA`
    func p2pMessage(_ key: Key, _ model: MigrationProtocol) -> String {
        var frozen: [String] = []
        var initiators: [String] = []
        let vm = position(key).vm
        for device in 0..<idFields.count {
            let table = tables.tables[Int(tables.tableOf[device])]
            let id = Int(key.field(idFields[device]))
            let name = "device \(device + 1) in \(model.states[table.states[id].hardware].name)"
            if initiates(key, device, vm: vm) { initiators.append(name) }
            if table.frozen[id] { frozen.append(name) }
            if table.frozenAfterWrite[id] && checksP2P && key.field(writtenFields[device]) == 1 {
                frozen.append(name + " after data was written")
            }
        }
        return frozen.joined(separator: ", ") + " must not change, while " + initiators.joined(separator: ", ")
            + " may initiate P2P DMA"
    }

    /// `the VM runs while device 2 holds no migrated state`
    func loadedMessage(_ key: Key) -> String {
        let devices = unloaded(key).map { "device \($0 + 1)" }
        return "the VM runs while " + devices.joined(separator: ", ")
            + (devices.count == 1 ? " holds" : " hold") + " no migrated state (never loaded, or reset since)"
    }
}
