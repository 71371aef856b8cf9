/// Runs a lookup function as written (`CLookupFunction`) for one flags
/// value and one (current, requested) pair: the range checks, the table
/// reads, the skip loop and the return, statement by statement, with C's
/// unsigned 32-bit arithmetic.
///
/// A loop that comes back to a state it was in (the same local values and
/// next state) never ends, and is reported so rather than run; so is one
/// that exceeds `maximumIterations`. A read past a table and anything the
/// interpreter cannot evaluate stop the run with where it happened.
public struct LookupInterpreter: Sendable {
    public let function: CLookupFunction
    public let table: CNextStateTable
    public let masks: CFeatureMaskTable?
    public let names: CNames

    public static let maximumIterations = 10_000

    /// What one run did.
    public enum Run: Sendable {
        /// The function returned `value` (0 for success) with `next` written
        /// (if it was) after writing `visited` to the next state, in order.
        case returned(value: UInt64, next: UInt32?, visited: [UInt32], warned: Bool)
        /// A loop came back to a state it had been in: it never ends.
        case neverEnds(visited: [UInt32], loop: SourceLocation)
        /// An index past a table's end: undefined behaviour.
        case readsPastTable(SourceLocation, String)
        /// Something the interpreter does not know how to evaluate.
        case cannotEvaluate(Diagnostic)
    }

    public init(function: CLookupFunction, table: CNextStateTable, masks: CFeatureMaskTable?, names: CNames) {
        self.function = function
        self.table = table
        self.masks = masks
        self.names = names
    }

    /// The kernel lookup's answer, in the shape `check` proves.
    public func outcome(_ run: Run) -> KernelTable.Outcome? {
        switch run {
        case .returned(let value, let next, let visited, _):
            if value != 0 { return .refused(visited: visited) }
            return next.map { .next($0, visited: visited) }
        case .neverEnds(let visited, _):
            return .cycle(visited: visited)
        case .readsPastTable, .cannotEvaluate:
            return nil
        }
    }

    public func run(flags: UInt32, current: UInt32, requested: UInt32) -> Run {
        var machine = Machine(interpreter: self, flags: UInt64(flags), current: UInt64(current), requested: UInt64(requested))
        do throws(Stop) {
            let completion = try machine.execute(function.body)
            guard case .returned(let value) = completion else {
                return .cannotEvaluate(.note(at: function.location, "\(function.name)() ends without returning a value"))
            }
            return .returned(value: value, next: machine.next.map { UInt32(truncatingIfNeeded: $0) },
                             visited: machine.visited, warned: machine.warned)
        } catch {
            switch error {
            case .neverEnds(let loop): return .neverEnds(visited: machine.visited, loop: loop)
            case .pastTable(let location, let what): return .readsPastTable(location, what)
            case .cannot(let diagnostic): return .cannotEvaluate(diagnostic)
            }
        }
    }

    enum Stop: Error {
        case neverEnds(SourceLocation)
        case pastTable(SourceLocation, String)
        case cannot(Diagnostic)
    }

    enum Completion {
        case normal
        case returned(UInt64)
        case broke
        case continued
    }

    /// The state of one run: the locals, the out cell, what was written.
    struct Machine {
        let interpreter: LookupInterpreter
        let flags: UInt64
        var locals: [String: UInt64]
        var next: UInt64?
        var visited: [UInt32] = []
        var warned = false

        init(interpreter: LookupInterpreter, flags: UInt64, current: UInt64, requested: UInt64) {
            self.interpreter = interpreter
            self.flags = flags
            locals = [interpreter.function.current: current, interpreter.function.requested: requested]
        }

        var function: CLookupFunction { interpreter.function }
        var path: String { function.location.file }

        func location(_ token: CToken) -> SourceLocation { token.location(in: path) }

        func cannot(_ token: CToken, _ message: String) -> Stop {
            .cannot(.note(at: location(token), message))
        }

