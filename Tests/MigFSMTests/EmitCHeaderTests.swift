import Foundation
import XCTest
@testable import MigFSM

/// The generated user-space C header, compiled with the system C compiler
/// and run: `vfio_mig_fsm_next_state` must agree with
/// `KernelTable.generatedLookup` (what `migfsm check` proves) and with the
/// model's path tables, flag bits the spec does not define included.
final class EmitCHeaderTests: XCTestCase {
    static let header = vfioGenerated.contents("C/vfio_mig_fsm.h")

    /// Prints `flags cur target status next` for every input; `next` stays
    /// 57005 (0xdead) when the lookup refuses the current or requested
    /// state, and is ERROR (0) when the table refuses, as in the kernel.
    static let harness = """
        #include <stdio.h>
        #include "vfio_mig_fsm.h"

        int main(void)
        {
        \tstatic const unsigned int flags[] = {
        \t\t0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
        \t\t0x80000001u, 0xffffffffu,
        \t};
        \tstatic const unsigned int states[] = {
        \t\t0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 255, 256, 0xffffffffu,
        \t};
        \tsize_t f, c, t;

        \tfor (f = 0; f < sizeof(flags) / sizeof(flags[0]); f++)
        \t\tfor (c = 0; c < sizeof(states) / sizeof(states[0]); c++)
        \t\t\tfor (t = 0; t < sizeof(states) / sizeof(states[0]); t++) {
        \t\t\t\tunsigned int next = 0xdead;
        \t\t\t\tint status = vfio_mig_fsm_next_state(flags[f],
        \t\t\t\t\tstates[c], states[t], &next);

        \t\t\t\tprintf("%lu %lu %lu %d %lu\\n",
        \t\t\t\t       (unsigned long)flags[f],
        \t\t\t\t       (unsigned long)states[c],
        \t\t\t\t       (unsigned long)states[t], status,
        \t\t\t\t       (unsigned long)next);
        \t\t\t}
        \treturn 0;
        }

        """

    /// Compiles the harness against the header and returns its lines.
    func runHarness(extraFlags: [String] = [], shim: [String: String] = [:]) throws -> [Substring]? {
        let folder = try EmitScratchFolder("c-header")
        defer { folder.remove() }
        try folder.write("vfio_mig_fsm.h", Self.header)
        try folder.write("harness.c", Self.harness)
        for (path, text) in shim { try folder.write("shim/" + path, text) }
        let flags = extraFlags + (shim.isEmpty ? [] : ["-I", folder.file("shim")])
        guard try compileEmittedC([folder.file("harness.c")], output: folder.file("harness"), extraFlags: flags) else {
            return nil
        }
        let run = try runEmitProgram([folder.file("harness")])
        XCTAssertEqual(run.status, 0, run.errors)
        return run.output.split(separator: "\n")
    }

    /// Every harness line against generatedLookup and the model.
    func assertAgrees(_ lines: [Substring], file: StaticString = #filePath, line: UInt = #line) throws {
        let model = Repository.vfio
        let paths = ProtocolPaths(model: model)
        let kernel = try XCTUnwrap(KernelTable(paths: XCTUnwrap(paths.full)))
        XCTAssertEqual(lines.count, 18 * 13 * 13, file: file, line: line)
        var mismatches: [String] = []
        var served = 0
        for text in lines {
            let fields = text.split(separator: " ")
            guard fields.count == 5, let flags = UInt32(fields[0]), let current = UInt32(fields[1]),
                  let target = UInt32(fields[2]), let status = Int32(fields[3]), let next = UInt32(fields[4]) else {
                XCTFail("bad harness line: \(text)", file: file, line: line)
                return
            }
            let c: UInt32? = status == 0 ? next : nil
            if status != 0 && (status != -22 || (next != 0xdead && next != 0)) {
                mismatches.append("\(text): refusals return -22 and leave *next alone or ERROR")
            }
            if status != 0 && next == 0 && !(kernel.masks.indices.contains(Int(current))
                    && kernel.masks.indices.contains(Int(target))) {
                mismatches.append("\(text): an out-of-range refusal writes *next")
            }
            guard let proven = generatedNextState(kernel, flags: flags, current: current, target: target) else {
                mismatches.append("\(text): generatedLookup does not end")
                continue
            }
            let expected = modelNextState(model, paths, flags: flags, current: current, target: target)
            if c != proven { mismatches.append("\(text): generatedLookup gives \(String(describing: proven))") }
            if c != expected { mismatches.append("\(text): the model gives \(String(describing: expected))") }
            if c != nil { served += 1 }
        }
        XCTAssert(mismatches.isEmpty, mismatches.prefix(20).joined(separator: "\n"), file: file, line: line)
        // 4 feature sets: 4*4 + 5*5 + (5*5 - 1) + (7*7 - 2) served requests,
        // each for flags 1, 3, 5, 7 and again with bit 3 (9, 11, 13, 15);
        // 0x80000001 is {STOP_COPY}, 0xffffffff all features.
        XCTAssertEqual(served, 2 * (16 + 25 + 24 + 47) + 16 + 47, file: file, line: line)
    }

