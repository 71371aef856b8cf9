/// The arguments of one subcommand after parsing: positionals in order,
/// options by name.
public struct ParsedArguments: Sendable {
    public var positionals: [String] = []
    public var values: [String: String] = [:]
    public var flags: Set<String> = []
    /// Every value of a repeatable option, in command-line order.
    public var lists: [String: [String]] = [:]

    public subscript(option: String) -> String? { values[option] }

    /// Every value given for `option` (a repeatable one), in order.
    public func all(_ option: String) -> [String] { lists[option] ?? values[option].map { [$0] } ?? [] }

    public func has(_ flag: String) -> Bool { flags.contains(flag) }

    /// A usage error: what was wrong with the command line.
    public struct UsageError: Error, Equatable, Sendable {
        public var message: String
        public init(_ message: String) { self.message = message }
    }

    /// Parses `arguments` for `command`: `--name value`, `--name=value`,
    /// flags, `--` to end options, positionals anywhere.
    public static func parse(_ arguments: [String], for command: CommandDefinition) throws(UsageError) -> ParsedArguments {
        var parsed = ParsedArguments()
        var index = 0
        var optionsEnded = false
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if optionsEnded || !argument.hasPrefix("-") || argument == "-" {
                parsed.positionals.append(argument)
                continue
            }
            if argument == "--" {
                optionsEnded = true
                continue
            }
            var name = argument
            var inlineValue: String?
            if let equals = argument.firstIndex(of: "=") {
                name = String(argument[..<equals])
                inlineValue = String(argument[argument.index(after: equals)...])
            }
            guard let option = command.options.first(where: { $0.name == name }) else {
                var message = "unknown option '\(name)' for 'migfsm \(command.name)'"
                if let suggestion = Suggestion.closest(to: name, among: command.options.map(\.name)) {
                    message += "; did you mean '\(suggestion)'?"
                }
                throw UsageError(message)
            }
            if option.valueName == nil {
                if inlineValue != nil { throw UsageError("option '\(name)' takes no value") }
                parsed.flags.insert(name)
                continue
            }
            let value: String
            if let inlineValue {
                value = inlineValue
            } else {
                guard index < arguments.count else { throw UsageError("option '\(name)' needs a value (\(option.valueName!))") }
                value = arguments[index]
                index += 1
            }
            if let choices = option.choices, !choices.contains(value) {
                throw UsageError("option '\(name)' takes one of: \(choices.joined(separator: ", ")); got '\(value)'")
            }
            parsed.lists[name, default: []].append(value)
            if parsed.values[name] != nil {
                if option.repeatable { continue }
                throw UsageError("option '\(name)' is given twice")
            }
            parsed.values[name] = value
        }
        let standardInput = parsed.positionals + parsed.lists.values.joined()
        if standardInput.filter({ $0 == SourceText.standardInputArgument }).count > 1 {
            throw UsageError("'-' (standard input) is given twice; it can be read only once")
        }
        let required = command.positionals.filter { !$0.isOptional }.count
        if parsed.positionals.count < required {
            let missing = command.positionals[parsed.positionals.count]
            throw UsageError("missing argument \(missing.name) (\(missing.help))")
        }
        if parsed.positionals.count > command.positionals.count, command.positionals.last?.repeats != true {
            throw UsageError("unexpected argument '\(parsed.positionals[command.positionals.count])'")
        }
        return parsed
    }
}
