extension Checker {
    /// `kernel-lookup` and `generated-lookup`: the single combined table plus
    /// masks, looked up with the skip loop, for every feature set and every
    /// (current, requested) pair including unsupported and out-of-range
    /// values, must (a) terminate, (b) give the per-feature-set next state,
    /// (c) only yield required arcs, (d) refuse exactly what the spec refuses.
    ///
    /// `kernel-lookup` proves the kernel's loop as upstream has it now
    /// (guarded at the error state); `unguarded-kernel-lookup` is a note
    /// naming the requests on which kernels without the guard never return.
    static func kernelLookupChecks(_ paths: ProtocolPaths) -> [CheckResult] {
        guard let full = paths.full, let kernel = KernelTable(paths: full) else {
            let summary = "state values exceed \(KernelTable.maximumSize - 1): no kernel table"
            return ["kernel-lookup", "generated-lookup"].map {
                CheckResult(name: $0, verdict: .fails, summary: summary)
            }
        }
        return [
            lookupCheck("kernel-lookup", paths, kernel, { kernel.lookup(flags: $0, current: $1, requested: $2) },
                        proven: "terminates and agrees with every feature set's paths"),
            unguardedLoopNote(paths, kernel),
            lookupCheck("generated-lookup", paths, kernel, kernel.generatedLookup,
                        proven: "terminates and agrees for every flags value", flags: everyFlagsClass(paths.model)),
            invalidFlagsNote(paths, kernel),
        ]
    }

    /// What the lookup answers for flags whose declared bits are no valid
    /// feature set. A device never reports such flags if registration
    /// refuses it (vfio_pci_core refuses a device without STOP_COPY, which
    /// covers every invalid set of vfio-v2), so the lookup checks only ask
    /// that it ends there; this note says where it serves requests anyway,
    /// one finding per flags value, so a spec that adds a feature needing
    /// another shows the registration check a kernel must add.
    static func invalidFlagsNote(_ paths: ProtocolPaths, _ kernel: KernelTable) -> CheckResult {
        let model = paths.model
        let invalid = flagValues(model).filter { !model.isValid(FeatureSet(rawValue: $0)) }
        let (divergences, _) = lookupDivergences(paths, kernel, kernel.generatedLookup, flags: invalid)
        let served = Dictionary(grouping: divergences.filter { $0.kind == .undefinedFlags }, by: \.flags)
        let name = "invalid-flags"
        guard !served.isEmpty else {
            return CheckResult(name: name, verdict: .holds,
                summary: "every request is refused for the \(invalid.count) flags values that are no valid feature set")
        }
        let findings = served.keys.sorted().map { flags -> CheckResult.Finding in
            let count = served[flags]?.count ?? 0
            let set = model.describe(FeatureSet(rawValue: flags))
            return CheckResult.Finding(features: nil,
                "flags 0x\(String(flags, radix: 16)) \(set): the lookup serves \(count) request\(count == 1 ? "" : "s"); "
                + "registration must refuse a device reporting these flags")
        }
        let summary = "the lookup serves requests for \(served.count) of the \(invalid.count) flags values that are "
            + "no valid feature set; a kernel must refuse such devices when they register"
        return CheckResult(name: name, verdict: .note, summary: summary, findings: findings)
    }

    /// What the skip loop without the error guard does with this spec's
    /// table: the requests it never returns from, as a note (the finding
    /// about a given kernel belongs to `import-c` on its vfio_main.c).
    static func unguardedLoopNote(_ paths: ProtocolPaths, _ kernel: KernelTable) -> CheckResult {
        let (divergences, cases) = lookupDivergences(
            paths, kernel, { kernel.lookup(flags: $0, current: $1, requested: $2, loop: .unguarded) })
        let hangs = divergences.filter { $0.kind == .neverEnds }
        let name = "unguarded-kernel-lookup"
        guard !hangs.isEmpty else {
            return CheckResult(name: name, verdict: .holds,
                summary: "the skip loop also ends without the error guard (\(cases) lookups)")
        }
        let error = paths.model.states[paths.model.errorState].name
        let summary = "kernels whose skip loop lacks the '!= \(error)' guard hang on "
            + "\(hangs.count) request\(hangs.count == 1 ? "" : "s") (vfio_mig_get_next_state() never returns)"
        return CheckResult(name: name, verdict: .note, summary: summary,
                           findings: hangs.map { CheckResult.Finding(features: nil, $0.message) })
    }

    /// One flags value of every class the kernel's lookup tells apart: it
    /// reads the flags only as `mask & flags == mask`, every mask being a
    /// set of declared bits or all ones (the error state's). So the answer
    /// depends only on the declared bits and on whether all 32 bits are set:
    /// every combination of the declared bits, each also with the lowest
    /// undeclared bit (when there is one), and all ones.
    static func everyFlagsClass(_ model: MigrationProtocol) -> [UInt32] {
        let declared = flagValues(model)
        let undeclared = (0..<32).map { UInt32(1) << UInt32($0) }.first { $0 & model.allFeatures.rawValue == 0 }
        let extra = undeclared.map { bit in declared.map { $0 | bit } } ?? []
        return Array(Set(declared + extra + [UInt32.max])).sorted()
    }

    /// The flags values to try: every combination of the declared bits.
    static func flagValues(_ model: MigrationProtocol) -> [UInt32] {
        let bits = model.features.map(\.bit)
        var values: [UInt32] = []
        for combination in 0..<(1 << bits.count) {
            var flags: UInt32 = 0
            for (index, bit) in bits.enumerated() where combination & (1 << index) != 0 { flags |= 1 << UInt32(bit) }
            values.append(flags)
        }
        return values.sorted()
    }

    static func lookupCheck(
        _ name: String, _ paths: ProtocolPaths, _ kernel: KernelTable,
        _ lookup: (UInt32, UInt32, UInt32) -> KernelTable.Outcome, proven: String,
        flags: [UInt32]? = nil
    ) -> CheckResult {
        let (divergences, cases) = lookupDivergences(paths, kernel, lookup, flags: flags)
        // Answers for flags no valid feature set has are `invalid-flags`'
        // note; here such flags must only let the lookup end.
        let findings = divergences.filter { $0.kind != .undefinedFlags }.map { CheckResult.Finding(features: nil, $0.message) }
        return .proven(name, "\(proven) (\(cases) lookups)", findings: findings)
    }
}
