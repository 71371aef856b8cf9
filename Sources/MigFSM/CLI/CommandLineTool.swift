/// The `migfsm` command line: finds the subcommand, parses its arguments,
/// runs it, and maps usage errors to exit status 2 with a one-line hint.
///
///     var output = CommandOutput()
///     let status = CommandLineTool.run(["check", "Specs/vfio-v2.fsm"], output: &output)
public enum CommandLineTool {
    public static let version = "0.1.0"

    /// Every subcommand, in the order `--help` lists them.
    public static let commands: [CommandDefinition] = [
        Commands.check, Commands.fmt, Commands.table, Commands.paths, Commands.arcs,
        Commands.explore, Commands.export,
        Commands.importC, Commands.auditDriver, Commands.extractDriver,
        Commands.generate, Commands.diff, Commands.graph, Commands.doc,
    ]

    public static func run(_ arguments: [String], output: inout CommandOutput) -> ExitStatus {
        guard let first = arguments.first else {
            output.error(help)
            return .usage
        }
        switch first {
        case "-h", "--help", "help":
            if arguments.count > 1, let command = commands.first(where: { $0.name == arguments[1] }) {
                output.print(command.help)
            } else {
                output.print(help)
            }
            return .success
        case "--version":
            output.print("migfsm \(version)")
            return .success
        default:
            break
        }
        guard let command = commands.first(where: { $0.name == first }) else {
            var message = "migfsm: error: unknown subcommand '\(first)'"
            if let suggestion = Suggestion.closest(to: first, among: commands.map(\.name)) {
                message += "; did you mean '\(suggestion)'?"
            }
            output.error(message + "\nhint: run 'migfsm --help' to list the subcommands")
            return .usage
        }
        let rest = Array(arguments.dropFirst())
        if rest.contains("-h") || rest.contains("--help") {
            output.print(command.help)
            return .success
        }
        do {
            let parsed = try ParsedArguments.parse(rest, for: command)
            return command.run(parsed, &output)
        } catch {
            output.error("migfsm \(command.name): error: \(error.message)\nhint: run 'migfsm \(command.name) --help'")
            return .usage
        }
    }

    public static var help: String {
        var text = """
            OVERVIEW: migfsm \(version): a model checker and table generator for device-migration state machines.

            USAGE: migfsm <subcommand> [arguments]

            SUBCOMMANDS:

            """
        for command in commands {
            text += "  " + command.name.padding(toLength: 14) + command.summary + "\n"
        }
        text += "\nRun 'migfsm <subcommand> --help' for a subcommand's arguments.\n"
        return text
    }
}
