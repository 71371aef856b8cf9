/// A SARIF 2.1.0 log of findings, the form GitHub code scanning and editors
/// read to show findings inline: one run of one tool, its rules (one per
/// finding kind, with help text), and one result per finding with its rule,
/// level, message and place.
///
///     SARIFLog(findings: report.findings, rules: FindingRule.checkRules, workingDirectory: cwd).json
///
/// Places are relative URIs from the working folder (`Specs/vfio-v2.fsm`);
/// a file outside it keeps its absolute path, as a `file://` URI. A finding
/// about a whole file is placed at its first line, as code scanning wants a
/// line. `schemas/sarif-2.1.0.schema.json` (the official schema's subset
/// this log uses) is checked in the tests.
public struct SARIFLog: Sendable {
    /// The tool that found things.
    public struct Tool: Hashable, Sendable {
        /// `tool.driver.name`.
        public var name: String
        /// `tool.driver.version`.
        public var version: String

        /// A tool by name and version.
        public init(name: String, version: String) {
            self.name = name
            self.version = version
        }

        /// This migfsm.
        public static let migfsm = Tool(name: "migfsm", version: CommandLineTool.version)
    }

    /// The schema the log names, as the OASIS standard publishes it.
    public static let schemaURI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

    /// The tool the run names.
    public let tool: Tool
    /// One result each, in this order.
    public let findings: [Finding]
    /// The rules known for the findings' kinds; a kind without one gets a
    /// rule that only names it.
    public let rules: [FindingRule]
    /// The folder URIs are relative to; `nil` keeps paths as given.
    public let workingDirectory: String?

    /// A log of `findings` by `tool`, with `rules` for their kinds.
    public init(tool: Tool = .migfsm, findings: [Finding], rules: [FindingRule], workingDirectory: String? = nil) {
        self.tool = tool
        self.findings = findings
        self.rules = rules
        self.workingDirectory = workingDirectory
    }

    /// The rules the log lists: the given ones, then one per unknown kind.
    var catalogue: [FindingRule] {
        var known = Set(rules.map(\.id))
        var all = rules
        for finding in findings where known.insert(finding.kind).inserted {
            all.append(FindingRule(id: finding.kind, summary: finding.kind, help: "Findings of kind \(finding.kind).",
                                   severity: finding.severity))
        }
        return all
    }

    /// The log: render it with `rendered()`.
    public var json: JSONValue {
        let catalogue = self.catalogue
        var index: [String: Int] = [:]
        for (position, rule) in catalogue.enumerated() where index[rule.id] == nil { index[rule.id] = position }
        return .object([
            ("$schema", .string(Self.schemaURI)),
            ("version", .string("2.1.0")),
            ("runs", .array([.object([
                ("tool", .object([("driver", .object([
                    ("name", .string(tool.name)),
                    ("version", .string(tool.version)),
                    ("rules", .array(catalogue.map { rule in
                        .object([
                            ("id", .string(rule.id)),
                            ("shortDescription", .object([("text", .string(rule.summary))])),
                            ("help", .object([("text", .string(rule.help))])),
                            ("defaultConfiguration", .object([("level", .string(Self.level(rule.severity)))])),
                        ])
                    })),
                ]))])),
                ("results", .array(findings.map { finding in
                    var members: [(String, JSONValue)] = [
                        ("ruleId", .string(finding.kind)),
                        ("ruleIndex", .number(index[finding.kind] ?? 0)),
                        ("level", .string(Self.level(finding.severity))),
                        ("message", .object([("text", .string(finding.message))])),
                        ("locations", .array([location(finding.location, message: nil)])),
                    ]
                    if !finding.related.isEmpty {
                        members.append(("relatedLocations", .array(finding.related.enumerated().map { offset, note in
                            location(note.location, message: note.message, id: offset + 1)
                        })))
                    }
                    if !finding.trace.isEmpty {
                        members.append(("properties", .object([("trace", .array(finding.trace.map(JSONValue.string)))])))
                    }
                    return .object(members)
                })),
            ])])),
        ])
    }

    /// SARIF's level for a severity.
    static func level(_ severity: Finding.Severity) -> String {
        switch severity {
        case .error: return "error"
        case .warning: return "warning"
        case .note: return "note"
        }
    }

    func location(_ location: SourceLocation, message: String?, id: Int? = nil) -> JSONValue {
        var physical: [(String, JSONValue)] = [("artifactLocation", .object([("uri", .string(uri(location.file)))]))]
        physical.append(("region", .object([
            ("startLine", .number(max(location.line, 1))),
            ("startColumn", .number(max(location.column, 1))),
        ])))
        var members: [(String, JSONValue)] = []
        if let id { members.append(("id", .number(id))) }
        members.append(("physicalLocation", .object(physical)))
        if let message { members.append(("message", .object([("text", .string(message))]))) }
        return .object(members)
    }

    /// `path` as a URI: relative to the working folder where it is inside
    /// it, percent-encoded.
    func uri(_ path: String) -> String {
        var relative = path
        if path.hasPrefix("/"), let base = workingDirectory {
            let prefix = base.hasSuffix("/") ? base : base + "/"
            if path.hasPrefix(prefix) { relative = String(path.dropFirst(prefix.count)) }
        }
        while relative.hasPrefix("./") { relative = String(relative.dropFirst(2)) }
        let encoded = Self.percentEncoded(relative)
        return relative.hasPrefix("/") ? "file://" + encoded : encoded
    }

    /// RFC 3986: unreserved characters and `/` stay, every other byte is `%XX`.
    static func percentEncoded(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            let character = Character(Unicode.Scalar(byte))
            if byte < 0x80 && (character.isLetter || character.isNumber || "-._~/".contains(character)) {
                result.append(character)
            } else {
                result += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return result
    }
}
