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

extension LookupDivergence {
    /// What a lookup's result is, measured against the spec, before any
    /// words are built: `nil` when it agrees.
    static func kind(
        of outcome: KernelTable.Verdict, flagsDefined: Bool, expected: StateID?, expectedValue: UInt32?,
        arcRequired: () -> Bool
    ) -> Kind? {
        switch outcome {
        case .cycle:
            return .neverEnds
        case .refused:
            return expected != nil ? .refused : nil
        case .next(let value):
            guard flagsDefined else { return .undefinedFlags }
            guard let expectedValue else { return .servesRefused }
            if value != expectedValue { return .wrongNext }
            return arcRequired() ? nil : .notRequiredArc
        }
    }

    /// The divergence of `kind` in words, as `check` and `import-c` print it.
    static func make(
        _ kind: Kind, _ outcome: KernelTable.Outcome, flags: UInt32, table: PathTable?, kernel: KernelTable,
        current: UInt32, requested: UInt32, label: (UInt32) -> String, id: (UInt32) -> StateID?
    ) -> LookupDivergence {
        let model = kernel.model
        // The kernel ignores the bits no feature has: flags with such bits
        // mean their declared bits, and say so.
        let features = FeatureSet(rawValue: flags & model.allFeatures.rawValue)
        var subject = table != nil ? model.describe(features) : "flags 0x\(String(flags, radix: 16))"
        if table != nil && features.rawValue != flags { subject = "flags 0x\(String(flags, radix: 16)) \(subject)" }
        let from = id(current)
        let to = id(requested)
        let request = "\(label(current)) -> \(label(requested))"
        let visited: [UInt32]
        var result: UInt32?
        switch outcome {
        case .cycle(let read), .refused(let read): visited = read
        case .next(let value, let read): visited = read; result = value
        }
        let walked = visited.map(label).joined(separator: " -> ")
        var spec: String {
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
        let expected = table.flatMap { table in from.flatMap { from in to.flatMap { table.nextState(from: from, to: $0) } } }
        let message: String
        switch kind {
        case .neverEnds:
            let last = visited.last ?? current
            let ending = Int(last) < kernel.size && kernel.masks[Int(last)] == ~0
                ? " (\(label(last))'s mask ~0 is never within the flags)" : ""
            message = "\(subject) \(request): the skip loop never ends: reads \(walked) -> ...\(ending)"
        case .refused:
            message = "\(subject) \(request): refused after reading \(visited.isEmpty ? "nothing" : walked); the spec walks to \(expected.map { model.states[$0].name } ?? "?")"
        case .undefinedFlags:
            message = "\(subject) \(request): gives \(result.map(label) ?? "?") (read \(walked)) for flags the spec does not define"
        case .servesRefused:
            message = "\(subject) \(request): gives \(result.map(label) ?? "?") (read \(walked)); the spec refuses it"
        case .wrongNext:
            message = "\(subject) \(request): gives \(result.map(label) ?? "?") (read \(walked)); the spec's next state is \(expected.map { model.states[$0].name } ?? "?")"
        case .notRequiredArc:
            let arc = from.flatMap { from in expected.map { model.describe(Arc(from, $0)) } } ?? "?"
            message = "\(subject) \(request): asks the driver for \(arc), not a required arc"
        }
        return LookupDivergence(
            kind: kind, flags: flags, features: table != nil ? features : nil, subject: subject,
            current: label(current), requested: label(requested), walked: visited.map(label),
            result: result.map(label), spec: spec, message: message)
    }
}

extension Checker {
    /// Runs `lookup` for every flags value (or the given ones) and every
    /// (current, requested) pair of values, from 0 to one past the table,
    /// and the largest u32, and returns each departure from the spec with
    /// the number of lookups made. For tables read from elsewhere (C code),
    /// whose every entry may differ; `check` proves its own tables with
    /// `LookupProof`, which treats the values no state has as one.
    public static func lookupDivergences(
        _ paths: ProtocolPaths, _ kernel: KernelTable,
        _ lookup: (UInt32, UInt32, UInt32) -> KernelTable.Outcome,
        flags chosen: [UInt32]? = nil
    ) -> (divergences: [LookupDivergence], cases: Int) {
        let model = paths.model
        var byValue: [UInt32: StateID] = [:]
        for (id, state) in model.states.enumerated() { byValue[state.value] = id }
        let label = { (value: UInt32) in byValue[value].map { model.states[$0].name } ?? "value \(value)" }
        let values = (0...UInt32(kernel.size)).map { $0 } + [UInt32.max]
        var divergences: [LookupDivergence] = []
        var cases = 0
        for flags in chosen ?? flagValues(model) {
            // The kernel ignores the bits no feature has: flags with such
            // bits mean their declared bits.
            let features = FeatureSet(rawValue: flags & model.allFeatures.rawValue)
            let table = model.isValid(features) ? paths.table(for: features) : nil
            let required = Set(table?.requiredArcs ?? [])
            for current in values {
                for requested in values {
                    cases += 1
                    let outcome = lookup(flags, current, requested)
                    let from = byValue[current]
                    let to = byValue[requested]
                    var expected: StateID?
                    if let table, let from, let to { expected = table.nextState(from: from, to: to) }
                    let kind = LookupDivergence.kind(
                        of: outcome.verdict, flagsDefined: table != nil, expected: expected,
                        expectedValue: expected.map { model.states[$0].value },
                        arcRequired: { current == requested || from.map { from in expected.map { required.contains(Arc(from, $0)) } ?? false } ?? false })
                    guard let kind else { continue }
                    divergences.append(LookupDivergence.make(
                        kind, outcome, flags: flags, table: table, kernel: kernel,
                        current: current, requested: requested, label: label, id: { byValue[$0] }))
                }
            }
        }
        return (divergences, cases)
    }
}
