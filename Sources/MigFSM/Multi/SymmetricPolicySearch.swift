/// Runs the engine on a `SymmetricPolicySystem`, then turns each trace it
/// finds into a trace in the policy's own device order and replays that on
/// `OrderedPolicySystem`, which renders it and confirms the violation.
///
/// The rearrangement follows the soundness argument: the trace's last
/// phase fixes an arrangement of the devices (the device taken at each
/// position in that phase goes there; a skipped position goes to a device
/// the phase has no step for; the rest keep their order), and every
/// earlier phase's steps are reordered by it. Each device keeps its own
/// outcomes, so it reaches the same states as in the trace found, phase by
/// phase, and the last phase runs in the same order: the violation is the
/// same and the trace as short.
enum SymmetricPolicySearch {
    struct Plan {
        var policy: CompiledPolicy
        var codec: PositionCodec
        var words: Int
        var slots: [KeyField]
        var position: KeyField
        var idBits: Int
        var beliefBits: Int
        var edge: SymmetricEdge
    }

    static func plan(_ explorer: MultiExplorer) -> Plan? {
        guard let policy = explorer.policy, let table = explorer.tables.first else { return nil }
        let compiled = CompiledPolicy(policy: policy, model: explorer.model, devices: explorer.devices, table: table)
        let count = explorer.devices.count
        let codec = PositionCodec(events: policy.events.count, devices: count, steps: compiled.maximumSteps)
        let idBits = explorer.tables.map(\.idBits).max() ?? 1
        let beliefBits = bitsFor(explorer.model.states.count)
        let width = SymmetricPolicySystem<Key64>.slotWidth(idBits: idBits, beliefBits: beliefBits,
                                                            checksP2P: explorer.checksP2P)
        guard codec.width <= 63, width <= 63 else { return nil }
        var layout = KeyLayout()
        let slotIndices = (0..<count).map { _ in layout.add(width: width) }
        let position = layout.add(width: codec.width)
        // A choice runs along the positions of at most every phase of every
        // event, offering each distinct device of a class at each.
        let largestClass = explorer.classes.map(\.count).max() ?? 1
        let options = count * (2 * (policy.events.count + 1) + 1) * largestClass + 1
        let outcomes = explorer.tables.map { table in
            zip(table.first.dropFirst(), table.first).map { Int($0 - $1) }.max() ?? 0
        }.max() ?? 0
        guard layout.words <= 4, let edge = SymmetricEdge(maximumOptions: options, maximumOutcomes: outcomes + 1) else {
            return nil
        }
        return Plan(policy: compiled, codec: codec, words: layout.words, slots: slotIndices.map { layout.fields[$0] },
                    position: layout.fields[position], idBits: idBits, beliefBits: beliefBits, edge: edge)
    }

    /// `nil` when the reduction does not fit (the caller searches in order).
    static func run(_ explorer: MultiExplorer, _ tables: DeviceTables, _ options: SearchOptions) -> MultiExploration? {
        guard let plan = plan(explorer), let ordered = OrderedPolicySearch.plan(explorer), ordered.words <= 4 else {
            return nil
        }
        switch plan.words {
        case 1: return run(Key64.self, explorer, tables, plan, ordered, options)
        case 2: return run(Key128.self, explorer, tables, plan, ordered, options)
        case 3: return run(Key192.self, explorer, tables, plan, ordered, options)
        default: return run(Key256.self, explorer, tables, plan, ordered, options)
        }
    }

    /// The search on keys of `type`, each trace replayed on the ordered
    /// system's key of its own width.
    static func run<Key: SearchKey>(
        _ type: Key.Type, _ explorer: MultiExplorer, _ tables: DeviceTables, _ plan: Plan,
        _ ordered: OrderedPolicySearch.Plan, _ options: SearchOptions
    ) -> MultiExploration? {
        switch ordered.words {
        case 1: return run(Key.self, Key64.self, explorer, tables, plan, ordered, options)
        case 2: return run(Key.self, Key128.self, explorer, tables, plan, ordered, options)
        case 3: return run(Key.self, Key192.self, explorer, tables, plan, ordered, options)
        default: return run(Key.self, Key256.self, explorer, tables, plan, ordered, options)
        }
    }

    static func run<Key: SearchKey, OrderedKey: SearchKey>(
        _ type: Key.Type, _ orderedType: OrderedKey.Type, _ explorer: MultiExplorer, _ tables: DeviceTables,
        _ plan: Plan, _ ordered: OrderedPolicySearch.Plan, _ options: SearchOptions
    ) -> MultiExploration? {
        let system = SymmetricPolicySystem<Key>(
            tables: tables, policy: plan.policy, slotFields: plan.slots, positionField: plan.position,
            codec: plan.codec, checksP2P: explorer.checksP2P, idBits: plan.idBits, beliefBits: plan.beliefBits,
            classOf: explorer.tableOf, edgeCodec: plan.edge)
        let outcome = BreadthFirstSearch(system: system, options: options).run()
        let replayer = OrderedPolicySystem<OrderedKey>(
            tables: tables, policy: ordered.policy, idFields: ordered.ids, writtenFields: ordered.written,
            beliefFields: ordered.beliefs, positionField: ordered.position, codec: ordered.codec,
            checksP2P: explorer.checksP2P)
        var counterexamples: [MultiCounterexample] = []
        for violation in outcome.violations {
            guard let property = MultiProperty(searchBit: violation.property),
                  let path = system.orderedPath(violation.path),
                  let counterexample = replayer.counterexample(property, path, model: explorer.model)
            else { return nil }
            counterexamples.append(counterexample)
        }
        return MultiExploration(
            states: outcome.states, transitions: outcome.transitions, depth: outcome.depth,
            counterexamples: counterexamples.sorted { $0.property < $1.property }, incomplete: outcome.incomplete,
            queue: outcome.queued, statistics: outcome.statistics, reduced: true)
    }
}

