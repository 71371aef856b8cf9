/// Prints a parsed spec in canonical form: one space between tokens, the
/// attributes of a declaration in a fixed order, numbers in their canonical
/// notation, comments kept, runs of blank lines folded to one.
///
/// Statements keep their order: the author's grouping and comments are the
/// documentation. `fmt` output parses to the same model.
public enum SpecFormatter {
    public static func format(_ syntax: SpecSyntax) -> String {
        var output: [String] = []
        var pendingBlank = false
        for line in syntax.lines {
            var text = line.statement.map(format) ?? ""
            if let comment = line.comment {
                text += text.isEmpty ? "#" + comment : " #" + comment
            }
            if text.isEmpty {
                pendingBlank = !output.isEmpty
                continue
            }
            if pendingBlank { output.append("") }
            pendingBlank = false
            output.append(text)
        }
        return output.isEmpty ? "" : output.joined(separator: "\n") + "\n"
    }

    public static func format(_ statement: Statement) -> String {
        switch statement {
        case .extends(let path):
            return "extends \(path.text)"
        case .drop(let dropped):
            return "drop " + format(dropped)
        case .protocolName(let name):
            return "protocol \(name.text)"
        case .naming(let key, let value):
            return "\(key.rawValue) \(value.text)"
        case .feature(let feature):
            var text = "feature \(feature.name.text) = \(flag(feature.value))"
            if feature.mandatory { text += " mandatory" }
            if !feature.needs.isEmpty { text += " needs " + join(feature.needs, " | ") }
            return text
        case .state(let state):
            var text = "state \(state.name.text) = \(plain(state.value))"
            if !state.needs.isEmpty { text += " needs " + join(state.needs, " | ") }
            if state.isError { text += " error" }
            if state.isReset { text += " reset" }
            if let session = state.session { text += " session \(session.text)" }
            return text
        case .group(let name, let members):
            return "group \(name.text) = " + join(members, ", ")
        case .arc(let arc):
            return "\(arc.from.text) -> \(arc.to.text)" + gate(arc, "needs")
        case .blocked(let arc):
            return "blocked \(arc.from.text) -> \(arc.to.text)" + gate(arc, "unless")
        case .pathRule(.shortest):
            return "path shortest"
        case .pathRule(.groupInterior(let group, let reading)):
            return "path group-interior \(group.text) \(reading.text)"
        case .pathRule(.tieBreak(let name)):
            return "path tie-break \(name.text)"
        case .invariant(.noInterior(let group)):
            return "invariant no-interior \(group.text)"
        case .invariant(.refused(let arc)):
            return "invariant refused \(arc.from.text) -> \(arc.to.text)" + gate(arc, "unless")
        case .invariant(.sink(let state)):
            return "invariant sink \(state.text)"
        case .invariant(.reachable):
            return "invariant reachable"
        case .invariant(.path(let states, let features)):
            var text = "invariant path " + join(states, " -> ")
            if let features { text += " with " + join(features, " | ") }
            return text
        case .p2pInitiator(let states):
            return "p2p-initiator " + join(states, ", ")
        case .frozen(let members):
            return "frozen " + members.map { $0.state.text + ($0.afterWrite ? " after-write" : "") }
                .joined(separator: ", ")
        }
    }

    /// ` needs F | G`, ` unless F | G`, or nothing for an ungated arc.
    private static func gate(_ arc: ArcSyntax, _ keyword: String) -> String {
        arc.gate.isEmpty ? "" : " \(keyword) " + join(arc.gate, " | ")
    }

    private static func join(_ names: [Name], _ separator: String) -> String {
        names.map(\.text).joined(separator: separator)
    }

    /// A flag value as `1 << BIT` where it is one bit, else as written.
    private static func flag(_ number: NumberLiteral) -> String {
        switch number.form {
        case .shift(let bit?): return "1 << \(bit)"
        case .plain(let value?) where value != 0 && value & (value - 1) == 0:
            return "1 << \(value.trailingZeroBitCount)"
        default: return plain(number)
        }
    }

    /// A number in decimal (shifts kept as shifts).
    private static func plain(_ number: NumberLiteral) -> String {
        switch number.form {
        case .plain(let value?): return String(value)
        case .shift(let bit?): return "1 << \(bit)"
        case .plain(nil), .shift(nil): return number.spelling
        }
    }
}
