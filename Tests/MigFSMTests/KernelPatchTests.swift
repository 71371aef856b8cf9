import Foundation
import XCTest
@testable import MigFSM

/// `migfsm generate SPEC --kernel-patch LINUX_TREE` on copies of the real
/// 6.12 `drivers/vfio/vfio_main.c`: the patch applies with `git apply`,
/// passes checkpatch, has git's own diffstat, and the patched
/// `vfio_mig_get_next_state()` answers as the original on every input
/// (`KernelLookupHarness`); regenerating is a no-op, or exactly the change
/// the commit message lists.
final class KernelPatchTests: XCTestCase {
    static let author = "Jane Doe <jane@example.org>"

    /// A scratch tree holding only `drivers/vfio/vfio_main.c`, from the
    /// real 6.12 file, changed by `transform`.
    func tree(_ transform: (String) -> String = { $0 }) throws -> (EmitScratchFolder, original: String) {
        let text = try String(contentsOfFile: KernelTree.path("drivers/vfio/vfio_main.c"), encoding: .utf8)
        let folder = try EmitScratchFolder("kernel-tree")
        let original = transform(text)
        try folder.write("drivers/vfio/vfio_main.c", original)
        return (folder, original)
    }

    func patch(_ tree: EmitScratchFolder, spec: MigrationProtocol = Repository.vfio) throws -> KernelPatch {
        do {
            return try KernelPatch(model: spec, tree: tree.path, author: Self.author)
        } catch {
            switch error {
            case .unproven(let error): XCTFail(error.message)
            case .input(let list): XCTFail(list.rendered)
            }
            throw error
        }
    }

    /// `git apply --check`, then `git apply`, in the tree (not a repository:
    /// git applies to plain folders).
    func apply(_ patch: String, to tree: EmitScratchFolder, file: StaticString = #filePath, line: UInt = #line) throws {
        try tree.write("change.patch", patch)
        defer { try? FileManager.default.removeItem(atPath: tree.file("change.patch")) }
        let check = try runEmitProgram(["git", "apply", "--check", "change.patch"], in: tree.path)
        XCTAssertEqual(check.status, 0, check.errors, file: file, line: line)
        let apply = try runEmitProgram(["git", "apply", "change.patch"], in: tree.path)
        XCTAssertEqual(apply.status, 0, apply.errors, file: file, line: line)
    }

    /// The original function against the patched tree's, on every input.
    func compare(original: String, patched tree: EmitScratchFolder) throws -> KernelLookupHarness.Comparison? {
        let uapi = try String(contentsOfFile: KernelTree.path("include/uapi/linux/vfio.h"), encoding: .utf8)
        let before = try XCTUnwrap(KernelLookupHarness.extractFunction(original))
        let after = try XCTUnwrap(KernelLookupHarness.extractFunction(XCTUnwrap(tree.read("drivers/vfio/vfio_main.c"))))
        var files = try KernelLookupHarness.shim(uapi: uapi)
        files["vfio_mig_fsm.h"] = try XCTUnwrap(tree.read("drivers/vfio/vfio_mig_fsm.h"))
        return try KernelLookupHarness.compare(
            reference: KernelLookupHarness.unit("reference_next_state", before),
            candidate: KernelLookupHarness.unit("candidate_next_state", after, includes: ["vfio_mig_fsm.h"]),
            files: files)
    }

