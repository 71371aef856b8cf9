/// A C expression as the import readers see it: enough of C to follow a
/// lookup function, a step function's conditions and calls, and a reset
/// path, with every node keeping its first token for locations.
///
///     cur == VFIO_DEVICE_STATE_STOP && (new == VFIO_DEVICE_STATE_RUNNING || new == VFIO_DEVICE_STATE_RESUMING)
///     ret = mlx5vf_cmd_suspend_vhca(mvdev, MLX5_SUSPEND_VHCA_IN_OP_MOD_SUSPEND_RESPONDER)
///
/// What the parser cannot read inside an expression (a statement
/// expression `({ ... })`, a braced initializer, `sizeof`) is kept as an
/// opaque node rather than guessed at.
public indirect enum CExpression: Sendable {
    case identifier(CToken)
    /// An integer literal (`nil` when malformed or too large).
    case number(UInt64?, CToken)
    /// A string or character literal.
    case literal(CToken)
    case call(callee: CExpression, arguments: [CExpression], open: CToken)
    /// `base.name` or `base->name`.
    case member(base: CExpression, name: CToken, arrow: Bool)
    case index(base: CExpression, index: CExpression, open: CToken)
    /// Prefix `- + ~ ! * & ++ --`.
    case unary(op: CToken, operand: CExpression)
    /// Postfix `++ --`.
    case postfix(op: CToken, operand: CExpression)
    case binary(op: CToken, left: CExpression, right: CExpression)
    case conditional(condition: CExpression, then: CExpression, otherwise: CExpression)
    /// `=`, `|=`, `+=`, ...
    case assignment(op: CToken, target: CExpression, value: CExpression)
    /// `(type) operand`; the type's tokens as written.
    case cast(type: [CToken], operand: CExpression, open: CToken)
    case comma(left: CExpression, right: CExpression)
    /// `( expression )`, kept so that spellings show the grouping.
    case group(CExpression, open: CToken)
    /// Something the reader keeps whole without reading it: `sizeof(...)`,
    /// `({ ... })`, `{ ... }`.
    case opaque(CToken)

    /// The first token, where a diagnostic about the expression points.
    public var firstToken: CToken {
        switch self {
        case .identifier(let token), .number(_, let token), .literal(let token), .opaque(let token):
            return token
        case .call(let callee, _, _): return callee.firstToken
        case .member(let base, _, _), .index(let base, _, _): return base.firstToken
        case .unary(let op, _): return op
        case .postfix(_, let operand): return operand.firstToken
        case .binary(_, let left, _), .comma(let left, _): return left.firstToken
        case .conditional(let condition, _, _): return condition.firstToken
        case .assignment(_, let target, _): return target.firstToken
        case .cast(_, _, let open), .group(_, let open): return open
        }
    }

    /// The called function's name, when the callee is a plain identifier.
    public var calleeName: String? {
        if case .call(let callee, _, _) = self, case .identifier(let name) = callee.ungrouped { return name.text }
        return nil
    }

    /// The expression without enclosing parentheses and casts.
    public var withoutCasts: CExpression {
        switch self {
        case .cast(_, let operand, _), .group(let operand, _): return operand.withoutCasts
        default: return self
        }
    }

    /// The expression without enclosing parentheses.
    public var ungrouped: CExpression {
        if case .group(let inner, _) = self { return inner.ungrouped }
        return self
    }

    /// Whether `visit` holds for this node or any node inside it; stops at
    /// the first match. Iterative, so input depth cannot exhaust the stack.
    public func contains(where visit: (CExpression) -> Bool) -> Bool {
        var work: [CExpression] = [self]
        while let node = work.popLast() {
            if visit(node) { return true }
            work += node.children
        }
        return false
    }

    /// The direct subexpressions, left to right.
    public var children: [CExpression] {
        switch self {
        case .identifier, .number, .literal, .opaque: return []
        case .call(let callee, let arguments, _): return [callee] + arguments
        case .member(let base, _, _): return [base]
        case .index(let base, let index, _): return [base, index]
        case .unary(_, let operand), .postfix(_, let operand), .cast(_, let operand, _), .group(let operand, _):
            return [operand]
        case .binary(_, let left, let right), .comma(let left, let right): return [left, right]
        case .conditional(let condition, let then, let otherwise): return [condition, then, otherwise]
        case .assignment(_, let target, let value): return [target, value]
        }
    }

    /// The expression as written, tokens joined by single spaces (for
    /// reports): `cur == VFIO_DEVICE_STATE_STOP`.
    public var spelling: String {
        switch self {
        case .identifier(let token), .number(_, let token), .literal(let token): return token.text
        case .opaque(let token): return token.text == "sizeof" ? "sizeof(...)" : "..."
        case .call(let callee, let arguments, _):
            return callee.spelling + "(" + arguments.map(\.spelling).joined(separator: ", ") + ")"
        case .member(let base, let name, let arrow): return base.spelling + (arrow ? "->" : ".") + name.text
        case .index(let base, let index, _): return base.spelling + "[" + index.spelling + "]"
        case .unary(let op, let operand): return op.text + operand.spelling
        case .postfix(let op, let operand): return operand.spelling + op.text
        case .binary(let op, let left, let right): return "\(left.spelling) \(op.text) \(right.spelling)"
        case .conditional(let condition, let then, let otherwise):
            return "\(condition.spelling) ? \(then.spelling) : \(otherwise.spelling)"
        case .assignment(let op, let target, let value): return "\(target.spelling) \(op.text) \(value.spelling)"
        case .cast(let type, let operand, _): return "(" + type.map(\.text).joined(separator: " ") + ")" + operand.spelling
        case .comma(let left, let right): return "\(left.spelling), \(right.spelling)"
        case .group(let inner, _): return "(" + inner.spelling + ")"
        }
    }
}
