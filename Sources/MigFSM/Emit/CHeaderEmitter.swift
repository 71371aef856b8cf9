/// Writes `C/<c-prefix>.h`: the kernel's next-state table in its exact form
/// (nested designated initializers over the spec's enumerator names), the
/// per-state feature masks, the uAPI comment, and a lookup that implements
/// `KernelTable.generatedLookup` over exactly `KernelTable`'s entries, so
/// what `migfsm check` proves (`generated-lookup`) is about this code.
///
/// Kernel style: tabs, 80 columns, `/* */` comments; `u8`/`u32` inside the
/// kernel (`__KERNEL__`), `<stdint.h>` types outside.
public struct CHeaderEmitter: Sendable {
    public let paths: ProtocolPaths
    public let kernel: KernelTable
    /// The first line of the file.
    public let banner: String

    public init(paths: ProtocolPaths, kernel: KernelTable, banner: String) {
        self.paths = paths
        self.kernel = kernel
        self.banner = banner
    }

    var model: MigrationProtocol { paths.model }
    var naming: Naming { model.naming }
    var upper: String { naming.cPrefix.uppercased() }
    /// `VFIO_MIG_FSM_HAVE_ENUM`: defined by an includer that already has the enum.
    public var haveEnumMacro: String { upper + "_HAVE_ENUM" }
    var sizeMacro: String { upper + "_NUM_STATES" }
    var einval: String { upper + "_EINVAL" }
    var tableName: String { naming.cPrefix + "_table" }
    var flagsTableName: String { naming.cPrefix + "_state_flags_table" }
    /// The lookup's name: `vfio_mig_fsm_next_state`.
    public var lookupName: String { naming.cPrefix + "_next_state" }
    /// Largest state value: the table's element type must hold it.
    var wide: Bool { kernel.size > 256 }

    public func render() -> String {
        [prologue(), declarations(), uapiComment() + nextStateTable(), flagsTable(),
         flagsValidFunction(), supportedFunction(), lookupFunction(), epilogue()]
            .joined(separator: "\n")
    }

    // MARK: - Sections

    func prologue() -> String {
        let guardMacro = upper + "_H"
        let enumName = "enum " + naming.cEnum
        let about = "The \(model.name) migration state machine, as the kernel codes it: one next-state table for all features, the features each state needs, and a lookup that skips the states a device lacks."
        let macro = "Define \(haveEnumMacro) before including this header when \(enumName) is already declared (by the uAPI header, for instance): the header then uses that declaration, and checks its values."
        var text = banner + "\n/*\n"
        for line in UAPIComment.wrap(about, width: 77) { text += " * " + line + "\n" }
        text += " *\n"
        for line in UAPIComment.wrap(macro, width: 77) { text += " * " + line + "\n" }
        text += " */\n"
        text += "#ifndef \(guardMacro)\n#define \(guardMacro)\n\n"
        text += "#ifdef __KERNEL__\n#include <linux/errno.h>\n#include <linux/types.h>\n"
        text += "#define \(einval) EINVAL\n#else\n#include <stdint.h>\n#define \(einval) 22\n#endif\n"
        return text
    }

    func declarations() -> String {
        let states = model.statesByValue.map { model.states[$0] }
        var text = "#ifndef \(haveEnumMacro)\nenum \(naming.cEnum) {\n"
        for state in states { text += "\t\(naming.cState(state)) = \(state.value),\n" }
        text += "};\n#endif\n\n"
        for feature in model.features.sorted(by: { $0.bit < $1.bit }) {
            let name = naming.cFlag(feature)
            text += "#ifndef \(name)\n#define \(name)\t" + flagLiteral(feature.bit) + "\n#endif\n"
        }
        text += "\n"
        for state in states {
            let name = naming.cState(state)
            text += line("_Static_assert(\(name) == \(state.value),", continuation: "\t       \"\(name) must be \(state.value)\");")
        }
        for feature in model.features.sorted(by: { $0.bit < $1.bit }) {
            let name = naming.cFlag(feature)
            let value = flagLiteral(feature.bit)
            text += line("_Static_assert(\(name) == \(value),", continuation: "\t       \"\(name) must be \(value)\");")
        }
        if let largest = states.last {
            text += "\nenum { \(sizeMacro) = \(naming.cState(largest)) + 1 };\n"
        }
        return text
    }

