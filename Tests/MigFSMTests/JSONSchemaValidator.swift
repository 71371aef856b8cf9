import Foundation
import XCTest

/// A JSON value parsed exactly: objects keep their members, numbers keep
/// whether they were written as integers. `JSONSerialization` cannot tell
/// `true` from `1` on Linux, so the tests parse JSON themselves.
indirect enum JSONNode: Equatable, CustomStringConvertible {
    case null
    case bool(Bool)
    case number(Double, integer: Bool)
    case string(String)
    case array([JSONNode])
    case object([(String, JSONNode)])

    static func == (lhs: JSONNode, rhs: JSONNode) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.number(a, _), .number(b, _)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)):
            guard a.count == b.count else { return false }
            let right = Dictionary(b, uniquingKeysWith: { first, _ in first })
            return a.allSatisfy { right[$0.0] == $0.1 }
        default: return false
        }
    }

    /// Compact JSON, for messages.
    var description: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .number(let value, let integer): return integer && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        case .string(let text): return "\"" + text + "\""
        case .array(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .object(let members): return "{" + members.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
        }
    }

    /// The element at `index` of an array, or nil.
    subscript(index: Int) -> JSONNode? {
        guard case .array(let items) = self, items.indices.contains(index) else { return nil }
        return items[index]
    }

    subscript(key: String) -> JSONNode? {
        if case .object(let members) = self { return members.first { $0.0 == key }?.1 }
        return nil
    }

    /// Parses one JSON document (RFC 8259); throws on anything else.
    static func parse(_ text: String) throws -> JSONNode {
        var parser = JSONNodeParser(Array(text.utf8))
        parser.skipWhitespace()
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.index == parser.bytes.count else { throw parser.error("text after the document") }
        return value
    }
}

/// The recursive-descent parser behind `JSONNode.parse`.
struct JSONNodeParser {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let bytes: [UInt8]
    var index = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    func error(_ message: String) -> Failure {
        Failure(description: "JSON byte \(index): \(message)")
    }

    mutating func skipWhitespace() {
        while index < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[index]) { index += 1 }
    }

    mutating func expect(_ literal: String) throws {
        for byte in literal.utf8 {
            guard index < bytes.count, bytes[index] == byte else { throw error("expected \(literal)") }
            index += 1
        }
    }

    mutating func value(depth: Int) throws -> JSONNode {
        guard depth < 200 else { throw error("nested too deep") }
        guard index < bytes.count else { throw error("unexpected end") }
        switch bytes[index] {
        case UInt8(ascii: "n"): try expect("null"); return .null
        case UInt8(ascii: "t"): try expect("true"); return .bool(true)
        case UInt8(ascii: "f"): try expect("false"); return .bool(false)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "["):
            index += 1
            var items: [JSONNode] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
            while true {
                skipWhitespace()
                items.append(try value(depth: depth + 1))
                skipWhitespace()
                guard index < bytes.count else { throw error("unterminated array") }
                if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
                try expect(",")
            }
        case UInt8(ascii: "{"):
            index += 1
            var members: [(String, JSONNode)] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
            while true {
                skipWhitespace()
                let key = try string()
                guard !members.contains(where: { $0.0 == key }) else { throw error("duplicate key \(key)") }
                skipWhitespace()
                try expect(":")
                skipWhitespace()
                members.append((key, try value(depth: depth + 1)))
                skipWhitespace()
                guard index < bytes.count else { throw error("unterminated object") }
                if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
                try expect(",")
            }
        default:
            return try number()
        }
    }

    mutating func string() throws -> String {
        try expect("\"")
        var scalars: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: scalars, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { throw error("unterminated escape") }
                let escaped = bytes[index]
                index += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(escaped)
                case UInt8(ascii: "n"): scalars.append(0x0A)
                case UInt8(ascii: "r"): scalars.append(0x0D)
                case UInt8(ascii: "t"): scalars.append(0x09)
                case UInt8(ascii: "b"): scalars.append(0x08)
                case UInt8(ascii: "f"): scalars.append(0x0C)
                case UInt8(ascii: "u"):
                    guard index + 4 <= bytes.count,
                          let code = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16),
                          let scalar = Unicode.Scalar(code) else { throw error("bad \\u escape") }
                    index += 4
                    scalars += Array(String(Character(scalar)).utf8)
                default: throw error("bad escape")
                }
            case 0..<0x20:
                throw error("control character in a string")
            default:
                scalars.append(byte)
            }
        }
        throw error("unterminated string")
    }

    mutating func number() throws -> JSONNode {
        let start = index
        var integer = true
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        while index < bytes.count {
            let byte = bytes[index]
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                index += 1
            } else if [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "+"), UInt8(ascii: "-")].contains(byte) {
                integer = false
                index += 1
            } else {
                break
            }
        }
        guard index > start, let value = Double(String(decoding: bytes[start..<index], as: UTF8.self)) else {
            throw error("not a JSON value")
        }
        return .number(value, integer: integer || value.rounded() == value)
    }
}

