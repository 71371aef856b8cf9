/// One token of C code: an identifier, a number, a punctuator, or a string
/// or character literal, with its 1-based position in the user's file.
public struct CToken: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        case identifier
        /// An integer literal's value; `nil` when it is malformed or
        /// overflows 64 bits (floating literals included).
        case number(UInt64?)
        case punctuator
        /// A string or character literal.
        case literal
    }

    public var kind: Kind
    public var text: String
    public var line: Int
    public var column: Int

    public func location(in file: String) -> SourceLocation {
        SourceLocation(file: file, line: line, column: column)
    }

    public func isPunctuator(_ text: String) -> Bool {
        kind == .punctuator && self.text == text
    }

    /// `'VFIO_DEVICE_STATE_STOP'`, shortened when long.
    public var quoted: String {
        "'\(text.count > 40 ? String(text.prefix(40)) + "..." : text)'"
    }
}

/// Splits C code into tokens in one linear pass: skips `//` and `/* */`
/// comments and preprocessor lines (with their `\` continuations), keeps
/// string and character literals whole, and tracks line and column.
public enum CTokenizer {
    /// Punctuators of more than one byte, longest first.
    static let longPunctuators: [[UInt8]] = [
        "<<=", ">>=", "...", "->", "++", "--", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||",
        "*=", "/=", "%=", "+=", "-=", "&=", "^=", "|=", "##",
    ].map { Array($0.utf8) }

    public static func tokenize(_ source: CSource) throws(Diagnostic) -> [CToken] {
        let bytes = source.bytes
        var tokens: [CToken] = []
        tokens.reserveCapacity(source.bytes.count / 6)
        var commentStart: SourceLocation?
        var inDirective = false
        for line in source.lines {
            var index = line.range.lowerBound
            let end = line.range.upperBound
            func location(_ at: Int) -> SourceLocation {
                SourceLocation(file: source.path, line: line.number, column: line.columnOffset + at - line.range.lowerBound + 1)
            }
            // Inside a preprocessor directive only comments matter.
            var skipping = inDirective
            var atLineStart = commentStart == nil && !inDirective
            while index < end {
                if commentStart != nil {
                    // Inside a block comment: look for its end.
                    while index + 1 < end, !(bytes[index] == UInt8(ascii: "*") && bytes[index + 1] == UInt8(ascii: "/")) {
                        index += 1
                    }
                    if index + 1 < end {
                        index += 2
                        commentStart = nil
                    } else {
                        index = end
                    }
                    continue
                }
                let byte = bytes[index]
                if byte == 0x20 || byte == 0x09 || byte == 0x0C || byte == 0x0B || byte == 0x0D {
                    index += 1
                    continue
                }
                if byte == UInt8(ascii: "/") && index + 1 < end {
                    if bytes[index + 1] == UInt8(ascii: "/") {
                        index = end
                        continue
                    }
                    if bytes[index + 1] == UInt8(ascii: "*") {
                        commentStart = location(index)
                        index += 2
                        continue
                    }
                }
                if skipping {
                    index += 1
                    continue
                }
                if byte == UInt8(ascii: "#") && atLineStart {
                    skipping = true
                    index += 1
                    continue
                }
                atLineStart = false
                let start = index
                if isIdentifierStart(byte) {
                    index += 1
                    while index < end, isIdentifierByte(bytes[index]) { index += 1 }
                    tokens.append(token(.identifier, bytes, start, index, location(start)))
                } else if isDigit(byte) || (byte == UInt8(ascii: ".") && index + 1 < end && isDigit(bytes[index + 1])) {
                    index += 1
                    while index < end, isIdentifierByte(bytes[index]) || bytes[index] == UInt8(ascii: ".")
                            || ((bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-"))
                                && (bytes[index - 1] | 0x20 == UInt8(ascii: "e") || bytes[index - 1] | 0x20 == UInt8(ascii: "p"))) {
                        index += 1
                    }
                    tokens.append(token(.number(integerValue(bytes[start..<index])), bytes, start, index, location(start)))
                } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                    index += 1
                    var closed = false
                    while index < end {
                        if bytes[index] == UInt8(ascii: "\\") {
                            index += 2
                            continue
                        }
                        if bytes[index] == byte {
                            index += 1
                            closed = true
                            break
                        }
                        index += 1
                    }
                    guard closed else {
                        throw .error(at: location(start),
                            byte == UInt8(ascii: "'") ? "unterminated character literal" : "unterminated string literal")
                    }
                    tokens.append(token(.literal, bytes, start, min(index, end), location(start)))
                } else {
                    var length = 1
                    for candidate in longPunctuators where index + candidate.count <= end {
                        if bytes[index..<(index + candidate.count)].elementsEqual(candidate) {
                            length = candidate.count
                            break
                        }
                    }
                    if byte >= 0x80 {
                        // One whole UTF-8 sequence (SourceText checked it).
                        while index + length < end, bytes[index + length] & 0xC0 == 0x80 { length += 1 }
                    }
                    index += length
                    tokens.append(token(.punctuator, bytes, start, index, location(start)))
                }
            }
            inDirective = skipping && (commentStart != nil || (end > line.range.lowerBound && bytes[end - 1] == UInt8(ascii: "\\")))
        }
        if let commentStart {
            throw .error(at: commentStart, "unterminated /* comment")
        }
        return tokens
    }

    static func token(_ kind: CToken.Kind, _ bytes: [UInt8], _ start: Int, _ end: Int, _ location: SourceLocation) -> CToken {
        CToken(kind: kind, text: String(decoding: bytes[start..<end], as: UTF8.self),
               line: location.line, column: location.column)
    }

    static func isIdentifierStart(_ byte: UInt8) -> Bool {
        (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z")) || byte == UInt8(ascii: "_")
    }

    static func isIdentifierByte(_ byte: UInt8) -> Bool {
        isIdentifierStart(byte) || isDigit(byte)
    }

    static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    /// The value of a C integer literal (`12`, `0x1f`, `017`, `0b11`, `~0U`'s
    /// `0U`), suffixes `u`, `l`, `ll` in any case; `nil` otherwise.
    static func integerValue(_ literal: ArraySlice<UInt8>) -> UInt64? {
        var digits = literal
        while let last = digits.last, last | 0x20 == UInt8(ascii: "u") || last | 0x20 == UInt8(ascii: "l") {
            digits.removeLast()
        }
        var radix: UInt64 = 10
        if digits.count > 2, digits.first == UInt8(ascii: "0"), digits[digits.startIndex + 1] | 0x20 == UInt8(ascii: "x") {
            radix = 16
            digits.removeFirst(2)
        } else if digits.count > 2, digits.first == UInt8(ascii: "0"), digits[digits.startIndex + 1] | 0x20 == UInt8(ascii: "b") {
            radix = 2
            digits.removeFirst(2)
        } else if digits.count > 1, digits.first == UInt8(ascii: "0") {
            radix = 8
            digits.removeFirst()
        }
        guard !digits.isEmpty else { return nil }
        var value: UInt64 = 0
        for byte in digits {
            let digit: UInt64
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt64(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt64(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt64(byte - UInt8(ascii: "A") + 10)
            default: return nil
            }
            guard digit < radix else { return nil }
            let (product, overflow) = value.multipliedReportingOverflow(by: radix)
            let (sum, carry) = product.addingReportingOverflow(digit)
            if overflow || carry { return nil }
            value = sum
        }
        return value
    }
}
