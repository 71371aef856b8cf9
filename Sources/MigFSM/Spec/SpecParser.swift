/// Reads spec text into a `SpecSyntax`, one statement per line.
///
/// Every line with an error yields one diagnostic at the offending token and
/// parsing goes on with the next line, so one run reports all the errors of a
/// file, in file order.
public enum SpecParser {
    /// The statement keywords, for "did you mean" suggestions.
    public static let keywords = [
        "protocol", "feature", "state", "group", "blocked", "path", "invariant",
        "p2p-initiator", "frozen", "extends", "drop",
    ] + NamingKey.allCases.map(\.rawValue)

    public static func parse(_ source: SourceText) -> (SpecSyntax, [Diagnostic]) {
        var lines: [SpecLine] = []
        var diagnostics: [Diagnostic] = []
        var broken: Set<String> = []
        var extendsIsBroken = false
        var brokenKeywords: Set<String> = []
        var brokenLines: [Int] = []
        lines.reserveCapacity(source.lines.count)
        for number in 1...max(1, source.lines.count) where number <= source.lines.count {
            let range = source.lines[number - 1]
            let endColumn = range.count + 1
            if let extends = ExtendsLine.parse(source, line: number) {
                // A path is not a token: the line is read by hand.
                let location = SourceLocation(file: source.path, line: number, column: extends.keywordColumn)
                if let error = extends.error {
                    diagnostics.append(error)
                    extendsIsBroken = true
                }
                lines.append(SpecLine(
                    line: number, statement: extends.path.map(Statement.extends), location: location,
                    comment: extends.comment))
                continue
            }
            let lexed = Lexer.lex(source, line: number)
            var cursor = LineCursor(
                tokens: lexed.tokens, file: source.path, line: number, endColumn: endColumn)
            let location = cursor.here
            if let lexical = lexed.error {
                diagnostics.append(lexical)
                brokenLines.append(number)
                recordBroken(lexed.tokens, names: &broken, keywords: &brokenKeywords)
                lines.append(SpecLine(line: number, statement: nil, location: location, comment: lexed.comment))
                continue
            }
            var statement: Statement?
            if !lexed.tokens.isEmpty {
                do {
                    statement = try parseStatement(&cursor)
                    try cursor.expectEnd()
                } catch {
                    diagnostics.append(error)
                    brokenLines.append(number)
                    statement = nil
                    recordBroken(lexed.tokens, names: &broken, keywords: &brokenKeywords)
                }
            }
            lines.append(SpecLine(line: number, statement: statement, location: location, comment: lexed.comment))
        }
        var syntax = SpecSyntax(path: source.path, lines: lines)
        syntax.brokenDeclarations = broken
        syntax.extendsIsBroken = extendsIsBroken
        syntax.brokenStatementKeywords = brokenKeywords
        syntax.brokenLines = brokenLines
        return (syntax, diagnostics)
    }

    /// What a line that failed to parse meant to declare, so that it is not
    /// reported again where used: its first word (the statement), and its
    /// second word, the name of a declaration (`stat STOP = 1`, `state STOP
    /// = one`), unless the line is an arc.
    static func recordBroken(_ tokens: [Token], names: inout Set<String>, keywords: inout Set<String>) {
        guard let first = tokens.first, first.kind == .word else { return }
        if tokens.dropFirst().prefix(2).contains(where: { $0.kind == .arrow }) { return }
        keywords.insert(first.text)
        if tokens.count > 1, tokens[1].kind == .word {
            names.insert(tokens[1].text)
        }
    }

    static func parseStatement(_ cursor: inout LineCursor) throws(Diagnostic) -> Statement {
        guard let first = cursor.peek, first.kind == .word else {
            throw cursor.expected("a statement keyword or an arc 'A -> B'")
        }
        if cursor.tokens.count > cursor.index + 1, cursor.tokens[cursor.index + 1].kind == .arrow {
            var syntax = try arc(&cursor)
            syntax.gate = try gate(&cursor, keyword: "needs")
            return .arc(syntax)
        }
        let keyword = cursor.advance()
        switch keyword.text {
        case "protocol":
            return .protocolName(try cursor.name("a protocol name"))
        case "feature":
            return .feature(try feature(&cursor))
        case "state":
            return .state(try state(&cursor))
        case "group":
            let name = try cursor.name("a group name")
            try cursor.expect(.equals, "'=' after the group name")
            let members = try cursor.names("a state name", separatedBy: .comma)
            try expectListEnd(&cursor, after: members, separator: ",")
            return .group(name: name, members: members)
        case "blocked":
            var syntax = try arc(&cursor)
            syntax.gate = try gate(&cursor, keyword: "unless")
            return .blocked(syntax)
        case "drop":
            let droppable = cursor.peek.map { next in
                next.kind == .word
                    && ((cursor.tokens.count > cursor.index + 1 && cursor.tokens[cursor.index + 1].kind == .arrow)
                        || ["blocked", "path", "invariant"].contains(next.text))
            } ?? false
            guard droppable else {
                throw cursor.expected("an arc, 'blocked', 'path' or 'invariant' after 'drop' (only those can be dropped)")
            }
            return .drop(try parseStatement(&cursor))
        case "path":
            return .pathRule(try pathRule(&cursor))
        case "invariant":
            return .invariant(try invariant(&cursor))
        case "p2p-initiator":
            let states = try cursor.names("a state name", separatedBy: .comma)
            try expectListEnd(&cursor, after: states, separator: ",")
            return .p2pInitiator(states)
        case "frozen":
            var members: [FrozenSyntax] = []
            repeat {
                let state = try cursor.name("a state name")
                members.append(FrozenSyntax(state: state, afterWrite: cursor.take(keyword: "after-write")))
            } while cursor.take(.comma)
            return .frozen(members)
        default:
            if let key = NamingKey(rawValue: keyword.text) {
                return .naming(key, try cursor.name("a C or Swift identifier"))
            }
            var message = "unknown keyword '\(keyword.text)'"
            if let suggestion = Suggestion.closest(to: keyword.text, among: keywords) {
                message += "; did you mean '\(suggestion)'?"
            } else {
                message += "; expected a statement keyword or an arc 'A -> B'"
            }
            throw Diagnostic.error(at: keyword.location(in: cursor.file), message)
        }
    }

