/// The proof behind `kernel-lookup`, `unguarded-kernel-lookup`,
/// `generated-lookup` and `invalid-flags`: a lookup over migfsm's own
/// `KernelTable`, for every flags class the lookups tell apart
/// (`Checker.everyFlagsClass`; the kernel's two loops on the declared bits
/// only) and every (current, requested) pair, measured against the spec.
/// Flags whose declared bits are no valid feature set are not judged by
/// the spec (registration refuses such devices): there the lookups must
/// only end, and what they serve is counted for `invalid-flags`.
///
/// The pairs are made of the declared state values, one value no state has
/// (when the table has such holes), the first value past the table and the
/// largest u32. Every value no state has behaves the same in a table built
/// from the spec (its mask is 0, its row and column read 0), so the first
/// one stands for all: a finding about it counts for every hole ("and
/// 4,092 more like it") and the work is bounded by the declared states,
/// never by the value range. Lookups record the entries they read only for
/// a finding.
struct LookupProof {
    /// Which lookup is proven.
    enum Lookup: CaseIterable {
        /// `vfio_mig_get_next_state()` as upstream writes it (the skip loop
        /// stops at the error state).
        case kernel
        /// The same without the error guard; only its hangs are findings.
        case unguarded
        /// The lookup migfsm emits (`KernelTable.generatedLookup`).
        case generated
    }

    /// Per lookup: the findings.
    var findings: [Lookup: FindingList] = [:]
    /// The lookups made by the proofs of the kernel's loops (declared bits).
    var lookups = 0
    /// The lookups made by the proof of the emitted lookup (every class).
    var generatedLookups = 0
    /// Per flags value whose declared bits are no valid feature set: the
    /// requests the emitted lookup serves (values no state has counted
    /// with their weight).
    var servedOnInvalidFlags: [(flags: UInt32, requests: Int)] = []

