/// A cursor over C tokens for the import readers: peeks, consumes, and
/// turns every mismatch into a diagnostic at the offending token, or at the
/// end of the code ("found end of file").
public struct CTokenStream {
    public let tokens: [CToken]
    public let source: CSource
    public var index: Int

    public init(tokens: [CToken], source: CSource, index: Int = 0) {
        self.tokens = tokens
        self.source = source
        self.index = index
    }

    public var atEnd: Bool { index >= tokens.count }
    public var peek: CToken? { index < tokens.count ? tokens[index] : nil }

    /// Where the next token is, or the end of the code.
    public var here: SourceLocation {
        peek?.location(in: source.path) ?? source.endLocation
    }

    public func location(_ token: CToken) -> SourceLocation {
        token.location(in: source.path)
    }

    /// "expected ']', found '='" or "expected ']', found end of file".
    public func expected(_ what: String) -> Diagnostic {
        .error(at: here, "expected \(what), found \(peek?.quoted ?? "end of file")")
    }

    public mutating func take(_ punctuator: String) -> Bool {
        guard let token = peek, token.isPunctuator(punctuator) else { return false }
        index += 1
        return true
    }

    public mutating func expect(_ punctuator: String, _ what: String? = nil) throws(Diagnostic) {
        guard take(punctuator) else { throw expected(what ?? "'\(punctuator)'") }
    }

    /// The index just past the bracket that closes the one at `open`, or
    /// `tokens.count` when it is never closed. Linear in the distance.
    public func indexPastClosing(from open: Int) -> Int {
        let opener = tokens[open].text
        let closer = opener == "{" ? "}" : opener == "[" ? "]" : ")"
        var depth = 0
        var position = open
        while position < tokens.count {
            let token = tokens[position]
            if token.kind == .punctuator {
                if token.text == opener { depth += 1 } else if token.text == closer {
                    depth -= 1
                    if depth == 0 { return position + 1 }
                }
            }
            position += 1
        }
        return tokens.count
    }
}