/// A JSON Schema validator for the keywords migfsm's schemas use, from
/// draft 2020-12 (`$defs`) and draft-04 (`definitions`, as the official
/// SARIF 2.1.0 schema writes it): `type`, `enum`, `const`, `properties`,
/// `required`, `additionalProperties`, `items`, `minItems`, `maxItems`,
/// `uniqueItems`, `minimum`, `maximum`, `minLength`, `pattern`, `anyOf`,
/// `oneOf`, `allOf`, `$ref` to `#/...` and to `OTHER.schema.json#/...` (a
/// schema of `documents`, as `schemas/` holds them), plus the annotations (`title`,
/// `description`, `default`, `format`...). Any other keyword is an error,
/// so a schema cannot rely on a rule this validator would skip.
struct JSONSchemaValidator {
    let root: JSONNode
    /// Other schemas a `$ref` may name, by file name.
    var documents: [String: JSONNode] = [:]

    static let annotations: Set<String> = [
        "$schema", "$id", "id", "title", "description", "default", "format", "$comment", "examples", "$defs", "definitions",
    ]

    /// Every violation of `instance`, as `JSON-pointer: what`.
    func errors(_ instance: JSONNode) -> [String] {
        var errors: [String] = []
        validate(instance, against: root, at: "", depth: 0, document: root, into: &errors)
        return errors
    }

    /// The schema `reference` names, and the document it is in (against
    /// which the `#/...` references inside it resolve).
    func resolve(_ reference: String, in document: JSONNode) -> (node: JSONNode, document: JSONNode)? {
        guard let hash = reference.firstIndex(of: "#") else { return nil }
        let file = String(reference[..<hash])
        let base: JSONNode
        if file.isEmpty {
            base = document
        } else {
            guard let other = documents[file] else { return nil }
            base = other
        }
        var node = base
        for part in reference[reference.index(after: hash)...].split(separator: "/") {
            let key = part.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            guard let next = node[key] else { return nil }
            node = next
        }
        return (node, base)
    }