    func testCompiledLookupAgreesWithProvenLookupAndModel() throws {
        guard let lines = try runHarness() else { return }
        try assertAgrees(lines)
    }

    /// With VFIO_MIG_FSM_HAVE_ENUM the includer's enum and flags are used,
    /// and their values are checked at compile time.
    func testIncluderOwnEnum() throws {
        let folder = try EmitScratchFolder("c-enum")
        defer { folder.remove() }
        try folder.write("vfio_mig_fsm.h", Self.header)
        func source(runningValue: Int) -> String {
            """
            enum vfio_device_mig_state {
            \tVFIO_DEVICE_STATE_ERROR = 0,
            \tVFIO_DEVICE_STATE_STOP = 1,
            \tVFIO_DEVICE_STATE_RUNNING = \(runningValue),
            \tVFIO_DEVICE_STATE_STOP_COPY = 3,
            \tVFIO_DEVICE_STATE_RESUMING = 4,
            \tVFIO_DEVICE_STATE_RUNNING_P2P = 5,
            \tVFIO_DEVICE_STATE_PRE_COPY = 6,
            \tVFIO_DEVICE_STATE_PRE_COPY_P2P = 7,
            };
            #define VFIO_MIGRATION_STOP_COPY (1 << 0)
            #define VFIO_MIGRATION_P2P (1 << 1)
            #define VFIO_MIGRATION_PRE_COPY (1 << 2)
            #define VFIO_MIG_FSM_HAVE_ENUM
            #include "vfio_mig_fsm.h"

            int main(void)
            {
            \tunsigned int next = 0;

            \treturn vfio_mig_fsm_next_state(VFIO_MIGRATION_STOP_COPY,
            \t\t\t\t       VFIO_DEVICE_STATE_RUNNING,
            \t\t\t\t       VFIO_DEVICE_STATE_STOP_COPY, &next) == 0 &&
            \t       next == VFIO_DEVICE_STATE_STOP ? 0 : 1;
            }

            """
        }
        try folder.write("own.c", source(runningValue: 2))
        guard try compileEmittedC([folder.file("own.c")], output: folder.file("own")) else { return }
        XCTAssertEqual(try runEmitProgram([folder.file("own")]).status, 0)

        try folder.write("wrong.c", source(runningValue: 9))
        let wrong = try runEmitProgram([emitCCompiler, "-std=c11", "-c", folder.file("wrong.c"), "-o", folder.file("wrong.o")])
        XCTAssertNotEqual(wrong.status, 0)
        XCTAssert(wrong.errors.contains("VFIO_DEVICE_STATE_RUNNING must be 2"), wrong.errors)
    }

    /// The proof is about the emitted code: import-c's independent C reader
    /// reads the header's table and masks back, they are exactly the
    /// `KernelTable` the checker proves, and `generated-lookup` holds over
    /// what was read.
    func testEmittedTableReadBackIsTheProvenOne() throws {
        let folder = try EmitScratchFolder("c-import")
        defer { folder.remove() }
        try folder.write("vfio_mig_fsm.h", Self.header)
        let model = Repository.vfio
        let paths = ProtocolPaths(model: model)
        let proven = try XCTUnwrap(KernelTable(paths: XCTUnwrap(paths.full)))
        let imported: KernelCodeImport
        do {
            imported = try KernelCodeImport.load(path: folder.file("vfio_mig_fsm.h"), model: model)
        } catch {
            return XCTFail("the emitted header does not read back:\n\(error.rendered)")
        }
        XCTAssertEqual(imported.table.name, "vfio_mig_fsm_table")
        XCTAssertEqual(imported.kernel.size, proven.size)
        XCTAssertEqual(imported.kernel.entries, proven.entries)
        XCTAssertEqual(imported.kernel.masks, proven.masks)
        let check = Checker.lookupCheck("generated-lookup", paths, imported.kernel, imported.kernel.generatedLookup, proven: "",
                                        flags: Checker.everyFlagsClass(model))
        XCTAssertEqual(check.verdict, .holds, check.findings.map(\.message).joined(separator: "\n"))
    }

