import Foundation

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
            switch format {
            case .text:
                output.standardOutput += report.rendered
            case .json:
                output.print(report.json.rendered())
            case .sarif:
                let log = SARIFLog(findings: report.findings, rules: FindingRule.importRules,
                                   workingDirectory: FileManager.default.currentDirectoryPath)
                output.print(log.json.rendered())
            }
            return report.agrees ? .success : .failure
        })
}

extension Commands {
    /// `migfsm audit-driver FILE.c --spec SPEC --features A,B`.
    public static let auditDriver = CommandDefinition(
        name: "audit-driver",
        summary: "Audit a driver's step function (or a patch adding one) against a spec.",
        discussion: """
            Extracts the arcs the step function handles (conditions like
            'cur == VFIO_DEVICE_STATE_X && new == VFIO_DEVICE_STATE_Y', also
            joined with '||') and reports, for the claimed feature set: required
            arcs it lacks, each with a user request that reaches it; arcs the
            core never asks for (dead code); whether the 'migration_flags' it
            sets match. FILE may be a unified diff (.patch, .diff): then only
            the lines it adds are audited. Exit status: 0 when the driver
            matches, 1 when it does not or the file has errors, 2 for usage errors.

            EXAMPLE: migfsm audit-driver drivers/vfio/pci/nvme/main.c --spec Specs/vfio-v2.fsm --features STOP_COPY
            """,
        positionals: [.init("FILE.c", "the driver source, or a patch (.patch, .diff)")],
        options: [
            .value("--spec", "SPEC", "the spec file (.fsm) (required)"),
            .value("--features", "A,B", "the feature set the driver claims (required)"),
        ],
        run: { arguments, output in
            for required in ["--spec", "--features"] where arguments[required] == nil {
                output.error("migfsm audit-driver: error: missing '\(required) \(required == "--spec" ? "SPEC" : "A,B")'\nhint: run 'migfsm audit-driver --help'")
                return .usage
            }
            guard let model = load(arguments["--spec"]!, &output) else { return .failure }
            let sets: [FeatureSet]
            do throws(ParsedArguments.UsageError) {
                sets = try featureSets(arguments, model)
            } catch {
                output.error("migfsm audit-driver: error: \(error.message)\nhint: run 'migfsm audit-driver --help'")
                return .usage
            }
            let audit: DriverAudit
            do throws(DiagnosticList) {
                audit = try DriverAudit.load(path: arguments.positionals[0], model: model, features: sets[0])
            } catch {
                output.error(error.rendered)
                return .failure
            }
            output.standardOutput += audit.rendered
            return audit.passes ? .success : .failure
        })
}
