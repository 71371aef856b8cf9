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
    static func kernelLookupChecks(_ paths: ProtocolPaths, required: [[Arc]]) -> [CheckResult] {
        guard let full = paths.full, let kernel = KernelTable(paths: full) else {
            // Values too large for a value-indexed table: nothing to prove,
            // and nothing wrong with the spec.
            let model = paths.model
            let largest = model.states.indices.max { model.states[$0].value < model.states[$1].value }
            let location = largest.map { model.states[$0].location }
            let summary = largest.map {
                "not proven: the kernel's table is indexed by state value, and '\(model.states[$0].name)' = \(model.states[$0].value) "
                    + "(\(model.states[$0].location.description)) is beyond the \(KernelTable.maximumSize) entries per row migfsm builds"
            } ?? "not proven: no full feature set"
            return ["kernel-lookup", "unguarded-kernel-lookup", "generated-lookup"].map {
                CheckResult(name: $0, verdict: .note, summary: summary, location: location)
            }
        }
        let proof = LookupProof(paths, kernel, required: required)
        let lookups = Count.grouped(proof.lookups)
        return [
            .proven("kernel-lookup", "terminates and agrees with every feature set's paths (\(lookups) lookups)",
                    findings: proof.findings[.kernel] ?? FindingList()),
            unguardedLoopNote(paths, proof),
            .proven("generated-lookup",
                    "terminates and agrees for every flags value (\(Count.grouped(proof.generatedLookups)) lookups)",
                    findings: proof.findings[.generated] ?? FindingList()),
            invalidFlagsNote(paths, proof),
        ]
    }

    /// What the lookup answers for flags whose declared bits are no valid
    /// feature set. A device never reports such flags if registration
    /// refuses it (vfio_pci_core refuses a device without STOP_COPY, which
    /// covers every invalid set of vfio-v2), so the lookup checks only ask
    /// that it ends there; this note says where it serves requests anyway,
    /// one finding per flags value, so a spec that adds a feature needing
    /// another shows the registration check a kernel must add.
    static func invalidFlagsNote(_ paths: ProtocolPaths, _ proof: LookupProof) -> CheckResult {
        let model = paths.model
        let invalid = flagValues(model).filter { !model.isValid(FeatureSet(rawValue: $0)) }.count
        let served = proof.servedOnInvalidFlags
        let name = "invalid-flags"
        guard !served.isEmpty else {
            return CheckResult(name: name, verdict: .holds,
                summary: "every request is refused for the \(Count.grouped(invalid)) flags values that are no valid feature set")
        }
        var findings = FindingList()
        for (flags, count) in served {
            let set = model.describe(FeatureSet(rawValue: flags))
            findings.append(CheckResult.Finding(features: nil,
                "flags 0x\(String(flags, radix: 16)) \(set): the lookup serves \(Count.grouped(count)) request\(count == 1 ? "" : "s"); "
                + "registration must refuse a device reporting these flags"))
        }
        let summary = "the lookup serves requests for \(Count.grouped(served.count)) of the \(Count.grouped(invalid)) flags values that are "
            + "no valid feature set; a kernel must refuse such devices when they register"
        return CheckResult(name: name, verdict: .note, summary: summary, findings: findings)
    }

    /// What the skip loop without the error guard does with this spec's
    /// table: the requests it never returns from, as a note (the finding
    /// about a given kernel belongs to `import-c` on its vfio_main.c).
    static func unguardedLoopNote(_ paths: ProtocolPaths, _ proof: LookupProof) -> CheckResult {
        let findings = proof.findings[.unguarded] ?? FindingList()
        let hangs = findings.count
        let name = "unguarded-kernel-lookup"
        guard hangs > 0 else {
            return CheckResult(name: name, verdict: .holds,
                summary: "the skip loop also ends without the error guard (\(Count.grouped(proof.lookups)) lookups)")
        }
        let error = paths.model.states[paths.model.errorState].name
        let summary = "kernels whose skip loop lacks the '!= \(error)' guard hang on "
            + "\(Count.grouped(hangs)) request\(hangs == 1 ? "" : "s") (vfio_mig_get_next_state() never returns)"
        return CheckResult(name: name, verdict: .note, summary: summary, findings: findings)
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

    /// A lookup check over any table (one read back from C code, say):
    /// every value of the table looked up, `holds` when none departs.
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
