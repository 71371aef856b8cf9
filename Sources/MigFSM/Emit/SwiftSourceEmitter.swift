/// Writes `Swift/<swift-module>.swift`: a dependency-free Swift module with
/// the protocol's states (UInt32 raw values, the uAPI values), its features
/// as an OptionSet, the same table and lookup as the C header
/// (`KernelTable.generatedLookup`), and per feature set the required arcs and
/// the combination transitions. Swift users depend on this module, never on
/// the generator.
public struct SwiftSourceEmitter: Sendable {
    public let paths: ProtocolPaths
    public let kernel: KernelTable
    public let banner: String

    public init(paths: ProtocolPaths, kernel: KernelTable, banner: String) {
        self.paths = paths
        self.kernel = kernel
        self.banner = banner
    }

    var model: MigrationProtocol { paths.model }

    public func render() -> String {
        [header(), stateType(), featureType(), arcType(), machine()].joined(separator: "\n")
    }

    func header() -> String {
        """
        \(banner)
        //
        // The \(model.name) migration state machine: states, features, the
        // next-state table with its lookup, the arcs a driver implements and the
        // paths requests walk, per feature set. Proven by `migfsm check`.

        """
    }

    func stateType() -> String {
        let states = model.statesByValue.map { model.states[$0] }
        var text = """
            /// A state of the \(model.name) protocol; the raw value is the uAPI value
            /// (`\(model.naming.cStatePrefix)*`).
            public enum MigrationState: UInt32, CaseIterable, Hashable, Sendable, CustomStringConvertible {

            """
        for state in states { text += "    case \(Self.identifier(state.name)) = \(state.value)\n" }
        text += "\n    /// The uAPI name, as in `\(states.last.map(\.name) ?? "")`.\n"
        text += "    public var description: String {\n        switch self {\n"
        for state in states { text += "        case .\(Self.identifier(state.name)): return \"\(state.name)\"\n" }
        text += "        }\n    }\n\n"
        text += "    /// The features a device needs for the state to exist.\n"
        text += "    public var neededFeatures: MigrationFeatures {\n        switch self {\n"
        for state in states {
            text += "        case .\(Self.identifier(state.name)): return \(featureLiteral(state.needs))\n"
        }
        text += "        }\n    }\n\n"
        let error = model.states[model.errorState]
        let reset = model.states[model.resetState]
        text += "    /// Whether this is the error state: never requestable, left only by reset.\n"
        text += "    public var isError: Bool { self == .\(Self.identifier(error.name)) }\n\n"
        text += "    /// The state a device reset and a fresh open give.\n"
        text += "    public static let resetState = MigrationState.\(Self.identifier(reset.name))\n"
        return text + "}\n"
    }

    func featureType() -> String {
        var text = """
            /// The migration features a device reports: the OR of the uAPI flags
            /// (`\(model.naming.cFlagPrefix)*`).
            public struct MigrationFeatures: OptionSet, Hashable, Sendable, CustomStringConvertible {
                public let rawValue: UInt32

                public init(rawValue: UInt32) {
                    self.rawValue = rawValue
                }


            """
        for feature in model.features.sorted(by: { $0.bit < $1.bit }) {
            text += "    /// `\(model.naming.cFlag(feature))`\n"
            text += "    public static let \(Self.identifier(feature.name)) = MigrationFeatures(rawValue: 1 << \(feature.bit))\n"
        }
        text += "\n    /// Every feature set a device may report, ascending by flags.\n"
        text += "    public static let validSets: [MigrationFeatures] = [\n"
        for set in model.validFeatureSets { text += "        \(featureLiteral(set)),\n" }
        text += "    ]\n\n"
        text += "    /// Whether a device may report this set.\n"
        text += "    public var isValid: Bool { Self.validSets.contains(self) }\n\n"
        text += "    /// `{STOP_COPY, P2P}`\n"
        text += "    public var description: String {\n"
        text += "        var names: [String] = []\n"
        for feature in model.features {
            text += "        if contains(.\(Self.identifier(feature.name))) { names.append(\"\(feature.name)\") }\n"
        }
        text += "        return \"{\" + names.joined(separator: \", \") + \"}\"\n    }\n"
        return text + "}\n"
    }

