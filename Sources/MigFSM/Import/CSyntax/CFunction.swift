/// A function of a C file: its name, what it returns, its parameters, and
/// where its body is; the body itself is read on demand
/// (`CFile.body(of:)`), since most functions of a driver are never looked at.
///
///     static struct file *
///     mlx5vf_pci_step_device_state_locked(struct mlx5vf_pci_core_device *mvdev, u32 new)
///     { ... }
public struct CFunction: Sendable {
    public var name: CToken
    /// The tokens before the name: specifiers and return type (`static struct file *`).
    public var returnType: [CToken]
    public var parameters: [CParameter]
    /// Index of the body's `{`, or `nil` for a prototype.
    public var bodyOpen: Int?
    /// Just past the body's `}`.
    public var bodyEnd: Int?

    public var returns: CReturnKind { CReturnKind(returnType) }
    public var isDefinition: Bool { bodyOpen != nil }
}

/// One parameter: its type tokens and name (`u32 new`, `enum vfio_device_mig_state *next_fsm`).
public struct CParameter: Sendable {
    public var type: [CToken]
    public var name: CToken?
    public var isPointer: Bool
}

/// What a function returns, as far as failures go: an `int` (`-errno` on
/// failure), a pointer (`ERR_PTR` on failure), nothing, a truth value, or
/// something else (an unsigned count, an enum).
public enum CReturnKind: String, Hashable, Sendable {
    case void
    case integer
    case pointer
    case boolean
    case other

    static let specifiers: Set<String> = [
        "static", "inline", "extern", "const", "noinline", "notrace", "__init", "__exit", "__must_check",
        "__always_inline", "__cold", "__weak", "__maybe_unused", "asmlinkage",
    ]
    static let signedIntegers: Set<String> = ["int", "long", "short", "ssize_t", "s32", "s64", "signed", "loff_t"]

    public init(_ tokens: [CToken]) {
        if tokens.contains(where: { $0.isPunctuator("*") }) {
            self = .pointer
            return
        }
        let words = tokens.filter { $0.kind == .identifier && !Self.specifiers.contains($0.text) }.map(\.text)
        if words == ["void"] {
            self = .void
        } else if words.contains("bool") || words.contains("_Bool") {
            self = .boolean
        } else if !words.contains("unsigned"), words.contains(where: { Self.signedIntegers.contains($0) }) {
            self = .integer
        } else {
            self = .other
        }
    }
}

/// A C file read for the driver audit: its tokens, functions, prototypes,
/// the operation tables it fills (`.migration_set_state = fn`), and what it
/// includes. One linear pass over the tokens.
public struct CFile: Sendable {
    public let source: CSource
    public let tokens: [CToken]
    /// Definitions and prototypes, in file order.
    public let functions: [CFunction]
    /// `.field = function` in initializers: `.reset_done = mlx5vf_pci_aer_reset_done`.
    public let operations: [Operation]
    /// `#include <linux/x.h>` (angle) and `#include "x.h"` (quoted), with where.
    public let includes: [Include]

    /// `.migration_set_state = mlx5vf_pci_set_device_state` in an ops table.
    public struct Operation: Sendable {
        public var field: String
        public var function: CToken
    }

    /// `#include <linux/qat/qat_mig_dev.h>`: the path, whether in `<...>`, and where.
    public struct Include: Sendable {
        public var path: String
        public var angle: Bool
        public var location: SourceLocation
    }
    /// Whether the file registers a module (`module_init`, `module_pci_driver`, ...).
    public let registersModule: Bool

    /// The path to report: the file a patch adds lines to, else the file.
    public var path: String { source.path }