    /// After a list of names separated by `separator`, a further name means
    /// a separator is missing: `group saving = A B`.
    static func expectListEnd(_ cursor: inout LineCursor, after names: [Name], separator: String) throws(Diagnostic) {
        guard let next = cursor.peek, next.kind == .word, let last = names.last else { return }
        throw cursor.error("missing '\(separator)' between '\(last.text)' and \(next.quoted)")
    }

    static func arc(_ cursor: inout LineCursor) throws(Diagnostic) -> ArcSyntax {
        let from = try cursor.name("a state name")
        try cursor.expect(.arrow, "'->'")
        let to = try cursor.name("a state name")
        if cursor.peek?.kind == .arrow {
            throw cursor.error("an arc joins exactly two states; write each arc on its own line")
        }
        return ArcSyntax(from: from, to: to)
    }

    /// `needs F | G` after an arc, `unless F | G` after a blocked or refused
    /// request: the features that enable it; empty when absent.
    static func gate(_ cursor: inout LineCursor, keyword: String) throws(Diagnostic) -> [Name] {
        guard cursor.take(keyword: keyword) else { return [] }
        return try cursor.names("a feature name", separatedBy: .bar)
    }

    static func feature(_ cursor: inout LineCursor) throws(Diagnostic) -> FeatureSyntax {
        let name = try cursor.name("a feature name")
        try cursor.expect(.equals, "'=' after the feature name")
        let value = try cursor.number("a flag value such as '1 << 0'")
        var syntax = FeatureSyntax(name: name, value: value, mandatory: false, needs: [])
        var seen: Set<String> = []
        while let token = cursor.peek {
            guard token.kind == .word, seen.insert(token.text).inserted else {
                throw cursor.expected("'mandatory' or 'needs'")
            }
            switch token.text {
            case "mandatory":
                _ = cursor.advance()
                syntax.mandatory = true
            case "needs":
                _ = cursor.advance()
                syntax.needs = try cursor.names("a feature name", separatedBy: .bar)
            default:
                throw cursor.expected("'mandatory' or 'needs'")
            }
        }
        return syntax
    }

    static func state(_ cursor: inout LineCursor) throws(Diagnostic) -> StateSyntax {
        let name = try cursor.name("a state name")
        try cursor.expect(.equals, "'=' after the state name")
        let value = try cursor.number("the state's uAPI value")
        var syntax = StateSyntax(
            name: name, value: value, needs: [], isError: false, isReset: false, session: nil)
        var seen: Set<String> = []
        let attributes = "'needs', 'error', 'reset' or 'session'"
        while let token = cursor.peek {
            guard token.kind == .word, seen.insert(token.text).inserted else {
                throw cursor.expected(attributes)
            }
            switch token.text {
            case "needs":
                _ = cursor.advance()
                syntax.needs = try cursor.names("a feature name", separatedBy: .bar)
            case "error":
                _ = cursor.advance()
                syntax.isError = true
            case "reset":
                _ = cursor.advance()
                syntax.isReset = true
            case "session":
                _ = cursor.advance()
                syntax.session = try cursor.name("a session kind ('saving' or 'resuming')")
            default:
                throw cursor.expected(attributes)
            }
        }
        return syntax
    }

    static func pathRule(_ cursor: inout LineCursor) throws(Diagnostic) -> PathRuleSyntax {
        let kind = try cursor.name("'shortest', 'group-interior' or 'tie-break'")
        switch kind.text {
        case "shortest":
            return .shortest
        case "group-interior":
            let group = try cursor.name("a group name")
            let reading = try cursor.name("'contained' or 'literal'")
            return .groupInterior(group: group, reading: reading)
        case "tie-break":
            return .tieBreak(try cursor.name("'lowest-value'"))
        default:
            throw Diagnostic.error(
                at: kind.location,
                "unknown path rule '\(kind.text)'; expected 'shortest', 'group-interior' or 'tie-break'")
        }
    }

    static let invariantKinds = ["no-interior", "refused", "sink", "reachable", "path"]

    static func invariant(_ cursor: inout LineCursor) throws(Diagnostic) -> InvariantSyntax {
        let kind = try cursor.name("an invariant name")
        switch kind.text {
        case "no-interior":
            return .noInterior(group: try cursor.name("a group name"))
        case "refused":
            var syntax = try arc(&cursor)
            syntax.gate = try gate(&cursor, keyword: "unless")
            return .refused(syntax)
        case "sink":
            return .sink(try cursor.name("a state name"))
        case "reachable":
            return .reachable
        case "path":
            let states = try cursor.names("a state name", separatedBy: .arrow)
            guard states.count >= 2 else { throw cursor.expected("'->'") }
            var features: [Name]?
            if cursor.take(keyword: "with") {
                features = try cursor.names("a feature name", separatedBy: .bar)
            }
            return .path(states: states, features: features)
        default:
            var message = "unknown invariant '\(kind.text)'"
            if let suggestion = Suggestion.closest(to: kind.text, among: invariantKinds) {
                message += "; did you mean '\(suggestion)'?"
            } else {
                message += "; known invariants: " + invariantKinds.joined(separator: ", ")
            }
            throw Diagnostic.error(at: kind.location, message)
        }
    }
}
