extension DriverModel {
    /// The model as a driver file (`migfsm extract-driver`), every line
    /// commented with the C place it comes from; `migfsm explore --driver`
    /// reads it back to the same `DriverDescription`.
    public var driverFile: String {
        let model = self.model
        let description = description()
        var text = "# \(name): read by migfsm extract-driver from \(code.files.map(\.path).joined(separator: ", "))\n"
        if let setState = entry.setState {
            text += "# set_state: \(setState.name)() at \(setState.location.description)\n"
        }
        text += "# step function: \(entry.step.name)() at \(entry.step.location.description)\n"
        text += "driver \(name)\nprotocol \(model.name)\n\n"
        text += "# The feature sets the code can set.\n"
        for configuration in configurations where model.isValid(FeatureSet(rawValue: configuration.flags)) {
            let set = FeatureSet(rawValue: configuration.flags)
            var comment = "migration_flags at " + configuration.assignments.map(\.description).joined(separator: ", ")
            if !configuration.conditions.isEmpty { comment += ", " + configuration.condition }
            text += "flags \(model.featureNames(set).joined(separator: " | "))  # \(comment)\n"
        }
        text += "\n# vfio_mig_get_next_state(): the kernel's table and skip loop as upstream has it.\nlookup kernel\n\n"
        text += "# The arcs the step function handles.\n"
        let arcs = description.arcs
        for branch in branches where arcs.contains(branch.arc) {
            text += "arc \(model.describe(branch.arc))  # \(branch.location.description)\n"
        }
        for arc in arcs.sorted(by: { ($0.from, $0.to) < ($1.from, $1.to) }) where branch(arc) == nil {
            text += "arc \(model.describe(arc))  # not handled by the step function: added to explore the rest\n"
        }
        text += "\n# How each arc can fail.\n"
        for branch in branches where arcs.contains(branch.arc) {
            guard let kinds = description.faults[branch.arc], !kinds.isEmpty else { continue }
            var reasons: [String] = []
            if kinds.contains(.stays), let failure = branch.firstFailure { reasons.append("fails at \(failure.description)") }
            if kinds.contains(.afterSession) { reasons.append("can fail after creating its session") }
            if let call = branch.dropped.first {
                reasons.append("the result of \(call.name ?? "a call")() is dropped at \(call.location.description)")
            } else if let swallowed = branch.swallowed.first {
                reasons.append("\(swallowed.call.name ?? "a call")() swallows the failure of \(swallowed.swallow.callee)() at \(swallowed.swallow.location.description)")
            }
            text += "fault \(model.describe(branch.arc)) \(kinds.names.joined(separator: ", "))  # \(reasons.joined(separator: "; "))\n"
        }
        var quirkLines = ""
        for branch in branches {
            for quirk in description.arcQuirks[branch.arc] ?? [] {
                var comment = ""
                switch quirk {
                case .endsSessionEarly:
                    if let early = branch.endsSessionEarly {
                        comment = "\(early.release.name ?? "the release")() at \(early.release.location.description) before the failure at \(early.failure.description)"
                    }
                case .leaksSessionOnFailure:
                    comment = branch.leaks.map { "the session of \($0.create.name ?? "a call")() is not released at \($0.failure.description)" }
                        .joined(separator: "; ")
                case .alwaysFails:
                    comment = "every path returns an error"
                default:
                    comment = "at \(branch.location.description)"
                }
                quirkLines += "quirk \(model.describe(branch.arc)) \(quirk.spelling(model))  # \(comment)\n"
            }
        }
        if !quirkLines.isEmpty { text += "\n# How arcs depart from the protocol.\n" + quirkLines }
        text += "\n# Resets.\n"
        let resetEntries = featureSets.first.flatMap { resets[$0] } ?? []
        if resetEntries.isEmpty {
            text += "# no reset_done handler or VFIO_DEVICE_RESET case found: a reset is taken to restore RUNNING\n"
        }
        for reset in resetEntries {
            text += "# \(reset.entry)() at \(reset.entryLocation.description)\n"
        }
        if description.resetWhileLocked, let helper = entry.deferredReset {
            text += "fault reset-while-locked  # a reset that finds the state mutex held is applied by \(helper.name)() at \(helper.location.description)\n"
        }
        for set in featureSets.sorted() {
            for quirk in description.quirksByFeatures[set]?.sorted(by: { $0.rawValue < $1.rawValue }) ?? [] {
                let skipped = resets[set]?.first { !$0.restores }
                let comment = skipped.map { "\($0.entry)() leaves at \(($0.skippedAt ?? $0.entryLocation).description) without restoring" } ?? ""
                text += "quirk \(quirk.rawValue) for \(model.featureNames(set).joined(separator: " | "))  # \(comment)\n"
            }
        }
        return text
    }
}