        mutating func execute(_ statement: CStatement) throws(Stop) -> Completion {
            switch statement {
            case .block(let statements, _):
                for statement in statements {
                    let completion = try execute(statement)
                    if case .normal = completion { continue }
                    return completion
                }
                return .normal
            case .expression(let expression):
                _ = try evaluate(expression)
                return .normal
            case .declaration(_, let declarators):
                for declarator in declarators where !declarator.isArray {
                    if let value = declarator.value {
                        if case .opaque = value { continue }
                        locals[declarator.name.text] = try evaluate(value)
                    }
                }
                return .normal
            case .ifStatement(let condition, let then, let otherwise, _):
                if try evaluate(condition) != 0 { return try execute(then) }
                return try otherwise.map { statement throws(Stop) in try execute(statement) } ?? .normal
            case .whileLoop(let condition, let body, let keyword):
                return try loop(keyword, condition: condition, body: body, step: nil, testFirst: true)
            case .doWhile(let body, let condition, let keyword):
                return try loop(keyword, condition: condition, body: body, step: nil, testFirst: false)
            case .forLoop(let initial, let condition, let step, let body, let keyword):
                if let initial { _ = try execute(initial) }
                return try loop(keyword, condition: condition, body: body, step: step, testFirst: true)
            case .returnStatement(let value, let keyword):
                guard let value else { throw cannot(keyword, "'return' without a value in \(function.name)()") }
                return .returned(try evaluate(value))
            case .breakStatement:
                return .broke
            case .continueStatement:
                return .continued
            case .empty, .label:
                return .normal
            case .unreadable(let token, let reason):
                throw cannot(token, "cannot read this statement of \(function.name)(): \(reason)")
            case .switchStatement(_, _, let keyword), .caseLabel(_, let keyword):
                throw cannot(keyword, "'switch' in \(function.name)() is not interpreted")
            case .gotoStatement(let label):
                throw cannot(label, "'goto' in \(function.name)() is not interpreted")
            }
        }

        /// Runs a loop; a repeated state at its head means it never ends.
        mutating func loop(_ keyword: CToken, condition: CExpression?, body: CStatement, step: CExpression?,
                           testFirst: Bool) throws(Stop) -> Completion {
            var seen: Set<[UInt64?]> = []
            var first = true
            for _ in 0..<LookupInterpreter.maximumIterations {
                if testFirst || !first {
                    if let condition, try evaluate(condition) == 0 { return .normal }
                }
                first = false
                let snapshot = locals.keys.sorted().map { locals[$0] } + [next]
                if !seen.insert(snapshot).inserted { throw .neverEnds(location(keyword)) }
                let completion = try execute(body)
                switch completion {
                case .returned: return completion
                case .broke: return .normal
                case .normal, .continued: break
                }
                if let step { _ = try evaluate(step) }
            }
            throw .neverEnds(location(keyword))
        }

        // MARK: - Expressions

