/// What `migfsm explore --devices N` found: the devices, the user (free or
/// a policy), the size of the search, and a shortest trace across devices
/// per violated property.
public struct MultiReport: Sendable {
    public var explorer: MultiExplorer
    public var policyPath: String?
    public var maxStates: Int?
    public var exploration: MultiExploration

    public init(explorer: MultiExplorer, policyPath: String?, maxStates: Int?, exploration: MultiExploration) {
        self.explorer = explorer
        self.policyPath = policyPath
        self.maxStates = maxStates
        self.exploration = exploration
    }

    public var holds: Bool { exploration.violations == 0 && !exploration.incomplete }

    /// The properties checked: per device, and of the VM.
    public var properties: [MultiProperty] {
        var list: [MultiProperty] = []
        if explorer.checksP2P { list.append(.p2pSafety) }
        if explorer.policy?.role == .destination { list.append(.loadedBeforeRun) }
        if explorer.policy != nil { list.append(.beliefConsistency) }
        return list + ExploreProperty.allCases.map(MultiProperty.device)
    }

    /// `qemu-source refuses this VM (...): device 1 and device 2 lack P2P`,
    /// when the policy refuses the VM.
    public var refusalText: String? {
        guard let reason = refusalReason, let policy = explorer.policy,
              let needed = policy.severalDevicesNeed else { return nil }
        let where_ = (policyPath ?? policy.name) + ":\(policy.severalDevicesLine)"
        let features = explorer.model.featureNames(needed).joined(separator: " | ")
        return "\(policy.vmm) refuses this VM before any migration step (\(where_): several-devices-need \(features)): "
            + reason
    }

    /// `device 1 and device 2 lack P2P`, when the policy refused the VM.
    public var refusalReason: String? {
        exploration.refusedFor == nil ? nil : explorer.refusalReason
    }

    public var rendered: String {
        let model = explorer.model
        let count = explorer.devices.count
        var text = "explore \(model.name): \(count) device\(count == 1 ? "" : "s"), "
        if let policy = explorer.policy {
            text += "policy \(policy.name)" + (policyPath.map { " (\($0))" } ?? "") + "\n"
        } else {
            text += "free user (any action on any device at any time)\n"
        }
        for (index, device) in explorer.devices.enumerated() {
            let driver = device.driverPath.map { "driver \(device.driver.name) (\($0))" } ?? "driver default"
            text += "  device \(index + 1): \(driver), \(model.describe(device.features))\n"
        }
        let run = exploration
        let violations = run.violations
        if let refusal = refusalText {
            return text + refusal + "\n\nexplore: no migration to explore: \(explorer.policy?.vmm ?? "the policy") refuses this VM; no violation\n"
        }
        text += "\(run.states) states (\(reduction)), \(run.transitions) transitions, depth \(run.depth), "
            + "\(properties.count) properties checked, \(violations) violation\(violations == 1 ? "" : "s")\n"
        if explorer.policy != nil && !explorer.checksP2P {
            text += "note: the spec declares no 'p2p-initiator'/'frozen' states: p2p-safety is not checked\n"
        }
        for counterexample in run.counterexamples {
            text += "\n" + Self.render(counterexample, model)
        }
        if run.incomplete, let maxStates {
            text += "\nexplore: stopped at --max-states \(maxStates) with \(run.queue) states queued; "
                + "the search is incomplete: raise --max-states to finish it\n"
        } else if violations == 0 {
            text += "\nexplore: every property holds on \(count) device\(count == 1 ? "" : "s")\n"
        } else {
            text += "\nexplore: \(violations) violation\(violations == 1 ? "" : "s") on \(count) device\(count == 1 ? "" : "s")\n"
        }
        return text
    }

    /// How the search treated interchangeable devices and, under a free
    /// user, device states it cannot tell apart.
    public var reduction: String {
        var merged = ""
        if let counts = exploration.mergedStates {
            merged = "bisimilar device states merged ("
                + counts.map { "\($0.0) to \($0.1)" }.joined(separator: ", ") + ")"
        }
        if explorer.classes.isEmpty { return merged.isEmpty ? "no interchangeable devices" : "no interchangeable devices; " + merged }
        if explorer.policy == nil && explorer.symmetry {
            return "symmetry reduction: interchangeable devices sorted; " + merged
        }
        if !explorer.symmetry { return "symmetry reduction off" }
        if exploration.redoneInOrder {
            return "no symmetry reduction: a trace of the reduced search does not replay in the policy's order, so the search ran in that order"
        }
        if exploration.refusedFor != nil { return "no search: the policy refuses this VM" }
        if !exploration.reduced { return "no symmetry reduction: the reduced search does not fit these devices" }
        if explorer.policy != nil {
            return "symmetry reduction: interchangeable devices sorted, each phase taking them in any order"
        }
        return "symmetry reduction: interchangeable devices sorted"
    }

    public static func render(_ counterexample: MultiCounterexample, _ model: MigrationProtocol) -> String {
        let count = counterexample.steps.count
        var text = "violation of \(counterexample.property.name): \(counterexample.message)\n"
        text += "  property: \(counterexample.property.summary)\n"
        text += "  shortest trace (\(count) action\(count == 1 ? "" : "s")):\n"
        text += "    0. open: " + devices(counterexample.start, model) + "\n"
        for step in counterexample.steps {
            text += "    \(step.number). " + (step.device.map { "device \($0 + 1)" } ?? "VM") + ": \(step.action)"
                + (step.policy.map { "  [\($0)]" } ?? "") + "\n"
            for event in step.events {
                text += "         " + (event.kind == .quirk ? "quirk " : "") + event.text + "\n"
            }
            if let after = step.after {
                text += "       -> \(step.result); now " + devices(after, model) + "\n"
            } else {
                text += "       -> \(step.result)\n"
            }
        }
        return text
    }

    static func devices(_ list: [DeviceSnapshot], _ model: MigrationProtocol) -> String {
        list.enumerated().map { "device \($0.offset + 1): " + describe($0.element, model) }.joined(separator: " | ")
    }

    /// `STOP, sessions: none, FD: none, data written; believed STOP`
    public static func describe(_ snapshot: DeviceSnapshot, _ model: MigrationProtocol) -> String {
        var text = ExploreReport.describe(snapshot.state, model)
        if snapshot.dataWritten == true { text += ", data written" }
        if snapshot.holdsGuestState == false { text += ", no guest state" }
        if let belief = snapshot.belief { text += "; believed \(model.states[belief].name)" }
        return text
    }
}
