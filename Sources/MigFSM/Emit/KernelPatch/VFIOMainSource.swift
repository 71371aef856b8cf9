/// `drivers/vfio/vfio_main.c` of a kernel tree as the kernel patch reads it:
/// where the local includes end, where `vfio_mig_get_next_state()`'s body
/// is, and what the body is: the hand-written table, masks and skip loop of
/// upstream (recognised statement for statement, either loop), or the call
/// into the generated header that an earlier patch left.
///
///     int vfio_mig_get_next_state(struct vfio_device *device, ...)
///     {
///     	enum { VFIO_DEVICE_NUM_STATES = VFIO_DEVICE_STATE_PRE_COPY_P2P + 1 };
///     	static const u8 vfio_from_fsm_table[...][...] = { ... };
///     	static const unsigned int state_flags_table[...] = { ... };
///     	if (WARN_ON(cur_fsm >= ARRAY_SIZE(vfio_from_fsm_table) || ...
///     }
struct VFIOMainSource {
    /// What the function's body holds.
    enum Body {
        /// Upstream's code: the tables' names, their layout, and the loop.
        case handWritten(table: String, masks: String, layout: KernelTableLayout, loop: KernelTable.SkipLoop)
        /// `return <c-prefix>_next_state(device->migration_flags, ...);`
        case generated
    }

    /// The function migfsm replaces.
    static let functionName = "vfio_mig_get_next_state"

    let path: String
    /// The file's lines, without terminators.
    let lines: [String]
    /// The line after which the generated header's `#include` goes.
    let includeAnchor: Int
    /// Whether the file already includes the generated header.
    let includesHeader: Bool
    /// The lines of `{` and `}` around the function's body.
    let bodyOpen: Int
    let bodyClose: Int
    let body: Body

    init(text: String, path: String, model: MigrationProtocol, header: String) throws(Diagnostic) {
        self.path = path
        var lines = text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        self.lines = lines
        let includeLine = "#include \"\(header)\""
        includesHeader = lines.contains(includeLine)
        // After `#include "vfio.h"`, else after the first block of includes.
        if let local = lines.firstIndex(of: "#include \"vfio.h\"") {
            includeAnchor = local
        } else if let first = lines.firstIndex(where: { $0.hasPrefix("#include ") }) {
            var last = first
            while last + 1 < lines.count, lines[last + 1].hasPrefix("#include ") || lines[last + 1].hasPrefix("#if")
                    || lines[last + 1].hasPrefix("#endif") {
                last += 1
            }
            includeAnchor = last
        } else {
            throw .error(at: .init(file: path, line: 1, column: 1), "no #include lines: this is not vfio_main.c")
        }
        guard let signature = lines.firstIndex(where: { $0.hasPrefix("int \(Self.functionName)(") }) else {
            throw .error(at: .init(file: path, line: 1, column: 1),
                         "no definition of \(Self.functionName)(): expected a line 'int \(Self.functionName)(struct vfio_device *device, ...'")
        }
        guard let open = lines[signature...].firstIndex(of: "{"),
              let close = lines[open...].firstIndex(of: "}") else {
            throw .error(at: .init(file: path, line: signature + 1, column: 1),
                         "\(Self.functionName)() has no body between a '{' line and a '}' line")
        }
        bodyOpen = open
        bodyClose = close
        let bodyText = lines[(open + 1)..<close].joined(separator: "\n")
        let location = SourceLocation(file: path, line: open + 2, column: 1)
        body = try Self.classify(bodyText, at: location, model: model)
    }

    // MARK: - The body

    static func classify(_ text: String, at location: SourceLocation, model: MigrationProtocol) throws(Diagnostic) -> Body {
        let naming = model.naming
        let compact = Self.compact(text)
        if compact == "return\(naming.cPrefix)_next_state(device->migration_flags,cur_fsm,new_fsm,next_fsm);" {
            return .generated
        }
        var rest = Substring(compact)
        // enum { VFIO_DEVICE_NUM_STATES = ... };
        if rest.hasPrefix("enum{") {
            guard let end = rest.firstIndex(of: ";") else { throw unknown(location) }
            rest = rest[rest.index(after: end)...]
        }
        var table: (name: String, initializer: Substring)?
        var masks: (name: String, initializer: Substring)?
        while rest.hasPrefix("staticconst") {
            guard let declaration = Self.declaration(&rest) else { throw unknown(location) }
            if declaration.type == "u8" && table == nil {
                table = (declaration.name, declaration.initializer)
            } else if declaration.type == "unsignedint" && masks == nil {
                masks = (declaration.name, declaration.initializer)
            } else {
                throw unknown(location)
            }
        }
        guard let table, let masks else { throw unknown(location) }
        let error = naming.cState(model.states[model.errorState])
        func logic(_ loop: KernelTable.SkipLoop) -> String {
            let t = table.name
            let f = masks.name
            let guardTerm = loop == .guarded ? "*next_fsm!=\(error)&&" : ""
            return "if(WARN_ON(cur_fsm>=ARRAY_SIZE(\(t))||(\(f)[cur_fsm]&device->migration_flags)!=\(f)[cur_fsm]))return-EINVAL;"
                + "if(new_fsm>=ARRAY_SIZE(\(t))||(\(f)[new_fsm]&device->migration_flags)!=\(f)[new_fsm])return-EINVAL;"
                + "*next_fsm=\(t)[cur_fsm][new_fsm];"
                + "while(\(guardTerm)(\(f)[*next_fsm]&device->migration_flags)!=\(f)[*next_fsm])*next_fsm=\(t)[*next_fsm][new_fsm];"
                + "return(*next_fsm!=\(error))?0:-EINVAL;"
        }
        let loop: KernelTable.SkipLoop
        if rest == logic(.guarded) {
            loop = .guarded
        } else if rest == logic(.unguarded) {
            loop = .unguarded
        } else {
            throw unknown(location)
        }
        let layout = Self.layout(table: table.initializer, masks: masks.initializer, model: model)
        return .handWritten(table: table.name, masks: masks.name, layout: layout, loop: loop)
    }

