/// Reads C expressions from tokens by precedence climbing:
///
///     (cur == VFIO_DEVICE_STATE_RUNNING_P2P && (new == VFIO_DEVICE_STATE_RUNNING || new == VFIO_DEVICE_STATE_STOP))
///
/// Casts are told from parenthesized expressions by the tokens inside
/// (`(void *)`, `(u64)`, `(struct foo *)`); `sizeof`, `({ ... })` and
/// braced initializers are skipped whole. Nesting deeper than
/// `maximumDepth` is an error, never a stack overflow.
public struct CExpressionParser {
    public var stream: CTokenStream
    var depth = 0

    public static let maximumDepth = 128
    /// The most operands of one operator chain (`a || b || ...`), calls and
    /// members of one postfix chain (`a.b->c(...)`), or commas: the trees
    /// they make are as deep as they are long.
    public static let maximumChain = 64

    public init(_ stream: CTokenStream) {
        self.stream = stream
    }

    /// Binary operators from loosest to tightest.
    static let levels: [Set<String>] = [
        ["||"], ["&&"], ["|"], ["^"], ["&"], ["==", "!="], ["<", ">", "<=", ">="], ["<<", ">>"], ["+", "-"], ["*", "/", "%"],
    ]
    static let assignmentOperators: Set<String> = ["=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>="]
    static let prefixOperators: Set<String> = ["-", "+", "~", "!", "*", "&", "++", "--"]

    /// Words that begin a type name: C's own, the kernel's fixed-width
    /// types, and (by `isTypeName`) any identifier ending in `_t`.
    static let typeWords: Set<String> = [
        "void", "char", "short", "int", "long", "float", "double", "signed", "unsigned", "bool", "_Bool",
        "const", "volatile", "struct", "union", "enum", "static", "register", "extern", "inline", "restrict",
        "u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64", "__u8", "__u16", "__u32", "__u64",
        "__s8", "__s16", "__s32", "__s64", "__le16", "__le32", "__le64", "__be16", "__be32", "__be64",
        "typeof", "__typeof__", "__iomem", "__user", "__force",
    ]

    static func isTypeName(_ token: CToken) -> Bool {
        token.kind == .identifier && (typeWords.contains(token.text) || token.text.hasSuffix("_t"))
    }

    mutating func enter() throws(Diagnostic) {
        depth += 1
        if depth > Self.maximumDepth {
            throw .error(at: stream.here, "expression nested more than \(Self.maximumDepth) deep")
        }
    }

    /// A full expression, commas included.
    public mutating func expression() throws(Diagnostic) -> CExpression {
        var left = try assignment()
        var length = 1
        while stream.peek?.isPunctuator(",") == true {
            stream.index += 1
            length += 1
            try bound(length)
            left = .comma(left: left, right: try assignment())
        }
        return left
    }

    /// An assignment expression (what a call argument or initializer is).
    public mutating func assignment() throws(Diagnostic) -> CExpression {
        try enter()
        defer { depth -= 1 }
        let target = try conditional()
        if let op = stream.peek, op.kind == .punctuator, Self.assignmentOperators.contains(op.text) {
            stream.index += 1
            return .assignment(op: op, target: target, value: try assignment())
        }
        return target
    }

    mutating func conditional() throws(Diagnostic) -> CExpression {
        let condition = try binary(0)
        guard stream.take("?") else { return condition }
        try enter()
        defer { depth -= 1 }
        // GNU `a ?: b` keeps the condition as the value.
        let then = stream.peek?.isPunctuator(":") == true ? condition : try expression()
        try stream.expect(":", "':' of the conditional expression")
        return .conditional(condition: condition, then: then, otherwise: try conditional())
    }

    mutating func binary(_ level: Int) throws(Diagnostic) -> CExpression {
        if level == Self.levels.count { return try unary() }
        var left = try binary(level + 1)
        var length = 1
        while let op = stream.peek, op.kind == .punctuator, Self.levels[level].contains(op.text) {
            stream.index += 1
            length += 1
            try bound(length)
            left = .binary(op: op, left: left, right: try binary(level + 1))
        }
        return left
    }

    mutating func unary() throws(Diagnostic) -> CExpression {
        try enter()
        defer { depth -= 1 }
        guard let token = stream.peek else { throw stream.expected("an expression") }
        if token.kind == .punctuator, Self.prefixOperators.contains(token.text) {
            stream.index += 1
            return .unary(op: token, operand: try unary())
        }
        if token.kind == .identifier, token.text == "sizeof" || token.text == "_Alignof" || token.text == "__alignof__" {
            stream.index += 1
            if stream.peek?.isPunctuator("(") == true {
                stream.index = stream.indexPastClosing(from: stream.index)
            } else {
                _ = try unary()
            }
            return .opaque(token)
        }
        if token.isPunctuator("("), let typeEnd = castEnd(at: stream.index) {
            let type = Array(stream.tokens[(stream.index + 1)..<typeEnd])
            stream.index = typeEnd + 1
            if stream.peek?.isPunctuator("{") == true {
                let open = stream.tokens[stream.index]
                stream.index = stream.indexPastClosing(from: stream.index)
                return .cast(type: type, operand: .opaque(open), open: token)
            }
            return .cast(type: type, operand: try unary(), open: token)
        }
        return try postfix()
    }

