/// One user action of a replayed trace, before a report renders it.
struct ReplayedStep: Sendable {
    var device: Int
    var action: UserAction
    /// `request STOP (1)`, `read the saving FD`.
    var actionText: String
    var events: [TraceEvent]
    /// What the user saw.
    var result: String
    /// Every device afterwards; `nil` when the request never returns.
    var after: [DeviceState]?
    /// The properties the action broke, with their messages.
    var violations: [Violation]
}

extension FreeUserSystem {
    /// Every device of `key`.
    func devices(_ key: Key) -> [DeviceState] {
        (0..<deviceCount).map { device in
            let table = tables.tables[Int(tables.tableOf[device])]
            return table.states[Int(key.field(fields[device]))]
        }
    }

    /// Replays a search path from the initial key, on concrete keys (device
    /// numbers stay put under symmetry reduction: an edge's canonical
    /// position is mapped back to the device there), with each action's
    /// trace events recorded by the driver machine.
    func replay(_ path: [UInt32]) -> [ReplayedStep] {
        var key = initialKey
        var steps: [ReplayedStep] = []
        for edge in path {
            let device = actualDevice(key, canonical: Int(edge & 0xF))
            let local = LocalEdge(bits: edge >> Self.deviceBits)
            let table = tables.tables[Int(tables.tableOf[device])]
            let id = Int(key.field(fields[device]))
            guard local.slot < table.actions.count else { break }
            let action = table.actions[local.slot]
            let outcomes = table.outcomes(id, local.slot)
            guard local.ordinal < outcomes.count else { break }
            var taken: Branch?
            var ordinal = 0
            table.machine.branches(of: table.states[id], action: action, record: true) { branch in
                if ordinal == local.ordinal { taken = branch }
                ordinal += 1
            }
            guard let branch = taken else { break }
            let next = table.next[outcomes.lowerBound + local.ordinal]
            var after: [DeviceState]?
            if next >= 0 {
                key.set(fields[device], UInt64(next))
                after = devices(key)
            }
            steps.append(ReplayedStep(
                device: device, action: action, actionText: table.machine.describe(action, on: table.states[id]),
                events: branch.events, result: table.machine.describe(branch.result), after: after,
                violations: branch.violations))
            if next < 0 { break }
        }
        return steps
    }

    /// Replays a path found on merged tables (`DeviceTable.merged()`) on
    /// the concrete ones: each step takes, from the device's concrete state,
    /// the first outcome of the same action that breaks the same properties
    /// and leads into the class the merged outcome leads to (bisimilar
    /// states have one), so the trace is a real one, as short.
    func replay(_ path: [UInt32], lifting concrete: [DeviceTable], classOf: [[Int32]]) -> [ReplayedStep] {
        var key = initialKey
        var states = (0..<deviceCount).map { _ in 0 }
        var steps: [ReplayedStep] = []
        func devices() -> [DeviceState] {
            (0..<deviceCount).map { concrete[Int(tables.tableOf[$0])].states[states[$0]] }
        }
        for edge in path {
            let device = actualDevice(key, canonical: Int(edge & 0xF))
            let local = LocalEdge(bits: edge >> Self.deviceBits)
            let index = Int(tables.tableOf[device])
            let merged = tables.tables[index]
            let table = concrete[index]
            let classes = classOf[index]
            let mergedOutcomes = merged.outcomes(Int(key.field(fields[device])), local.slot)
            guard local.slot < table.actions.count, local.ordinal < mergedOutcomes.count else { break }
            let target = merged.next[mergedOutcomes.lowerBound + local.ordinal]
            let bits = merged.broken[mergedOutcomes.lowerBound + local.ordinal]
            let state = states[device]
            let outcomes = table.outcomes(state, local.slot)
            guard let outcome = outcomes.first(where: { candidate in
                table.broken[candidate] == bits
                    && (table.next[candidate] < 0 ? target < 0 : target >= 0 && classes[Int(table.next[candidate])] == target)
            }) else { break }
            let action = table.actions[local.slot]
            var taken: Branch?
            var ordinal = 0
            table.machine.branches(of: table.states[state], action: action, record: true) { branch in
                if ordinal == outcome - outcomes.lowerBound { taken = branch }
                ordinal += 1
            }
            guard let branch = taken else { break }
            var after: [DeviceState]?
            let next = table.next[outcome]
            if next >= 0 {
                states[device] = Int(next)
                key.set(fields[device], UInt64(target))
                after = devices()
            }
            steps.append(ReplayedStep(
                device: device, action: action, actionText: table.machine.describe(action, on: table.states[state]),
                events: branch.events, result: table.machine.describe(branch.result), after: after,
                violations: branch.violations))
            if next < 0 { break }
        }
        return steps
    }
}
