/// A kernel next-state lookup read from C code: the next-state table, the
/// feature-mask table (absent in the original 5-state code, whose lookup
/// never skipped: every mask is then 0), the `KernelTable` they make, and
/// the lookup function that holds them, when the file has one
/// (`vfio_mig_get_next_state()`), to be proven as written.
public struct KernelCodeImport: Sendable {
    public var path: String
    public var table: CNextStateTable
    public var masks: CFeatureMaskTable?
    public var kernel: KernelTable
    /// The function around the tables, or `nil` for a file of tables only.
    public var function: CLookupFunction?
    /// What the reader could not use, as located notes (a function that is
    /// not of the lookup's shape).
    public var notes: [Diagnostic]

    /// At most this many errors are reported for one file.
    public static let maximumDiagnostics = 20

    /// Reads `path` against `model`; throws every error found, in file order.
    public static func load(path: String, model: MigrationProtocol) throws(DiagnosticList) -> KernelCodeImport {
        let text = try SourceText.read(path: path)
        return try read(CSource(text), model: model)
    }

    public static func read(_ source: CSource, model: MigrationProtocol) throws(DiagnosticList) -> KernelCodeImport {
        var diagnostics: [Diagnostic] = []
        func fail(_ extra: Diagnostic? = nil) -> DiagnosticList {
            let all = (diagnostics + (extra.map { [$0] } ?? [])).enumerated()
                .sorted { ($0.element.location, $0.offset) < ($1.element.location, $1.offset) }.map(\.element)
            var unique: [Diagnostic] = []
            var seen: Set<Diagnostic> = []
            for diagnostic in all where seen.insert(diagnostic).inserted {
                unique.append(diagnostic)
            }
            if unique.count > maximumDiagnostics {
                let more = unique.count - maximumDiagnostics
                unique = Array(unique.prefix(maximumDiagnostics))
                unique.append(.error(at: unique[maximumDiagnostics - 1].location, "\(more) more errors not shown"))
            }
            return DiagnosticList(unique)
        }
        let tokens: [CToken]
        do throws(Diagnostic) {
            tokens = try CTokenizer.tokenize(source)
        } catch {
            throw fail(error)
        }
        var names = CNames(model: model, path: source.path)
        diagnostics += names.declareEnums(tokens, source: source)
        let naming = model.naming
        let declarations = CArrayDeclaration.all(tokens, source: source, naming: naming)
        guard let tableDeclaration = declarations.first(where: { $0.dimensions.count == 2 && $0.mentionsStates }) else {
            throw fail(.error(at: SourceLocation(file: source.path, line: 1, column: 1),
                "no next-state table: expected 'static const u8 NAME[N][N] = { [\(naming.cStatePrefix)...] = { ... }, ... };'"))
        }
        let table: CNextStateTable
        do throws(Diagnostic) {
            table = try CNextStateTable.read(tableDeclaration, tokens: tokens, source: source, names: names, diagnostics: &diagnostics)
        } catch {
            throw fail(error)
        }
        var masks: CFeatureMaskTable?
        if let maskDeclaration = declarations.first(where: { $0.dimensions.count == 1 && $0.mentionsStates && $0.mentionsFlags }) {
            do throws(Diagnostic) {
                masks = try CFeatureMaskTable.read(
                    maskDeclaration, tokens: tokens, source: source, names: names, size: table.size,
                    tableName: table.name, diagnostics: &diagnostics)
            } catch {
                throw fail(error)
            }
        }
        let errorValue = model.states[model.errorState].value
        if Int(errorValue) >= table.size {
            diagnostics.append(.error(at: table.location,
                "'\(table.name)' has \(table.size) rows, none for the error state \(naming.cState(model.states[model.errorState])) (\(errorValue))"))
        }
        guard diagnostics.isEmpty,
              let kernel = KernelTable(model: model, size: table.size, entries: table.entries,
                                       masks: masks?.masks ?? [UInt32](repeating: 0, count: table.size),
                                       errorValue: errorValue)
        else { throw fail() }
        var function: CLookupFunction?
        var notes: [Diagnostic] = []
        do throws(Diagnostic) {
            function = try CLookupFunction.find(in: CFile(source: source, tokens: tokens), tableToken: tableDeclaration.open)
        } catch {
            notes.append(error)
        }
        return KernelCodeImport(path: source.path, table: table, masks: masks, kernel: kernel,
                                function: function, notes: notes)
    }
}
