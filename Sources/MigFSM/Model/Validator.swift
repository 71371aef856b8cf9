/// Turns a parsed spec into a `MigrationProtocol`, resolving every name and
/// checking every rule a protocol must obey, or reports all the errors.
///
///     let model = try Validator.validate(syntax)
public enum Validator {
    /// At most this many features: valid feature sets are enumerated.
    public static let maximumFeatures = 16

    public static func validate(_ syntax: SpecSyntax) -> (MigrationProtocol?, [Diagnostic]) {
        var run = Run(path: syntax.path, broken: syntax.brokenDeclarations, brokenStatements: syntax.brokenStatementKeywords)
        let model = run.build(syntax)
        let diagnostics = run.diagnostics.sorted { $0.location < $1.location }
        return (diagnostics.isEmpty ? model : nil, diagnostics)
    }

    private struct Run {
        let path: String
        /// Names whose declaration is broken: not reported again as unknown.
        var broken: Set<String>
        /// The statements some line failed to make (`state`, `protocol`):
        /// nothing is missing on their account.
        let brokenStatements: Set<String>
        /// Filled once the groups are built.
        var groupIndexByName: [String: Int] = [:]
        var diagnostics: [Diagnostic] = []

        init(path: String, broken: Set<String>, brokenStatements: Set<String>) {
            self.path = path
            self.broken = broken
            self.brokenStatements = brokenStatements
        }

        mutating func error(_ location: SourceLocation, _ message: String, note: Diagnostic.Note? = nil) {
            diagnostics.append(.error(at: location, message, notes: note.map { [$0] } ?? []))
        }

