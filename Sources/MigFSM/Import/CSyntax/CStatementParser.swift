/// Reads a C function body into statements. A statement it cannot read
/// becomes `.unreadable` with the reason, and reading resumes at the next
/// `;` or after the next balanced `{ ... }` of the same block: one odd
/// macro does not lose the rest of the function.
///
/// Iteration macros (`list_for_each_entry(pos, head, member) { ... }`,
/// `scoped_guard(mutex, &lock) { ... }`) read as loops whose condition is
/// the macro call. Nesting deeper than `maximumDepth` is unreadable, never
/// a stack overflow.
public struct CStatementParser {
    public var expressions: CExpressionParser
    var depth = 0

    public static let maximumDepth = 96

    public init(_ stream: CTokenStream) {
        expressions = CExpressionParser(stream)
    }

    var stream: CTokenStream {
        get { expressions.stream }
        set { expressions.stream = newValue }
    }

    /// Reads the block whose `{` is at `open` (a function body).
    public static func body(tokens: [CToken], source: CSource, open: Int) -> CStatement {
        var parser = CStatementParser(CTokenStream(tokens: tokens, source: source, index: open))
        return parser.statement()
    }

    /// One statement at the current position; never throws, always moves on.
    public mutating func statement() -> CStatement {
        let start = stream.index
        guard let first = stream.peek else {
            return .unreadable(stream.tokens.last ?? CToken(kind: .punctuator, text: "", line: 1, column: 1),
                               reason: "the code ends inside the function")
        }
        depth += 1
        defer { depth -= 1 }
        if depth > Self.maximumDepth {
            skipStatement(from: start)
            return .unreadable(first, reason: "statements nested more than \(Self.maximumDepth) deep")
        }
        do throws(Diagnostic) {
            return try parse(first)
        } catch {
            stream.index = start
            skipStatement(from: start)
            return .unreadable(first, reason: error.message)
        }
    }

    mutating func parse(_ first: CToken) throws(Diagnostic) -> CStatement {
        if first.isPunctuator("{") { return block() }
        if first.isPunctuator(";") {
            stream.index += 1
            return .empty(first)
        }
        if first.kind == .identifier {
            switch first.text {
            case "if":
                stream.index += 1
                let condition = try parenthesized()
                let then = statement()
                var otherwise: CStatement?
                if stream.peek?.kind == .identifier, stream.peek?.text == "else" {
                    stream.index += 1
                    otherwise = statement()
                }
                return .ifStatement(condition: condition, then: then, otherwise: otherwise, keyword: first)
            case "while":
                stream.index += 1
                let condition = try parenthesized()
                return .whileLoop(condition: condition, body: statement(), keyword: first)
            case "do":
                stream.index += 1
                let body = statement()
                guard stream.peek?.text == "while" else { throw stream.expected("'while' after the body of 'do'") }
                stream.index += 1
                let condition = try parenthesized()
                try stream.expect(";")
                return .doWhile(body: body, condition: condition, keyword: first)
            case "for":
                stream.index += 1
                try stream.expect("(", "'(' after 'for'")
                var initial: CStatement?
                if !stream.take(";") {
                    if looksLikeDeclaration() {
                        initial = try declaration()
                    } else {
                        initial = .expression(try expressions.expression())
                        try stream.expect(";")
                    }
                }
                let condition = stream.peek?.isPunctuator(";") == true ? nil : try expressions.expression()
                try stream.expect(";")
                let step = stream.peek?.isPunctuator(")") == true ? nil : try expressions.expression()
                try stream.expect(")")
                return .forLoop(initial: initial, condition: condition, step: step, body: statement(), keyword: first)
            case "switch":
                stream.index += 1
                let value = try parenthesized()
                return .switchStatement(value: value, body: statement(), keyword: first)
            case "case":
                stream.index += 1
                let value = try expressions.expression()
                if stream.peek?.isPunctuator("...") == true {
                    throw Diagnostic.error(at: stream.here, "case ranges ('case A ... B:') are not read")
                }
                try stream.expect(":", "':' after the case value")
                return .caseLabel(value, keyword: first)
            case "default":
                stream.index += 1
                try stream.expect(":", "':' after 'default'")
                return .caseLabel(nil, keyword: first)
            case "break":
                stream.index += 1
                try stream.expect(";")
                return .breakStatement(first)
            case "continue":
                stream.index += 1
                try stream.expect(";")
                return .continueStatement(first)
            case "return":
                stream.index += 1
                if stream.take(";") { return .returnStatement(nil, keyword: first) }
                let value = try expressions.expression()
                try stream.expect(";", "';' after the return value")
                return .returnStatement(value, keyword: first)
            case "goto":
                stream.index += 1
                guard let label = stream.peek, label.kind == .identifier else { throw stream.expected("a label after 'goto'") }
                stream.index += 1
                try stream.expect(";")
                return .gotoStatement(label: label)
            default:
                if stream.index + 1 < stream.tokens.count, stream.tokens[stream.index + 1].isPunctuator(":") {
                    stream.index += 2
                    return .label(first)
                }
            }
            if looksLikeDeclaration() { return try declaration() }
        }
        let expression = try expressions.expression()
        if stream.take(";") { return .expression(expression) }
        // `list_for_each_entry(...) { ... }`: an iteration macro.
        if case .call = expression, let next = stream.peek, next.isPunctuator("{") || next.kind == .identifier {
            return .whileLoop(condition: expression, body: statement(), keyword: expression.firstToken)
        }
        throw stream.expected("';' after the expression")
    }