        mutating func evaluate(_ expression: CExpression) throws(Stop) -> UInt64 {
            switch expression {
            case .number(let value, let token):
                guard let value else { throw cannot(token, "invalid integer constant \(token.quoted)") }
                return value
            case .identifier(let token):
                return try value(of: token)
            case .group(let inner, _), .cast(_, let inner, _):
                return try evaluate(inner)
            case .unary(let op, let operand):
                if op.text == "*" {
                    guard case .identifier(let name) = operand.ungrouped, name.text == function.next else {
                        throw cannot(op, "cannot evaluate '\(expression.spelling)' in \(function.name)()")
                    }
                    guard let next else { throw cannot(op, "\(function.name)() reads *\(function.next) before writing it") }
                    return next
                }
                let value = try evaluate(operand)
                switch op.text {
                case "-": return (0 &- value) & 0xFFFF_FFFF
                case "~": return ~value & 0xFFFF_FFFF
                case "!": return value == 0 ? 1 : 0
                case "+": return value
                default: throw cannot(op, "cannot evaluate '\(expression.spelling)' in \(function.name)()")
                }
            case .binary(let op, let left, let right):
                if op.text == "&&" || op.text == "||" {
                    let first = try evaluate(left) != 0
                    if first == (op.text == "||") { return first ? 1 : 0 }
                    return try evaluate(right) != 0 ? 1 : 0
                }
                let a = try evaluate(left)
                let b = try evaluate(right)
                switch op.text {
                case "==": return a == b ? 1 : 0
                case "!=": return a != b ? 1 : 0
                case "<": return a < b ? 1 : 0
                case ">": return a > b ? 1 : 0
                case "<=": return a <= b ? 1 : 0
                case ">=": return a >= b ? 1 : 0
                case "&": return a & b
                case "|": return a | b
                case "^": return a ^ b
                case "+": return (a &+ b) & 0xFFFF_FFFF
                case "-": return (a &- b) & 0xFFFF_FFFF
                case "*": return (a &* b) & 0xFFFF_FFFF
                case "<<": return b < 32 ? (a << b) & 0xFFFF_FFFF : 0
                case ">>": return b < 64 ? a >> b : 0
                case "/", "%":
                    guard b != 0 else { throw cannot(op, "division by zero in \(function.name)()") }
                    return op.text == "/" ? a / b : a % b
                default: throw cannot(op, "cannot evaluate '\(op.text)' in \(function.name)()")
                }
            case .conditional(let condition, let then, let otherwise):
                if try evaluate(condition) != 0 { return try evaluate(then) }
                return try evaluate(otherwise)
            case .comma(let left, let right):
                _ = try evaluate(left)
                return try evaluate(right)
            case .member(_, let name, _):
                guard name.text == "migration_flags" else {
                    throw cannot(name, "cannot evaluate '\(expression.spelling)' in \(function.name)(): only the device's migration_flags is known")
                }
                return flags
            case .index:
                return try read(expression)
            case .call(_, let arguments, let open):
                return try call(expression, arguments, open)
            case .assignment(let op, let target, let value):
                return try assign(op, target, value)
            case .literal(let token), .opaque(let token):
                throw cannot(token, "cannot evaluate '\(expression.spelling)' in \(function.name)()")
            case .postfix(let op, _):
                throw cannot(op, "cannot evaluate '\(expression.spelling)' in \(function.name)()")
            }
        }

        func value(of token: CToken) throws(Stop) -> UInt64 {
            if let value = locals[token.text] { return value }
            switch token.text {
            case "NULL", "false": return 0
            case "true": return 1
            default: break
            }
            if let errno = Self.errno(token.text) { return errno }
            do throws(Diagnostic) {
                return try interpreter.names.resolve(token)
            } catch {
                throw cannot(token, "cannot evaluate '\(token.text)' in \(function.name)(): not a parameter, a local, a state, a flag or an enum constant")
            }
        }

        /// `EINVAL` and its kin: only zero or not matters to the lookup.
        static func errno(_ name: String) -> UInt64? {
            let known: [String: UInt64] = ["EPERM": 1, "ENOENT": 2, "EIO": 5, "EAGAIN": 11, "ENOMEM": 12, "EFAULT": 14,
                                           "EBUSY": 16, "ENODEV": 19, "EINVAL": 22, "ERANGE": 34, "EOPNOTSUPP": 95]
            if let value = known[name] { return value }
            guard name.count > 2, name.hasPrefix("E"),
                  name.dropFirst().allSatisfy({ $0.isUppercase || $0.isNumber || $0 == "_" }) else { return nil }
            return 1
        }