    func testPatchAppliesAndThePatchedFunctionAnswersAsTheOriginal() throws {
        let (tree, original) = try tree()
        defer { tree.remove() }
        let patch = try patch(tree)
        XCTAssertEqual(patch.changes, [])
        XCTAssert(patch.text.contains("vfio_mig_get_next_state() answers exactly as before, warnings included"), patch.text)
        try apply(patch.text, to: tree)
        XCTAssertEqual(tree.listing(), ["drivers/vfio/vfio_main.c", "drivers/vfio/vfio_mig_fsm.h"])
        guard let comparison = try compare(original: original, patched: tree) else { return }
        XCTAssertEqual(comparison.mismatches, [])
        XCTAssertEqual(comparison.cases, 2 * 65536 * 14 * 14)
        XCTAssertEqual(comparison.hung, 0)
        XCTAssertGreaterThan(comparison.warned, 0)
        // The patched function is one call; the header is the kernel
        // header, laid out as the tree's table.
        let patched = try XCTUnwrap(KernelLookupHarness.extractFunction(XCTUnwrap(tree.read("drivers/vfio/vfio_main.c"))))
        XCTAssert(patched.hasSuffix("""
            {
            \treturn vfio_mig_fsm_next_state(device->migration_flags, cur_fsm,
            \t\t\t\t       new_fsm, next_fsm);
            }

            """), patched)
        let header = try XCTUnwrap(tree.read("drivers/vfio/vfio_mig_fsm.h"))
        XCTAssert(header.contains("""
            static const u8 vfio_mig_fsm_table[VFIO_MIG_FSM_NUM_STATES][VFIO_MIG_FSM_NUM_STATES] = {
            \t[VFIO_DEVICE_STATE_STOP] = {
            \t\t[VFIO_DEVICE_STATE_STOP] = VFIO_DEVICE_STATE_STOP,
            \t\t[VFIO_DEVICE_STATE_RUNNING] = VFIO_DEVICE_STATE_RUNNING_P2P,
            \t\t[VFIO_DEVICE_STATE_PRE_COPY] = VFIO_DEVICE_STATE_RUNNING_P2P,
            \t\t[VFIO_DEVICE_STATE_PRE_COPY_P2P] = VFIO_DEVICE_STATE_RUNNING_P2P,

            """), "rows and entries in the kernel's order")
        // The kernel's table lines, one tab less deep, are in the header.
        let tableLines = original.components(separatedBy: "\n").filter { $0.hasPrefix("\t\t\t[VFIO_DEVICE_STATE_") }
        XCTAssertEqual(tableLines.count, 64)
        for line in tableLines { XCTAssert(header.contains(String(line.dropFirst()) + "\n"), line) }
    }

    /// The form of `git format-patch`, with git's own diffstat: git makes a
    /// commit of the applied patch and formats it; the stat must match.
    func testFormatAndDiffstatAreGits() throws {
        let (tree, _) = try tree()
        defer { tree.remove() }
        let text = try patch(tree).text
        XCTAssert(text.hasPrefix("""
            From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001
            From: Jane Doe <jane@example.org>
            Subject: [PATCH] vfio: Generate the migration FSM table from a proven spec


            """), text)
        XCTAssert(text.contains("\n  migfsm generate vfio-v2.fsm --kernel-patch LINUX_TREE\n"))
        XCTAssert(text.contains("\nSigned-off-by: Jane Doe <jane@example.org>\n---\n"))
        XCTAssert(text.contains("\ndiff --git a/drivers/vfio/vfio_main.c b/drivers/vfio/vfio_main.c\n--- a/drivers/vfio/vfio_main.c\n"))
        XCTAssert(text.contains("\ndiff --git a/drivers/vfio/vfio_mig_fsm.h b/drivers/vfio/vfio_mig_fsm.h\nnew file mode 100644\n--- /dev/null\n"))
        XCTAssertFalse(text.contains(tree.path), "absolute paths in the patch")
        XCTAssertEqual(try patch(tree).text, text, "not deterministic")
        for line in text.components(separatedBy: "\n").prefix(while: { $0 != "---" }) {
            XCTAssertLessThanOrEqual(line.count, 75, "commit message line: \(line)")
        }

        // git's own stat of the same change.
        let git = { (arguments: [String]) throws -> EmitProgramRun in
            try runEmitProgram(["git", "-c", "user.name=Jane Doe", "-c", "user.email=jane@example.org",
                                "-c", "commit.gpgsign=false", "-c", "core.autocrlf=false"] + arguments, in: tree.path)
        }
        XCTAssertEqual(try git(["init", "-q", "."]).status, 0)
        XCTAssertEqual(try git(["add", "drivers"]).status, 0)
        XCTAssertEqual(try git(["commit", "-q", "-m", "base"]).status, 0)
        try tree.write("change.patch", text)
        let am = try git(["am", "-q", "change.patch"])
        XCTAssertEqual(am.status, 0, am.errors)
        let formatted = try git(["format-patch", "-1", "--stdout"])
        XCTAssertEqual(formatted.status, 0, formatted.errors)
        func stat(_ patch: String) -> String {
            let lines = patch.components(separatedBy: "\n")
            guard let start = lines.firstIndex(of: "---"), let end = lines[start...].firstIndex(of: "") else { return "" }
            return lines[(start + 1)..<end].joined(separator: "\n")
        }
        XCTAssertFalse(stat(text).isEmpty)
        XCTAssertEqual(stat(text), stat(formatted.output))
        // And git am kept the message and the sign-off.
        let log = try git(["log", "-1", "--format=%an <%ae>%n%s%n%b"])
        XCTAssert(log.output.hasPrefix("Jane Doe <jane@example.org>\nvfio: Generate the migration FSM table from a proven spec\n"), log.output)
    }