    mutating func block() -> CStatement {
        let open = stream.tokens[stream.index]
        stream.index += 1
        var statements: [CStatement] = []
        while let token = stream.peek, !token.isPunctuator("}") {
            let before = stream.index
            statements.append(statement())
            if stream.index == before { stream.index += 1 }
        }
        if stream.peek != nil {
            stream.index += 1
        } else {
            statements.append(.unreadable(open, reason: "'{' is never closed"))
        }
        return .block(statements, open: open)
    }

    mutating func parenthesized() throws(Diagnostic) -> CExpression {
        try stream.expect("(")
        let value = try expressions.expression()
        try stream.expect(")", "')' to close the condition")
        return value
    }

    /// Declarations start with a type word, or read `Name name`, or
    /// `Name *name` followed by `=`, `;`, `,` or `[`.
    func looksLikeDeclaration() -> Bool {
        let tokens = stream.tokens
        let index = stream.index
        guard index < tokens.count, tokens[index].kind == .identifier else { return false }
        if CExpressionParser.isTypeName(tokens[index]) && tokens[index].text != "typeof" { return true }
        var next = index + 1
        var stars = 0
        while next < tokens.count, tokens[next].isPunctuator("*") {
            stars += 1
            next += 1
        }
        guard next < tokens.count, tokens[next].kind == .identifier else { return false }
        if stars == 0 { return true }
        guard next + 1 < tokens.count else { return false }
        return ["=", ";", ",", "["].contains { tokens[next + 1].isPunctuator($0) }
    }

    /// `const struct foo *a = x, b;` up to and including the `;`.
    mutating func declaration() throws(Diagnostic) -> CStatement {
        var type: [CToken] = []
        var sawBase = false
        // Specifiers and the base type.
        while let token = stream.peek, token.kind == .identifier {
            if ["struct", "union", "enum"].contains(token.text) {
                type.append(token)
                stream.index += 1
                if let tag = stream.peek, tag.kind == .identifier {
                    type.append(tag)
                    stream.index += 1
                }
                if stream.peek?.isPunctuator("{") == true {
                    stream.index = stream.indexPastClosing(from: stream.index)
                }
                sawBase = true
                continue
            }
            if token.text == "__attribute__" || token.text == "__aligned" {
                stream.index += 1
                if stream.peek?.isPunctuator("(") == true { stream.index = stream.indexPastClosing(from: stream.index) }
                continue
            }
            if CExpressionParser.isTypeName(token) {
                type.append(token)
                stream.index += 1
                if !["const", "volatile", "static", "register", "extern", "inline", "__iomem", "__user", "__force"].contains(token.text) {
                    sawBase = true
                }
                continue
            }
            if !sawBase {
                // A typedef name such as `spinlock_t`'s kin without `_t`.
                type.append(token)
                stream.index += 1
                sawBase = true
                continue
            }
            break
        }
        var declarators: [CDeclarator] = []
        if stream.take(";") {
            // `enum { A = 1 };` or `struct foo;`: declares no variable.
            guard let first = type.first else { throw stream.expected("a declaration") }
            return .declaration(type: type, declarators: [CDeclarator(name: first, isPointer: false, isArray: false, value: nil)])
        }
        repeat {
            var isPointer = false
            while let token = stream.peek, token.isPunctuator("*") || ["const", "volatile", "__iomem", "__user"].contains(token.text) {
                if token.isPunctuator("*") { isPointer = true }
                stream.index += 1
            }
            guard let name = stream.peek, name.kind == .identifier else { throw stream.expected("a declared name") }
            stream.index += 1
            var isArray = false
            while stream.peek?.isPunctuator("[") == true {
                isArray = true
                stream.index = stream.indexPastClosing(from: stream.index)
            }
            while let token = stream.peek, token.text == "__attribute__" || token.text == "__maybe_unused" {
                stream.index += 1
                if stream.peek?.isPunctuator("(") == true { stream.index = stream.indexPastClosing(from: stream.index) }
            }
            var value: CExpression?
            if stream.take("=") {
                if let open = stream.peek, open.isPunctuator("{") {
                    stream.index = stream.indexPastClosing(from: stream.index)
                    value = .opaque(open)
                } else {
                    value = try expressions.assignment()
                }
            }
            declarators.append(CDeclarator(name: name, isPointer: isPointer, isArray: isArray, value: value))
        } while stream.take(",")
        try stream.expect(";", "';' after the declaration")
        return .declaration(type: type, declarators: declarators)
    }

    /// Moves past the statement that failed to read: to just after the next
    /// `;` at this level, or past a balanced `{ ... }`, never past the `}`
    /// that closes the enclosing block.
    mutating func skipStatement(from start: Int) {
        stream.index = start
        while let token = stream.peek {
            if token.isPunctuator(";") {
                stream.index += 1
                return
            }
            if token.isPunctuator("}") { return }
            if token.isPunctuator("{") || token.isPunctuator("(") || token.isPunctuator("[") {
                let past = stream.indexPastClosing(from: stream.index)
                stream.index = past
                if token.isPunctuator("{") { return }
                continue
            }
            stream.index += 1
        }
    }
}