    /// `_Static_assert(A, "B");` on one line when it fits, else two.
    func line(_ head: String, continuation: String) -> String {
        let joined = head + " " + continuation.drop { $0 == "\t" || $0 == " " }
        return Self.columns(joined) <= 80 ? joined + "\n" : head + "\n" + continuation + "\n"
    }

    /// `(1 << 2)`, as the uAPI header writes the flags; bit 31 unsigned.
    func flagLiteral(_ bit: Int) -> String {
        bit >= 31 ? "(1U << \(bit))" : "(1 << \(bit))"
    }

    func uapiComment() -> String {
        UAPIComment(paths: paths).cComment()
    }

    /// Name of the state with uAPI `value`, or the number for a gap.
    func stateName(_ value: UInt32) -> String {
        model.states.first { $0.value == value }.map(naming.cState) ?? String(value)
    }

    func nextStateTable() -> String {
        let (kernelType, userType) = wide ? ("u16", "uint16_t") : ("u8", "uint8_t")
        var text = "#ifdef __KERNEL__\nstatic const \(kernelType)\n#else\nstatic const \(userType)\n#endif\n"
        text += "\(tableName)[\(sizeMacro)][\(sizeMacro)] = {\n"
        let states = model.statesByValue.map { model.states[$0] }
        for row in states {
            text += "\t[\(naming.cState(row))] = {\n"
            for column in states {
                let entry = kernel.entry(row.value, column.value)
                text += Self.assignment(indent: 2, "[\(naming.cState(column))] =", [stateName(entry)], ",")
            }
            text += "\t},\n"
        }
        return text + "};\n"
    }

    func flagsTable() -> String {
        var text = "/*\n"
        let about = "The features each state needs: a state exists on a device whose flags contain its mask. \(naming.cState(model.states[model.errorState]))'s mask is all ones: it is never supported, so it can never be requested."
        for line in UAPIComment.wrap(about, width: 77) { text += " * " + line + "\n" }
        text += " */\n#ifdef __KERNEL__\nstatic const u32\n#else\nstatic const uint32_t\n#endif\n"
        text += "\(flagsTableName)[\(sizeMacro)] = {\n"
        for id in model.statesByValue {
            let state = model.states[id]
            let mask = kernel.masks[Int(state.value)]
            let terms: [String]
            if mask == ~0 {
                terms = ["~0U"]
            } else {
                terms = flagTerms(FeatureSet(rawValue: mask))
            }
            text += Self.assignment(indent: 1, "[\(naming.cState(state))] =", terms, ",")
        }
        return text + "};\n"
    }

    /// `VFIO_MIGRATION_STOP_COPY`, `VFIO_MIGRATION_P2P`, or `0`.
    func flagTerms(_ set: FeatureSet) -> [String] {
        let names = model.features.sorted { $0.bit < $1.bit }.filter { set.covers($0.flag) }.map(naming.cFlag)
        return names.isEmpty ? ["0"] : names
    }

    func flagsValidFunction() -> String {
        let name = naming.cPrefix + "_flags_valid"
        var text = "/* Whether @migration_flags is a feature set the protocol defines. */\n"
        text += "static inline int \(name)(uint32_t migration_flags)\n{\n"
        text += "\tswitch (migration_flags) {\n"
        for set in model.validFeatureSets {
            text += Self.assignment(indent: 1, "case", flagTerms(set), ":", continuationColumn: 13)
        }
        text += "\t\treturn 1;\n\tdefault:\n\t\treturn 0;\n\t}\n}\n"
        return text
    }

    func supportedFunction() -> String {
        let name = naming.cPrefix + "_state_supported"
        var text = "/* Whether @state, a table index, exists with @migration_flags. */\n"
        text += Self.signature("static inline int \(name)(", ["uint32_t migration_flags", "uint32_t state"])
        text += "{\n\tuint32_t need = \(flagsTableName)[state];\n\n"
        text += "\treturn (migration_flags & need) == need;\n}\n"
        return text
    }

