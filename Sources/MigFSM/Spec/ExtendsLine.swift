/// The one spec line that is not tokens: `extends ../vfio-v2.fsm`, whose
/// argument is a file path (dots and slashes are no token). Read by hand:
/// the keyword at the start of the line, one path without spaces, then at
/// most a `#` comment.
///
///     extends ../vfio-v2.fsm   # the spec this proposal amends
struct ExtendsLine {
    /// Column of the `extends` keyword.
    var keywordColumn: Int
    /// The path as written, located at its first byte; `nil` when missing.
    var path: Name?
    /// The text after `#`, without the `#`.
    var comment: String?
    /// What is wrong with the line, if anything.
    var error: Diagnostic?

    /// The longest path accepted.
    static let maximumPathLength = 4096

    /// The line read as an `extends` statement, or `nil` when it does not
    /// start with the `extends` keyword.
    static func parse(_ source: SourceText, line number: Int) -> ExtendsLine? {
        let range = source.lines[number - 1]
        let bytes = source.bytes
        let keyword = Array("extends".utf8)
        func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == 0x0D }
        var index = range.lowerBound
        while index < range.upperBound, isBlank(bytes[index]) { index += 1 }
        guard range.upperBound - index >= keyword.count,
              bytes[index..<(index + keyword.count)].elementsEqual(keyword) else { return nil }
        let afterKeyword = index + keyword.count
        guard afterKeyword == range.upperBound || isBlank(bytes[afterKeyword])
                || bytes[afterKeyword] == UInt8(ascii: "#") else { return nil }
        func column(_ position: Int) -> Int { position - range.lowerBound + 1 }
        func location(_ position: Int) -> SourceLocation {
            SourceLocation(file: source.path, line: number, column: column(position))
        }
        var result = ExtendsLine(keywordColumn: column(index))
        index = afterKeyword
        while index < range.upperBound, isBlank(bytes[index]) { index += 1 }
        // `extends -> STOP` is an arc from a state named `extends`.
        if range.upperBound - index >= 2, bytes[index] == UInt8(ascii: "-"), bytes[index + 1] == UInt8(ascii: ">") {
            return nil
        }
        let pathStart = index
        while index < range.upperBound, !isBlank(bytes[index]), bytes[index] != UInt8(ascii: "#") { index += 1 }
        let pathEnd = index
        while index < range.upperBound, isBlank(bytes[index]) { index += 1 }
        if index < range.upperBound, bytes[index] == UInt8(ascii: "#") {
            var text = Substring(decoding: bytes[(index + 1)..<range.upperBound], as: UTF8.self)
            while text.last == " " || text.last == "\t" || text.last == "\r" { text = text.dropLast() }
            result.comment = String(text)
        } else if index < range.upperBound {
            result.error = .error(at: location(index),
                "unexpected text after the path; 'extends' takes one path without spaces")
            return result
        }
        if pathStart == pathEnd {
            result.error = .error(at: location(pathStart), "expected the path of the spec it extends")
        } else if pathEnd - pathStart > maximumPathLength {
            result.error = .error(at: location(pathStart),
                "path is \(pathEnd - pathStart) bytes long; at most \(maximumPathLength) are allowed")
        } else {
            result.path = Name(String(decoding: bytes[pathStart..<pathEnd], as: UTF8.self), at: location(pathStart))
        }
        return result
    }
}