    func arcType() -> String {
        """
        /// One step a driver performs, or one request: `from -> to`.
        public struct MigrationArc: Hashable, Sendable, CustomStringConvertible {
            public var from: MigrationState
            public var to: MigrationState

            public init(_ from: MigrationState, _ to: MigrationState) {
                self.from = from
                self.to = to
            }

            /// `RUNNING -> STOP`
            public var description: String { "\\(from) -> \\(to)" }
        }

        """
    }

    func machine() -> String {
        let error = model.states[model.errorState]
        let elementType = kernel.size > 256 ? "UInt16" : "UInt8"
        var text = """
            /// The \(model.name) state machine: the kernel's single next-state table
            /// (by uAPI value, computed for all features) with the features each state
            /// needs, and what every feature set asks of a driver.
            public enum MigrationFSM {
                /// Entries per table row: the largest state value plus one.
                public static let stateCount = \(kernel.size)

                /// `table[cur * stateCount + target]`: the next state for all features.
                static let table: [\(elementType)] = [

            """
        for row in 0..<kernel.size {
            let entries = (0..<kernel.size).map { String(kernel.entry(UInt32(row), UInt32($0))) }
            let name = model.states.first { $0.value == UInt32(row) }?.name ?? "no state"
            text += "        " + entries.joined(separator: ", ") + ", // \(name)\n"
        }
        text += "    ]\n\n"
        text += "    /// Per state value: the feature flags it needs; all ones for the error state.\n"
        text += "    static let stateFlags: [UInt32] = ["
        text += kernel.masks.map { $0 == ~0 ? "0xFFFF_FFFF" : String($0) }.joined(separator: ", ") + "]\n\n"
        text += """
                /// The next state's value on the way from `current` to `target`, or
                /// `nil` where refused (the C header's `\(model.naming.cPrefix)_next_state` returning
                /// -EINVAL): undefined flags, a value out of range, an unsupported or
                /// error state, a blocked request. Skips the states the device lacks and
                /// stops at the error state, so it ends for every input.
                public static func nextState(migrationFlags: UInt32, current: UInt32, target: UInt32) -> UInt32? {
                    guard MigrationFeatures(rawValue: migrationFlags).isValid,
                          current < UInt32(stateCount), target < UInt32(stateCount),
                          supported(current, migrationFlags), supported(target, migrationFlags)
                    else { return nil }
            \(gatedRequestTests())        var state = UInt32(table[Int(current) * stateCount + Int(target)])
                    var budget = stateCount
                    while state != \(error.value) && !supported(state, migrationFlags) {
                        budget -= 1
                        if budget == 0 { return nil }
                        state = UInt32(table[Int(state) * stateCount + Int(target)])
                    }
                    return state == \(error.value) ? nil : state
                }

                static func supported(_ state: UInt32, _ flags: UInt32) -> Bool {
                    stateFlags[Int(state)] & flags == stateFlags[Int(state)]
                }

                /// The state a device with `features` steps to next on its way from
                /// `current` to `target`; `nil` where the request is refused.
                public static func nextState(from current: MigrationState, to target: MigrationState,
                                             features: MigrationFeatures) -> MigrationState? {
                    nextState(migrationFlags: features.rawValue, current: current.rawValue, target: target.rawValue)
                        .flatMap(MigrationState.init(rawValue:))
                }

                /// The states a request walks, `current` first and `target` last
                /// (`[current]` when they are equal); `nil` where refused.
                public static func path(from current: MigrationState, to target: MigrationState,
                                        features: MigrationFeatures) -> [MigrationState]? {
                    guard nextState(from: current, to: target, features: features) != nil else { return nil }
                    var path = [current]
                    var state = current
                    while state != target {
                        guard path.count <= stateCount,
                              let next = nextState(from: state, to: target, features: features) else { return nil }
                        path.append(next)
                        state = next
                    }
                    return path
                }

                /// The states that exist on a device with `features`, by value;
                /// empty for an undefined set.
                public static func supportedStates(_ features: MigrationFeatures) -> [MigrationState] {
                    guard features.isValid else { return [] }
                    return MigrationState.allCases.filter { !$0.isError && features.isSuperset(of: $0.neededFeatures) }
                }

                /// Requests refused although both states exist.
                public static let blockedRequests: [MigrationArc] = [

            """
        for arc in model.blockedInOrder { text += "        \(arcLiteral(arc)),\n" }
        text += "    ]\n\n"
        text += "    /// The arcs a driver with `features` must implement, by (from, to) value;\n"
        text += "    /// empty for an undefined set.\n"
        text += "    public static func requiredArcs(_ features: MigrationFeatures) -> [MigrationArc] {\n"
        text += "        switch features.rawValue {\n"
        for table in paths.tables {
            text += "        case \(table.features.rawValue): // \(model.describe(table.features))\n            return [\n"
            for arc in table.requiredArcs { text += "                \(arcLiteral(arc)),\n" }
            text += "            ]\n"
        }
        text += "        default:\n            return []\n        }\n    }\n\n"
        text += "    /// Every request that walks more than one arc, with its path, sorted by\n"
        text += "    /// state names as the uAPI comment lists them; empty for an undefined set.\n"
        text += "    public static func combinationTransitions(_ features: MigrationFeatures) -> [[MigrationState]] {\n"
        text += "        switch features.rawValue {\n"
        for table in paths.tables {
            text += "        case \(table.features.rawValue): // \(model.describe(table.features))\n            return [\n"
            for path in table.combinationPaths {
                text += "                [" + path.map { "." + Self.identifier(model.states[$0].name) }.joined(separator: ", ") + "],\n"
            }
            text += "            ]\n"
        }
        text += "        default:\n            return []\n        }\n    }\n"
        return text + "}\n"
    }