    /// The table in the kernel's exact form: nested designated initializers
    /// over the enumerator names, every entry written.
    func testTableInKernelForm() {
        let header = Self.header
        XCTAssert(header.contains("""
            \t[VFIO_DEVICE_STATE_STOP_COPY] = {
            \t\t[VFIO_DEVICE_STATE_ERROR] = VFIO_DEVICE_STATE_ERROR,
            \t\t[VFIO_DEVICE_STATE_STOP] = VFIO_DEVICE_STATE_STOP,
            \t\t[VFIO_DEVICE_STATE_RUNNING] = VFIO_DEVICE_STATE_STOP,
            \t\t[VFIO_DEVICE_STATE_STOP_COPY] = VFIO_DEVICE_STATE_STOP_COPY,
            \t\t[VFIO_DEVICE_STATE_RESUMING] = VFIO_DEVICE_STATE_STOP,
            \t\t[VFIO_DEVICE_STATE_RUNNING_P2P] = VFIO_DEVICE_STATE_STOP,
            \t\t[VFIO_DEVICE_STATE_PRE_COPY] = VFIO_DEVICE_STATE_ERROR,
            \t\t[VFIO_DEVICE_STATE_PRE_COPY_P2P] = VFIO_DEVICE_STATE_ERROR,
            \t},

            """), header)
        XCTAssert(header.contains("\t[VFIO_DEVICE_STATE_ERROR] = ~0U,\n"))
        XCTAssert(header.contains("""
            \t[VFIO_DEVICE_STATE_PRE_COPY_P2P] = VFIO_MIGRATION_STOP_COPY |
            \t\t\t\t\t   VFIO_MIGRATION_P2P |
            \t\t\t\t\t   VFIO_MIGRATION_PRE_COPY,

            """))
        XCTAssert(header.contains("""
            static inline int vfio_mig_fsm_next_state(unsigned int migration_flags,
            \t\t\t\t\t  unsigned int cur, unsigned int target,
            \t\t\t\t\t  unsigned int *next)

            """))
        // 8 rows of 8 entries.
        XCTAssertEqual(header.components(separatedBy: "\t\t[VFIO_DEVICE_STATE_").count - 1, 64)
    }

