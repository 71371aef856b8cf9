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
        _ lookup: (UInt32, UInt32, UInt32) -> KernelTable.Outcome, proven: String
    ) -> CheckResult {
        let model = paths.model
        var byValue: [UInt32: StateID] = [:]
        for (id, state) in model.states.enumerated() { byValue[state.value] = id }
        func label(_ value: UInt32) -> String {
            byValue[value].map { model.states[$0].name } ?? "value \(value)"
        }
        func walked(_ visited: [UInt32]) -> String {
            visited.map(label).joined(separator: " -> ")
        }
        // Out-of-range values: the first past the table and the largest u32.
        let values = (0...UInt32(kernel.size)).map { $0 } + [UInt32.max]
        var findings: [CheckResult.Finding] = []
        var cases = 0
        for flags in flagValues(model) {
            let features = FeatureSet(rawValue: flags)
            let table = model.isValid(features) ? paths.table(for: features) : nil
            let required = Set(table?.requiredArcs ?? [])
            let subject = table != nil ? model.describe(features) : "flags 0x\(String(flags, radix: 16))"
            for current in values {
                for requested in values {
                    cases += 1
                    let request = "\(label(current)) -> \(label(requested))"
                    let outcome = lookup(flags, current, requested)
                    var expected: StateID?
                    if let table, let from = byValue[current], let to = byValue[requested] {
                        expected = table.nextState(from: from, to: to)
                    }
                    switch outcome {
                    case .cycle(let visited):
                        findings.append(.init(features: nil,
                            "\(subject) \(request): the skip loop never ends: reads \(walked(visited)) -> ..."
                            + (kernel.masks[Int(visited.last!)] == ~0 ? " (\(label(visited.last!))'s mask ~0 is never within the flags)" : "")))
                    case .refused(let visited):
                        if let expected {
                            findings.append(.init(features: nil,
                                "\(subject) \(request): refused after reading \(visited.isEmpty ? "nothing" : walked(visited)); the spec walks to \(model.states[expected].name)"))
                        }
                    case .next(let value, let visited):
                        guard let table else {
                            findings.append(.init(features: nil,
                                "\(subject) \(request): gives \(label(value)) (read \(walked(visited))) for flags the spec does not define"))
                            continue
                        }
                        guard let expected else {
                            findings.append(.init(features: nil,
                                "\(subject) \(request): gives \(label(value)) (read \(walked(visited))); the spec refuses it"))
                            continue
                        }
                        if value != model.states[expected].value {
                            findings.append(.init(features: nil,
                                "\(subject) \(request): gives \(label(value)) (read \(walked(visited))); the spec's next state is \(model.states[expected].name)"))
                        } else if let from = byValue[current], current != requested, !required.contains(Arc(from, expected)) {
                            findings.append(.init(features: nil,
                                "\(subject) \(request): asks the driver for \(model.describe(Arc(from, expected))), not a required arc"))
                        }
                        _ = table
                    }
                }
            }
        }
        return .proven(name, "\(proven) (\(cases) lookups)", findings: findings)
    }
}
