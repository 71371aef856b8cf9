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
        guard let policy = explorer.policy, let (compiled, codec) = OrderedPolicySearch.compile(explorer) else {
            return nil
        }
        let count = explorer.devices.count
        let idBits = explorer.tables.map(\.idBits).max() ?? 1
        let beliefBits = bitsFor(explorer.model.states.count)
        let width = SymmetricPolicySystem<Key64>.slotWidth(idBits: idBits, beliefBits: beliefBits,
                                                            checksP2P: explorer.checksP2P, tracksHeld: compiled.tracksHeld)
        guard width <= 63 else { return nil }
        var layout = KeyLayout()
        let slotIndices = (0..<count).map { _ in layout.add(width: width) }
        let position = layout.add(width: codec.width)
        // A choice runs along the positions of one phase, offering each
        // distinct device of a class at each.
        let largestClass = explorer.classes.map(\.count).max() ?? 1
        let options = count * largestClass + 1
        let outcomes = explorer.tables.map { table in
            zip(table.first.dropFirst(), table.first).map { Int($0 - $1) }.max() ?? 0
        }.max() ?? 0
        let moves = (policy.events.count + 1)
        guard layout.words <= 4,
              let edge = SymmetricEdge(maximumOptions: options, maximumOutcomes: max(outcomes, moves) + 1) else {
            return nil
        }
        return Plan(policy: compiled, codec: codec, words: layout.words, slots: slotIndices.map { layout.fields[$0] },
                    position: layout.fields[position], idBits: idBits, beliefBits: beliefBits, edge: edge)
    }
    /// What the reduced search came to.
    enum Outcome {
        case found(MultiExploration)
        /// A trace did not replay in the policy's order: search in order.
        case notReplayed
        /// The reduction does not fit a key: search in order.
        case doesNotFit
    }

    static func run(_ explorer: MultiExplorer, _ tables: DeviceTables, _ options: SearchOptions) -> Outcome {
        guard let plan = plan(explorer), let ordered = OrderedPolicySearch.plan(explorer), ordered.words <= 4 else {
            return .doesNotFit
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
    ) -> Outcome {
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
    ) -> Outcome {
        let system = SymmetricPolicySystem<Key>(
            tables: tables, policy: plan.policy, slotFields: plan.slots, positionField: plan.position,
            codec: plan.codec, checksP2P: explorer.checksP2P, idBits: plan.idBits, beliefBits: plan.beliefBits,
            classOf: explorer.tableOf, edgeCodec: plan.edge)
        let outcome = BreadthFirstSearch(system: system, options: options).run()
        let replayer = OrderedPolicySearch.system(OrderedKey.self, explorer, tables, ordered)
        var counterexamples: [MultiCounterexample] = []
        for violation in outcome.violations {
            guard let property = MultiProperty(searchBit: violation.property),
                  let path = system.orderedPath(violation.path),
                  let counterexample = replayer.counterexample(property, path, model: explorer.model)
            else { return .notReplayed }
            counterexamples.append(counterexample)
        }
        return .found(MultiExploration(
            states: outcome.states, transitions: outcome.transitions, depth: outcome.depth,
            counterexamples: counterexamples.sorted { $0.property < $1.property }, incomplete: outcome.incomplete,
            queue: outcome.queued, statistics: outcome.statistics, reduced: true))
    }
}

/// One step of a replayed policy trace: the device and its outcome.
struct ReplayedPolicyStep {
    var device: Int
    var local: LocalEdge
}

