import Foundation

extension Commands {
    /// `migfsm export --promela SPEC [--devices N] [--driver ...] [--policy FILE]`:
    /// the system `explore --devices` searches, as a Promela model for SPIN.
    public static let export = CommandDefinition(
        name: "export",
        summary: "Write the system explore searches as a Promela model for SPIN.",
        discussion: """
            Writes the same devices (drivers compiled to their transition tables, every
            fault), the same user (free, or the --policy as Promela code) and the same
            properties (as asserts) that 'migfsm explore --devices N' checks. With a
            free user, SPIN's stored states equal explore's states with --no-symmetry.

            EXAMPLE: migfsm export --promela Specs/vfio-v2.fsm --devices 2 > vm.pml
            """,
        positionals: [spec],
        options: [
            .flag("--promela", "write Promela (the one format so far)"),
            devicesOption, multiDriver, multiFeatures, policyOption,
            .value("--out", "FILE", "write to FILE instead of standard output"),
        ],
        run: { arguments, output in
            guard arguments.has("--promela") else {
                output.error("migfsm export: error: name the format: --promela\nhint: run 'migfsm export --help'")
                return .usage
            }
            guard let model = load(arguments.positionals[0], &output) else { return .failure }
            do throws(ParsedArguments.UsageError) {
                let count = try deviceCount(arguments) ?? 1
                guard let explorer = try multiExplorer(arguments, model, count: count, symmetry: false, &output) else {
                    return .failure
                }
                if let reason = explorer.refusalReason, let policy = explorer.policy {
                    // The model of a migration the VMM never starts would
                    // make SPIN report violations explore does not.
                    let path = arguments["--policy"] ?? policy.name
                    output.error("\(path):\(policy.severalDevicesLine):1: error: \(policy.vmm) refuses this VM "
                        + "(\(reason)): there is no migration to export")
                    return .failure
                }
                var command = "migfsm export --promela \(arguments.positionals[0]) --devices \(count)"
                for value in arguments.all("--driver") { command += " --driver \(value)" }
                for value in arguments.all("--features") { command += " --features \(value)" }
                if let policy = arguments["--policy"] { command += " --policy \(policy)" }
                let text = PromelaExporter.export(explorer, command: command)
                if let path = arguments["--out"] {
                    do {
                        try text.write(toFile: path, atomically: true, encoding: .utf8)
                    } catch {
                        output.error("migfsm export: error: cannot write \(path): \(error.localizedDescription)")
                        return .failure
                    }
                } else {
                    output.standardOutput += text
                }
                return .success
            } catch {
                output.error("migfsm export: error: \(error.message)\nhint: run 'migfsm export --help'")
                return .usage
            }
        })
}
