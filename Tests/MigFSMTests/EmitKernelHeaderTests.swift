import Foundation
import XCTest
@testable import MigFSM

/// The kernel header, `Generated/C/kernel/vfio_mig_fsm.h`: compiled beside
/// the real 6.12 `vfio_mig_get_next_state()` and compared on every input;
/// clean under the kernel's checkpatch and clang-format; the proven table.
final class EmitKernelHeaderTests: XCTestCase {
    static let header = vfioGenerated.contents("C/kernel/vfio_mig_fsm.h")
    static let userHeader = vfioGenerated.contents("C/vfio_mig_fsm.h")

    /// The lookup answers as upstream's function on each of the 25,690,112
    /// inputs (`KernelLookupHarness`): return value, `*next_fsm`, WARN_ON.
    func testAnswersAsUpstreamOnEveryInput() throws {
        let main = try String(contentsOfFile: KernelTree.path("drivers/vfio/vfio_main.c"), encoding: .utf8)
        let uapi = try String(contentsOfFile: KernelTree.path("include/uapi/linux/vfio.h"), encoding: .utf8)
        let original = try XCTUnwrap(KernelLookupHarness.extractFunction(main))
        var files = try KernelLookupHarness.shim(uapi: uapi)
        files["vfio_mig_fsm.h"] = Self.header
        let wrapper = """
            int vfio_mig_get_next_state(struct vfio_device *device,
            \t\t\t    enum vfio_device_mig_state cur_fsm,
            \t\t\t    enum vfio_device_mig_state new_fsm,
            \t\t\t    enum vfio_device_mig_state *next_fsm)
            {
            \treturn vfio_mig_fsm_next_state(device->migration_flags, cur_fsm, new_fsm, next_fsm);
            }

            """
        guard let comparison = try KernelLookupHarness.compare(
            reference: KernelLookupHarness.unit("reference_next_state", original),
            candidate: KernelLookupHarness.unit("candidate_next_state", wrapper, includes: ["vfio_mig_fsm.h"]),
            files: files) else { return }
        XCTAssertEqual(comparison.mismatches, [])
        // The reference did what the model says it does: the comparison
        // covered served, refused and warned requests, and nothing hung.
        let kernel = try XCTUnwrap(KernelTable(paths: XCTUnwrap(ProtocolPaths(model: Repository.vfio).full)))
        let expected = KernelLookupHarness.expectedCounts(kernel, loop: .guarded)
        XCTAssertEqual(comparison.cases, 2 * 65536 * 14 * 14)
        XCTAssertEqual(comparison.cases, expected.cases)
        XCTAssertEqual(comparison.served, expected.served)
        XCTAssertEqual(comparison.warned, expected.warned)
        XCTAssertEqual(comparison.refused, expected.refused)
        XCTAssertEqual(comparison.hung, 0)
        XCTAssertGreaterThan(comparison.served, 0)
    }

    /// The header's static assertions stop a build whose uAPI values are
    /// not the spec's.
    func testStaticAssertionsCheckTheUAPIValues() throws {
        let uapi = try String(contentsOfFile: KernelTree.path("include/uapi/linux/vfio.h"), encoding: .utf8)
        let folder = try EmitScratchFolder("kernel-assert")
        defer { folder.remove() }
        for (path, text) in try KernelLookupHarness.shim(uapi: uapi, stateOverride: ("VFIO_DEVICE_STATE_RUNNING", 9)) {
            try folder.write(path, text)
        }
        try folder.write("vfio_mig_fsm.h", Self.header)
        try folder.write("use.c", "#include \"kernel.h\"\n#include \"vfio_mig_fsm.h\"\n")
        let run = try runEmitProgram([emitCCompiler, "-std=gnu11", "-c", "-I", folder.path, folder.file("use.c"),
                                      "-o", folder.file("use.o")])
        XCTAssertNotEqual(run.status, 0)
        XCTAssert(run.errors.contains("VFIO_DEVICE_STATE_RUNNING == 2"), run.errors)
    }