    static func unknown(_ location: SourceLocation) -> Diagnostic {
        .error(at: location, "the body of \(functionName)() is not upstream's (a table, a mask table, and the lookup "
            + "with or without the error guard on its skip loop): migfsm cannot say what replacing it would change")
    }

    /// `static const TYPE NAME[...]... = { ... };` at the front of `rest`
    /// (compacted), consumed.
    static func declaration(_ rest: inout Substring) -> (type: String, name: String, initializer: Substring)? {
        rest = rest.dropFirst("staticconst".count)
        guard let type = ["u8", "u16", "u32", "unsignedint"].first(where: { rest.hasPrefix($0) }) else { return nil }
        rest = rest.dropFirst(type.count)
        guard let bracket = rest.firstIndex(of: "[") else { return nil }
        let name = String(rest[..<bracket])
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }),
              let equals = rest.firstIndex(of: "="), rest[rest.index(after: equals)...].hasPrefix("{") else { return nil }
        let open = rest.index(after: equals)
        var depth = 0
        var index = open
        while index < rest.endIndex {
            if rest[index] == "{" { depth += 1 }
            if rest[index] == "}" {
                depth -= 1
                if depth == 0 { break }
            }
            index = rest.index(after: index)
        }
        guard index < rest.endIndex else { return nil }
        let initializer = rest[open...index]
        rest = rest[rest.index(after: index)...]
        guard rest.hasPrefix(";") else { return nil }
        rest = rest.dropFirst()
        return (type, name, initializer)
    }

    /// The rows, each row's entries and the masks in the order the code
    /// writes them.
    static func layout(table: Substring, masks: Substring, model: MigrationProtocol) -> KernelTableLayout {
        var byName: [String: UInt32] = [:]
        for state in model.states { byName[model.naming.cState(state)] = state.value }
        var rows: [UInt32] = []
        var columns: [UInt32: [UInt32]] = [:]
        // {[ROW]={[COL]=NEXT,...},...}
        var index = table.index(after: table.startIndex)
        var currentRow: UInt32?
        while index < table.endIndex {
            guard table[index] == "[", let close = table[index...].firstIndex(of: "]") else {
                index = table.index(after: index)
                continue
            }
            let name = String(table[table.index(after: index)..<close])
            let after = table.index(after: close)
            if table[after...].hasPrefix("={") {
                currentRow = byName[name]
                if let row = currentRow { rows.append(row); columns[row] = [] }
            } else if let row = currentRow, let value = byName[name] {
                columns[row, default: []].append(value)
            }
            index = after
        }
        var maskOrder: [UInt32] = []
        index = masks.startIndex
        while index < masks.endIndex {
            if masks[index] == "[", let close = masks[index...].firstIndex(of: "]") {
                if let value = byName[String(masks[masks.index(after: index)..<close])] { maskOrder.append(value) }
                index = close
            }
            index = masks.index(after: index)
        }
        return KernelTableLayout(model: model, rows: rows, columns: columns, masks: maskOrder)
    }

    /// `text` without comments and without any whitespace: two bodies
    /// that compact alike are the same code.
    static func compact(_ text: String) -> String {
        var result = ""
        var iterator = Array(text.unicodeScalars)[...]
        while let scalar = iterator.first {
            if scalar == "/", iterator.dropFirst().first == "*" {
                iterator = iterator.dropFirst(2)
                while !iterator.isEmpty && !(iterator.first == "*" && iterator.dropFirst().first == "/") {
                    iterator = iterator.dropFirst()
                }
                iterator = iterator.dropFirst(2)
                continue
            }
            if scalar == "/", iterator.dropFirst().first == "/" {
                while let next = iterator.first, next != "\n" { iterator = iterator.dropFirst() }
                continue
            }
            iterator = iterator.dropFirst()
            if scalar.properties.isWhitespace { continue }
            result.unicodeScalars.append(scalar)
        }
        return result
    }

    /// The file with the include added after `includeAnchor` (unless it is
    /// there) and the function's body replaced by `body`.
    func replacing(bodyWith body: [String], header: String) -> String {
        var result = lines
        result.replaceSubrange((bodyOpen + 1)..<bodyClose, with: body)
        if !includesHeader {
            result.insert("#include \"\(header)\"", at: includeAnchor + 1)
        }
        return result.joined(separator: "\n") + "\n"
    }
}