/// One step of a replayed policy trace: the device and its outcome.
struct ReplayedPolicyStep {
    var device: Int
    var local: LocalEdge
}

/// One phase of a replayed policy trace: where it runs, the device taken
/// at each position consumed (nil: skipped), and its steps.
struct PolicyPhaseRecord {
    var at: PolicyPosition
    var consumed: [Int?] = []
    var steps: [ReplayedPolicyStep] = []
}

extension SymmetricPolicySystem {
    /// The devices of `key` in canonical order: within a class, by slot,
    /// ties by index (the device at each place of the sorted key).
    func canonicalOrder(_ key: Key) -> [Int] {
        var order = identityOrder
        for group in members where group.count > 1 {
            let sorted = group.sorted { (key.field(slotFields[$0]), $0) < (key.field(slotFields[$1]), $1) }
            for (place, device) in zip(group, sorted) { order[place] = device }
        }
        return order
    }

    /// Replays `path` on concrete keys (devices keep their numbers) and
    /// returns the same steps as `OrderedPolicySystem` edges in the
    /// policy's order, or `nil` when the path does not replay.
    func orderedPath(_ path: [UInt32]) -> [UInt32]? {
        var key = initialKey
        var phases = [PolicyPhaseRecord(at: position(key))]
        /// Files skipped positions and begun phases, as `choices` and
        /// `settle` log them.
        func file(_ log: [[Int]], _ key: Key) {
            for (number, skipped) in log.enumerated() {
                if number > 0 { phases.append(PolicyPhaseRecord(at: position(key))) }
                phases[phases.count - 1].consumed += skipped.map { _ in nil }
            }
        }
        for edge in path {
            let at = position(key)
            if at.done { return nil }
            let device: Int
            var stepAt = at
            var base = key
            if at.stage > 0 {
                guard let current = currentDevice(key) else { return nil }
                device = current
            } else {
                let wanted = edgeCodec.option(edge)
                var found: Choice?
                var index = 0
                choices(key, order: canonicalOrder(key), recordSkips: true) { choice in
                    if index == wanted {
                        found = choice
                        return false
                    }
                    index += 1
                    return true
                }
                guard let choice = found else { return nil }
                file(choice.skips, choice.key)
                phases[phases.count - 1].at = choice.at
                guard phases[phases.count - 1].consumed.count == choice.at.device else { return nil }
                phases[phases.count - 1].consumed.append(choice.device)
                device = choice.device
                stepAt = choice.at
                base = choice.key
            }
            let slot = actionSlot(base, stepAt, device: device)
            let ordinal = edgeCodec.ordinal(edge)
            phases[phases.count - 1].steps.append(
                ReplayedPolicyStep(device: device, local: LocalEdge(slot: slot, ordinal: UInt32(ordinal))))
            if slot == LocalEdge.skipSlot {
                key = apply(base, stepAt, device: device, local: nil, ok: false, wrote: false).key
            } else {
                let table = tables.tables[Int(tables.tableOf[device])]
                let outcomes = table.outcomes(Int(local(base.field(slotFields[device]))), slot)
                guard ordinal < outcomes.count else { return nil }
                let outcome = outcomes.lowerBound + ordinal
                let to = table.next[outcome]
                if to < 0 { break }
                key = apply(base, stepAt, device: device, local: to, ok: table.flags[outcome].contains(.succeeded),
                            wrote: table.flags[outcome].contains(.wrote)).key
            }
            // The positions and phases the policy then passes by itself.
            var log: [[Int]]? = [[]]
            settle(&key, log: &log)
            file(log ?? [], key)
        }
        // The arrangement the last phase with steps fixes: position -> device.
        guard let last = phases.last(where: { !$0.steps.isEmpty }) else { return path.isEmpty ? [] : nil }
        let count = slotFields.count
        var arrangement = [Int?](repeating: nil, count: count)
        var used = Set<Int>()
        for (place, device) in last.consumed.enumerated() {
            guard let device else { continue }
            arrangement[place] = device
            used.insert(device)
        }
        for (place, device) in last.consumed.enumerated() where device == nil {
            guard let idle = members[classOf[place]].first(where: { candidate in
                !used.contains(candidate) && policy.step(
                    event: last.at.event, phase: last.at.phase, device: candidate,
                    belief: belief(key.field(slotFields[candidate]))) < 0
            }) else { return nil }
            arrangement[place] = idle
            used.insert(idle)
        }
        for place in 0..<count where arrangement[place] == nil {
            guard let rest = members[classOf[place]].first(where: { !used.contains($0) }) else { return nil }
            arrangement[place] = rest
            used.insert(rest)
        }
        var placeOf = [Int](repeating: 0, count: count)
        for (place, device) in arrangement.enumerated() {
            guard let device else { return nil }
            placeOf[device] = place
        }
        // Each phase's steps, device by device in the arrangement's order
        // (a device's steps in a phase are consecutive).
        var edges: [UInt32] = []
        for phase in phases {
            var groups: [(device: Int, steps: [ReplayedPolicyStep])] = []
            for step in phase.steps {
                if let previous = groups.last, previous.device == step.device {
                    groups[groups.count - 1].steps.append(step)
                } else {
                    groups.append((step.device, [step]))
                }
            }
            for group in groups.sorted(by: { placeOf[$0.device] < placeOf[$1.device] }) {
                for step in group.steps {
                    edges.append(UInt32(placeOf[step.device]) | step.local.bits << 4)
                }
            }
        }
        return edges.count == path.count ? edges : nil
    }
}
