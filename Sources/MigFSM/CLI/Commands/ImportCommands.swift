extension Commands {
    /// `migfsm import-c FILE.c --spec SPEC [--features A,B] [--json]`.
    public static let importC = CommandDefinition(
        name: "import-c",
        summary: "Prove a kernel next-state table written in C against a spec.",
        discussion: """
            Reads the next-state table ('static const u8 NAME[N][N] = { [STATE] =
            { [STATE] = STATE, ... }, ... };') and the feature-mask table
            ('static const unsigned int NAME[N] = { [STATE] = FLAG | FLAG, ... };'),
            resolves names through the spec's C naming, and runs the kernel's
            lookup (skip loop included) for every flags value and request, as
            'check' does. Prints each divergence as: feature set, request,
            entries walked, what the spec says (--format sarif: as SARIF 2.1.0
            results at the table, for code scanning). Exit status: 0 when the code
            agrees in every case, 1 on a divergence or an error in the file,
            2 for usage errors.

            EXAMPLE: migfsm import-c drivers/vfio/vfio_main.c --spec Specs/vfio-v2.fsm
            """,
        positionals: [.init("FILE.c", "the C source holding the tables")],
        options: [
            .value("--spec", "SPEC", "the spec file (.fsm) (required)"),
            .value("--features", "A,B", "prove only this feature set's flags (default: every flags value)"),
            outputFormat,
            .flag("--json", "print JSON (as --format json)"),
        ],
        run: { arguments, output in
            guard let specPath = arguments["--spec"] else {
                output.error("migfsm import-c: error: missing '--spec SPEC'\nhint: run 'migfsm import-c --help'")
                return .usage
            }
            guard let model = load(specPath, &output) else { return .failure }
            let sets: [FeatureSet]
            let format: OutputFormat
            do throws(ParsedArguments.UsageError) {
                sets = try featureSets(arguments, model)
                format = try OutputFormat(arguments)
            } catch {
                output.error("migfsm import-c: error: \(error.message)\nhint: run 'migfsm import-c --help'")
                return .usage
            }
            let code: KernelCodeImport
            do throws(DiagnosticList) {
                code = try KernelCodeImport.load(path: arguments.positionals[0], model: model)
            } catch {
                output.error(error.rendered)
                return .failure
            }
            let report = ImportReport(code: code, model: model, features: arguments["--features"] != nil ? sets.first : nil)
            format.print(text: { report.rendered }, json: { report.json.rendered() }, findings: { report.allFindings },
                         rules: FindingRule.importRules, to: &output)
            return report.agrees ? .success : .failure
        })
}

extension Commands {
    /// `migfsm audit-driver PATH... --spec SPEC [--features A,B] [--format text|json|sarif]`.
    public static let auditDriver = CommandDefinition(
        name: "audit-driver",
        summary: "Audit migration drivers as they stand (folders, files or patches) against a spec.",
        discussion: """
            Reads each driver's folder (every .c and .h in it; a file alone, or the
            lines a patch adds): finds set_state through the 'migration_set_state'
            op and its step function, the 'migration_flags' assignments wherever
            they are (each condition that sets a flag gives its own feature set),
            and the reset path ('reset_done', the deferred-reset helper). For every
            feature set the code can set (or the one --features claims) it reports
            the required arcs the step function lacks, branches that always fail,
            results of commands the step drops or a void helper swallows, sessions
            ended before a command that can still fail or leaked on failure, and
            resets that do not restore RUNNING. Each defect is run through the
            fault-injection explorer alone and its shortest trace is printed
            under the finding. Exit status: 0 when no error is found (warnings and
            notes allowed), 1 on an error, 2 for usage errors.

            EXAMPLE: migfsm audit-driver drivers/vfio/pci/qat --spec Specs/vfio-v2.fsm
            """,
        positionals: [.init("PATH", "a driver's folder, a C file, or a patch (.patch, .diff)", repeats: true)],
        options: [
            .value("--spec", "SPEC", "the spec file (.fsm) (required)"),
            .value("--features", "A,B", "audit only this feature set, the one the driver claims (default: every set its code can set)"),
            outputFormat,
            .flag("--json", "print JSON (as --format json)"),
        ],
        run: { arguments, output in
            guard let specPath = arguments["--spec"] else {
                output.error("migfsm audit-driver: error: missing '--spec SPEC'\nhint: run 'migfsm audit-driver --help'")
                return .usage
            }
            guard let model = load(specPath, &output) else { return .failure }
            let sets: [FeatureSet]
            let format: OutputFormat
            do throws(ParsedArguments.UsageError) {
                sets = try featureSets(arguments, model)
                format = try OutputFormat(arguments)
            } catch {
                output.error("migfsm audit-driver: error: \(error.message)\nhint: run 'migfsm audit-driver --help'")
                return .usage
            }
            let audit = DriverAudit.run(paths: arguments.positionals, model: model,
                                        features: arguments["--features"] != nil ? sets.first : nil)
            format.print(text: { audit.rendered }, json: { audit.json.rendered() }, findings: { audit.findings },
                         rules: FindingRule.auditRules, to: &output)
            return audit.passes ? .success : .failure
        })
}

extension Commands {
    /// `migfsm extract-driver PATH... --spec SPEC`.
    public static let extractDriver = CommandDefinition(
        name: "extract-driver",
        summary: "Print a driver's C code as a driver file for 'migfsm explore --driver'.",
        discussion: """
            Reads the driver as 'audit-driver' does and prints its model in the
            driver language: the feature sets its code can set, the arcs its step
            function handles, how each can fail ('stays', 'after-session',
            'swallowed' when a command's failure never reaches the step's result),
            its departures ('ends-session-early', 'always-fails', 'returns-no-session',
            'keeps-session', 'leaks-session-on-failure'), the deferred reset, and
            resets that do not restore on some feature set ('quirk reset-keeps-state
            for A | B'). Every line names the C place it comes from. Exit status: 0
            when the PATHs hold exactly one driver, 1 otherwise, 2 for usage errors.

            EXAMPLE: migfsm extract-driver drivers/vfio/pci/mlx5 --spec Specs/vfio-v2.fsm > mlx5.driver
            """,
        positionals: [.init("PATH", "a driver's folder, a C file, or a patch (.patch, .diff)", repeats: true)],
        options: [.value("--spec", "SPEC", "the spec file (.fsm) (required)")],
        run: { arguments, output in
            guard let specPath = arguments["--spec"] else {
                output.error("migfsm extract-driver: error: missing '--spec SPEC'\nhint: run 'migfsm extract-driver --help'")
                return .usage
            }
            guard let model = load(specPath, &output) else { return .failure }
            let sources = DriverSources.read(arguments.positionals)
            for error in sources.errors { output.error(error.rendered) }
            var drivers: [DriverModel] = []
            for code in sources.groups {
                var names = CNames(model: model, path: code.files.first?.path ?? "")
                for file in code.files { _ = names.declareEnums(file.tokens, source: file.source) }
                drivers += DriverModel.extract(code, names: names)
            }
            guard drivers.count == 1, let driver = drivers.first else {
                let place = arguments.positionals.first ?? ""
                if drivers.isEmpty {
                    output.error("\(place): error: no migration driver: no '.migration_set_state = ...' op and no step function")
                } else {
                    output.error("\(place): error: \(drivers.count) drivers (\(drivers.map(\.name).joined(separator: ", "))); give one driver's folder")
                }
                return .failure
            }
            for note in driver.notes { output.error(note.rendered) }
            output.standardOutput += driver.driverFile
            return sources.errors.isEmpty ? .success : .failure
        })
}
