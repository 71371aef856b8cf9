/// An array declared with an initializer in C code:
/// `static const u8 NAME[N][N] = { ... };`, found by `CArrayDeclaration.all`
/// in one linear pass (an array inside an initializer is not searched again).
public struct CArrayDeclaration: Sendable {
    public var name: CToken
    /// The token ranges between each `[` and `]` (empty for `[]`).
    public var dimensions: [Range<Int>]
    /// The index of the initializer's `{`.
    public var open: Int
    /// Just past the initializer's closing `}` (the token count if unclosed).
    public var end: Int
    /// Whether the initializer names a state enumerator / a feature flag / uses `~`.
    public var mentionsStates: Bool
    public var mentionsFlags: Bool

    public static func all(_ tokens: [CToken], source: CSource, naming: Naming) -> [CArrayDeclaration] {
        var found: [CArrayDeclaration] = []
        var index = 0
        let stream = CTokenStream(tokens: tokens, source: source)
        while index + 1 < tokens.count {
            guard tokens[index].kind == .identifier, tokens[index + 1].isPunctuator("[") else {
                index += 1
                continue
            }
            var dimensions: [Range<Int>] = []
            var position = index + 1
            while position < tokens.count, tokens[position].isPunctuator("[") {
                let past = stream.indexPastClosing(from: position)
                // An unclosed `[` (at the end of the file) is no dimension.
                guard tokens[past - 1].isPunctuator("]"), past - position < 256 else { break }
                dimensions.append((position + 1)..<(past - 1))
                position = past
            }
            guard !dimensions.isEmpty, position + 1 < tokens.count,
                  tokens[position].isPunctuator("="), tokens[position + 1].isPunctuator("{") else {
                index += 1
                continue
            }
            let open = position + 1
            let end = stream.indexPastClosing(from: open)
            var mentionsStates = false
            var mentionsFlags = false
            for token in tokens[open..<end] where token.kind == .identifier {
                if token.text.hasPrefix(naming.cStatePrefix) { mentionsStates = true }
                if token.text.hasPrefix(naming.cFlagPrefix) { mentionsFlags = true }
            }
            found.append(CArrayDeclaration(
                name: tokens[index], dimensions: dimensions, open: open, end: end,
                mentionsStates: mentionsStates, mentionsFlags: mentionsFlags))
            index = end
        }
        return found
    }
}
