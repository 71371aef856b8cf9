/// One request on which a kernel-style table lookup departs from the spec:
/// the feature set (flags), the request, the table entries the lookup read,
/// and what the spec says instead. `check` and `import-c` both report these.
public struct LookupDivergence: Hashable, Sendable {
    /// How the lookup went wrong.
    public enum Kind: String, Hashable, Sendable {
        /// The skip loop comes back to an entry it read: it never ends.
        case neverEnds = "never-ends"
        /// Refused a request the spec serves.
        case refused
        /// Served a request for flags the spec does not define.
        case undefinedFlags = "undefined-flags"
        /// Served a request the spec refuses.
        case servesRefused = "serves-refused"
        /// Gave a next state other than the spec's.
        case wrongNext = "wrong-next"
        /// Gave the spec's next state, but by an arc the driver need not implement.
        case notRequiredArc = "not-required-arc"
    }

    public var kind: Kind
    /// The flags value looked up with.
    public var flags: UInt32
    /// The feature set, when `flags` is a valid one.
    public var features: FeatureSet?
    /// `{STOP_COPY, P2P}`, or `flags 0x2` for flags the spec does not define.
    public var subject: String
    /// The current and requested state names (`value 9` out of range).
    public var current: String
    public var requested: String
    /// The table entries the lookup read, in order (names).
    public var walked: [String]
    /// The state the lookup gave, when it gave one.
    public var result: String?
    /// What the spec says about the request, in words.
    public var spec: String
    /// The one-line finding, as `check` prints it.
    public var message: String

    /// `{STOP_COPY} RUNNING -> STOP`
    public var request: String { "\(subject) \(current) -> \(requested)" }
}

extension Checker {
    /// Runs `lookup` for every flags value (or the given ones) and every
    /// (current, requested) pair, out-of-range values included, and returns
    /// each departure from the spec with the number of lookups made.
    public static func lookupDivergences(
        _ paths: ProtocolPaths, _ kernel: KernelTable,
        _ lookup: (UInt32, UInt32, UInt32) -> KernelTable.Outcome,
        flags chosen: [UInt32]? = nil
    ) -> (divergences: [LookupDivergence], cases: Int) {
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
        var divergences: [LookupDivergence] = []
        var cases = 0
        for flags in chosen ?? flagValues(model) {
            // The kernel ignores the bits no feature has: flags with such
            // bits mean their declared bits.
            let features = FeatureSet(rawValue: flags & model.allFeatures.rawValue)
            let table = model.isValid(features) ? paths.table(for: features) : nil
            let required = Set(table?.requiredArcs ?? [])
            var subject = table != nil ? model.describe(features) : "flags 0x\(String(flags, radix: 16))"
            if table != nil && features.rawValue != flags { subject = "flags 0x\(String(flags, radix: 16)) \(subject)" }
            for current in values {
                for requested in values {
                    cases += 1
                    let outcome = lookup(flags, current, requested)
                    let from = byValue[current]
                    let to = byValue[requested]
                    var expected: StateID?
                    if let table, let from, let to { expected = table.nextState(from: from, to: to) }
                    // Words are built only for a divergence: the loop runs
                    // for every flags value and pair, and almost all agree.
                    func specSays() -> String {
                        guard let table else { return "defines no feature set with these flags" }
                        guard let from, let to else { return "refuses it (no state has that value)" }
                        switch table.next(from: from, to: to) {
                        case .success(let next):
                            return from == to ? "stays in \(model.states[to].name)"
                                : table.path(from: from, to: to).map { "walks " + model.describe(path: $0) }
                                ?? "gives next state \(model.states[next].name)"
                        case .failure(let refusal):
                            return "refuses it (\(refusal.explanation))"
                        }
                    }
                    var request: String { "\(label(current)) -> \(label(requested))" }
                    func divergence(_ kind: LookupDivergence.Kind, _ visited: [UInt32], _ result: UInt32?, _ message: String) {
                        divergences.append(LookupDivergence(
                            kind: kind, flags: flags, features: table != nil ? features : nil, subject: subject,
                            current: label(current), requested: label(requested), walked: visited.map(label),
                            result: result.map(label), spec: specSays(), message: message))
                    }
                    switch outcome {
                    case .cycle(let visited):
                        divergence(.neverEnds, visited, nil,
                            "\(subject) \(request): the skip loop never ends: reads \(walked(visited)) -> ..."
                            + (kernel.masks[Int(visited.last!)] == ~0 ? " (\(label(visited.last!))'s mask ~0 is never within the flags)" : ""))
                    case .refused(let visited):
                        if let expected {
                            divergence(.refused, visited, nil,
                                "\(subject) \(request): refused after reading \(visited.isEmpty ? "nothing" : walked(visited)); the spec walks to \(model.states[expected].name)")
                        }
                    case .next(let value, let visited):
                        guard let table else {
                            divergence(.undefinedFlags, visited, value,
                                "\(subject) \(request): gives \(label(value)) (read \(walked(visited))) for flags the spec does not define")
                            continue
                        }
                        guard let expected else {
                            divergence(.servesRefused, visited, value,
                                "\(subject) \(request): gives \(label(value)) (read \(walked(visited))); the spec refuses it")
                            continue
                        }
                        if value != model.states[expected].value {
                            divergence(.wrongNext, visited, value,
                                "\(subject) \(request): gives \(label(value)) (read \(walked(visited))); the spec's next state is \(model.states[expected].name)")
                        } else if let from, current != requested, !required.contains(Arc(from, expected)) {
                            divergence(.notRequiredArc, visited, value,
                                "\(subject) \(request): asks the driver for \(model.describe(Arc(from, expected))), not a required arc")
                        }
                        _ = table
                    }
                }
            }
        }
        return (divergences, cases)
    }
}
