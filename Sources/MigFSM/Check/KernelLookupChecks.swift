extension Checker {
    /// `kernel-lookup` and `generated-lookup`: the single combined table plus
    /// masks, looked up with the skip loop, for every feature set and every
    /// (current, requested) pair including unsupported and out-of-range
    /// values, must (a) terminate, (b) give the per-feature-set next state,
    /// (c) only yield required arcs, (d) refuse exactly what the spec refuses.
    static func kernelLookupChecks(_ paths: ProtocolPaths) -> [CheckResult] {
        guard let full = paths.full, let kernel = KernelTable(paths: full) else {
            let summary = "state values exceed \(KernelTable.maximumSize - 1): no kernel table"
            return ["kernel-lookup", "generated-lookup"].map {
                CheckResult(name: $0, verdict: .fails, summary: summary)
            }
        }
        return [
            lookupCheck("kernel-lookup", paths, kernel, kernel.lookup,
                        proven: "terminates and agrees with every feature set's paths"),
            lookupCheck("generated-lookup", paths, kernel, kernel.generatedLookup,
                        proven: "terminates and agrees for every flags value"),
        ]
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
        let findings = divergences.map { CheckResult.Finding(features: nil, $0.message) }
        return .proven(name, "\(proven) (\(cases) lookups)", findings: findings)
    }
}
