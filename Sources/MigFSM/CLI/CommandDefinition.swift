/// One subcommand of `migfsm`, declared as data: its name, its arguments and
/// what it runs. Adding a subcommand is one value of this type.
///
///     CommandDefinition(
///         name: "fmt", summary: "Print a spec in canonical form.",
///         positionals: [.init("SPEC", "the spec file")],
///         options: [.flag("--check", "exit 1 if the file is not canonical")],
///         run: { arguments, output in ... })
public struct CommandDefinition: Sendable {
    /// A positional argument, such as `SPEC`.
    public struct Positional: Sendable {
        public var name: String
        public var help: String
        public var isOptional: Bool
        /// The last positional only: it takes every remaining argument (`PATH...`).
        public var repeats: Bool

        public init(_ name: String, _ help: String, optional: Bool = false, repeats: Bool = false) {
            self.name = name
            self.help = help
            self.isOptional = optional
            self.repeats = repeats
        }
    }

    /// An option: `--check` (a flag) or `--features A,B` (takes a value).
    public struct Option: Sendable {
        public var name: String
        /// The value's placeholder, `nil` for a flag.
        public var valueName: String?
        public var help: String
        /// For options that take a fixed set of values: the accepted ones.
        public var choices: [String]?
        /// Whether the option may be given several times (`ParsedArguments.all`).
        public var repeatable = false

        public static func flag(_ name: String, _ help: String) -> Option {
            Option(name: name, valueName: nil, help: help, choices: nil)
        }

        public static func value(_ name: String, _ valueName: String, _ help: String, choices: [String]? = nil) -> Option {
            Option(name: name, valueName: valueName, help: help, choices: choices)
        }

        /// An option that takes a value and may be given several times.
        public static func repeated(_ name: String, _ valueName: String, _ help: String) -> Option {
            Option(name: name, valueName: valueName, help: help, choices: nil, repeatable: true)
        }
    }

    public var name: String
    public var summary: String
    /// Extra paragraphs for `--help`, such as an example.
    public var discussion: String
    public var positionals: [Positional]
    public var options: [Option]
    public var run: @Sendable (ParsedArguments, inout CommandOutput) -> ExitStatus

    public init(
        name: String, summary: String, discussion: String = "",
        positionals: [Positional], options: [Option] = [],
        run: @escaping @Sendable (ParsedArguments, inout CommandOutput) -> ExitStatus
    ) {
        self.name = name
        self.summary = summary
        self.discussion = discussion
        self.positionals = positionals
        self.options = options
        self.run = run
    }

    /// `migfsm check SPEC [--group-rule READING]`
    public var usage: String {
        var parts = ["migfsm", name]
        for positional in positionals {
            let name = positional.name + (positional.repeats ? "..." : "")
            parts.append(positional.isOptional ? "[\(name)]" : name)
        }
        for option in options {
            parts.append("[" + option.name + (option.valueName.map { " " + $0 } ?? "") + "]")
        }
        return parts.joined(separator: " ")
    }

    public var help: String {
        var text = "OVERVIEW: \(summary)\n\nUSAGE: \(usage)\n"
        if !positionals.isEmpty {
            text += "\nARGUMENTS:\n"
            for positional in positionals {
                text += "  " + positional.name.padding(toLength: 22) + positional.help + "\n"
            }
        }
        text += "\nOPTIONS:\n"
        for option in options {
            let left = option.name + (option.valueName.map { " " + $0 } ?? "")
            text += "  " + left.padding(toLength: 22) + option.help + "\n"
        }
        text += "  " + "-h, --help".padding(toLength: 22) + "Show help information.\n"
        if !discussion.isEmpty {
            text += "\n" + discussion + (discussion.hasSuffix("\n") ? "" : "\n")
        }
        return text
    }
}

extension String {
    /// Pads with spaces to `length`, or adds one space when already longer.
    func padding(toLength length: Int) -> String {
        count >= length ? self + " " : self + String(repeating: " ", count: length - count)
    }
}

/// How `migfsm` exits: 0 when everything holds, 1 for findings or input
/// errors, 2 for usage errors.
public enum ExitStatus: Int32, Sendable {
    case success = 0
    case failure = 1
    case usage = 2
}

/// What a command prints. Commands never write to the terminal themselves,
/// so tests run them in-process.
public struct CommandOutput: Sendable {
    public var standardOutput = ""
    public var standardError = ""

    public init() {}

    public mutating func print(_ text: String) {
        standardOutput += text
        if !text.hasSuffix("\n") { standardOutput += "\n" }
    }

    public mutating func error(_ text: String, terminator: Bool = true) {
        standardError += text
        if terminator && !text.hasSuffix("\n") { standardError += "\n" }
    }
}