        /// `table[a][b]` or `masks[a]`, bounds-checked.
        mutating func read(_ expression: CExpression) throws(Stop) -> UInt64 {
            var indices: [(CExpression, CToken)] = []
            var base = expression
            while case .index(let inner, let index, let open) = base.ungrouped {
                indices.insert((index, open), at: 0)
                base = inner
            }
            guard case .identifier(let name) = base.ungrouped else {
                throw cannot(expression.firstToken, "cannot evaluate '\(expression.spelling)' in \(function.name)()")
            }
            var values: [UInt64] = []
            for (index, _) in indices { values.append(try evaluate(index)) }
            let table = interpreter.table
            if name.text == table.name, values.count == 2 {
                for (position, value) in values.enumerated() where value >= UInt64(table.size) {
                    throw .pastTable(location(indices[position].1),
                        "\(expression.spelling) reads \(table.name)[\(values.map(String.init).joined(separator: "]["))], past its \(table.size) rows")
                }
                return UInt64(table.entries[Int(values[0]) * table.size + Int(values[1])])
            }
            if let masks = interpreter.masks, name.text == masks.name, values.count == 1 {
                guard values[0] < UInt64(masks.masks.count) else {
                    throw .pastTable(location(indices[0].1),
                        "\(expression.spelling) reads \(masks.name)[\(values[0])], past its \(masks.masks.count) entries")
                }
                return UInt64(masks.masks[Int(values[0])])
            }
            throw cannot(name, "cannot evaluate '\(expression.spelling)' in \(function.name)(): not the next-state or the mask table")
        }

        mutating func call(_ expression: CExpression, _ arguments: [CExpression], _ open: CToken) throws(Stop) -> UInt64 {
            guard let name = expression.calleeName else {
                throw cannot(open, "cannot evaluate '\(expression.spelling)' in \(function.name)()")
            }
            switch name {
            case "WARN_ON", "WARN_ON_ONCE", "WARN", "WARN_ONCE", "unlikely", "likely":
                guard let first = arguments.first else { throw cannot(open, "\(name)() without an argument") }
                let value = try evaluate(first)
                if value != 0 && name.hasPrefix("WARN") { warned = true }
                return value
            case "ARRAY_SIZE":
                if arguments.count == 1, case .identifier(let table) = arguments[0].ungrouped {
                    if table.text == interpreter.table.name { return UInt64(interpreter.table.size) }
                    if let masks = interpreter.masks, table.text == masks.name { return UInt64(masks.masks.count) }
                }
                throw cannot(open, "cannot evaluate '\(expression.spelling)' in \(function.name)()")
            default:
                throw cannot(open, "cannot evaluate the call of \(name)() in \(function.name)()")
            }
        }

        mutating func assign(_ op: CToken, _ target: CExpression, _ value: CExpression) throws(Stop) -> UInt64 {
            var result = try evaluate(value)
            let old: UInt64?
            enum Place { case local(String), next }
            let place: Place
            switch target.ungrouped {
            case .identifier(let name):
                place = .local(name.text)
                old = locals[name.text]
            case .unary(let star, let operand) where star.text == "*":
                guard case .identifier(let name) = operand.ungrouped, name.text == function.next else {
                    throw cannot(op, "cannot assign to '\(target.spelling)' in \(function.name)()")
                }
                place = .next
                old = next
            default:
                throw cannot(op, "cannot assign to '\(target.spelling)' in \(function.name)()")
            }
            if op.text != "=" {
                guard let old else { throw cannot(op, "'\(target.spelling)' is read before it is written") }
                switch op.text {
                case "|=": result = old | result
                case "&=": result = old & result
                case "^=": result = old ^ result
                case "+=": result = (old &+ result) & 0xFFFF_FFFF
                case "-=": result = (old &- result) & 0xFFFF_FFFF
                default: throw cannot(op, "cannot evaluate '\(op.text)' in \(function.name)()")
                }
            }
            switch place {
            case .local(let name): locals[name] = result
            case .next:
                next = result
                visited.append(UInt32(truncatingIfNeeded: result))
            }
            return result
        }
    }
}