    /// checkpatch --strict on the patch: only the notice that a new file
    /// may need a MAINTAINERS entry.
    func testCheckpatchStrictOnThePatch() throws {
        let (tree, _) = try tree()
        defer { tree.remove() }
        let report = try KernelStyleTools.checkpatch(try patch(tree).text, name: "0001-vfio.patch", patch: true)
        XCTAssert(report.contains("total: 0 errors, 1 warnings, 0 checks"), report)
        XCTAssert(report.contains("WARNING: added, moved or deleted file(s), does MAINTAINERS need updating?"), report)
    }

    /// On a tree the patch converted, the header is current: no patch, and
    /// `--check` exits 0.
    func testRegeneratingAPatchedTreeIsANoOp() throws {
        let (tree, _) = try tree()
        defer { tree.remove() }
        try apply(try patch(tree).text, to: tree)
        let again = try patch(tree)
        XCTAssertEqual(again.text, "")
        XCTAssertEqual(again.summary, "\(tree.path)/drivers/vfio/vfio_mig_fsm.h is current: no patch")
        let check = runCLI("generate", Repository.path("Specs/vfio-v2.fsm"), "--kernel-patch", tree.path, "--check")
        XCTAssertEqual(check.status, .success, check.err)
        XCTAssertEqual(check.out, "")
    }

    /// A spec change regenerates the header alone, and the commit message
    /// lists exactly the requests the compiled code answers differently.
    func testASpecChangeUpdatesTheHeaderAndListsEveryChangedRequest() throws {
        let (tree, _) = try tree()
        defer { tree.remove() }
        try apply(try patch(tree).text, to: tree)
        let converted = try XCTUnwrap(tree.read("drivers/vfio/vfio_main.c"))
        let proposal: MigrationProtocol
        do {
            proposal = try SpecReader.load(path: Repository.path("Specs/proposals/stop-copy-to-pre-copy.fsm"))
        } catch {
            return XCTFail(error.rendered)
        }
        try tree.write("include/uapi/linux/vfio.h",
                       String(contentsOfFile: KernelTree.path("include/uapi/linux/vfio.h"), encoding: .utf8))
        let update = try patch(tree, spec: proposal)
        XCTAssert(update.text.contains("Subject: [PATCH] vfio: Regenerate the migration FSM table from stop-copy-to-pre-copy.fsm\n"))
        XCTAssertFalse(update.text.contains("diff --git a/drivers/vfio/vfio_main.c"), "only the header changes")
        // Only devices with the new flag see the change: the header tests it
        // before the table.
        XCTAssertEqual(update.changes, [
            "STOP_COPY -> PRE_COPY: -EINVAL; now gives PRE_COPY ({STOP_COPY, PRE_COPY, PRE_COPY_RETURN} also with undefined bits)",
            "STOP_COPY -> PRE_COPY: -EINVAL; now gives PRE_COPY_P2P ({STOP_COPY, P2P, PRE_COPY, PRE_COPY_RETURN} also with undefined bits; all 32 flag bits)",
            "STOP_COPY -> PRE_COPY_P2P: -EINVAL; now gives PRE_COPY_P2P ({STOP_COPY, P2P, PRE_COPY, PRE_COPY_RETURN} also with undefined bits; all 32 flag bits)",
        ], update.text)
        XCTAssert(update.text.contains("""

              - STOP_COPY -> PRE_COPY: -EINVAL; now gives PRE_COPY ({STOP_COPY,
                PRE_COPY, PRE_COPY_RETURN} also with undefined bits)

            """), update.text)
        // The new flag is not in the tree's uAPI header: the message says so.
        XCTAssert(update.text.contains("\nyet: VFIO_MIGRATION_PRE_COPY_RETURN. Define them there (a uAPI change)\n"), update.text)
        let old = try XCTUnwrap(tree.read("drivers/vfio/vfio_mig_fsm.h"))
        try apply(update.text, to: tree)
        XCTAssertEqual(tree.read("drivers/vfio/vfio_main.c"), converted)
        let new = try XCTUnwrap(tree.read("drivers/vfio/vfio_mig_fsm.h"))

        // Compiled, the two headers differ on exactly the listed requests
        // (the uAPI header given the new flag, as the message asks).
        let uapi = try String(contentsOfFile: KernelTree.path("include/uapi/linux/vfio.h"), encoding: .utf8)
            + "\n#define VFIO_MIGRATION_PRE_COPY_RETURN (1 << 3)\n"
        var files = try KernelLookupHarness.shim(uapi: uapi)
        files["old/vfio_mig_fsm.h"] = old
        files["new/vfio_mig_fsm.h"] = new
        let function = try XCTUnwrap(KernelLookupHarness.extractFunction(converted))
        guard let comparison = try KernelLookupHarness.compare(
            reference: KernelLookupHarness.unit("reference_next_state", function, includes: ["old/vfio_mig_fsm.h"]),
            candidate: KernelLookupHarness.unit("candidate_next_state", function, includes: ["new/vfio_mig_fsm.h"]),
            files: files) else { return }
        XCTAssertEqual(comparison.mismatches.sorted(), [
            "cur 3 new 6 flags&15 13 allones 0: reference -22/0/0/0 candidate 0/6/0/0",
            "cur 3 new 6 flags&15 15 allones 0: reference -22/0/0/0 candidate 0/7/0/0",
            "cur 3 new 6 flags&15 15 allones 1: reference -22/0/0/0 candidate 0/7/0/0",
            "cur 3 new 7 flags&15 15 allones 0: reference -22/0/0/0 candidate 0/7/0/0",
            "cur 3 new 7 flags&15 15 allones 1: reference -22/0/0/0 candidate 0/7/0/0",
        ])
    }