/// One phase of a replayed policy trace (or one move of the policy
/// itself): where it runs, the device taken at each position consumed
/// (nil: skipped), and its steps.
struct PolicyPhaseRecord {
    var event: Int
    var phase: Int
    var reverse: Bool
    var consumed: [Int?] = []
    var steps: [ReplayedPolicyStep] = []
    /// A policy move (an interrupt, or going on from a boundary): its choice.
    var move: Int?
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
        var phases: [PolicyPhaseRecord] = []
        /// The record of the phase `at` is in, begun anew after a policy
        /// move or when the event or phase changed (an event runs once
        /// between two policy moves).
        func record(for at: PolicyPosition) -> Int {
            if let last = phases.last, last.move == nil, last.event == at.event, last.phase == at.phase {
                return phases.count - 1
            }
            phases.append(PolicyPhaseRecord(event: at.event, phase: at.phase, reverse: policy.events[at.event].reverse))
            return phases.count - 1
        }
        for edge in path {
            let at = position(key)
            if at.done { return nil }
            if edgeCodec.device(edge) == 15 {
                let choice = edgeCodec.ordinal(edge)
                guard at.boundary, choice <= policy.interruptsIn[at.vm].count else { return nil }
                phases.append(PolicyPhaseRecord(event: at.event, phase: 0, reverse: false, move: choice))
                key = move(key, choice)
                continue
            }
            let device: Int
            var stepAt = at
            var base = key
            if let current = currentDevice(key) {
                device = current
            } else {
                let wanted = edgeCodec.option(edge)
                var found: Choice?
                var index = 0
                choices(key, order: canonicalOrder(key)) { choice in
                    if index == wanted {
                        found = choice
                        return false
                    }
                    index += 1
                    return true
                }
                guard let choice = found else { return nil }
                let current = record(for: at)
                // Positions the policy passed by itself (no device of their
                // class had a step), then those the choice skipped.
                guard phases[current].consumed.count <= at.device else { return nil }
                phases[current].consumed += Array(repeating: nil, count: at.device - phases[current].consumed.count)
                phases[current].consumed += choice.skipped.map { _ in nil }
                guard phases[current].consumed.count == choice.at.device else { return nil }
                phases[current].consumed.append(choice.device)
                device = choice.device
                stepAt = choice.at
                base = choice.key
            }
            let slot = policy.slot(stepAt, tables, state: tables.global(device, local(base.field(slotFields[device]))))
            let ordinal = edgeCodec.ordinal(edge)
            let current = record(for: stepAt)
            phases[current].steps.append(ReplayedPolicyStep(device: device, local: LocalEdge(slot: slot, ordinal: UInt32(ordinal))))
            if slot == LocalEdge.skipSlot {
                key = apply(base, stepAt, device: device, local: nil, flags: policy.skipFlags(stepAt)).key
            } else {
                let table = tables.tables[Int(tables.tableOf[device])]
                let outcomes = table.outcomes(Int(local(base.field(slotFields[device]))), slot)
                guard ordinal < outcomes.count else { return nil }
                let outcome = outcomes.lowerBound + ordinal
                let to = table.next[outcome]
                if to < 0 { break }
                key = apply(base, stepAt, device: device, local: to, flags: table.flags[outcome].rawValue).key
            }
        }
        // The arrangement the last phase with steps fixes: device -> its
        // place in the policy's device numbering.
        guard let last = phases.last(where: { !$0.steps.isEmpty }) else {
            return phases.allSatisfy({ $0.move != nil }) ? phases.compactMap { $0.move }.map(movedEdge) : nil
        }
        let count = slotFields.count
        /// The device number QEMU's order gives position `k` of a phase.
        func number(_ k: Int, reverse: Bool) -> Int { reverse ? count - 1 - k : k }
        var arrangement = [Int?](repeating: nil, count: count)
        var used = Set<Int>()
        for (k, device) in last.consumed.enumerated() {
            guard let device else { continue }
            arrangement[number(k, reverse: last.reverse)] = device
            used.insert(device)
        }
        for (k, device) in last.consumed.enumerated() where device == nil {
            let place = number(k, reverse: last.reverse)
            guard let idle = members[classOf[place]].first(where: { candidate in
                !used.contains(candidate) && policy.step(
                    event: last.event, phase: last.phase, device: candidate,
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
        // Each phase's steps, device by device in the order QEMU takes the
        // renumbered devices (a device's steps in a phase are consecutive).
        var edges: [UInt32] = []
        for phase in phases {
            if let move = phase.move {
                edges.append(movedEdge(move))
                continue
            }
            var groups: [(device: Int, steps: [ReplayedPolicyStep])] = []
            for step in phase.steps {
                if let previous = groups.last, previous.device == step.device {
                    groups[groups.count - 1].steps.append(step)
                } else {
                    groups.append((step.device, [step]))
                }
            }
            let sorted = groups.sorted {
                phase.reverse ? placeOf[$0.device] > placeOf[$1.device] : placeOf[$0.device] < placeOf[$1.device]
            }
            for group in sorted {
                for step in group.steps {
                    edges.append(UInt32(placeOf[step.device]) | step.local.bits << 4)
                }
            }
        }
        return edges.count == path.count ? edges : nil
    }

    /// A policy move as `OrderedPolicySystem` writes it.
    func movedEdge(_ choice: Int) -> UInt32 {
        OrderedPolicySystem<Key>.policyMoveDevice | LocalEdge(slot: LocalEdge.policySlot, ordinal: UInt32(choice)).bits << 4
    }
}
