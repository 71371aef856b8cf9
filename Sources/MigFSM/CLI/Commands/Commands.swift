import Foundation

/// The subcommands of `migfsm`, one `CommandDefinition` each, and what they
/// share: reading a spec, reading `--features`.
public enum Commands {
    static let spec = CommandDefinition.Positional("SPEC", "the spec file (.fsm)")
    static let features = CommandDefinition.Option.value(
        "--features", "A,B", "one feature set, by feature names (default: every valid set)")
    static let groupRule = CommandDefinition.Option.value(
        "--group-rule", "READING", "read every group rule 'literal' or 'contained'",
        choices: GroupReading.allCases.map(\.rawValue))

    static let outputFormat = CommandDefinition.Option.value(
        "--format", "FORMAT", "text (default), json or sarif", choices: OutputFormat.allCases.map(\.rawValue))

    /// Reads a spec whose path tables fit in memory, printing its errors on
    /// failure.
    static func load(_ path: String, _ output: inout CommandOutput) -> MigrationProtocol? {
        let model: MigrationProtocol
        do throws(DiagnosticList) {
            model = try SpecReader.load(path: path)
        } catch {
            output.error(error.rendered)
            return nil
        }
        if let tooLarge = ProtocolPaths.sizeError(model) {
            output.error(tooLarge.rendered)
            return nil
        }
        return model
    }

    /// The path rule, with `--group-rule` applied.
    static func rule(_ arguments: ParsedArguments, _ model: MigrationProtocol) -> PathRule {
        guard let reading = arguments["--group-rule"].flatMap(GroupReading.init(rawValue:)) else {
            return model.pathRule
        }
        return model.pathRule.reading(reading)
    }

    /// The feature sets `--features` names: one valid set, or all of them.
    static func featureSets(_ arguments: ParsedArguments, _ model: MigrationProtocol) throws(ParsedArguments.UsageError) -> [FeatureSet] {
        guard let list = arguments["--features"] else { return model.validFeatureSets }
        let names = list.split(separator: ",", omittingEmptySubsequences: false)
            .map { String($0).trimmingCharacters(in: " ") }
        var set = FeatureSet()
        for name in names {
            guard let feature = model.features.first(where: { $0.name == name }) else {
                var message = "unknown feature '\(name)' in --features"
                if let suggestion = Suggestion.closest(to: name, among: model.features.map(\.name)) {
                    message += "; did you mean '\(suggestion)'?"
                }
                throw .init(message + "; features: " + model.features.map(\.name).joined(separator: ", "))
            }
            set.formUnion(feature.flag)
        }
        guard model.isValid(set) else {
            let valid = model.validFeatureSets.map { model.featureNames($0).joined(separator: ",") }
            throw .init("\(model.describe(set)) is not a valid feature set; valid sets: " + valid.joined(separator: "; "))
        }
        return [set]
    }

    /// Runs `body` with the spec loaded and `--features` resolved, mapping
    /// spec errors to status 1 and usage errors to status 2.
    static func withSpec(
        _ command: String, _ arguments: ParsedArguments, _ output: inout CommandOutput,
        _ body: (MigrationProtocol, [FeatureSet], inout CommandOutput) throws(ParsedArguments.UsageError) -> ExitStatus
    ) -> ExitStatus {
        guard let model = load(arguments.positionals[0], &output) else { return .failure }
        do {
            let sets = try featureSets(arguments, model)
            return try body(model, sets, &output)
        } catch {
            output.error("migfsm \(command): error: \(error.message)\nhint: run 'migfsm \(command) --help'")
            return .usage
        }
    }
}

extension Commands {
    /// Writes generated files under `--out`, or with `--check` prints the
    /// diff of stale ones and returns 1.
    static func writeOrCheck(_ files: [GeneratedFile], _ arguments: ParsedArguments, _ output: inout CommandOutput, command: String) -> ExitStatus {
        let writer = GeneratedFileWriter(
            directory: arguments["--out"] ?? "Generated",
            checkpoint: WriteStopHook.checkpointOfThisProcess())
        if arguments.has("--check") {
            let diff = writer.check(files)
            if diff.isEmpty { return .success }
            output.standardOutput += diff
            let stale = files.filter { !writer.isCurrent($0) }.map(writer.displayPath)
            let rerun = "migfsm \(command) \(arguments.positionals[0])" + (arguments["--out"].map { " --out \($0)" } ?? "")
            output.error("migfsm \(command): error: stale or missing: \(stale.joined(separator: ", ")); run '\(rerun)'")
            return .failure
        }
        do throws(GenerateError) {
            for (file, outcome) in try writer.write(files) {
                output.print(outcome.rawValue.padding(toLength: 10) + writer.displayPath(file))
            }
            return .success
        } catch {
            output.error("migfsm \(command): error: \(error.message)")
            return .failure
        }
    }
}

extension String {
    func trimmingCharacters(in characters: String) -> String {
        var slice = Substring(self)
        while let first = slice.first, characters.contains(first) { slice.removeFirst() }
        while let last = slice.last, characters.contains(last) { slice.removeLast() }
        return String(slice)
    }
}

/// How a command that reports findings prints them: `--format text|json|sarif`,
/// `--json` being `--format json`.
enum OutputFormat: String, CaseIterable {
    case text, json, sarif

    /// Prints a command's report in this format: its text, its JSON
    /// document, or its findings as a SARIF log under `rules`. Only the
    /// format asked for is rendered.
    func print(text: () -> String, json: () -> String, findings: () -> [Finding], rules: [FindingRule],
               to output: inout CommandOutput) {
        switch self {
        case .text: output.print(text())
        case .json: output.print(json())
        case .sarif:
            let log = SARIFLog(findings: findings(), rules: rules,
                               workingDirectory: FileManager.default.currentDirectoryPath)
            output.print(log.json.rendered())
        }
    }

    init(_ arguments: ParsedArguments) throws(ParsedArguments.UsageError) {
        let named = arguments["--format"].flatMap(OutputFormat.init(rawValue:))
        if arguments.has("--json") {
            guard named == nil || named == .json else { throw .init("--json and --format \(named?.rawValue ?? "") disagree") }
            self = .json
        } else {
            self = named ?? .text
        }
    }
}
