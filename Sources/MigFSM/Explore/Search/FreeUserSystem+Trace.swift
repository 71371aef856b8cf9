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
}