    /// A tree whose skip loop lacks the error guard (v6.2 until the fix):
    /// the patch says which requests change (the ones that never returned)
    /// and why, and the compiled functions differ on exactly those.
    func testUnguardedLoopDifferencesAreStatedAndAreTheOnlyOnes() throws {
        let guarded = "\twhile (*next_fsm != VFIO_DEVICE_STATE_ERROR &&\n\t       (state_flags_table[*next_fsm] & device->migration_flags) !=\n"
        let (tree, original) = try tree { text in
            text.replacingOccurrences(of: guarded, with: "\twhile ((state_flags_table[*next_fsm] & device->migration_flags) !=\n")
        }
        defer { tree.remove() }
        XCTAssertFalse(original.contains("*next_fsm != VFIO_DEVICE_STATE_ERROR &&"), "the fixture still has the guard")
        let patch = try patch(tree)
        XCTAssertEqual(patch.changes, [
            "STOP_COPY -> PRE_COPY: never returned; now -EINVAL ({STOP_COPY, PRE_COPY} also with undefined bits; "
                + "{STOP_COPY, P2P, PRE_COPY} also with undefined bits)",
            "STOP_COPY -> PRE_COPY_P2P: never returned; now -EINVAL ({STOP_COPY, P2P, PRE_COPY} also with undefined bits)",
        ])
        XCTAssert(patch.text.contains("The skip loop now stops at VFIO_DEVICE_STATE_ERROR"), patch.text)
        try apply(patch.text, to: tree)
        guard let comparison = try compare(original: original, patched: tree) else { return }
        // STOP_COPY (3) -> PRE_COPY (6) with flags & 7 in {5, 7}, and
        // STOP_COPY -> PRE_COPY_P2P (7) with 7: the original hangs, the
        // patched returns -EINVAL with *next_fsm = ERROR (the harness cut
        // the original's loop off: status/next/warned/hung).
        XCTAssertEqual(comparison.mismatches.sorted(), [
            "cur 3 new 6 flags&15 13 allones 0: reference -22/57005/0/1 candidate -22/0/0/0",
            "cur 3 new 6 flags&15 15 allones 0: reference -22/57005/0/1 candidate -22/0/0/0",
            "cur 3 new 6 flags&15 5 allones 0: reference -22/57005/0/1 candidate -22/0/0/0",
            "cur 3 new 6 flags&15 7 allones 0: reference -22/57005/0/1 candidate -22/0/0/0",
            "cur 3 new 7 flags&15 15 allones 0: reference -22/57005/0/1 candidate -22/0/0/0",
            "cur 3 new 7 flags&15 7 allones 0: reference -22/57005/0/1 candidate -22/0/0/0",
        ])
        let kernel = try XCTUnwrap(KernelTable(paths: XCTUnwrap(ProtocolPaths(model: Repository.vfio).full)))
        XCTAssertEqual(comparison.hung, KernelLookupHarness.expectedCounts(kernel, loop: .unguarded).hung)
    }

