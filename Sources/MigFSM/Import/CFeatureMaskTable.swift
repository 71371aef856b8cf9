/// The kernel's per-state feature masks read from C:
/// `static const unsigned int NAME[N] = { [STATE] = FLAG | FLAG, ..., [ERROR] = ~0U };`.
/// Values are constant expressions over the spec's flag names (`|`, `~`,
/// `<<`), truncated to 32 bits as `unsigned int` does.
public struct CFeatureMaskTable: Sendable {
    public var name: String
    public var location: SourceLocation
    /// Per state value: its mask.
    public var masks: [UInt32]
    /// Per state value: the expression as written (`~0U`), or `nil` if left out.
    public var spellings: [String?]

    public static func read(
        _ declaration: CArrayDeclaration, tokens: [CToken], source: CSource, names: CNames, size: Int,
        tableName: String, diagnostics: inout [Diagnostic]
    ) throws(Diagnostic) -> CFeatureMaskTable {
        let name = declaration.name.text
        let location = declaration.name.location(in: source.path)
        guard declaration.dimensions.count == 1 else {
            throw .error(at: location, "'\(name)' must have one dimension [N]")
        }
        let declared = try CNextStateTable.dimension(declaration.dimensions[0], tokens, source, names, name)
        if let declared, declared != size {
            throw .error(at: location, "'\(name)' has \(declared) entries but '\(tableName)' has \(size) rows")
        }
        let label = StateLabel(names: names)
        var stream = CTokenStream(tokens: tokens, source: source, index: declaration.open)
        let list = try CDesignatedInitializer<CConstantExpression.Value>.read(
            &stream, dimension: size, names: names,
            describe: { $0 < 0 ? "'\(name)', which has \(size) entries" : "\(name)[\(label($0))]" }, diagnostics: &diagnostics
        ) { (stream: inout CTokenStream, _: inout [Diagnostic], _: Int) throws(Diagnostic) in
            try CConstantExpression.evaluate(&stream, resolve: names.resolve)
        }
        var masks = [UInt32](repeating: 0, count: size)
        var spellings = [String?](repeating: nil, count: size)
        for item in list.items {
            masks[item.index] = UInt32(truncatingIfNeeded: item.element.value)
            spellings[item.index] = item.element.spelling
        }
        for state in names.model.statesByValue {
            let value = Int(names.model.states[state].value)
            if value < size, !list.covers(value) {
                diagnostics.append(.error(at: list.close,
                    "'\(name)' has no entry [\(label(value))]; C would make its mask 0 (present on every device)"))
            }
        }
        return CFeatureMaskTable(name: name, location: location, masks: masks, spellings: spellings)
    }
}