    /// If the `(` at `open` starts a cast, the index of its `)`.
    func castEnd(at open: Int) -> Int? {
        let tokens = stream.tokens
        var index = open + 1
        var sawType = false
        var sawStar = false
        var identifiers = 0
        while index < tokens.count, !tokens[index].isPunctuator(")") {
            let token = tokens[index]
            if token.kind == .identifier {
                if Self.isTypeName(token) { sawType = true }
                identifiers += 1
            } else if token.isPunctuator("*") {
                sawStar = true
            } else {
                return nil
            }
            index += 1
            if index - open > 16 { return nil }
        }
        guard index < tokens.count, identifiers > 0 else { return nil }
        // `(ret)` is a parenthesized name, `(u64)` and `(struct foo *)` are types.
        guard sawType || (sawStar && index + 1 < tokens.count && tokens[index - 1].isPunctuator("*")) else { return nil }
        guard index + 1 < tokens.count else { return nil }
        let next = tokens[index + 1]
        switch next.kind {
        case .identifier, .number, .literal: return index
        case .punctuator:
            return ["(", "{", "~", "!", "-", "+", "*", "&", "++", "--"].contains(next.text) ? index : nil
        }
    }

    func bound(_ length: Int) throws(Diagnostic) {
        if length > Self.maximumChain {
            throw .error(at: stream.here, "expression chains more than \(Self.maximumChain) operands")
        }
    }

    mutating func postfix() throws(Diagnostic) -> CExpression {
        var value = try primary()
        var length = 1
        while let token = stream.peek, token.kind == .punctuator {
            length += 1
            if ["(", "[", ".", "->", "++", "--"].contains(token.text) { try bound(length) }
            switch token.text {
            case "(":
                stream.index += 1
                var arguments: [CExpression] = []
                if !stream.take(")") {
                    repeat {
                        arguments.append(try argument())
                    } while stream.take(",")
                    try stream.expect(")", "')' to close the call of '\(value.spelling.prefix(40))'")
                }
                value = .call(callee: value, arguments: arguments, open: token)
            case "[":
                stream.index += 1
                let index = try expression()
                try stream.expect("]")
                value = .index(base: value, index: index, open: token)
            case ".", "->":
                stream.index += 1
                guard let name = stream.peek, name.kind == .identifier else { throw stream.expected("a member name") }
                stream.index += 1
                value = .member(base: value, name: name, arrow: token.text == "->")
            case "++", "--":
                stream.index += 1
                value = .postfix(op: token, operand: value)
            default:
                return value
            }
        }
        return value
    }

    /// A call argument; a type name (`container_of(p, struct foo, member)`,
    /// `min_t(u32, a, b)`) is kept whole, as macros take them.
    mutating func argument() throws(Diagnostic) -> CExpression {
        guard let first = stream.peek, Self.isTypeName(first), first.text != "typeof" else { return try assignment() }
        // `u32` alone may also be a variable of that name in odd code: a
        // type only when followed by more type words, `*`, `,` or `)`.
        var index = stream.index
        while index < stream.tokens.count, !stream.tokens[index].isPunctuator(","), !stream.tokens[index].isPunctuator(")") {
            let token = stream.tokens[index]
            if token.isPunctuator("(") || token.isPunctuator("[") {
                index = stream.indexPastClosing(from: index)
                continue
            }
            guard token.kind == .identifier || token.isPunctuator("*") else { return try assignment() }
            index += 1
        }
        stream.index = index
        return .opaque(first)
    }

    mutating func primary() throws(Diagnostic) -> CExpression {
        guard let token = stream.peek else { throw stream.expected("an expression") }
        switch token.kind {
        case .identifier:
            stream.index += 1
            return .identifier(token)
        case .number(let value):
            stream.index += 1
            return .number(value, token)
        case .literal:
            stream.index += 1
            // Adjacent string literals (and macros between them, as in
            // "a" KBUILD_MODNAME "b") concatenate.
            while let next = stream.peek, next.kind == .literal { stream.index += 1 }
            return .literal(token)
        case .punctuator:
            if token.text == "(" {
                if stream.index + 1 < stream.tokens.count, stream.tokens[stream.index + 1].isPunctuator("{") {
                    // A GNU statement expression: kept whole.
                    stream.index = stream.indexPastClosing(from: stream.index)
                    return .opaque(token)
                }
                stream.index += 1
                let inner = try expression()
                try stream.expect(")", "')' to close '('")
                return .group(inner, open: token)
            }
            if token.text == "{" {
                stream.index = stream.indexPastClosing(from: stream.index)
                return .opaque(token)
            }
            throw stream.expected("an expression")
        }
    }
}