    /// What a kernel build with W=1 and C=1 (sparse) would say of the
    /// header, as far as a build against shims of the kernel's headers can
    /// tell: nothing. (A real `make W=1 C=1` needs a configured full tree.)
    func testSparseAndExtraWarningsAreSilent() throws {
        let uapi = try String(contentsOfFile: KernelTree.path("include/uapi/linux/vfio.h"), encoding: .utf8)
        let folder = try EmitScratchFolder("kernel-sparse")
        defer { folder.remove() }
        for (path, text) in try KernelLookupHarness.shim(uapi: uapi) { try folder.write(path, text) }
        try folder.write("vfio_mig_fsm.h", Self.header)
        try folder.write("use.c", """
            #include "kernel.h"
            #include "vfio_mig_fsm.h"

            int use(u32 flags, enum vfio_device_mig_state cur, enum vfio_device_mig_state new,
            	enum vfio_device_mig_state *next);

            int use(u32 flags, enum vfio_device_mig_state cur, enum vfio_device_mig_state new,
            	enum vfio_device_mig_state *next)
            {
            	return vfio_mig_fsm_next_state(flags, cur, new, next);
            }

            """)
        // The warnings W=1 adds that apply to a header of tables and an
        // inline function, on top of -Wall -Wextra.
        let gcc = try runEmitProgram([emitCCompiler, "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter",
                                      "-Wmissing-prototypes", "-Wstrict-prototypes", "-Wold-style-definition",
                                      "-Wmissing-declarations", "-Wunused-const-variable=2", "-Wshadow", "-Wcast-align",
                                      "-c", "-I", folder.path, folder.file("use.c"), "-o", folder.file("use.o")])
        XCTAssertEqual(gcc.status, 0, gcc.errors)
        let available = try? runEmitProgram(["sparse", "--version"])
        try XCTSkipUnless(available?.status == 0, "no sparse: install sparse to run the kernel's C=1 checker")
        let sparse = try runEmitProgram(["sparse", "-Wsparse-all", "-I", folder.path, folder.file("use.c")])
        XCTAssertEqual(sparse.status, 0, sparse.errors)
        XCTAssertEqual(sparse.output + sparse.errors, "")
    }

    func testCheckpatchStrictIsClean() throws {
        for (name, text) in [("vfio_mig_fsm.h", Self.header), ("vfio_mig_fsm_user.h", Self.userHeader)] {
            let report = try KernelStyleTools.checkpatch(text, name: name)
            XCTAssert(report.contains("total: 0 errors, 0 warnings, 0 checks"), "\(name):\n\(report)")
        }
    }

    func testClangFormatWithTheKernelStyleChangesNothing() throws {
        for (name, text) in [("vfio_mig_fsm.h", Self.header), ("vfio_mig_fsm_user.h", Self.userHeader)] {
            XCTAssertEqual(try KernelStyleTools.clangFormatChanges(text, name: name), "", name)
        }
    }

    /// import-c's independent reader gives back exactly the proven table.
    func testTableReadsBackAsTheProvenOne() throws {
        let model = Repository.vfio
        let proven = try XCTUnwrap(KernelTable(paths: XCTUnwrap(ProtocolPaths(model: model).full)))
        let source = try SourceText.read(text: Self.header, path: "vfio_mig_fsm.h")
        let imported = try KernelCodeImport.read(CSource(source), model: model)
        XCTAssertEqual(imported.table.name, "vfio_mig_fsm_table")
        XCTAssertEqual(imported.kernel.entries, proven.entries)
        XCTAssertEqual(imported.kernel.masks, proven.masks)
    }

    /// Kernel code only: <linux/vfio.h>, kernel types, no user-space
    /// branches, a license, and how to regenerate.
    func testKernelForm() {
        let header = Self.header
        XCTAssert(header.hasPrefix("/* SPDX-License-Identifier: GPL-2.0-only */\n"))
        XCTAssert(header.contains("#include <linux/vfio.h>\n"))
        XCTAssert(header.contains("static_assert(VFIO_DEVICE_STATE_RUNNING_P2P == 5);\n"))
        XCTAssert(header.contains("static const u8 vfio_mig_fsm_table[VFIO_MIG_FSM_NUM_STATES][VFIO_MIG_FSM_NUM_STATES] = {\n"))
        XCTAssert(header.contains("static const u32 vfio_mig_fsm_state_flags[VFIO_MIG_FSM_NUM_STATES] = {\n"))
        XCTAssert(header.contains("\tif (WARN_ON(cur_fsm >= ARRAY_SIZE(vfio_mig_fsm_table) ||\n"))
        XCTAssert(header.contains("\twhile (*next_fsm != VFIO_DEVICE_STATE_ERROR &&\n"))
        XCTAssert(header.contains(" *   migfsm generate vfio-v2.fsm --kernel-patch LINUX_TREE\n"))
        for absent in ["__KERNEL__", "uint32_t", "uint8_t", "_Static_assert", "HAVE_ENUM", "do not edit", "Specs/"] {
            XCTAssertFalse(header.contains(absent), absent)
        }
    }

    /// A protocol whose C names are not the VFIO uAPI's gets no kernel header.
    func testOnlyForTheVFIONaming() throws {
        let spec = TinySpecs.twoStates()
        let model = try SpecReader.read(text: spec, path: "tiny.fsm")
        let files = try GeneratedFiles(model: model)
        XCTAssertEqual(files.files.map(\.path).filter { $0.hasPrefix("C/") }, ["C/tiny_fsm.h"])
    }
}
