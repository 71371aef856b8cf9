extension Checker {
    /// Warnings, at the state's line, for states whose `needs` leaves out a
    /// feature every feature set with them has: a mandatory feature, or one
    /// a needed feature needs (`needs P2P` where `P2P needs STOP_COPY`).
    ///
    ///     Specs/x.fsm:41:7: warning: state 'RUNNING_P2P' needs P2P but not STOP_COPY, ...
    ///
    /// The paths do not change (no valid set lacks the feature), but the
    /// kernel's mask for the state does: a device reporting flags the spec
    /// does not define (0x2) would find the state supported, which
    /// `kernel-lookup` then reports as lookups for undefined flags.
    public static func stateNeedsHints(_ model: MigrationProtocol) -> [Diagnostic] {
        let mandatory = model.features.filter(\.isMandatory).reduce(into: FeatureSet()) { $0.formUnion($1.flag) }
        var hints: [Diagnostic] = []
        for state in model.states where !state.isError {
            // Every feature a device with the state's features must have.
            var closure = state.needs.union(mandatory)
            var grown = true
            while grown {
                grown = false
                for feature in model.features where closure.covers(feature.flag) && !closure.covers(feature.needs) {
                    closure.formUnion(feature.needs)
                    grown = true
                }
            }
            let missing = closure.subtracting(state.needs)
            guard !missing.isEmpty else { continue }
            let needs = model.featureNames(state.needs)
            let written = needs.isEmpty ? "needs nothing" : "needs " + needs.joined(separator: " | ")
            let names = model.featureNames(missing)
            let lacking = names.count == 1 ? names[0] : names.dropLast().joined(separator: ", ") + " and " + (names.last ?? "")
            hints.append(Diagnostic(.warning, at: state.location,
                "state '\(state.name)' \(written) but not \(lacking), which every valid feature set with it has; "
                + "the kernel's mask for it (0x\(String(state.needs.rawValue, radix: 16))) lets flags the spec does not define reach it; "
                + "write 'needs \(model.featureNames(closure).joined(separator: " | "))'"))
        }
        return hints
    }
}