    func testErrors() throws {
        let spec = Repository.path("Specs/vfio-v2.fsm")
        let empty = try EmitScratchFolder("kernel-empty")
        defer { empty.remove() }
        let missing = runCLI("generate", spec, "--kernel-patch", empty.path)
        XCTAssertEqual(missing.status, .failure)
        XCTAssertEqual(missing.err, "\(empty.path)/drivers/vfio/vfio_main.c: error: no such file\n")
        XCTAssertEqual(missing.out, "")

        try empty.write("drivers/vfio/vfio_main.c", "#include <linux/vfio.h>\n\nint other(void)\n{\n\treturn 0;\n}\n")
        let noFunction = runCLI("generate", spec, "--kernel-patch", empty.path)
        XCTAssertEqual(noFunction.status, .failure)
        XCTAssert(noFunction.err.hasPrefix("\(empty.path)/drivers/vfio/vfio_main.c:1:1: error: no definition of vfio_mig_get_next_state()"),
                  noFunction.err)

        // A body that is not upstream's: migfsm will not claim what it changes.
        let (edited, _) = try tree { $0.replacingOccurrences(of: "\t\treturn -EINVAL;\n\n\tif (new_fsm", with: "\t\treturn -EIO;\n\n\tif (new_fsm") }
        defer { edited.remove() }
        let unknown = runCLI("generate", spec, "--kernel-patch", edited.path)
        XCTAssertEqual(unknown.status, .failure)
        XCTAssert(unknown.err.contains("/drivers/vfio/vfio_main.c:672:1: error: the body of vfio_mig_get_next_state() is not upstream's"),
                  unknown.err)

        // A spec named otherwise than the VFIO uAPI has no kernel header.
        try empty.write("tiny.fsm", TinySpecs.twoStates())
        let tiny = runCLI("generate", empty.file("tiny.fsm"), "--kernel-patch", empty.path)
        XCTAssertEqual(tiny.status, .failure)
        XCTAssertEqual(tiny.err, "\(empty.file("tiny.fsm")): error: the spec's C names are not the VFIO uAPI's "
            + "(c-enum tiny_state): it has no kernel header to patch in\n")

        XCTAssertEqual(runCLI("generate", spec, "--kernel-patch", empty.path, "--out", "x").status, .usage)
        XCTAssertEqual(runCLI("generate", spec, "--kernel-patch", empty.path, "--author", "nobody").status, .usage)
    }

    /// Without --author the patch is signed off by a placeholder, and the
    /// command says so.
    func testPlaceholderAuthorIsNamed() throws {
        let (tree, _) = try tree()
        defer { tree.remove() }
        let result = runCLI("generate", Repository.path("Specs/vfio-v2.fsm"), "--kernel-patch", tree.path)
        XCTAssertEqual(result.status, .success, result.err)
        XCTAssert(result.out.contains("\nFrom: Your Name <you@example.com>\n"))
        XCTAssertEqual(result.err, """
            migfsm generate: the patched vfio_mig_get_next_state() answers as before on all 1700 lookups
            migfsm generate: note: the patch is signed off by 'Your Name <you@example.com>': give --author 'NAME <EMAIL>'

            """)
        let check = runCLI("generate", Repository.path("Specs/vfio-v2.fsm"), "--kernel-patch", tree.path, "--check")
        XCTAssertEqual(check.status, .failure, "--check fails while there is a patch")
    }

    /// A layout read from code is completed for the spec: unknown values
    /// and repeats dropped, missing states appended by value, rows without
    /// an order of their own take the first row's.
    func testLayoutFromCodeIsCompleted() {
        let model = Repository.vfio
        let layout = KernelTableLayout(model: model, rows: [1, 9, 1, 0], columns: [1: [7, 1, 42]], masks: [3])
        XCTAssertEqual(layout.rows, [1, 0, 2, 3, 4, 5, 6, 7])
        XCTAssertEqual(layout.columns[1], [7, 1, 0, 2, 3, 4, 5, 6])
        XCTAssertEqual(layout.columns[0], [7, 1, 0, 2, 3, 4, 5, 6])
        XCTAssertEqual(layout.masks, [3, 0, 1, 2, 4, 5, 6, 7])
        XCTAssertEqual(KernelTableLayout.byValue(model).rows, Array(0...7))
    }
}
