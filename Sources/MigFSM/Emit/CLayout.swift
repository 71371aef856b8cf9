/// How migfsm lays out C the way the kernel's `.clang-format` and
/// `checkpatch.pl --strict` want it: tabs of 8 columns, lines within a
/// limit (80, or 100 where the kernel's own table uses it), continuation
/// lines aligned after the opening parenthesis or the `=`, `/* */` comments.
///
///     CLayout.assignment(indent: 1, "[VFIO_DEVICE_STATE_PRE_COPY] =", ["A", "B"], ",")
///     // "\t[VFIO_DEVICE_STATE_PRE_COPY] = A | B,\n"
enum CLayout {
    /// Display columns of `text`, tabs to the next multiple of 8.
    static func columns(_ text: String) -> Int {
        var column = 0
        for character in text {
            column = character == "\t" ? (column / 8 + 1) * 8 : column + 1
        }
        return column
    }

    /// Whitespace reaching `column`: tabs, then spaces.
    static func indentation(to column: Int) -> String {
        String(repeating: "\t", count: column / 8) + String(repeating: " ", count: column % 8)
    }

    /// `LEFT VALUE | VALUE,` at `indent` tabs within `limit` columns: on one
    /// line if it fits, else the terms continue aligned after `LEFT ` (or,
    /// when even the first term does not fit there, on the next line one tab
    /// deeper), as clang-format breaks an initializer.
    static func assignment(indent: Int, _ left: String, _ terms: [String], _ end: String,
                           limit: Int = 80, continuationColumn: Int? = nil) -> String {
        let pad = String(repeating: "\t", count: indent)
        let single = pad + left + " " + terms.joined(separator: " | ") + end
        if columns(single) <= limit { return single + "\n" }
        let startColumn = continuationColumn ?? columns(pad + left + " ")
        let sameLine = columns(pad + left + " " + terms[0] + (terms.count == 1 ? end : " |")) <= limit
        var lines: [String] = []
        var current: String
        var continuation: String
        if sameLine {
            current = pad + left + " " + terms[0]
            continuation = indentation(to: startColumn)
        } else {
            lines.append(pad + left)
            continuation = pad + "\t"
            current = continuation + terms[0]
        }
        for term in terms.dropFirst() {
            if columns(current + " | " + term) <= limit - 1 {
                current += " | " + term
            } else {
                lines.append(current + " |")
                current = continuation + term
            }
        }
        lines.append(current + end)
        return lines.joined(separator: "\n") + "\n"
    }

    /// The comment that opens the flag tests of gated requests.
    static let gatedRequestsComment = "/* Requests served only with a flag no state needs. */"

    /// For a spec that serves a request only with a feature no state needs
    /// (`blocked A -> B unless F`): one test of the flags per such request,
    /// before the table is read, which per-state masks cannot express. A
    /// refused request leaves the error state in `*next`, as the table's
    /// own refusals do. Empty when there is none (vfio-v2).
    ///
    ///     if (cur_fsm == VFIO_DEVICE_STATE_STOP_COPY &&
    ///         new_fsm == VFIO_DEVICE_STATE_PRE_COPY &&
    ///         (migration_flags & VFIO_MIGRATION_PRE_COPY_RETURN) !=
    ///                 VFIO_MIGRATION_PRE_COPY_RETURN) {
    ///             *next_fsm = VFIO_DEVICE_STATE_ERROR;
    ///             return -EINVAL;
    ///     }
    static func gatedRequestTests(_ gated: [KernelTable.GatedRequest], current: String, requested: String,
                                  next: String, error: String,
                                  stateName: (UInt32) -> String, flagTerms: (FeatureSet) -> [String]) -> String {
        guard !gated.isEmpty else { return "" }
        var text = "\t" + gatedRequestsComment + "\n"
        for request in gated {
            let terms = flagTerms(FeatureSet(rawValue: request.gate))
            let gate = terms.count == 1 ? terms[0] : "(" + terms.joined(separator: " | ") + ")"
            text += "\tif (\(current) == \(stateName(request.current)) &&\n"
            text += "\t    \(requested) == \(stateName(request.requested)) &&\n"
            let test = "\t    (migration_flags & \(gate)) != \(gate)) {"
            text += columns(test) <= 80 ? test + "\n" : "\t    (migration_flags & \(gate)) !=\n\t\t    \(gate)) {\n"
            text += "\t\t*\(next) = \(error);\n"
            text += "\t\treturn -EINVAL;\n"
            text += "\t}\n"
        }
        return text + "\n"
    }

    /// A function head, parameters aligned after the parenthesis, as many
    /// on a line as fit in 80 columns.
    static func signature(_ head: String, _ parameters: [String]) -> String {
        let align = indentation(to: columns(head))
        var lines: [String] = []
        var current = head
        for (index, parameter) in parameters.enumerated() {
            let piece = parameter + (index == parameters.count - 1 ? ")" : ",")
            let candidate = current == head ? current + piece : current + " " + piece
            if columns(candidate) <= 80 || current == head || current == align {
                current = candidate
            } else {
                lines.append(current)
                current = align + piece
            }
        }
        lines.append(current)
        return lines.joined(separator: "\n") + "\n"
    }

    /// A `/* ... */` block comment of wrapped paragraphs (an empty
    /// paragraph is a blank comment line, one indented by two spaces is kept
    /// on its line), at `indent` tabs, within 80 columns.
    static func blockComment(_ paragraphs: [String], indent: Int = 0, docComment: Bool = false) -> String {
        let pad = String(repeating: "\t", count: indent)
        let width = 80 - indent * 8 - 3
        var text = pad + (docComment ? "/**\n" : "/*\n")
        for paragraph in paragraphs {
            if paragraph.isEmpty {
                text += pad + " *\n"
                continue
            }
            // An indented paragraph, a command for instance, is kept as is.
            if paragraph.hasPrefix("  ") {
                text += pad + " * " + paragraph + "\n"
                continue
            }
            for line in UAPIComment.wrap(paragraph, width: width) { text += pad + " * " + line + "\n" }
        }
        return text + pad + " */\n"
    }
}