    /// Kernel style: tabs for indentation, 80 columns (100 for the table's
    /// entries, as the kernel's own table has them), no `//` comments.
    func testKernelStyle() {
        for (number, line) in Self.header.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let limit = line.hasPrefix("\t\t[") || line.hasPrefix("static const unsigned char") ? 100 : 80
            XCTAssertLessThanOrEqual(CLayout.columns(String(line)), limit, "line \(number + 1): \(line)")
            XCTAssertFalse(line.hasPrefix("    "), "line \(number + 1) indents with spaces: \(line)")
            XCTAssertFalse(line.contains("//"), "line \(number + 1) has a // comment: \(line)")
            XCTAssertFalse(line.hasSuffix(" ") || line.hasSuffix("\t"), "line \(number + 1) has trailing blanks")
        }
        XCTAssert(Self.header.hasPrefix("""
            /* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
            /*
             * The vfio-v2 migration state machine for user space (VMMs, tests), as the

            """))
        XCTAssert(Self.header.contains("""
             * Generated by migfsm from the protocol spec vfio-v2.fsm. Rather than editing
             * this file, change the spec and regenerate it with
             *
             *   migfsm generate vfio-v2.fsm

            """), Self.header)
        XCTAssert(Self.header.hasSuffix("#endif /* VFIO_MIG_FSM_H */\n"))
    }

    /// The uAPI comment in the kernel's notation and words, with DOMAIN.md's
    /// oracle for the combination transitions and the seed's arc lists.
    func testUAPICommentNotation() {
        let comment = UAPIComment(paths: ProtocolPaths(model: Repository.vfio)).cComment(indent: "\t")
        XCTAssert(comment.hasPrefix("""
            \t/*
            \t * The coding in this table requires the driver to implement the
            \t * following FSM arcs:
            \t *         RESUMING -> STOP
            \t *         STOP -> RESUMING
            \t *         STOP -> STOP_COPY
            \t *         STOP_COPY -> STOP
            \t *
            \t * If P2P is supported then the driver must also implement these FSM
            \t * arcs:
            \t *         RUNNING -> RUNNING_P2P
            \t *         RUNNING_P2P -> RUNNING
            \t *         RUNNING_P2P -> STOP
            \t *         STOP -> RUNNING_P2P
            \t *
            \t * If PRE_COPY is supported then the driver must also implement these
            \t * FSM arcs:
            \t *         PRE_COPY -> RUNNING
            \t *         PRE_COPY -> STOP_COPY
            \t *         RUNNING -> PRE_COPY
            \t * However, if PRE_COPY and P2P are supported together then the driver
            \t * must support these additional arcs beyond the P2P arcs above:
            \t *         PRE_COPY -> PRE_COPY_P2P
            \t *         PRE_COPY -> RUNNING
            \t *         PRE_COPY_P2P -> PRE_COPY
            \t *         PRE_COPY_P2P -> RUNNING_P2P
            \t *         PRE_COPY_P2P -> STOP_COPY
            \t *         RUNNING -> PRE_COPY
            \t *         RUNNING_P2P -> PRE_COPY_P2P
            \t *
            \t * Without P2P the driver must implement:
            \t *         RUNNING -> STOP
            \t *         STOP -> RUNNING
            \t *

            """), comment)
        let oracle = Oracles.allFeaturesCombinationTransitions
            .split(separator: "\n").map { "\t *         \($0)\n" }.joined()
        let combinations = "\t * The coding will step through multiple states for some combination\n"
            + "\t * transitions; if all optional features are supported, this means the\n"
            + "\t * following ones:\n" + oracle
            + "\t *\n\t *  The following transitions are blocked:\n"
            + "\t *         STOP_COPY -> PRE_COPY\n\t *         STOP_COPY -> PRE_COPY_P2P\n\t */\n"
        XCTAssert(comment.hasSuffix(combinations), comment)
    }

    /// The comment reads as the real 6.12 kernel's, line for line, but for
    /// the lines the generator words or orders differently: features named
    /// by their flag (PRE_COPY, not precopy), one sentence for every
    /// feature's arcs, arcs sorted by state name, and "Without P2P" (the
    /// kernel's "Without P2P and precopy" reads as if both were missing,
    /// while RUNNING -> STOP is needed whenever P2P is).
    func testUAPICommentReadsAsTheKernels() throws {
        let path = try KernelTree.path("drivers/vfio/vfio_main.c")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.components(separatedBy: "\n")
        let start = try XCTUnwrap(lines.firstIndex { $0.contains("The coding in this table requires") })
        let end = try XCTUnwrap(lines[start...].firstIndex { $0 == "\t */" })
        let kernel = lines[(start - 1)...end].joined(separator: "\n") + "\n"
        let generated = UAPIComment(paths: ProtocolPaths(model: Repository.vfio)).cComment(indent: "\t")
        let diff = UnifiedDiff.render(old: kernel, new: generated, oldLabel: "kernel", newLabel: "migfsm", context: 0)
        let changed = diff.split(separator: "\n").filter { ($0.hasPrefix("-") || $0.hasPrefix("+")) && !$0.hasPrefix("---") && !$0.hasPrefix("+++") }
        XCTAssertEqual(changed.map(String.init), [
            "-\t * If precopy is supported then the driver must support these additional",
            "+\t * If PRE_COPY is supported then the driver must also implement these",
            "-\t *         RUNNING -> PRE_COPY",
            "-\t * However, if precopy and P2P are supported together then the driver",
            "+\t *         RUNNING -> PRE_COPY",
            "+\t * However, if PRE_COPY and P2P are supported together then the driver",
            "-\t *         PRE_COPY -> RUNNING",
            "+\t *         PRE_COPY -> RUNNING",
            "-\t * Without P2P and precopy the driver must implement:",
            "+\t * Without P2P the driver must implement:",
        ], diff)
    }

    /// A protocol with one feature set gets seed 000's wording.
    func testSingleFeatureSetComment() throws {
        let spec = """
            protocol tiny
            feature STOP_COPY = 1 << 0 mandatory
            state ERROR = 0 error
            state STOP = 1 needs STOP_COPY
            state RUNNING = 2 needs STOP_COPY reset
            state STOP_COPY = 3 needs STOP_COPY session saving
            state RESUMING = 4 needs STOP_COPY session resuming
            RESUMING -> STOP
            RUNNING -> STOP
            STOP -> RESUMING
            STOP -> RUNNING
            STOP -> STOP_COPY
            STOP_COPY -> STOP
            path shortest
            """
        let model = try SpecReader.read(text: spec, path: "tiny.fsm")
        let lines = UAPIComment(paths: ProtocolPaths(model: model)).lines
        XCTAssertEqual(lines, [
            "The coding in this table requires the driver to implement 6", "FSM arcs:",
            "        RESUMING -> STOP", "        RUNNING -> STOP", "        STOP -> RESUMING",
            "        STOP -> RUNNING", "        STOP -> STOP_COPY", "        STOP_COPY -> STOP", "",
            "The coding will step through multiple states for these combination", "transitions:",
            "        RESUMING -> STOP -> RUNNING", "        RESUMING -> STOP -> STOP_COPY",
            "        RUNNING -> STOP -> RESUMING", "        RUNNING -> STOP -> STOP_COPY",
            "        STOP_COPY -> STOP -> RESUMING", "        STOP_COPY -> STOP -> RUNNING",
        ])
    }
}
