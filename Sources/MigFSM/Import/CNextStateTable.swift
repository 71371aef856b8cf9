/// The kernel's next-state table read from C:
/// `static const u8 NAME[N][N] = { [CUR] = { [NEW] = NEXT, ... }, ... };`,
/// every name resolved through the spec's C naming. Entries C leaves out
/// are 0, as in C, but a missing row or entry for a spec state is an error.
public struct CNextStateTable: Sendable {
    public var name: String
    public var location: SourceLocation
    /// Rows (and entries per row).
    public var size: Int
    /// `size * size` state values, row-major.
    public var entries: [UInt32]

    /// The largest table read: a `u8` table holds values below 256.
    public static let maximumSize = 256

    public static func read(
        _ declaration: CArrayDeclaration, tokens: [CToken], source: CSource, names: CNames,
        diagnostics: inout [Diagnostic]
    ) throws(Diagnostic) -> CNextStateTable {
        let name = declaration.name.text
        let location = declaration.name.location(in: source.path)
        guard declaration.dimensions.count == 2 else {
            throw .error(at: location, "'\(name)' must have two dimensions [N][N]")
        }
        let rows = try dimension(declaration.dimensions[0], tokens, source, names, name)
        let columns = try dimension(declaration.dimensions[1], tokens, source, names, name)
        if let rows, let columns, rows != columns {
            throw .error(at: location, "'\(name)' is \(rows) by \(columns); a next-state table is square")
        }
        let declared = rows ?? columns
        let bound = declared ?? maximumSize
        let label = StateLabel(names: names)
        var stream = CTokenStream(tokens: tokens, source: source, index: declaration.open)
        let outer = try CDesignatedInitializer<CDesignatedInitializer<(UInt64, CToken?)>>.read(
            &stream, dimension: bound, names: names,
            describe: { $0 < 0 ? "'\(name)', which has \(bound) rows" : "\(name)[\(label($0))]" }, diagnostics: &diagnostics
        ) { (stream: inout CTokenStream, diagnostics: inout [Diagnostic], row: Int) throws(Diagnostic) in
            let rowName = row < 0 ? "\(name)[?]" : "\(name)[\(label(row))]"
            return try CDesignatedInitializer<(UInt64, CToken?)>.read(
                &stream, dimension: bound, names: names,
                describe: { $0 < 0 ? "\(rowName), which has \(bound) entries" : "\(rowName)[\(label($0))]" }, diagnostics: &diagnostics
            ) { (stream: inout CTokenStream, _: inout [Diagnostic], _: Int) throws(Diagnostic) in
                let first = stream.peek
                let value = try CConstantExpression.evaluate(&stream, resolve: names.resolve)
                return (value.value, first)
            }
        }
        let size = declared ?? ((outer.items.map(\.index).max() ?? -1) + 1)
        guard size > 0 else { throw .error(at: location, "'\(name)' has no rows") }
        var entries = [UInt32](repeating: 0, count: size * size)
        for row in outer.items {
            for item in row.element.items {
                let (value, token) = item.element
                if value >= UInt64(size) {
                    diagnostics.append(.error(at: token.map { stream.location($0) } ?? item.location,
                        "entry '\(token?.text ?? String(value))' (\(value)) of \(name)[\(label(row.index))][\(label(item.index))] is not a row of the table; the lookup would read past its \(size) rows"))
                    continue
                }
                entries[row.index * size + item.index] = UInt32(value)
            }
        }
        // C zero-fills what is left out; for a spec state that is a bug.
        let zero = label(0)
        for state in names.model.statesByValue where Int(names.model.states[state].value) < size {
            let value = Int(names.model.states[state].value)
            guard let row = outer.items.first(where: { $0.index == value }) else {
                if outer.failed.contains(value) { continue }
                diagnostics.append(.error(at: outer.close,
                    "'\(name)' has no row [\(label(value))]; C would fill it with 0 (\(zero))"))
                continue
            }
            for other in names.model.statesByValue where Int(names.model.states[other].value) < size {
                let column = Int(names.model.states[other].value)
                if !row.element.covers(column) {
                    diagnostics.append(.error(at: row.element.close,
                        "\(name)[\(label(value))] has no entry [\(label(column))]; C would make it 0 (\(zero))"))
                }
            }
        }
        return CNextStateTable(name: name, location: location, size: size, entries: entries)
    }

    /// A dimension's value (`nil` for `[]`), at most `maximumSize`.
    static func dimension(_ range: Range<Int>, _ tokens: [CToken], _ source: CSource, _ names: CNames, _ name: String) throws(Diagnostic) -> Int? {
        guard !range.isEmpty else { return nil }
        var stream = CTokenStream(tokens: Array(tokens[range]), source: source)
        let value = try CConstantExpression.evaluate(&stream, resolve: names.resolve)
        if let extra = stream.peek { throw .error(at: stream.location(extra), "unexpected \(extra.quoted) in the dimension of '\(name)'") }
        guard value.value >= 1, value.value <= UInt64(maximumSize) else {
            throw .error(at: tokens[range.lowerBound].location(in: source.path),
                "dimension '\(value.spelling)' (\(value.value)) of '\(name)' is outside 1...\(maximumSize)")
        }
        return Int(value.value)
    }
}

/// Names a state value the way the C code does: `VFIO_DEVICE_STATE_STOP`,
/// or the number when no spec state has it.
struct StateLabel {
    let byValue: [UInt32: String]

    init(names: CNames) {
        var byValue: [UInt32: String] = [:]
        for state in names.model.states { byValue[state.value] = names.model.naming.cState(state) }
        self.byValue = byValue
    }

    func callAsFunction(_ value: Int) -> String {
        guard value >= 0, value <= Int(UInt32.max) else { return String(value) }
        return byValue[UInt32(value)] ?? String(value)
    }
}
