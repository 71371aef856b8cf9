/// Walks the tokens of one line for a statement parser, turning every
/// mismatch into a diagnostic at the offending token (or the end of line).
///
/// Shared by the spec, driver and policy readers.
public struct LineCursor {
    public let tokens: [Token]
    public let file: String
    public let line: Int
    /// Column just past the last token, for "expected X at end of line".
    public let endColumn: Int
    public private(set) var index = 0

    public init(tokens: [Token], file: String, line: Int, endColumn: Int) {
        self.tokens = tokens
        self.file = file
        self.line = line
        self.endColumn = endColumn
    }

    public var atEnd: Bool { index >= tokens.count }
    public var peek: Token? { atEnd ? nil : tokens[index] }

    public var here: SourceLocation {
        peek?.location(in: file) ?? SourceLocation(file: file, line: line, column: endColumn)
    }

    public func error(_ message: String) -> Diagnostic {
        .error(at: here, message)
    }

    /// "expected a state name, found '='" or "... at end of line".
    ///
    /// When `what` lists quoted words (`'needs', 'error' or 'reset'`) and
    /// the token found is one of them given a second time, the message says
    /// so, with a note at the first; when it is a near miss of one, it
    /// suggests it (`'rest'`: did you mean 'reset'?).
    public func expected(_ what: String) -> Diagnostic {
        guard let token = peek else { return error("expected \(what) at end of line") }
        let alternatives = Self.quotedWords(in: what)
        if token.kind == .word, alternatives.contains(token.text),
           let first = tokens[..<index].last(where: { $0.kind == .word && $0.text == token.text }) {
            return Diagnostic.error(at: here, "\(token.quoted) is given twice",
                notes: [.init(first.location(in: file), "\(token.quoted) is first given here")])
        }
        var message = "expected \(what), found \(token.quoted)"
        if token.kind == .word, !alternatives.contains(token.text),
           let suggestion = Suggestion.closest(to: token.text, among: alternatives.filter { $0.first?.isLetter ?? false }) {
            message += "; did you mean '\(suggestion)'?"
        }
        return error(message)
    }

    /// The words in single quotes in an `expected` phrase.
    static func quotedWords(in phrase: String) -> [String] {
        phrase.split(separator: "'", omittingEmptySubsequences: false).enumerated()
            .filter { $0.offset % 2 == 1 }.map { String($0.element) }
    }

    public mutating func advance() -> Token {
        let token = tokens[index]
        index += 1
        return token
    }

    /// Consumes a word and returns it as a `Name`.
    public mutating func name(_ what: String) throws(Diagnostic) -> Name {
        guard let token = peek, token.kind == .word else { throw expected(what) }
        index += 1
        return Name(token.text, at: token.location(in: file))
    }

    /// Consumes the given keyword if it is next.
    public mutating func take(keyword: String) -> Bool {
        guard let token = peek, token.kind == .word, token.text == keyword else { return false }
        index += 1
        return true
    }

    /// Consumes a punctuation token of `kind` if it is next.
    public mutating func take(_ kind: Token.Kind) -> Bool {
        guard let token = peek, token.kind == kind else { return false }
        index += 1
        return true
    }

    public mutating func expect(_ kind: Token.Kind, _ what: String) throws(Diagnostic) {
        guard take(kind) else { throw expected(what) }
    }

    /// A number: `5`, `0x5`, or `1 << 2`.
    public mutating func number(_ what: String) throws(Diagnostic) -> NumberLiteral {
        guard let token = peek, case .number(let value) = token.kind else { throw expected(what) }
        index += 1
        let location = token.location(in: file)
        if take(.shiftLeft) {
            guard value == 1 else {
                throw Diagnostic.error(at: location, "only '1 << BIT' shifts are allowed")
            }
            guard let bitToken = peek, case .number(let bit) = bitToken.kind else {
                throw expected("a bit number after '<<'")
            }
            index += 1
            return NumberLiteral(form: .shift(bit), location: location, spelling: "1 << \(bitToken.text)")
        }
        return NumberLiteral(form: .plain(value), location: location, spelling: token.text)
    }

    /// Names separated by `separator`: `A | B | C`.
    public mutating func names(_ what: String, separatedBy separator: Token.Kind) throws(Diagnostic) -> [Name] {
        var names = [try name(what)]
        while take(separator) {
            names.append(try name(what))
        }
        return names
    }

    public func expectEnd() throws(Diagnostic) {
        if let token = peek {
            throw Diagnostic.error(
                at: token.location(in: file), "unexpected \(token.quoted) at end of statement")
        }
    }
}
