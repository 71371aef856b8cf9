/// A C statement of a function body, as the import readers see it:
///
///     if (cur == VFIO_DEVICE_STATE_STOP && new == VFIO_DEVICE_STATE_STOP_COPY) { ... }
///     ret = qat_vfmig_suspend(qat_vdev->mdev);
///     goto err;
///
/// Labels (`err:`) and `case`/`default` labels are statements of their own
/// in the enclosing block, so a jump is a search in a statement list. A
/// statement the parser cannot read is kept as `unreadable` with its place
/// and why, never guessed at.
public indirect enum CStatement: Sendable {
    case block([CStatement], open: CToken)
    case expression(CExpression)
    /// `TYPE NAME [= VALUE], NAME2 ...;` (array dimensions and braced
    /// initializers are kept opaque).
    case declaration(type: [CToken], declarators: [CDeclarator])
    case ifStatement(condition: CExpression, then: CStatement, otherwise: CStatement?, keyword: CToken)
    case whileLoop(condition: CExpression, body: CStatement, keyword: CToken)
    case doWhile(body: CStatement, condition: CExpression, keyword: CToken)
    case forLoop(initial: CStatement?, condition: CExpression?, step: CExpression?, body: CStatement, keyword: CToken)
    case switchStatement(value: CExpression, body: CStatement, keyword: CToken)
    /// `case VALUE:` (`nil` for `default:`).
    case caseLabel(CExpression?, keyword: CToken)
    case breakStatement(CToken)
    case continueStatement(CToken)
    case returnStatement(CExpression?, keyword: CToken)
    case gotoStatement(label: CToken)
    /// `name:`
    case label(CToken)
    case empty(CToken)
    /// A statement the parser could not read, skipped to its `;` or closing brace.
    case unreadable(CToken, reason: String)

    /// The first token, where a diagnostic about the statement points.
    public var firstToken: CToken {
        switch self {
        case .block(_, let open): return open
        case .expression(let expression): return expression.firstToken
        case .declaration(let type, let declarators): return type.first ?? declarators[0].name
        case .ifStatement(_, _, _, let keyword), .whileLoop(_, _, let keyword), .doWhile(_, _, let keyword),
             .forLoop(_, _, _, _, let keyword), .switchStatement(_, _, let keyword), .caseLabel(_, let keyword),
             .returnStatement(_, let keyword):
            return keyword
        case .breakStatement(let token), .continueStatement(let token), .gotoStatement(let token),
             .label(let token), .empty(let token), .unreadable(let token, _):
            return token
        }
    }

    /// The statements directly inside this one (a block's list, a branch).
    public var children: [CStatement] {
        switch self {
        case .block(let statements, _): return statements
        case .ifStatement(_, let then, let otherwise, _): return [then] + (otherwise.map { [$0] } ?? [])
        case .whileLoop(_, let body, _), .doWhile(let body, _, _), .switchStatement(_, let body, _): return [body]
        case .forLoop(let initial, _, _, let body, _): return (initial.map { [$0] } ?? []) + [body]
        default: return []
        }
    }

    /// The expressions this statement evaluates itself (not its children's).
    public var expressions: [CExpression] {
        switch self {
        case .expression(let expression): return [expression]
        case .declaration(_, let declarators): return declarators.compactMap(\.value)
        case .ifStatement(let condition, _, _, _), .whileLoop(let condition, _, _), .doWhile(_, let condition, _),
             .switchStatement(let condition, _, _):
            return [condition]
        case .forLoop(_, let condition, let step, _, _): return [condition, step].compactMap { $0 }
        case .caseLabel(let value, _), .returnStatement(let value, _): return value.map { [$0] } ?? []
        default: return []
        }
    }

    /// Calls `visit` on this statement and every statement inside it, in
    /// source order. Iterative, so input depth cannot exhaust the stack.
    public func forEach(_ visit: (CStatement) -> Void) {
        var work: [CStatement] = [self]
        while let statement = work.popLast() {
            visit(statement)
            work += statement.children.reversed()
        }
    }
}

/// One declared name in a declaration: `ret`, `*migf = NULL`, `table[8][8] = { ... }`.
public struct CDeclarator: Sendable {
    public var name: CToken
    /// Whether the declarator has `*` or array dimensions.
    public var isPointer: Bool
    public var isArray: Bool
    public var value: CExpression?
}
