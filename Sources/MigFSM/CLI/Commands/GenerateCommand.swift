import Foundation

extension Commands {
    /// `migfsm generate SPEC [--out DIR] [--check]`: write the C headers,
    /// the Swift source and the JSON tables of a proven spec; with
    /// `--kernel-patch LINUX_TREE`, print the kernel patch instead.
    public static let generate = CommandDefinition(
        name: "generate",
        summary: "Write the C headers, Swift source and JSON tables of a spec (--check: the build step), or its kernel patch.",
        discussion: """
            Writes, under DIR (default: Generated): C/<c-prefix>.h, the kernel's
            table with its lookup (proven by 'migfsm check') for user space;
            C/kernel/<c-prefix>.h, the same for the kernel (VFIO specs);
            Swift/<swift-module>.swift,
            a dependency-free Swift module; <protocol>.json, as 'migfsm table --json';
            docs/<protocol>.md, as 'migfsm doc'; and proposals/<name>.txt, the
            'migfsm diff' of each proposals/<name>.fsm beside the spec.
            Only files whose contents change are rewritten: each new file is
            written whole first, then all are renamed over the old ones. A spec
            whose checks fail (kernel-lookup aside) gets no tables.

            With --check, writes nothing: prints a unified diff of what would
            change and exits 1 when a file is stale or missing.

            With --kernel-patch LINUX_TREE, writes nothing either: prints, in
            git format-patch form, the patch that makes the tree's
            drivers/vfio/vfio_main.c use the kernel header (added as
            drivers/vfio/<c-prefix>.h), or that updates a header an earlier
            patch added; nothing when it is current. The commit message lists
            every request the patched code answers differently. With --check,
            exits 1 when there is a patch.

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
            .value("--kernel-patch", "LINUX_TREE", "print the patch that makes LINUX_TREE use the kernel header"),
            .value("--author", "'NAME <EMAIL>'", "the patch's From: and Signed-off-by: (with --kernel-patch)"),
        ],
        run: { arguments, output in
            let specPath = arguments.positionals[0]
            guard let model = load(specPath, &output) else { return .failure }
            if let sparse = GeneratedFiles.valueRangeError(model) {
                output.error(sparse.rendered)
                return .failure
            }
            if let tree = arguments["--kernel-patch"] {
                return kernelPatch(model, tree: tree, arguments, &output)
            }
            if arguments["--author"] != nil {
                output.error("migfsm generate: error: --author names the author of a patch: give it with --kernel-patch\nhint: run 'migfsm generate --help'")
                return .usage
            }
            let generated: GeneratedFiles
            do throws(GenerateError) {
                generated = try GeneratedFiles(
                    model: model, currentDirectory: FileManager.default.currentDirectoryPath,
                    outputDirectory: arguments["--out"] ?? "Generated")
            } catch {
                output.error("migfsm generate: error: \(error.message)")
                return .failure
            }
            return writeOrCheck(generated.files, arguments, &output, command: "generate")
        })
}

extension Commands {
    /// `generate SPEC --kernel-patch LINUX_TREE [--author A] [--check]`.
    static func kernelPatch(_ model: MigrationProtocol, tree: String, _ arguments: ParsedArguments,
                            _ output: inout CommandOutput) -> ExitStatus {
        if arguments["--out"] != nil {
            output.error("migfsm generate: error: --kernel-patch prints a patch and writes no files: drop --out\nhint: run 'migfsm generate --help'")
            return .usage
        }
        let author = arguments["--author"] ?? KernelPatch.placeholderAuthor
        guard Self.isAuthor(author) else {
            output.error("migfsm generate: error: --author '\(author)' is not 'NAME <EMAIL>'\nhint: run 'migfsm generate --help'")
            return .usage
        }
        let patch: KernelPatch
        do throws(KernelPatch.Failure) {
            patch = try KernelPatch(model: model, tree: tree, author: author)
        } catch {
            switch error {
            case .unproven(let failure): output.error("migfsm generate: error: \(failure.message)")
            case .input(let diagnostics): output.error(diagnostics.rendered)
            }
            return .failure
        }
        output.standardOutput += patch.text
        output.error("migfsm generate: \(patch.summary)")
        if arguments["--author"] == nil && !patch.text.isEmpty {
            output.error("migfsm generate: note: the patch is signed off by '\(author)': give --author 'NAME <EMAIL>'")
        }
        return arguments.has("--check") && !patch.text.isEmpty ? .failure : .success
    }

    /// `Name <user@host>`: a name, then an address in angle brackets.
    static func isAuthor(_ text: String) -> Bool {
        guard text.hasSuffix(">"), let open = text.firstIndex(of: "<") else { return false }
        let name = String(text[..<open]).trimmingCharacters(in: " ")
        let address = text[text.index(after: open)..<text.index(before: text.endIndex)]
        return !name.isEmpty && !name.contains("\n") && address.contains("@") && !address.contains(" ")
            && !address.contains("<") && !address.contains(">")
    }
}
