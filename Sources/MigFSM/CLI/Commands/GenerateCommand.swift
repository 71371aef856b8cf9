import Foundation

extension Commands {
    /// `migfsm generate SPEC [--out DIR] [--check]`: write the C header,
    /// the Swift source and the JSON tables of a proven spec.
    public static let generate = CommandDefinition(
        name: "generate",
        summary: "Write the C header, Swift source and JSON tables of a spec (--check: the build step).",
        discussion: """
            Writes, under DIR (default: Generated): C/<c-prefix>.h, the kernel's
            table with a lookup proven by 'migfsm check'; Swift/<swift-module>.swift,
            a dependency-free Swift module; <protocol>.json, as 'migfsm table --json';
            docs/<protocol>.md, as 'migfsm doc'; and proposals/<name>.txt, the
            'migfsm diff' of each proposals/<name>.fsm beside the spec.
            Only files whose contents change are rewritten: each new file is
            written whole first, then all are renamed over the old ones. A spec
            whose checks fail (kernel-lookup aside) gets no tables.

            With --check, writes nothing: prints a unified diff of what would
            change and exits 1 when a file is stale or missing.

            IN A BUILD OR CI STEP: run 'migfsm generate SPEC --check' (add
            '--out DIR' if the tables live elsewhere): it fails the step, with
            the diff, whenever the committed tables differ from what the spec
            generates.

            EXAMPLES:
              migfsm generate Specs/vfio-v2.fsm           # write Generated/
              migfsm generate Specs/vfio-v2.fsm --check   # the build step
            """,
        positionals: [spec],
        options: [
            .value("--out", "DIR", "the output folder (default: Generated)"),
            .flag("--check", "the build/CI step: write nothing; exit 1 with a diff if a file is stale or missing"),
        ],
        run: { arguments, output in
            let specPath = arguments.positionals[0]
            guard let model = load(specPath, &output) else { return .failure }
            if let sparse = GeneratedFiles.valueRangeError(model) {
                output.error(sparse.rendered)
                return .failure
            }
            let generated: GeneratedFiles
            do throws(GenerateError) {
                generated = try GeneratedFiles(
                    model: model, currentDirectory: FileManager.default.currentDirectoryPath)
            } catch {
                output.error("migfsm generate: error: \(error.message)")
                return .failure
            }
            return writeOrCheck(generated.files, arguments, &output, command: "generate")
        })
}
