/// One lexical token of a line-oriented input: `state STOP = 1 needs STOP_COPY`
/// is the tokens `state`, `STOP`, `=`, `1`, `needs`, `STOP_COPY`.
public struct Token: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        /// A name or keyword: letters, digits, `_`, and `-` inside a word.
        case word
        /// A decimal or `0x` hexadecimal number; `nil` when it overflows 64 bits.
        case number(UInt64?)
        /// `->`
        case arrow
        /// `=`
        case equals
        /// `|`
        case bar
        /// `,`
        case comma
        /// `<<`
        case shiftLeft
    }

    public var kind: Kind
    public var text: String
    /// 1-based line and column of the token's first byte.
    public var line: Int
    public var column: Int

    public func location(in file: String) -> SourceLocation {
        SourceLocation(file: file, line: line, column: column)
    }

    /// How the token reads in a message: `'STOP'`, `'->'`.
    public var quoted: String {
        "'\(text.count > 40 ? String(text.prefix(40)) + "..." : text)'"
    }
}