    /// Proves the three lookups in one pass. The emitted lookup gives what
    /// the guarded loop gives except on a gated request whose flag is
    /// missing (it refuses before reading the table), and the unguarded
    /// loop differs from the guarded one only where that one refuses, so
    /// one table walk serves all three (the unguarded one is walked again
    /// only there).
    init(_ paths: ProtocolPaths, _ kernel: KernelTable, required: [[Arc]]) {
        let model = paths.model
        var byValue: [UInt32: StateID] = [:]
        for (id, state) in model.states.enumerated() { byValue[state.value] = id }
        let declared = model.states.map(\.value).sorted()
        // The first value below the table's size that no state has, and how
        // many such values there are.
        let holes = kernel.size - declared.count
        var firstHole: UInt32?
        if holes > 0 {
            var candidate: UInt32 = 0
            for value in declared {
                if value != candidate { break }
                candidate += 1
            }
            firstHole = candidate
        }
        let values: [UInt32] = declared + (firstHole.map { [$0] } ?? []) + [UInt32(kernel.size), UInt32.max]
        let weights = values.map { $0 == firstHole ? holes : 1 }
        let ids = values.map { byValue[$0] ?? -1 }
        let stateValues = model.states.map(\.value)
        let label = { (value: UInt32) in byValue[value].map { model.states[$0].name } ?? "value \(value)" }
        var kernelFindings = FindingList(), unguardedFindings = FindingList(), generatedFindings = FindingList()
        let width = values.count
        let gated = kernel.gatedRequests

        for flags in Checker.everyFlagsClass(model) {
            // The kernel ignores the bits no feature has.
            let features = FeatureSet(rawValue: flags & model.allFeatures.rawValue)
            let declaredOnly = features.rawValue == flags
            let tableIndex = model.isValid(features) ? paths.tableIndex[features] : nil
            let flagsDefined = tableIndex != nil
            var servedHere = 0
            let table = tableIndex.map { paths.tables[$0] }
            // The table's next states, read without copying the table in
            // the loop (`PathTable.nextState`, inlined).
            let nextStorage = table?.nextStorage ?? []
            let tableSupports = table?.isSupported ?? []
            let errorState = model.errorState
            let count = model.states.count
            // The required arcs, by source state: `requiredTargets[
            // requiredStart[s]..<requiredStart[s + 1]]`.
            var requiredStart = [Int](repeating: 0, count: model.states.count + 1)
            var requiredTargets: [StateID] = []
            if let tableIndex {
                let arcs = required[tableIndex]
                for arc in arcs { requiredStart[arc.from + 1] += 1 }
                for state in 0..<model.states.count { requiredStart[state + 1] += requiredStart[state] }
                var fill = requiredStart
                requiredTargets = [StateID](repeating: 0, count: arcs.count)
                for arc in arcs {
                    requiredTargets[fill[arc.from]] = arc.to
                    fill[arc.from] += 1
                }
            }
            let supported = kernel.supportedValues(flags: flags)
            // A value past the table is refused before the table is read,
            // and no state has it, so the spec refuses it too: those pairs
            // are counted, not looked up.
            if declaredOnly { lookups += width * width }
            generatedLookups += width * width
            let inTable = width - 2
            for i in 0..<inTable {
                let current = values[i]
                for j in 0..<inTable {
                    let requested = values[j]
                    var next = -1
                    let from = ids[i], to = ids[j]
                    if flagsDefined, from >= 0, to >= 0, from != errorState, to != errorState,
                       tableSupports[from], tableSupports[to] {
                        next = Int(max(nextStorage[from * count + to], -1))
                    }
                    let guarded = kernel.verdict(current: current, requested: requested, supported: supported, guarded: true)
                    func kind(_ verdict: KernelTable.Verdict) -> LookupDivergence.Kind? {
                        LookupDivergence.kind(
                            of: verdict, flagsDefined: flagsDefined, expected: next >= 0 ? Int(next) : nil,
                            expectedValue: next >= 0 ? stateValues[Int(next)] : nil,
                            arcRequired: {
                                i == j || requiredTargets[requiredStart[ids[i]]..<requiredStart[ids[i] + 1]].contains(next)
                            })
                    }
                    func report(_ kind: LookupDivergence.Kind, _ lookup: Lookup, into list: inout FindingList) {
                        let alike = weights[i] * weights[j] - 1
                        list.append(alike: alike, Self.finding(
                            kind, lookup, kernel: kernel, table: table, flags: flags,
                            current: current, requested: requested, alike: alike, label: label, id: { byValue[$0] }))
                    }
                    var generated = guarded
                    if !gated.isEmpty, case .next = guarded,
                       gated.contains(where: { $0.current == current && $0.requested == requested && flags & $0.gate != $0.gate }) {
                        generated = .refused
                    }
                    // On flags no valid feature set has, serving is not a
                    // divergence: it is counted for invalid-flags.
                    func judged(_ kind: LookupDivergence.Kind?) -> LookupDivergence.Kind? {
                        kind == .undefinedFlags ? nil : kind
                    }
                    if declaredOnly, let guardedKind = judged(kind(guarded)) {
                        report(guardedKind, .kernel, into: &kernelFindings)
                    }
                    if let generatedKind = judged(kind(generated)) {
                        report(generatedKind, .generated, into: &generatedFindings)
                    }
                    if !flagsDefined, case .next = generated { servedHere += weights[i] * weights[j] }
                    // Without the guard the walk is the same until it reads
                    // the error state, where the guarded loop refuses.
                    if declaredOnly, guarded == .cycle || (guarded == .refused
                        && kernel.verdict(current: current, requested: requested, supported: supported, guarded: false) == .cycle) {
                        report(.neverEnds, .unguarded, into: &unguardedFindings)
                    }
                }
            }
            if declaredOnly && servedHere > 0 { servedOnInvalidFlags.append((flags, servedHere)) }
        }
        findings = [.kernel: kernelFindings, .unguarded: unguardedFindings, .generated: generatedFindings]
    }

    /// The finding in words, the lookup run again to record what it read.
    private static func finding(
        _ kind: LookupDivergence.Kind, _ lookup: Lookup, kernel: KernelTable, table: PathTable?, flags: UInt32,
        current: UInt32, requested: UInt32, alike: Int, label: (UInt32) -> String, id: (UInt32) -> StateID?
    ) -> CheckResult.Finding {
        let outcome: KernelTable.Outcome
        switch lookup {
        case .kernel: outcome = kernel.lookup(flags: flags, current: current, requested: requested, loop: .guarded)
        case .unguarded: outcome = kernel.lookup(flags: flags, current: current, requested: requested, loop: .unguarded)
        case .generated: outcome = kernel.generatedLookup(flags: flags, current: current, requested: requested)
        }
        let divergence = LookupDivergence.make(
            kind, outcome, flags: flags, table: table, kernel: kernel,
            current: current, requested: requested, label: label, id: id)
        let more = alike > 0 ? " (and \(Count.grouped(alike)) more like it: the values no state has behave alike)" : ""
        return CheckResult.Finding(features: nil, divergence.message + more)
    }
}