    /// For a spec that serves a request only with a feature no state needs
    /// (`blocked A -> B unless F`): a test of the flags before the table.
    /// Empty for vfio-v2.
    func gatedRequestTests() -> String {
        guard !kernel.gatedRequests.isEmpty else { return "" }
        var text = "        // Requests served only with a flag no state needs.\n"
        for gated in kernel.gatedRequests {
            text += "        if current == \(gated.current) && target == \(gated.requested)"
            text += " && migrationFlags & \(gated.gate) != \(gated.gate) { return nil }\n"
        }
        return text
    }

    func arcLiteral(_ arc: Arc) -> String {
        "MigrationArc(.\(Self.identifier(model.states[arc.from].name)), .\(Self.identifier(model.states[arc.to].name)))"
    }

    /// `[.stopCopy, .p2p]`
    func featureLiteral(_ set: FeatureSet) -> String {
        "[" + model.features.sorted { $0.bit < $1.bit }.filter { set.covers($0.flag) }
            .map { "." + Self.identifier($0.name) }.joined(separator: ", ") + "]"
    }

    /// `RUNNING_P2P` -> `runningP2P`, `P2P` -> `p2p`; Swift keywords in
    /// backticks.
    static func identifier(_ name: String) -> String {
        let words = name.split(whereSeparator: { !$0.isLetter && !$0.isNumber })
        var result = ""
        for (index, word) in words.enumerated() {
            let lower = word.lowercased()
            if index == 0 {
                result += lower
            } else if word.contains(where: \.isNumber) {
                result += word.uppercased()  // an acronym: P2P
            } else {
                result += lower.prefix(1).uppercased() + lower.dropFirst()
            }
        }
        if result.isEmpty { result = "_" }
        if let first = result.first, first.isNumber { result = "_" + result }
        return keywords.contains(result) ? "`\(result)`" : result
    }

    static let keywords: Set<String> = [
        "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init",
        "inout", "internal", "let", "open", "operator", "private", "protocol", "public", "rethrows",
        "static", "struct", "subscript", "typealias", "var", "break", "case", "continue", "default",
        "defer", "do", "else", "fallthrough", "for", "guard", "if", "in", "repeat", "return", "switch",
        "where", "while", "as", "any", "catch", "false", "is", "nil", "super", "self", "throw", "throws",
        "true", "try", "await", "async", "consume", "borrowing", "consuming",
    ]
}