        mutating func build(_ syntax: SpecSyntax) -> MigrationProtocol? {
            let statements = syntax.statements
            let start = SourceLocation(file: path, line: 1, column: 1)
            if statements.isEmpty {
                // A file whose every statement is broken says what it is
                // in those errors already.
                if syntax.brokenLines.isEmpty {
                    let blank = syntax.lines.allSatisfy { $0.comment == nil }
                    error(start, blank ? "spec is empty" : "spec declares nothing (only comments)")
                }
                return nil
            }

            // Header: protocol name and naming.
            var protocolName: Name?
            var namingValues: [NamingKey: Name] = [:]
            for (statement, _) in statements {
                switch statement {
                case .protocolName(let name):
                    if let first = protocolName {
                        error(name.location, "duplicate 'protocol' statement",
                              note: .init(first.location, "the protocol is first named here"))
                    } else {
                        protocolName = name
                    }
                case .naming(let key, let value):
                    if let first = namingValues[key] {
                        error(value.location, "duplicate '\(key.rawValue)' statement",
                              note: .init(first.location, "'\(key.rawValue)' is first set here"))
                    } else {
                        namingValues[key] = value
                    }
                default: break
                }
            }
            if protocolName == nil && !brokenStatements.contains("protocol") {
                error(start, "spec does not name its protocol; add 'protocol NAME'")
            }
            var naming = Naming.defaults(protocolName: protocolName?.text ?? "protocol")
            for (key, value) in namingValues {
                switch key {
                case .cEnum: naming.cEnum = value.text
                case .cStatePrefix: naming.cStatePrefix = value.text
                case .cFlagPrefix: naming.cFlagPrefix = value.text
                case .cPrefix: naming.cPrefix = value.text
                case .swiftModule: naming.swiftModule = value.text
                }
                if value.text.contains("-") {
                    error(value.location, "'\(value.text)' is not a valid C or Swift identifier")
                }
            }

            let features = buildFeatures(statements)
            let states = buildStates(statements, features: features)
            let stateIndex = Dictionary(states.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
            let featureNames = features.map(\.name)

            // Feature needs resolve now that all features are known.
            var resolvedFeatures = features
            var featureSyntax: [FeatureSyntax] = []
            for (statement, _) in statements {
                if case .feature(let f) = statement { featureSyntax.append(f) }
            }
            let featureIndex = Dictionary(features.enumerated().map { ($1.location, $0) }, uniquingKeysWith: { a, _ in a })
            for syntax in featureSyntax {
                guard let index = featureIndex[syntax.name.location] else { continue }
                resolvedFeatures[index].needs = resolveFeatures(syntax.needs, features: features, names: featureNames)
                if syntax.needs.contains(where: { $0.text == syntax.name.text }) {
                    error(syntax.name.location, "feature '\(syntax.name.text)' needs itself")
                }
            }
            var resolvedStates = states
            let stateIndexByLocation = Dictionary(states.enumerated().map { ($1.location, $0) }, uniquingKeysWith: { a, _ in a })
            for (statement, _) in statements {
                guard case .state(let s) = statement, let index = stateIndexByLocation[s.name.location] else { continue }
                resolvedStates[index].needs = resolveFeatures(s.needs, features: features, names: featureNames)
            }

            let errorStates = resolvedStates.indices.filter { resolvedStates[$0].isError }
            let resetStates = resolvedStates.indices.filter { resolvedStates[$0].isReset }
            // A broken `state` line may have been the one with the role.
            if let first = states.first, !brokenStatements.contains("state") {
                if errorStates.isEmpty {
                    error(first.location, "no state is marked 'error'; the protocol needs an error state")
                }
                if resetStates.isEmpty {
                    error(first.location, "no state is marked 'reset'; the protocol needs the state a reset gives")
                }
            } else if states.isEmpty && !brokenStatements.contains("state") {
                error(start, "spec declares no states")
            }
            for extra in errorStates.dropFirst() {
                error(resolvedStates[extra].location, "a second state is marked 'error'",
                      note: .init(resolvedStates[errorStates[0]].location, "the error state is '\(resolvedStates[errorStates[0]].name)'"))
            }
            for extra in resetStates.dropFirst() {
                error(resolvedStates[extra].location, "a second state is marked 'reset'",
                      note: .init(resolvedStates[resetStates[0]].location, "the reset state is '\(resolvedStates[resetStates[0]].name)'"))
            }
            for state in resolvedStates where state.isError && (state.isReset || state.session != nil) {
                error(state.location, "the error state cannot also be the reset state or carry a session")
            }
            let errorState = errorStates.first

            let groups = buildGroups(statements, states: resolvedStates, index: stateIndex)
            groupIndexByName = Dictionary(groups.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
            let (arcs, arcGates) = buildArcs(statements, states: resolvedStates, index: stateIndex, errorState: errorState, features: resolvedFeatures)
            let (blocked, blockedGates) = buildBlocked(statements, states: resolvedStates, index: stateIndex, errorState: errorState, arcs: Set(arcs), arcGates: arcGates, features: resolvedFeatures)
            let pathRule = buildPathRule(statements, groups: groups)
            let invariants = buildInvariants(statements, states: resolvedStates, index: stateIndex, groups: groups, features: features)

            let (initiators, frozen) = buildP2P(statements, states: resolvedStates, index: stateIndex, errorState: errorState)

            guard diagnostics.isEmpty, let protocolName, let errorState, let resetState = resetStates.first else {
                return nil
            }
            var domains = Array(resolvedStates.indices)
            for (groupIndex, group) in groups.enumerated() {
                for member in group.members { domains[member] = resolvedStates.count + groupIndex }
            }
            var model = MigrationProtocol(
                name: protocolName.text, sourcePath: path, naming: naming,
                features: resolvedFeatures, states: resolvedStates, groups: groups, arcs: arcs,
                blocked: Set(blocked), blockedInOrder: blocked, pathRule: pathRule,
                invariants: invariants, errorState: errorState, resetState: resetState,
                sessionDomains: domains)
            model.p2pInitiators = initiators
            model.frozen = frozen
            model.arcGates = arcGates
            model.blockedGates = blockedGates
            model.ancestors = syntax.ancestors
            return model
        }

        /// `p2p-initiator` and `frozen` (P2P safety is checked only when a
        /// spec states both): each at most once, known states,
        /// no state twice or in both, never the error state, `after-write`
        /// only on a state that receives data (a resuming session).
        mutating func buildP2P(
            _ statements: [(statement: Statement, location: SourceLocation)], states: [State],
            index: [String: StateID], errorState: StateID?
        ) -> ([StateID], [FrozenState]) {
            var initiators: [StateID] = []
            var frozen: [FrozenState] = []
            var firstInitiator: SourceLocation?
            var firstFrozen: SourceLocation?
            var listed: [StateID: (String, SourceLocation)] = [:]
            func add(_ name: Name, _ statement: String) -> StateID? {
                guard let id = resolveState(name, states: states, index: index) else { return nil }
                if let (other, location) = listed[id] {
                    error(name.location, other == statement
                        ? "'\(name.text)' is listed twice in '\(statement)'"
                        : "'\(name.text)' cannot be both '\(other)' and '\(statement)'",
                        note: .init(location, "'\(name.text)' is listed in '\(other)' here"))
                    return nil
                }
                if id == errorState {
                    error(name.location, "the error state cannot be '\(statement)': a device in it does nothing until reset")
                    return nil
                }
                listed[id] = (statement, name.location)
                return id
            }
            for (statement, location) in statements {
                switch statement {
                case .p2pInitiator(let names):
                    if let first = firstInitiator {
                        error(location, "duplicate 'p2p-initiator' statement", note: .init(first, "first stated here"))
                        continue
                    }
                    firstInitiator = location
                    initiators += names.compactMap { add($0, "p2p-initiator") }
                case .frozen(let members):
                    if let first = firstFrozen {
                        error(location, "duplicate 'frozen' statement", note: .init(first, "first stated here"))
                        continue
                    }
                    firstFrozen = location
                    for member in members {
                        guard let id = add(member.state, "frozen") else { continue }
                        if member.afterWrite && states[id].session != .resuming {
                            error(member.state.location,
                                "'after-write' needs a state that receives data (session resuming); '\(member.state.text)' does not")
                            continue
                        }
                        frozen.append(FrozenState(state: id, afterWrite: member.afterWrite))
                    }
                default:
                    break
                }
            }
            return (initiators, frozen)
        }

        mutating func buildFeatures(_ statements: [(statement: Statement, location: SourceLocation)]) -> [Feature] {
            var features: [Feature] = []
            var byName: [String: SourceLocation] = [:]
            var byBit: [Int: (String, SourceLocation)] = [:]
            for (statement, _) in statements {
                guard case .feature(let syntax) = statement else { continue }
                if let first = byName[syntax.name.text] {
                    error(syntax.name.location, "duplicate feature '\(syntax.name.text)'",
                          note: .init(first, "'\(syntax.name.text)' is first declared here"))
                    continue
                }
                byName[syntax.name.text] = syntax.name.location
                guard let bit = flagBit(syntax.value) else {
                    broken.insert(syntax.name.text)
                    continue
                }
                if let (other, location) = byBit[bit] {
                    error(syntax.value.location, "feature '\(syntax.name.text)' uses flag bit \(bit), already used by '\(other)'",
                          note: .init(location, "'\(other)' is declared here"))
                    broken.insert(syntax.name.text)
                    continue
                }
                byBit[bit] = (syntax.name.text, syntax.name.location)
                if features.count == maximumFeatures {
                    error(syntax.name.location, "too many features: at most \(maximumFeatures) are supported")
                    continue
                }
                features.append(Feature(name: syntax.name.text, bit: bit, isMandatory: syntax.mandatory,
                                        needs: [], location: syntax.name.location))
            }
            return features
        }

        /// The bit number of a feature value, which must be one bit of a u32.
        mutating func flagBit(_ literal: NumberLiteral) -> Int? {
            switch literal.form {
            case .shift(let bit):
                guard let bit, bit < 32 else {
                    error(literal.location, "flag bit \(bit.map(String.init) ?? "number") does not fit a 32-bit flags word (bits 0 to 31)")
                    return nil
                }
                return Int(bit)
            case .plain(let value):
                guard let value, value <= UInt64(UInt32.max) else {
                    error(literal.location, "flag value does not fit a 32-bit flags word")
                    return nil
                }
                guard value != 0, value & (value - 1) == 0 else {
                    error(literal.location, "feature value \(value) is not a single flag bit; write '1 << BIT'")
                    return nil
                }
                return value.trailingZeroBitCount
            }
        }

        mutating func buildStates(_ statements: [(statement: Statement, location: SourceLocation)], features: [Feature]) -> [State] {
            var states: [State] = []
            var byName: [String: SourceLocation] = [:]
            var byValue: [UInt32: (String, SourceLocation)] = [:]
            for (statement, _) in statements {
                guard case .state(let syntax) = statement else { continue }
                if let first = byName[syntax.name.text] {
                    error(syntax.name.location, "duplicate state '\(syntax.name.text)'",
                          note: .init(first, "'\(syntax.name.text)' is first declared here"))
                    continue
                }
                byName[syntax.name.text] = syntax.name.location
                guard case .plain(let raw) = syntax.value.form else {
                    error(syntax.value.location, "a state value is a plain number, not a shift")
                    broken.insert(syntax.name.text)
                    continue
                }
                guard let raw, raw <= UInt64(UInt32.max) else {
                    error(syntax.value.location, "state value does not fit in a u32 (at most 4294967295)")
                    broken.insert(syntax.name.text)
                    continue
                }
                let value = UInt32(raw)
                if let (other, location) = byValue[value] {
                    error(syntax.value.location, "state '\(syntax.name.text)' has value \(value), already used by '\(other)'",
                          note: .init(location, "'\(other)' is declared here"))
                    broken.insert(syntax.name.text)
                    continue
                }
                byValue[value] = (syntax.name.text, syntax.name.location)
                var session: SessionKind?
                if let kind = syntax.session {
                    session = SessionKind(rawValue: kind.text)
                    if session == nil {
                        error(kind.location, "unknown session kind '\(kind.text)'; expected 'saving' or 'resuming'")
                    }
                }
                states.append(State(name: syntax.name.text, value: value, needs: [], isError: syntax.isError,
                                    isReset: syntax.isReset, session: session, location: syntax.name.location))
            }
            return states
        }

        mutating func resolveFeatures(_ names: [Name], features: [Feature], names known: [String]) -> FeatureSet {
            var set = FeatureSet()
            var seen: Set<String> = []
            for name in names {
                guard seen.insert(name.text).inserted else {
                    error(name.location, "feature '\(name.text)' is listed twice")
                    continue
                }
                guard let feature = features.first(where: { $0.name == name.text }) else {
                    if broken.contains(name.text) { continue }
                    error(name.location, unknown("feature", name.text, among: known))
                    continue
                }
                set.formUnion(feature.flag)
            }
            return set
        }

        /// How many more unknown names get a "did you mean": each search
        /// reads every declared name, so a file with thousands of unknown
        /// names among thousands of states would take quadratic time (no more
        /// errors than these are shown anyway).
        var suggestionsLeft = SpecReader.errorLimit

        mutating func unknown(_ kind: String, _ name: String, among known: @autoclosure () -> [String]) -> String {
            var message = "unknown \(kind) '\(name)'"
            guard suggestionsLeft > 0 else { return message }
            suggestionsLeft -= 1
            if let suggestion = Suggestion.closest(to: name, among: known()) {
                message += "; did you mean '\(suggestion)'?"
            }
            return message
        }

        mutating func resolveState(_ name: Name, states: [State], index: [String: StateID]) -> StateID? {
            if let id = index[name.text] { return id }
            if broken.contains(name.text) { return nil }
            error(name.location, unknown("state", name.text, among: states.map(\.name)))
            return nil
        }

        mutating func buildGroups(_ statements: [(statement: Statement, location: SourceLocation)], states: [State], index: [String: StateID]) -> [StateGroup] {
            var groups: [StateGroup] = []
            var declared: [String: SourceLocation] = [:]
            var owner: [StateID: (String, SourceLocation)] = [:]
            for (statement, _) in statements {
                guard case .group(let name, let members) = statement else { continue }
                if let first = declared[name.text] {
                    error(name.location, "duplicate group '\(name.text)'", note: .init(first, "'\(name.text)' is first declared here"))
                    continue
                }
                declared[name.text] = name.location
                var ids: [StateID] = []
                for member in members {
                    guard let id = resolveState(member, states: states, index: index) else { continue }
                    if let (other, location) = owner[id], location == name.location {
                        error(member.location, "'\(member.text)' is listed twice in group '\(other)'")
                        continue
                    }
                    if let (other, location) = owner[id] {
                        error(member.location, "'\(member.text)' is already in group '\(other)'; a state shares at most one session",
                              note: .init(location, "group '\(other)' is declared here"))
                        continue
                    }
                    if states[id].isError {
                        error(member.location, "the error state cannot be in a group")
                        continue
                    }
                    owner[id] = (name.text, name.location)
                    ids.append(id)
                }
                if let first = ids.first, ids.contains(where: { states[$0].session != states[first].session }) {
                    error(name.location, "members of group '\(name.text)' must carry the same kind of session")
                }
                groups.append(StateGroup(name: name.text, members: ids, location: name.location))
            }
            return groups
        }

        /// The index of the group named `name`.
        func groupIndex(_ name: String, _ groups: [StateGroup]) -> Int? {
            groupIndexByName[name]
        }

        mutating func resolveArc(_ syntax: ArcSyntax, states: [State], index: [String: StateID]) -> Arc? {
            let from = resolveState(syntax.from, states: states, index: index)
            let to = resolveState(syntax.to, states: states, index: index)
            guard let from, let to else { return nil }
            return Arc(from, to)
        }

        /// The features of a `needs` or `unless` gate; `nil` when the
        /// statement has none.
        mutating func resolveGate(_ syntax: ArcSyntax, features: [Feature]) -> FeatureSet? {
            guard !syntax.gate.isEmpty else { return nil }
            return resolveFeatures(syntax.gate, features: features, names: features.map(\.name))
        }

        mutating func buildArcs(_ statements: [(statement: Statement, location: SourceLocation)], states: [State], index: [String: StateID], errorState: StateID?, features: [Feature]) -> ([Arc], [Arc: FeatureSet]) {
            var arcs: [Arc] = []
            var gates: [Arc: FeatureSet] = [:]
            var seen: [Arc: SourceLocation] = [:]
            for (statement, location) in statements {
                guard case .arc(let syntax) = statement, let arc = resolveArc(syntax, states: states, index: index) else { continue }
                if arc.from == arc.to {
                    error(syntax.to.location, "self-arc '\(syntax.from.text) -> \(syntax.to.text)': an arc must change the state")
                    continue
                }
                if arc.from == errorState || arc.to == errorState {
                    let name = states[errorState!].name
                    error(arc.from == errorState ? syntax.from.location : syntax.to.location,
                          "arcs into or out of the error state '\(name)' cannot be declared: any failed arc may reach it and only reset leaves it")
                    continue
                }
                if let first = seen[arc] {
                    error(location, "duplicate arc '\(syntax.from.text) -> \(syntax.to.text)'", note: .init(first, "the arc is first declared here"))
                    continue
                }
                seen[arc] = location
                arcs.append(arc)
                if let gate = resolveGate(syntax, features: features) { gates[arc] = gate }
            }
            return (arcs, gates)
        }

        mutating func buildBlocked(_ statements: [(statement: Statement, location: SourceLocation)], states: [State], index: [String: StateID], errorState: StateID?, arcs: Set<Arc>, arcGates: [Arc: FeatureSet], features: [Feature]) -> ([Arc], [Arc: FeatureSet]) {
            var blocked: [Arc] = []
            var gates: [Arc: FeatureSet] = [:]
            var seen: [Arc: SourceLocation] = [:]
            for (statement, location) in statements {
                guard case .blocked(let syntax) = statement, let arc = resolveArc(syntax, states: states, index: index) else { continue }
                if arc.from == arc.to {
                    error(syntax.to.location, "a request for the current state cannot be blocked")
                    continue
                }
                if arc.from == errorState || arc.to == errorState {
                    error(syntax.from.location, "requests from or to the error state are always refused; no need to block them")
                    continue
                }
                let gate = resolveGate(syntax, features: features)
                // An arc gated by every feature that serves the request
                // (`A -> B needs F` with `blocked A -> B unless F`) exists
                // only where the request is served: no conflict.
                if arcs.contains(arc), !(gate.map { (arcGates[arc] ?? []).covers($0) } ?? false) {
                    error(location, "'\(syntax.from.text) -> \(syntax.to.text)' is declared as an arc and blocked"
                        + (gate == nil ? "" : " on devices that have the arc; gate the arc by the features that unblock it"))
                    continue
                }
                if let first = seen[arc] {
                    error(location, "duplicate blocked request '\(syntax.from.text) -> \(syntax.to.text)'", note: .init(first, "first blocked here"))
                    continue
                }
                seen[arc] = location
                blocked.append(arc)
                if let gate { gates[arc] = gate }
            }
            return (blocked, gates)
        }

        mutating func buildPathRule(_ statements: [(statement: Statement, location: SourceLocation)], groups: [StateGroup]) -> PathRule {
            var rule = PathRule()
            var shortest: SourceLocation?
            var tieBreak: SourceLocation?
            var ruled: [Int: SourceLocation] = [:]
            for (statement, location) in statements {
                guard case .pathRule(let syntax) = statement else { continue }
                switch syntax {
                case .shortest:
                    if let first = shortest {
                        error(location, "duplicate 'path shortest'", note: .init(first, "first stated here"))
                    }
                    shortest = location
                case .groupInterior(let group, let reading):
                    guard let groupIndex = groupIndex(group.text, groups) else {
                        if broken.contains(group.text) { continue }
                        error(group.location, unknown("group", group.text, among: groups.map(\.name)))
                        continue
                    }
                    guard let parsed = GroupReading(rawValue: reading.text) else {
                        error(reading.location, "unknown group reading '\(reading.text)'; expected 'contained' or 'literal'")
                        continue
                    }
                    if let first = ruled[groupIndex] {
                        error(group.location, "group '\(group.text)' already has an interior rule", note: .init(first, "first stated here"))
                        continue
                    }
                    ruled[groupIndex] = location
                    rule.groupInterior.append(.init(group: groupIndex, reading: parsed))
                case .tieBreak(let name):
                    if let first = tieBreak {
                        error(location, "duplicate 'path tie-break'", note: .init(first, "first stated here"))
                        continue
                    }
                    tieBreak = location
                    guard let parsed = PathRule.TieBreak(rawValue: name.text) else {
                        error(name.location, "unknown tie-break '\(name.text)'; expected 'lowest-value'")
                        continue
                    }
                    rule.tieBreak = parsed
                }
            }
            return rule
        }

        mutating func buildInvariants(_ statements: [(statement: Statement, location: SourceLocation)], states: [State], index: [String: StateID], groups: [StateGroup], features: [Feature]) -> [Invariant] {
            var invariants: [Invariant] = []
            for (statement, location) in statements {
                guard case .invariant(let syntax) = statement else { continue }
                let kind: InvariantKind?
                switch syntax {
                case .noInterior(let group):
                    if let groupIndex = groupIndex(group.text, groups) {
                        kind = .noInterior(group: groupIndex)
                    } else {
                        if !broken.contains(group.text) {
                            error(group.location, unknown("group", group.text, among: groups.map(\.name)))
                        }
                        kind = nil
                    }
                case .refused(let arcSyntax):
                    let gate = resolveGate(arcSyntax, features: features)
                    kind = resolveArc(arcSyntax, states: states, index: index).map { .refused($0, unless: gate) }
                case .sink(let name):
                    kind = resolveState(name, states: states, index: index).map(InvariantKind.sink)
                case .reachable:
                    kind = .reachable
                case .path(let names, let featureNames):
                    let ids = names.compactMap { resolveState($0, states: states, index: index) }
                    var set: FeatureSet?
                    if let featureNames {
                        set = resolveFeatures(featureNames, features: features, names: features.map(\.name))
                    }
                    kind = ids.count == names.count ? .path(ids, set) : nil
                }
                if let kind {
                    invariants.append(Invariant(kind: kind, location: location))
                }
            }
            return invariants
        }
    }
}
