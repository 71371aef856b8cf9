/// Runs the engine on an `OrderedPolicySystem` with the narrowest key its
/// fields fit, and replays each violation's path into a trace.
enum OrderedPolicySearch {
    struct Plan {
        var policy: CompiledPolicy
        var codec: PositionCodec
        var words: Int
        var ids: [KeyField]
        var written: [KeyField]
        var beliefs: [KeyField]
        var position: KeyField
    }

    static func plan(_ explorer: MultiExplorer) -> Plan? {
        guard let policy = explorer.policy, let table = explorer.tables.first else { return nil }
        let compiled = CompiledPolicy(policy: policy, model: explorer.model, devices: explorer.devices, table: table)
        let codec = PositionCodec(events: policy.events.count, devices: explorer.devices.count,
                                  steps: compiled.maximumSteps)
        guard codec.width <= 63 else { return nil }
        let fields = OrderedPolicySystem<Key64>.layout(
            idBits: explorer.tables.map(\.idBits).max() ?? 1, beliefBits: bitsFor(explorer.model.states.count),
            devices: explorer.devices.count, checksP2P: explorer.checksP2P, codec: codec)
        return Plan(policy: compiled, codec: codec, words: fields.layout.words, ids: fields.ids,
                    written: fields.written, beliefs: fields.beliefs, position: fields.position)
    }

    /// Whether the devices and the policy fit a key of at most four words.
    static func fits(_ explorer: MultiExplorer) -> Bool {
        guard let plan = plan(explorer) else { return false }
        return plan.words <= 4
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
        let system = OrderedPolicySystem<Key>(
            tables: tables, policy: plan.policy, idFields: plan.ids, writtenFields: plan.written,
            beliefFields: plan.beliefs, positionField: plan.position, codec: plan.codec, checksP2P: explorer.checksP2P)
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
            return DeviceSnapshot(
                state: table.states[Int(key.field(idFields[device]))],
                dataWritten: checksP2P ? key.field(writtenFields[device]) == 1 : nil,
                belief: Int(key.field(beliefFields[device])))
        }
    }

    /// Replays `path` from the initial key, recording what each step did,
    /// and says what the last step broke; `nil` when the path is not the
    /// policy's (an edge names another device than the policy's next) or
    /// does not end in a violation of `property`.
    func counterexample(_ property: MultiProperty, _ path: [UInt32], model: MigrationProtocol) -> MultiCounterexample? {
        let start = initialKey
        var key = start
        var steps: [MultiTraceStep] = []
        var message = ""
        for (number, edge) in path.enumerated() {
            let at = position(key)
            let device = at.device
            if at.done || Int(edge & 0xF) != device { return nil }
            let local = LocalEdge(bits: edge >> 4)
            let table = tables.tables[Int(tables.tableOf[device])]
            let id = Int(key.field(idFields[device]))
            let policyText = policy.describe(event: at.event, step: at.step, stage: at.stage, model: model)
            let isLast = number == path.count - 1
            if local.slot == LocalEdge.skipSlot {
                let (next, broken) = apply(key, at, local: nil, ok: false, wrote: false)
                if isLast && broken && property == .beliefConsistency { message = beliefMessage(next, device, model) }
                if isLast && property == .p2pSafety && p2pBroken(next) { message = p2pMessage(next, model) }
                steps.append(MultiTraceStep(
                    number: number + 1, device: device, policy: policyText,
                    action: "the policy has no data FD to use", events: [], result: "the step fails",
                    after: snapshots(next)))
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
            if to >= 0 {
                let applied = apply(key, at, local: to, ok: table.flags[outcome].contains(.succeeded),
                                    wrote: table.flags[outcome].contains(.wrote))
                next = applied.key
                after = snapshots(next)
                if isLast && property == .beliefConsistency && applied.beliefBroken {
                    message = beliefMessage(next, device, model)
                }
            }
            if isLast {
                switch property {
                case .device(let single):
                    message = taken?.violations.first { $0.property == single }?.message ?? ""
                case .p2pSafety:
                    if to >= 0 && p2pBroken(next) { message = p2pMessage(next, model) }
                case .beliefConsistency:
                    break
                }
            }
            steps.append(MultiTraceStep(
                number: number + 1, device: device, policy: policyText,
                action: table.machine.describe(action, on: table.states[id]), events: taken?.events ?? [],
                result: taken.map { table.machine.describe($0.result) } ?? "", after: after))
            if to < 0 { break }
            key = next
        }
        if message.isEmpty || steps.count != path.count { return nil }
        return MultiCounterexample(property: property, message: message, start: snapshots(start), steps: steps)
    }

    func beliefMessage(_ key: Key, _ device: Int, _ model: MigrationProtocol) -> String {
        let believed = Int(key.field(beliefFields[device]))
        let recorded = Int(tables.recorded[tables.global(device, key.field(idFields[device]))])
        return "the policy believes device \(device + 1) is \(model.states[believed].name), but it records \(model.states[recorded].name)"
    }

    /// `device 1 in STOP must not change, while device 2 in RUNNING may initiate P2P DMA`
    func p2pMessage(_ key: Key, _ model: MigrationProtocol) -> String {
        var frozen: [String] = []
        var initiators: [String] = []
        for device in 0..<idFields.count {
            let table = tables.tables[Int(tables.tableOf[device])]
            let id = Int(key.field(idFields[device]))
            let name = "device \(device + 1) in \(model.states[table.states[id].hardware].name)"
            if table.initiator[id] { initiators.append(name) }
            if table.frozen[id] { frozen.append(name) }
            if table.frozenAfterWrite[id] && checksP2P && key.field(writtenFields[device]) == 1 {
                frozen.append(name + " after data was written")
            }
        }
        return frozen.joined(separator: ", ") + " must not change, while " + initiators.joined(separator: ", ")
            + " may initiate P2P DMA"
    }
}
