/// The feature sets a driver can report, read from its `migration_flags`
/// assignments wherever they are (mlx5 and pds set them in another file
/// than the step function), with the conditions that choose between them:
///
///     mvdev->core_device.vdev.migration_flags = VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P;
///     if (MLX5_CAP_GEN_2(mvdev->mdev, migration_multi_load) && ...)
///         mvdev->core_device.vdev.migration_flags |= VFIO_MIGRATION_PRE_COPY;
///
/// gives {STOP_COPY, P2P} unless the capability, {STOP_COPY, P2P, PRE_COPY}
/// when it. Each function's statements are followed in order; an `if`
/// (or loop, or `switch`) whose body assigns the flags splits the
/// possibilities, any other statement leaves them alone (an early `goto`
/// that disables migration is not a configuration).
public struct FlagConfiguration: Hashable, Sendable {
    public var flags: UInt32
    /// The assignments that make it, in order.
    public var assignments: [SourceLocation]
    /// The conditions that choose it (`when X`, `unless Y`).
    public var conditions: [Decision]

    /// `when MLX5_CAP_GEN_2(...) && ...`, or "" when unconditional.
    public var condition: String {
        conditions.map { ($0.taken ? "when " : "unless ") + $0.spelling }.joined(separator: " and ")
    }
}

/// Reads a driver's `FlagConfiguration`s (see there) from its files: the
/// statements of every function that assigns `migration_flags`, and
/// static initializers (`.migration_flags = ...`).
public enum FlagConfigurations {
    public static func read(_ code: DriverCode, names: CNames) -> (configurations: [FlagConfiguration], notes: [Diagnostic]) {
        var configurations: [FlagConfiguration] = []
        var notes: [Diagnostic] = []
        func add(_ configuration: FlagConfiguration) {
            if !configurations.contains(where: { $0.flags == configuration.flags }) { configurations.append(configuration) }
        }
        for file in code.files {
            let tokens = file.tokens
            for index in tokens.indices where tokens[index].text == "migration_flags" && index + 1 < tokens.count
                && (tokens[index + 1].isPunctuator("=") || tokens[index + 1].isPunctuator("|=")) {
                if file.functions.contains(where: { ($0.bodyOpen ?? Int.max) < index && index < ($0.bodyEnd ?? 0) }) { continue }
                // Outside a function: a static initializer, `.migration_flags = ...`.
                var stream = CTokenStream(tokens: tokens, source: file.source, index: index + 2)
                do throws(Diagnostic) {
                    let value = try CConstantExpression.evaluate(&stream, resolve: names.resolve)
                    add(FlagConfiguration(flags: UInt32(truncatingIfNeeded: value.value),
                                          assignments: [file.location(tokens[index])], conditions: []))
                } catch {
                    notes.append(.note(at: error.location, "cannot read this migration_flags value: \(error.message)"))
                }
            }
            for function in file.functions where function.isDefinition {
                guard let open = function.bodyOpen, let end = function.bodyEnd,
                      tokens[open..<end].contains(where: { $0.text == "migration_flags" }),
                      let body = file.body(of: function) else { continue }
                var reader = Reader(file: file, names: names)
                let states = reader.run(body, [Possibility()])
                notes += reader.notes
                for state in states where !state.assignments.isEmpty {
                    if let flags = state.flags {
                        add(FlagConfiguration(flags: flags, assignments: state.assignments, conditions: state.conditions))
                    }
                }
            }
        }
        return (configurations, notes)
    }

    struct Possibility {
        var flags: UInt32?
        var assignments: [SourceLocation] = []
        var conditions: [Decision] = []
    }

    struct Reader {
        let file: CFile
        let names: CNames
        var notes: [Diagnostic] = []

        mutating func run(_ statement: CStatement, _ states: [Possibility]) -> [Possibility] {
            guard assigns(statement) else { return states }
            switch statement {
            case .block(let statements, _):
                var states = states
                for statement in statements { states = run(statement, states) }
                return states
            case .expression(let expression):
                return states.map { apply(expression, $0) }
            case .ifStatement(let condition, let then, let otherwise, let keyword):
                let location = file.location(keyword)
                let yes = states.map { var state = $0; state.conditions.append(Decision(spelling: condition.spelling, taken: true, location: location)); return state }
                let no = states.map { var state = $0; state.conditions.append(Decision(spelling: condition.spelling, taken: false, location: location)); return state }
                return Array((run(then, yes) + (otherwise.map { run($0, no) } ?? no)).prefix(64))
            case .whileLoop(let condition, let body, let keyword), .doWhile(let body, let condition, let keyword),
                 .switchStatement(let condition, let body, let keyword):
                let location = file.location(keyword)
                let yes = states.map { var state = $0; state.conditions.append(Decision(spelling: condition.spelling, taken: true, location: location)); return state }
                return Array((run(body, yes) + states).prefix(64))
            case .forLoop(_, _, _, let body, _):
                return Array((run(body, states) + states).prefix(64))
            default:
                return states
            }
        }

        /// Whether the statement assigns the flags somewhere inside.
        func assigns(_ statement: CStatement) -> Bool {
            var found = false
            statement.forEach { inner in
                for expression in inner.expressions where !found {
                    found = expression.contains { node in
                        if case .assignment(_, let target, _) = node, case .member(_, let name, _) = target.ungrouped {
                            return name.text == "migration_flags"
                        }
                        return false
                    }
                }
            }
            return found
        }

        mutating func apply(_ expression: CExpression, _ start: Possibility) -> Possibility {
            var state = start
            _ = expression.contains { node in
                guard case .assignment(let op, let target, let value) = node, case .member(_, let name, _) = target.ungrouped,
                      name.text == "migration_flags" else { return false }
                let location = file.location(name)
                guard let number = constant(value) else {
                    // A misspelt flag is an error with a suggestion; anything else a note.
                    var misspelt: Diagnostic?
                    _ = value.contains { node in
                        guard case .identifier(let token) = node, token.text.hasPrefix(names.model.naming.cFlagPrefix) else { return false }
                        do throws(Diagnostic) {
                            _ = try names.resolve(token)
                            return false
                        } catch {
                            misspelt = error
                            return true
                        }
                    }
                    notes.append(misspelt ?? .note(at: location, "cannot evaluate the migration_flags value '\(value.spelling)'"))
                    state.flags = nil
                    return true
                }
                state.assignments.append(location)
                switch op.text {
                case "=": state.flags = number
                case "|=": state.flags = (state.flags ?? 0) | number
                case "&=": state.flags = (state.flags ?? 0) & number
                default: state.flags = nil
                }
                return true
            }
            return state
        }

        /// A constant expression over flag names and numbers.
        func constant(_ expression: CExpression) -> UInt32? {
            switch expression {
            case .number(let value, _): return value.map { UInt32(truncatingIfNeeded: $0) }
            case .identifier(let token): return (try? names.resolve(token)).map { UInt32(truncatingIfNeeded: $0) }
            case .group(let inner, _), .cast(_, let inner, _): return constant(inner)
            case .unary(let op, let operand):
                guard let value = constant(operand) else { return nil }
                return op.text == "~" ? ~value : op.text == "+" ? value : nil
            case .binary(let op, let left, let right):
                guard let a = constant(left), let b = constant(right) else { return nil }
                switch op.text {
                case "|": return a | b
                case "&": return a & b
                case "^": return a ^ b
                case "<<": return b < 32 ? a << b : nil
                case ">>": return b < 32 ? a >> b : nil
                case "+": return a &+ b
                default: return nil
                }
            default: return nil
            }
        }
    }
}
