import Foundation
import XCTest
@testable import MigFSM

/// The kernel's own style checkers, run on generated C: `checkpatch.pl
/// --strict` of the 6.12 tree (with perl) and clang-format with the tree's
/// `.clang-format`. A test skips with a message when a tool or the tree is
/// missing; `.ci/run` installs them.
enum KernelStyleTools {
    /// `checkpatch.pl --strict --no-tree` on `text` saved as `name` (`-f`
    /// for a source file, as a patch otherwise), run in a scratch folder so
    /// its CamelCase cache lands there. Returns the report.
    static func checkpatch(_ text: String, name: String, patch: Bool = false) throws -> String {
        let script = try KernelTree.path("scripts/checkpatch.pl")
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: "/usr/bin/perl")
            || (try? runEmitProgram(["perl", "-e", "1"]).status) == 0, "no perl: install perl to run checkpatch.pl")
        let folder = try EmitScratchFolder("checkpatch")
        defer { folder.remove() }
        try folder.write(name, text)
        let arguments = ["perl", script, "--strict", "--no-tree", "--no-color"] + (patch ? [] : ["-f"]) + [name]
        let run = try runEmitProgram(arguments, in: folder.path)
        return run.output + run.errors
    }

    /// What clang-format with the kernel's `.clang-format` would change in
    /// `text` (a unified diff), or "" when it is clean.
    static func clangFormatChanges(_ text: String, name: String) throws -> String {
        let style = try KernelTree.path(".clang-format")
        let version = try? runEmitProgram(["clang-format", "--version"])
        try XCTSkipUnless(version?.status == 0, "no clang-format: install clang-format to check the kernel's style")
        let folder = try EmitScratchFolder("clang-format")
        defer { folder.remove() }
        try folder.write(".clang-format", String(contentsOfFile: style, encoding: .utf8))
        try folder.write(name, text)
        let run = try runEmitProgram(["clang-format", "--style=file", name], in: folder.path)
        XCTAssertEqual(run.status, 0, run.errors)
        return UnifiedDiff.render(old: text, new: run.output, oldLabel: "a/" + name, newLabel: "b/" + name)
    }
}
