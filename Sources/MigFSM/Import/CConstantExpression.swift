import Foundation

/// Evaluates the integer constant expressions of C tables and flag
/// assignments: `VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P`, `~0U`,
/// `(1 << 2)`, `VFIO_DEVICE_STATE_PRE_COPY_P2P + 1`.
///
/// Operators, by C precedence: unary `~ - + !`, `* / %`, `+ -`, `<< >>`,
/// `&`, `^`, `|`; parentheses nest at most `maximumDepth` deep. Arithmetic
/// wraps at 64 bits; names are resolved by the caller.
public struct CConstantExpression {
    /// Resolves an identifier to its value, or throws a diagnostic naming it.
    public typealias Resolver = (CToken) throws(Diagnostic) -> UInt64

    public static let maximumDepth = 64

    /// The value, and the identifiers it used in order (for reports).
    public struct Value: Hashable, Sendable {
        public var value: UInt64
        public var names: [String]
        /// The expression as written, tokens joined by single spaces.
        public var spelling: String
    }

    /// Parses one expression at the stream's position and leaves the stream
    /// just past it.
    public static func evaluate(_ stream: inout CTokenStream, resolve: Resolver) throws(Diagnostic) -> Value {
        let start = stream.index
        var names: [String] = []
        let value = try binary(&stream, level: 0, depth: 0, resolve, &names)
        let spelling = stream.tokens[start..<stream.index].map(\.text).joined(separator: " ")
            .replacingOccurrences(of: "~ ", with: "~").replacingOccurrences(of: "( ", with: "(")
            .replacingOccurrences(of: " )", with: ")")
        return Value(value: value, names: names, spelling: spelling)
    }

    /// Binary operators from loosest (`|`) to tightest (`* / %`).
    static let levels: [[String]] = [["|"], ["^"], ["&"], ["<<", ">>"], ["+", "-"], ["*", "/", "%"]]

    static func binary(_ stream: inout CTokenStream, level: Int, depth: Int, _ resolve: Resolver, _ names: inout [String]) throws(Diagnostic) -> UInt64 {
        if level == levels.count { return try unary(&stream, depth: depth, resolve, &names) }
        var value = try binary(&stream, level: level + 1, depth: depth, resolve, &names)
        while let token = stream.peek, token.kind == .punctuator, levels[level].contains(token.text) {
            stream.index += 1
            let right = try binary(&stream, level: level + 1, depth: depth, resolve, &names)
            switch token.text {
            case "|": value |= right
            case "^": value ^= right
            case "&": value &= right
            case "<<", ">>":
                guard right < 64 else {
                    // The operand is read as C reads it: `-1` is negative.
                    let count = Int64(bitPattern: right) < 0 ? String(Int64(bitPattern: right)) : String(right)
                    throw .error(at: stream.location(token), "shift by \(count) bits is out of range (0 to 63)")
                }
                value = token.text == "<<" ? value << right : value >> right
            case "+": value &+= right
            case "-": value &-= right
            case "*": value &*= right
            default:
                guard right != 0 else { throw .error(at: stream.location(token), "division by zero") }
                value = token.text == "/" ? value / right : value % right
            }
        }
        return value
    }

    static func unary(_ stream: inout CTokenStream, depth: Int, _ resolve: Resolver, _ names: inout [String]) throws(Diagnostic) -> UInt64 {
        guard let token = stream.peek else { throw stream.expected("a constant expression") }
        guard depth < maximumDepth else {
            throw .error(at: stream.location(token), "expression nested more than \(maximumDepth) deep")
        }
        switch token.kind {
        case .number(let value):
            stream.index += 1
            guard let value else { throw .error(at: stream.location(token), "invalid integer constant \(token.quoted)") }
            return value
        case .identifier:
            stream.index += 1
            names.append(token.text)
            return try resolve(token)
        case .punctuator where ["~", "-", "+", "!"].contains(token.text):
            stream.index += 1
            let operand = try unary(&stream, depth: depth + 1, resolve, &names)
            switch token.text {
            case "~": return ~operand
            case "-": return 0 &- operand
            case "!": return operand == 0 ? 1 : 0
            default: return operand
            }
        case .punctuator where token.text == "(":
            stream.index += 1
            let value = try binary(&stream, level: 0, depth: depth + 1, resolve, &names)
            try stream.expect(")")
            return value
        default:
            throw stream.expected("a constant expression")
        }
    }
}