    static func typeName(_ node: JSONNode) -> String {
        switch node {
        case .null: return "null"
        case .bool: return "boolean"
        case .number(_, let integer): return integer ? "integer" : "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    func validate(_ instance: JSONNode, against schema: JSONNode, at pointer: String, depth: Int,
                  document: JSONNode, into errors: inout [String]) {
        guard depth < 100 else { errors.append("\(pointer): schema nested too deep"); return }
        if case .bool(let allowed) = schema {
            if !allowed { errors.append("\(pointer): no value is allowed here") }
            return
        }
        guard case .object(let keywords) = schema else {
            errors.append("\(pointer): the schema is not an object")
            return
        }
        for (keyword, value) in keywords {
            switch keyword {
            case _ where Self.annotations.contains(keyword):
                continue
            case "$ref":
                guard case .string(let reference) = value, let target = resolve(reference, in: document) else {
                    errors.append("\(pointer): unresolvable $ref \(value)")
                    continue
                }
                validate(instance, against: target.node, at: pointer, depth: depth + 1, document: target.document, into: &errors)
            case "type":
                let allowed: [String]
                switch value {
                case .string(let name): allowed = [name]
                case .array(let names): allowed = names.compactMap { if case .string(let n) = $0 { return n } else { return nil } }
                default: errors.append("\(pointer): bad type keyword"); continue
                }
                let actual = Self.typeName(instance)
                if !(allowed.contains(actual) || (actual == "integer" && allowed.contains("number"))) {
                    errors.append("\(pointer): is \(actual), not \(allowed.joined(separator: " or "))")
                }
            case "enum":
                guard case .array(let options) = value else { errors.append("\(pointer): bad enum"); continue }
                if !options.contains(instance) { errors.append("\(pointer): \(instance) is not one of the enum's values") }
            case "const":
                if instance != value { errors.append("\(pointer): is not the const \(value)") }
            case "properties":
                guard case .object(let properties) = value else { errors.append("\(pointer): bad properties"); continue }
                guard case .object(let members) = instance else { continue }
                for (name, propertySchema) in properties {
                    if let member = members.first(where: { $0.0 == name }) {
                        validate(member.1, against: propertySchema, at: pointer + "/" + name, depth: depth + 1, document: document, into: &errors)
                    }
                }
            case "required":
                guard case .array(let names) = value else { errors.append("\(pointer): bad required"); continue }
                guard case .object(let members) = instance else { continue }
                for case .string(let name) in names where !members.contains(where: { $0.0 == name }) {
                    errors.append("\(pointer): misses required \(name)")
                }
            case "additionalProperties":
                guard case .object(let members) = instance else { continue }
                let declared = Set((schema["properties"].flatMap { node -> [String]? in
                    if case .object(let properties) = node { return properties.map(\.0) } else { return nil }
                }) ?? [])
                for (name, member) in members where !declared.contains(name) {
                    if case .bool(false) = value {
                        errors.append("\(pointer): has \(name), which the schema does not allow")
                    } else {
                        validate(member, against: value, at: pointer + "/" + name, depth: depth + 1, document: document, into: &errors)
                    }
                }
            case "items":
                guard case .array(let items) = instance else { continue }
                for (offset, item) in items.enumerated() {
                    validate(item, against: value, at: pointer + "/\(offset)", depth: depth + 1, document: document, into: &errors)
                }
            case "minItems", "maxItems", "uniqueItems":
                guard case .array(let items) = instance else { continue }
                if keyword == "uniqueItems" {
                    if case .bool(true) = value {
                        for (offset, item) in items.enumerated() where items[..<offset].contains(item) {
                            errors.append("\(pointer)/\(offset): repeats an earlier item")
                        }
                    }
                } else if case .number(let bound, _) = value {
                    if keyword == "minItems" && Double(items.count) < bound { errors.append("\(pointer): fewer than \(Int(bound)) items") }
                    if keyword == "maxItems" && Double(items.count) > bound { errors.append("\(pointer): more than \(Int(bound)) items") }
                }
            case "minimum", "maximum":
                guard case .number(let number, _) = instance, case .number(let bound, _) = value else { continue }
                if keyword == "minimum" && number < bound { errors.append("\(pointer): \(number) is below \(bound)") }
                if keyword == "maximum" && number > bound { errors.append("\(pointer): \(number) is above \(bound)") }
            case "minLength":
                guard case .string(let text) = instance, case .number(let bound, _) = value else { continue }
                if Double(text.unicodeScalars.count) < bound { errors.append("\(pointer): shorter than \(Int(bound))") }
            case "pattern":
                guard case .string(let text) = instance else { continue }
                guard case .string(let pattern) = value, let expression = try? NSRegularExpression(pattern: pattern) else {
                    errors.append("\(pointer): bad pattern \(value)")
                    continue
                }
                let range = NSRange(text.startIndex..., in: text)
                if expression.firstMatch(in: text, range: range) == nil {
                    errors.append("\(pointer): \"\(text)\" does not match \(pattern)")
                }
            case "anyOf", "oneOf", "allOf":
                guard case .array(let branches) = value else { errors.append("\(pointer): bad \(keyword)"); continue }
                var failures: [[String]] = []
                for branch in branches {
                    var branchErrors: [String] = []
                    validate(instance, against: branch, at: pointer, depth: depth + 1, document: document, into: &branchErrors)
                    failures.append(branchErrors)
                }
                let passing = failures.filter(\.isEmpty).count
                switch keyword {
                case "anyOf" where passing == 0:
                    errors.append("\(pointer): matches no branch of anyOf: " + failures.map { $0.first ?? "" }.joined(separator: "; "))
                case "oneOf" where passing != 1:
                    errors.append("\(pointer): matches \(passing) branches of oneOf, not exactly one")
                case "allOf" where passing != branches.count:
                    errors += failures.flatMap { $0 }
                default:
                    break
                }
            default:
                errors.append("\(pointer): the validator does not know the keyword \(keyword)")
            }
        }
    }
}

/// Validates `json` against `schemas/NAME` of the repository; fails the
/// test with every violation.
func assertValid(_ json: String, schema name: String, file: StaticString = #filePath, line: UInt = #line) {
    do {
        func schema(_ file: String) throws -> JSONNode {
            try JSONNode.parse(String(contentsOfFile: Repository.path("schemas/" + file), encoding: .utf8))
        }
        var validator = JSONSchemaValidator(root: try schema(name))
        for file in try FileManager.default.contentsOfDirectory(atPath: Repository.path("schemas"))
        where file.hasSuffix(".schema.json") && file != name {
            validator.documents[file] = try schema(file)
        }
        let errors = validator.errors(try JSONNode.parse(json))
        XCTAssert(errors.isEmpty, "\(name): " + errors.prefix(20).joined(separator: "\n"), file: file, line: line)
    } catch {
        XCTFail("\(name): \(error)", file: file, line: line)
    }
}