    func lookupFunction() -> String {
        let error = naming.cState(model.states[model.errorState])
        let valid = naming.cPrefix + "_flags_valid"
        let supported = naming.cPrefix + "_state_supported"
        var text = "/**\n"
        text += " * \(lookupName) - the state to step to next on the way to @target\n"
        text += " * @migration_flags: the device's \(naming.cFlagPrefix)* flags\n"
        text += " * @cur: the state the device is in\n"
        text += " * @target: the state the user requested\n"
        text += " * @next: where the next state is stored\n *\n"
        let doc = "Looks up the table and skips every state the device lacks (its mask is not within @migration_flags), as vfio_mig_get_next_state() does; unlike it, refuses flags that are not a defined feature set and stops at \(error), so it reads at most \(sizeMacro) entries and ends for every input. migfsm check proves this lookup over this table (generated-lookup): every request walks its shortest allowed path and asks the driver for required arcs only."
        for line in UAPIComment.wrap(doc, width: 77) { text += " * " + line + "\n" }
        text += " *\n"
        let returns = "Return: 0 with *@next set, or -EINVAL (-22) when the request is refused: undefined flags, @cur or @target out of range, unsupported or \(error), or a blocked request. *@next is left alone then."
        for line in UAPIComment.wrap(returns, width: 77) { text += " * " + line + "\n" }
        text += " */\n"
        text += Self.signature("static inline int \(lookupName)(", [
            "uint32_t migration_flags", "uint32_t cur", "uint32_t target", "uint32_t *next",
        ])
        text += "{\n\tuint32_t state;\n\tunsigned int budget = \(sizeMacro);\n\n"
        text += "\tif (!\(valid)(migration_flags))\n\t\treturn -\(einval);\n"
        text += "\tif (cur >= \(sizeMacro) || target >= \(sizeMacro))\n\t\treturn -\(einval);\n"
        text += "\tif (!\(supported)(migration_flags, cur) ||\n"
        text += "\t    !\(supported)(migration_flags, target))\n\t\treturn -\(einval);\n\n"
        text += gatedRequestTests()
        text += "\tstate = \(tableName)[cur][target];\n"
        text += "\twhile (state != \(error) &&\n"
        text += "\t       !\(supported)(migration_flags, state)) {\n"
        text += "\t\tif (--budget == 0)\n\t\t\treturn -\(einval);\n"
        text += "\t\tstate = \(tableName)[state][target];\n\t}\n"
        text += "\tif (state == \(error))\n\t\treturn -\(einval);\n\n"
        text += "\t*next = state;\n\treturn 0;\n}\n"
        return text
    }

    /// For a spec that serves a request only with a feature no state needs
    /// (`blocked A -> B unless F`): a test of the flags before the table,
    /// which per-state masks cannot express. Empty for vfio-v2.
    func gatedRequestTests() -> String {
        guard !kernel.gatedRequests.isEmpty else { return "" }
        var text = "\t/* Requests served only with a flag no state needs. */\n"
        for gated in kernel.gatedRequests {
            let terms = flagTerms(FeatureSet(rawValue: gated.gate))
            let gate = terms.count == 1 ? terms[0] : "(" + terms.joined(separator: " | ") + ")"
            text += "\tif (cur == \(stateName(gated.current)) &&\n"
            text += "\t    target == \(stateName(gated.requested)) &&\n"
            let test = "\t    (migration_flags & \(gate)) != \(gate))"
            text += Self.columns(test) <= 80 ? test + "\n"
                : "\t    (migration_flags & \(gate)) !=\n\t\t    \(gate))\n"
            text += "\t\treturn -\(einval);\n"
        }
        return text + "\n"
    }

    func epilogue() -> String {
        "#endif /* \(upper)_H */\n"
    }

    // MARK: - Layout

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

    /// `LEFT VALUE | VALUE,` at `indent` tabs within 80 columns: on one line
    /// if it fits, else the terms continue aligned after `LEFT ` (or, for
    /// an assignment, on the next line one tab deeper).
    static func assignment(indent: Int, _ left: String, _ terms: [String], _ end: String,
                           continuationColumn: Int? = nil) -> String {
        let pad = String(repeating: "\t", count: indent)
        let single = pad + left + " " + terms.joined(separator: " | ") + end
        if columns(single) <= 80 { return single + "\n" }
        let startColumn = continuationColumn ?? columns(pad + left + " ")
        let sameLine = columns(pad + left + " " + terms[0] + (terms.count == 1 ? end : " |")) <= 80
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
            if columns(current + " | " + term) <= 80 - 1 {
                current += " | " + term
            } else {
                lines.append(current + " |")
                current = continuation + term
            }
        }
        lines.append(current + end)
        return lines.joined(separator: "\n") + "\n"
    }

    /// A function head, parameters aligned after the parenthesis.
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
}
