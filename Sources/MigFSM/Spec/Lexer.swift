/// Splits one line of a spec, driver or policy file into tokens, stopping at
/// a `#` comment.
///
///     RUNNING -> RUNNING_P2P   # from the uAPI header
///
/// lexes to `RUNNING`, `->`, `RUNNING_P2P` with the comment returned apart.
public struct Lexer {
    /// The tokens of a line, its trailing comment (text after `#`, if any),
    /// and the first lexical error (the rest of the line is not lexed).
    public struct Line: Sendable {
        public var tokens: [Token] = []
        public var comment: String?
        public var error: Diagnostic?
    }

    /// The longest word or number accepted; longer ones are an error, so a
    /// one-megabyte line costs one diagnostic, not a megabyte of echo.
    public static let maximumWordLength = 255

    public static func lex(_ source: SourceText, line number: Int) -> Line {
        let range = source.lines[number - 1]
        let bytes = source.bytes
        var result = Line()
        var index = range.lowerBound
        let end = range.upperBound

        func column(_ position: Int) -> Int { position - range.lowerBound + 1 }
        func fail(_ position: Int, _ message: String) {
            result.error = .error(
                at: SourceLocation(file: source.path, line: number, column: column(position)),
                message)
        }

        while index < end {
            let byte = bytes[index]
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
                index += 1
                continue
            }
            if byte == UInt8(ascii: "#") {
                var text = Substring(decoding: bytes[(index + 1)..<end], as: UTF8.self)
                while text.last == " " || text.last == "\t" {
                    text = text.dropLast()
                }
                result.comment = String(text)
                return result
            }
            let start = index
            let kind: Token.Kind
            if isWordStart(byte) {
                while index < end, isWordByte(bytes[index]) || isInnerDash(bytes, index, end) {
                    index += 1
                }
                kind = .word
            } else if isDigit(byte) {
                while index < end, isWordByte(bytes[index]) { index += 1 }
                guard let value = parseNumber(bytes[start..<index]) else {
                    fail(start, "malformed number '\(clip(bytes[start..<index]))'")
                    return result
                }
                kind = .number(value.overflow ? nil : value.value)
            } else if byte == UInt8(ascii: "-"), index + 1 < end, bytes[index + 1] == UInt8(ascii: ">") {
                index += 2
                kind = .arrow
            } else if byte == UInt8(ascii: "<"), index + 1 < end, bytes[index + 1] == UInt8(ascii: "<") {
                index += 2
                kind = .shiftLeft
            } else if byte == UInt8(ascii: "="), index + 1 < end, bytes[index + 1] == UInt8(ascii: ">") {
                fail(start, "unexpected '=>'; did you mean '->'?")
                return result
            } else if byte == UInt8(ascii: "=") {
                index += 1
                kind = .equals
            } else if byte == UInt8(ascii: "|") {
                index += 1
                kind = .bar
            } else if byte == UInt8(ascii: ",") {
                index += 1
                kind = .comma
            } else if byte == UInt8(ascii: "-"), index + 1 < end, isDigit(bytes[index + 1]) {
                fail(start, "unexpected '-': numbers cannot be negative")
                return result
            } else if bytes[start..<min(end, start + 3)].elementsEqual([0xE2, 0x86, 0x92]) {
                fail(start, "unexpected character U+2192 ('\u{2192}'); did you mean '->'?")
                return result
            } else {
                fail(start, "unexpected character \(describe(bytes, at: start, end: end))")
                return result
            }
            if index - start > maximumWordLength {
                fail(start, "token is \(index - start) characters long; at most \(maximumWordLength) are allowed")
                return result
            }
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            result.tokens.append(Token(kind: kind, text: text, line: number, column: column(start)))
        }
        return result
    }

    private static func isWordStart(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private static func isWordByte(_ byte: UInt8) -> Bool { isWordStart(byte) || isDigit(byte) }

    /// A `-` continues a word (`c-enum`, `vfio-v2`) unless it starts `->`.
    private static func isInnerDash(_ bytes: [UInt8], _ index: Int, _ end: Int) -> Bool {
        bytes[index] == UInt8(ascii: "-") && index + 1 < end && isWordByte(bytes[index + 1])
    }

    private static func parseNumber(_ digits: ArraySlice<UInt8>) -> (value: UInt64, overflow: Bool)? {
        var radix: UInt64 = 10
        var body = digits
        if digits.count > 2, digits[digits.startIndex] == UInt8(ascii: "0"),
            digits[digits.startIndex + 1] | 0x20 == UInt8(ascii: "x")
        {
            radix = 16
            body = digits.dropFirst(2)
        }
        var value: UInt64 = 0
        var overflow = false
        for byte in body {
            let digit: UInt64
            switch byte {
            case 0x30...0x39: digit = UInt64(byte - 0x30)
            case 0x61...0x66 where radix == 16: digit = UInt64(byte - 0x61 + 10)
            case 0x41...0x46 where radix == 16: digit = UInt64(byte - 0x41 + 10)
            default: return nil
            }
            let (shifted, o1) = value.multipliedReportingOverflow(by: radix)
            let (sum, o2) = shifted.addingReportingOverflow(digit)
            overflow = overflow || o1 || o2
            value = sum
        }
        return (value, overflow)
    }

    private static func clip(_ bytes: ArraySlice<UInt8>) -> String {
        let text = String(decoding: bytes.prefix(40), as: UTF8.self)
        return bytes.count > 40 ? text + "..." : text
    }

    private static func describe(_ bytes: [UInt8], at index: Int, end: Int) -> String {
        let byte = bytes[index]
        if byte >= 0x20 && byte < 0x7F {
            return "'\(Character(Unicode.Scalar(byte)))'"
        }
        var next = index + 1
        while next < end, bytes[next] & 0xC0 == 0x80 { next += 1 }
        let scalar = String(decoding: bytes[index..<next], as: UTF8.self).unicodeScalars.first
        let code = scalar.map { String($0.value, radix: 16, uppercase: true) } ?? "?"
        return "U+\(String(repeating: "0", count: max(0, 4 - code.count)))\(code)"
    }
}
