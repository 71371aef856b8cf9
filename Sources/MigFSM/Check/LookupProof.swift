/// The proof behind `kernel-lookup`, `unguarded-kernel-lookup` and
/// `generated-lookup`: a lookup over migfsm's own `KernelTable`, for every
/// flags value of the declared bits and every (current, requested) pair,
/// measured against the spec.
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
    enum Lookup {
        /// `vfio_mig_get_next_state()` with the given skip loop.
        case kernel(KernelTable.SkipLoop)
        /// The lookup migfsm emits (`KernelTable.generatedLookup`).
        case generated
    }

    /// The findings, and the number of lookups made.
    var findings = FindingList()
    var lookups = 0

    /// Proves `lookup`; with `only`, reports only findings of those kinds.
    init(_ paths: ProtocolPaths, _ kernel: KernelTable, _ lookup: Lookup, required: [[Arc]],
         only: Set<LookupDivergence.Kind>? = nil) {
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
        let label = { (value: UInt32) in byValue[value].map { model.states[$0].name } ?? "value \(value)" }

        for flags in Checker.flagValues(model) {
            let features = FeatureSet(rawValue: flags)
            let table = model.isValid(features) ? paths.table(for: features) : nil
            var isRequired = RequestMatrix<Bool>(count: table == nil ? 0 : model.states.count, fill: false)
            if let table, let index = paths.tableIndex[table.features] {
                for arc in required[index] { isRequired[arc.from, arc.to] = true }
            }
            let supported = kernel.supportedValues(flags: flags)
            for (i, current) in values.enumerated() {
                for (j, requested) in values.enumerated() {
                    lookups += 1
                    let verdict: KernelTable.Verdict
                    switch lookup {
                    case .kernel(let loop):
                        verdict = kernel.verdict(current: current, requested: requested, supported: supported, guarded: loop == .guarded)
                    case .generated:
                        verdict = table == nil ? .refused
                            : kernel.verdict(current: current, requested: requested, supported: supported, guarded: true)
                    }
                    let from = ids[i], to = ids[j]
                    var expected: StateID?
                    if let table, from >= 0, to >= 0 { expected = table.nextState(from: from, to: to) }
                    let kind = LookupDivergence.kind(
                        of: verdict, flagsDefined: table != nil, expected: expected,
                        expectedValue: expected.map { model.states[$0].value },
                        arcRequired: { from == to || (expected.map { isRequired[from, $0] } ?? false) })
                    guard let kind, only?.contains(kind) ?? true else { continue }
                    let alike = weights[i] * weights[j] - 1
                    findings.append(alike: alike, Self.finding(
                        kind, lookup, kernel: kernel, table: table, flags: flags, current: current, requested: requested,
                        alike: alike, label: label, id: { byValue[$0] }))
                }
            }
        }
    }

    /// The finding in words, the lookup run again to record what it read.
    private static func finding(
        _ kind: LookupDivergence.Kind, _ lookup: Lookup, kernel: KernelTable, table: PathTable?, flags: UInt32,
        current: UInt32, requested: UInt32, alike: Int, label: (UInt32) -> String, id: (UInt32) -> StateID?
    ) -> CheckResult.Finding {
        let outcome: KernelTable.Outcome
        switch lookup {
        case .kernel(let loop): outcome = kernel.lookup(flags: flags, current: current, requested: requested, loop: loop)
        case .generated: outcome = kernel.generatedLookup(flags: flags, current: current, requested: requested)
        }
        let divergence = LookupDivergence.make(
            kind, outcome, flags: flags, table: table, kernel: kernel,
            current: current, requested: requested, label: label, id: id)
        let more = alike > 0 ? " (and \(Count.grouped(alike)) more like it: the values no state has behave alike)" : ""
        return CheckResult.Finding(features: nil, divergence.message + more)
    }
}
