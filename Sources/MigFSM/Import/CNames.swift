/// What the names in imported C code mean: the spec's state enumerators
/// (`VFIO_DEVICE_STATE_STOP`) and feature flags (`VFIO_MIGRATION_P2P`) by
/// its C naming, plus the enum constants the file itself declares
/// (`enum { VFIO_DEVICE_NUM_STATES = VFIO_DEVICE_STATE_PRE_COPY_P2P + 1 };`).
public struct CNames: Sendable {
    public let model: MigrationProtocol
    public let path: String
    /// Enum constants declared in the file, other than state enumerators.
    public private(set) var constants: [String: UInt64] = [:]

    public init(model: MigrationProtocol, path: String) {
        self.model = model
        self.path = path
    }

    var statePrefix: String { model.naming.cStatePrefix }
    var flagPrefix: String { model.naming.cFlagPrefix }

    /// The spec's state named by a C enumerator.
    public func state(_ identifier: String) -> StateID? {
        guard identifier.hasPrefix(statePrefix) else { return nil }
        return model.stateID(named: String(identifier.dropFirst(statePrefix.count)))
    }

    /// The value of an identifier, or an error naming it with a suggestion.
    public func resolve(_ token: CToken) throws(Diagnostic) -> UInt64 {
        let name = token.text
        if let id = state(name) { return UInt64(model.states[id].value) }
        if name.hasPrefix(flagPrefix),
           let feature = model.features.first(where: { flagPrefix + $0.name == name }) {
            return UInt64(feature.flag.rawValue)
        }
        if let value = constants[name] { return value }
        var message: String
        var candidates: [String]
        if name.hasPrefix(statePrefix) {
            message = "unknown state enumerator '\(name)': the spec declares no state '\(name.dropFirst(statePrefix.count))'"
            candidates = model.states.map { statePrefix + $0.name }
        } else if name.hasPrefix(flagPrefix) {
            message = "unknown feature flag '\(name)': the spec declares no feature '\(name.dropFirst(flagPrefix.count))'"
            candidates = model.features.map { flagPrefix + $0.name }
        } else {
            message = "unknown macro '\(name)': not a state enumerator (\(statePrefix)*), a feature flag (\(flagPrefix)*) or an enum constant of this file"
            candidates = model.states.map { statePrefix + $0.name } + model.features.map { flagPrefix + $0.name }
                + constants.keys.sorted()
        }
        if let suggestion = Suggestion.closest(to: name, among: candidates) {
            message += "; did you mean '\(suggestion)'?"
        }
        throw .error(at: token.location(in: path), message)
    }

    /// Collects the file's enum constants (`enum [tag] { A = EXPR, B, ... }`)
    /// in one pass. A state enumerator whose value differs from the spec's
    /// is an error; constants that cannot be evaluated stay unknown (an
    /// error only if a table uses them).
    public mutating func declareEnums(_ tokens: [CToken], source: CSource) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        var index = 0
        while index < tokens.count {
            guard tokens[index].kind == .identifier, tokens[index].text == "enum" else {
                index += 1
                continue
            }
            var open = index + 1
            if open < tokens.count, tokens[open].kind == .identifier { open += 1 }
            guard open < tokens.count, tokens[open].isPunctuator("{") else {
                index += 1
                continue
            }
            var stream = CTokenStream(tokens: tokens, source: source, index: open + 1)
            let end = stream.indexPastClosing(from: open)
            var next: UInt64 = 0
            while stream.index < end - 1, let token = stream.peek, token.kind == .identifier {
                stream.index += 1
                var value: UInt64? = next
                if stream.take("=") {
                    let names = self
                    value = try? CConstantExpression.evaluate(&stream, resolve: names.resolve).value
                }
                if let id = state(token.text) {
                    let specValue = UInt64(model.states[id].value)
                    if let value, value != specValue {
                        diagnostics.append(.error(at: token.location(in: path),
                            "'\(token.text)' is \(value) here but \(specValue) in the spec"))
                    }
                } else if !token.text.hasPrefix(statePrefix), let value {
                    constants[token.text] = value
                }
                next = (value ?? next) &+ 1
                guard stream.take(",") else { break }
            }
            index = end
        }
        return diagnostics
    }
}