    public init(source: CSource, tokens: [CToken]) {
        self.source = source
        self.tokens = tokens
        var functions: [CFunction] = []
        var operations: [Operation] = []
        var registers = false
        var depth = 0
        var statementStart = 0
        var index = 0
        while index < tokens.count {
            let token = tokens[index]
            if token.kind == .punctuator {
                switch token.text {
                case "{":
                    depth += 1
                case "}":
                    depth = max(0, depth - 1)
                    if depth == 0 { statementStart = index + 1 }
                case ";":
                    if depth == 0 { statementStart = index + 1 }
                case ".":
                    if depth > 0, index + 3 < tokens.count, tokens[index + 1].kind == .identifier,
                       tokens[index + 2].isPunctuator("=") {
                        var value = index + 3
                        if tokens[value].isPunctuator("&") { value += 1 }
                        if value + 1 < tokens.count, tokens[value].kind == .identifier,
                           tokens[value + 1].isPunctuator(",") || tokens[value + 1].isPunctuator("}") {
                            operations.append(Operation(field: tokens[index + 1].text, function: tokens[value]))
                        }
                    }
                default:
                    break
                }
                index += 1
                continue
            }
            guard depth == 0, token.kind == .identifier, index + 1 < tokens.count, tokens[index + 1].isPunctuator("(") else {
                index += 1
                continue
            }
            if token.text.hasPrefix("module_") { registers = true }
            let close = CTokenStream(tokens: tokens, source: source).indexPastClosing(from: index + 1)
            let returnType = Array(tokens[statementStart..<index])
            guard close < tokens.count, !returnType.isEmpty,
                  !returnType.contains(where: { $0.isPunctuator("=") || $0.isPunctuator("(") || $0.isPunctuator(")") })
            else {
                index = max(index + 1, close)
                continue
            }
            let parameters = Self.parameters(Array(tokens[(index + 2)..<max(index + 2, close - 1)]))
            let after = tokens[close]
            if after.isPunctuator("{") {
                let end = CTokenStream(tokens: tokens, source: source).indexPastClosing(from: close)
                functions.append(CFunction(name: token, returnType: returnType, parameters: parameters,
                                           bodyOpen: close, bodyEnd: end))
                index = end
                statementStart = end
                continue
            }
            if after.isPunctuator(";") {
                functions.append(CFunction(name: token, returnType: returnType, parameters: parameters,
                                           bodyOpen: nil, bodyEnd: nil))
            }
            index = close
        }
        self.functions = functions
        self.operations = operations
        self.registersModule = registers
        self.includes = Self.includes(source)
    }

    /// Splits a parameter list at its top-level commas.
    static func parameters(_ tokens: [CToken]) -> [CParameter] {
        var parameters: [CParameter] = []
        var current: [CToken] = []
        var depth = 0
        func flush() {
            defer { current = [] }
            guard !current.isEmpty, !(current.count == 1 && current[0].text == "void") else { return }
            let name = current.last(where: { $0.kind == .identifier && !CExpressionParser.typeWords.contains($0.text) })
            let type = name.map { name in current.filter { $0 != name } } ?? current
            parameters.append(CParameter(type: type, name: current.count > 1 ? name : nil,
                                         isPointer: current.contains { $0.isPunctuator("*") }))
        }
        for token in tokens {
            if token.isPunctuator("(") || token.isPunctuator("[") { depth += 1 }
            if token.isPunctuator(")") || token.isPunctuator("]") { depth -= 1 }
            if depth == 0 && token.isPunctuator(",") {
                flush()
            } else {
                current.append(token)
            }
        }
        flush()
        return parameters
    }

    /// `#include` lines, read from the raw lines (the tokenizer skips directives).
    static func includes(_ source: CSource) -> [Include] {
        var found: [Include] = []
        let bytes = source.bytes
        for line in source.lines {
            var index = line.range.lowerBound
            let end = line.range.upperBound
            func skipSpace() { while index < end, bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 } }
            skipSpace()
            guard index < end, bytes[index] == UInt8(ascii: "#") else { continue }
            let hash = index
            index += 1
            skipSpace()
            let word = Array("include".utf8)
            guard end - index > word.count, bytes[index..<(index + word.count)].elementsEqual(word) else { continue }
            index += word.count
            skipSpace()
            guard index < end, bytes[index] == UInt8(ascii: "<") || bytes[index] == UInt8(ascii: "\"") else { continue }
            let angle = bytes[index] == UInt8(ascii: "<")
            let closer = angle ? UInt8(ascii: ">") : UInt8(ascii: "\"")
            let start = index + 1
            var stop = start
            while stop < end, bytes[stop] != closer { stop += 1 }
            guard stop < end, stop > start else { continue }
            let path = String(decoding: bytes[start..<stop], as: UTF8.self)
            found.append(Include(path: path, angle: angle, location: SourceLocation(
                file: source.path, line: line.number, column: line.columnOffset + hash - line.range.lowerBound + 1)))
        }
        return found
    }

    /// The body of a defined function, parsed.
    public func body(of function: CFunction) -> CStatement? {
        guard let open = function.bodyOpen else { return nil }
        return CStatementParser.body(tokens: tokens, source: source, open: open)
    }

    public func location(_ token: CToken) -> SourceLocation {
        token.location(in: source.path)
    }
}
