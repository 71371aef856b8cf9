import Foundation
import XCTest
@testable import MigFSM
import MigFSMTestSupport

/// The fixtures of `import-c` and `audit-driver`, outside the test target.
enum ImportFixtures {
    static let directory = Repository.path("Tests/Fixtures/import")
    static let spec = Repository.path("Specs/vfio-v2.fsm")

    static func path(_ name: String) -> String { directory + "/" + name }

    /// Output with the fixture directory removed from paths.
    static func relative(_ text: String) -> String {
        text.replacingOccurrences(of: directory + "/", with: "")
            .replacingOccurrences(of: spec, with: "Specs/vfio-v2.fsm")
    }

    /// Writes `text` to a fresh temporary file and returns its path.
    static func temporary(_ name: String, _ text: String) -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("migfsm-import-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent(name).path
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(text.utf8)), "cannot write \(path)")
        return path
    }
}

final class ImportCTests: XCTestCase {
    func testSeed001TableDoesNotTerminateForBlockedPreCopyRequests() {
        let result = runCLI("import-c", ImportFixtures.path("vfio-main-8-state.c"), "--spec", ImportFixtures.spec)
        XCTAssertEqual(result.status, .failure)
        XCTAssertEqual(result.err, "")
        XCTAssertEqual(ImportFixtures.relative(result.out), """
            import vfio-main-8-state.c against vfio-v2 (Specs/vfio-v2.fsm)
              next-state table vfio_from_fsm_table[8][8] at vfio-main-8-state.c:56:18
              feature masks state_flags_table[8] at vfio-main-8-state.c:139:28: ERROR ~0U, STOP STOP_COPY, RUNNING STOP_COPY, STOP_COPY STOP_COPY, RESUMING STOP_COPY, RUNNING_P2P STOP_COPY | P2P, PRE_COPY STOP_COPY | PRE_COPY, PRE_COPY_P2P STOP_COPY | P2P | PRE_COPY
              lookup function vfio_mig_get_next_state() at vfio-main-8-state.c:25:5, proven as written; range checks at lines 154, 159; skip loop at line 170 (no ERROR guard)
              flags: every value 0x0...0x7, each also with an undeclared bit (0x8, 0x80000000), which the kernel must ignore; valid: {STOP_COPY}, {STOP_COPY, P2P}, {STOP_COPY, PRE_COPY}, {STOP_COPY, P2P, PRE_COPY}

            FAILS  kernel-lookup: 3 violations in 2400 lookups
                   {STOP_COPY, PRE_COPY} STOP_COPY -> PRE_COPY: the skip loop never ends: reads ERROR -> ERROR -> ... (ERROR's mask ~0 is never within the flags); the spec refuses it (blocked by the spec)
                   {STOP_COPY, P2P, PRE_COPY} STOP_COPY -> PRE_COPY: the skip loop never ends: reads ERROR -> ERROR -> ... (ERROR's mask ~0 is never within the flags); the spec refuses it (blocked by the spec)
                   {STOP_COPY, P2P, PRE_COPY} STOP_COPY -> PRE_COPY_P2P: the skip loop never ends: reads ERROR -> ERROR -> ... (ERROR's mask ~0 is never within the flags); the spec refuses it (blocked by the spec)

            the C code departs from the spec in 3 cases

            """)
    }

    /// import-c and check prove with the same code: the findings of the
    /// imported seed table are the spec-built table's, word for word.
    func testSeed001FindingsEqualCheckFindings() throws {
        let model = Repository.vfio
        let code = try KernelCodeImport.load(path: ImportFixtures.path("vfio-main-8-state.c"), model: model)
        let built = try XCTUnwrap(KernelTable(paths: try XCTUnwrap(ProtocolPaths(model: model).full)))
        XCTAssertEqual(code.kernel.entries, built.entries)
        XCTAssertEqual(code.kernel.masks, built.masks)
        let report = ImportReport(code: code, model: model)
        let check = Checker.check(model).results.first { $0.name == "unguarded-kernel-lookup" }
        XCTAssertEqual(report.divergences.map(\.message), check?.findings.map(\.message))
        XCTAssertEqual(report.divergences.map(\.walked), [["ERROR", "ERROR"], ["ERROR", "ERROR"], ["ERROR", "ERROR"]])
        XCTAssertEqual(report.divergences.map(\.kind), [.neverEnds, .neverEnds, .neverEnds])
    }

    func testSeed000TableAgreesWithTheStopCopyView() {
        let result = runCLI("import-c", ImportFixtures.path("vfio-5-state.c"), "--spec", ImportFixtures.spec, "--features", "STOP_COPY")
        XCTAssertEqual(result.status, .success)
        XCTAssertEqual(ImportFixtures.relative(result.out), """
            import vfio-5-state.c against vfio-v2 (Specs/vfio-v2.fsm)
              next-state table vfio_from_fsm_table[5][5] at vfio-5-state.c:34:18
              no feature-mask table: every state counts as present (mask 0), as in the 5-state code
              lookup function vfio_mig_get_next_state() at vfio-5-state.c:9:5, proven as written; range checks at lines 72, 75; no skip loop: the table's entry is the answer
              flags: 0x1 only, each also with an undeclared bit (0x8, 0x80000000), which the kernel must ignore: {STOP_COPY}

            holds  kernel-lookup: terminates and agrees with every feature set's paths (147 lookups)

            the C code agrees with the spec in every case

            """)
    }

    /// Without the view, the 5-state code (no masks, no flag checks) serves
    /// requests for undefined flags and refuses the P2P and PRE_COPY states.
    func testSeed000TableAgainstTheWholeSpec() throws {
        let code = try KernelCodeImport.load(path: ImportFixtures.path("vfio-5-state.c"), model: Repository.vfio)
        let report = ImportReport(code: code, model: Repository.vfio)
        XCTAssertFalse(report.agrees)
        XCTAssertTrue(report.divergences.allSatisfy { $0.flags != 1 })
        let p2p = report.divergences.first { $0.flags == 3 && $0.current == "RUNNING" && $0.requested == "value 5" }
        XCTAssertNil(p2p, "value 5 is RUNNING_P2P in the spec")
        let refused = report.divergences.first { $0.flags == 3 && $0.current == "RUNNING" && $0.requested == "RUNNING_P2P" }
        XCTAssertEqual(refused?.kind, .refused)
        XCTAssertEqual(refused?.walked, [])
        XCTAssertEqual(refused?.spec, "walks RUNNING -> RUNNING_P2P")
        XCTAssertEqual(runCLI("import-c", ImportFixtures.path("vfio-5-state.c"), "--spec", ImportFixtures.spec).status, .failure)
    }

    func testJSON() {
        let result = runCLI("import-c", ImportFixtures.path("vfio-main-8-state.c"), "--spec", ImportFixtures.spec, "--json")
        XCTAssertEqual(result.status, .failure)
        let json = ImportFixtures.relative(result.out)
        XCTAssertTrue(json.contains("\"agrees\": false"), json)
        XCTAssertTrue(json.contains("""
                  "kind": "never-ends",
                  "flags": 5,
                  "features": ["STOP_COPY", "PRE_COPY"],
                  "current": "STOP_COPY",
                  "requested": "PRE_COPY",
                  "walked": ["ERROR", "ERROR"],
                  "result": null,
                  "spec": "refuses it (blocked by the spec)",
            """), json)
        XCTAssertTrue(json.contains("\"ERROR\": 4294967295"), json)
        // Each divergence is also a located finding, at the loop that never ends.
        XCTAssertTrue(json.contains("""
                  "kind": "kernel-lookup",
                  "severity": "error",
                  "file": "vfio-main-8-state.c",
                  "line": 170,
                  "column": 2,
                  "message": "{STOP_COPY, PRE_COPY} STOP_COPY -> PRE_COPY: the skip loop never ends: reads ERROR -> ERROR -> ... (ERROR's mask ~0 is never within the flags); the spec refuses it (blocked by the spec)",
            """), json)
    }

    /// The seed's function with its loop deleted: the table's entries are
    /// the answers, so every skipped state is handed to the driver.
    func testFunctionWithoutTheSkipLoop() {
        let result = runCLI("import-c", ImportFixtures.path("vfio-main-no-skip-loop.c"), "--spec", ImportFixtures.spec)
        XCTAssertEqual(result.status, .failure)
        let out = ImportFixtures.relative(result.out)
        XCTAssertTrue(out.contains("  lookup function vfio_mig_get_next_state() at vfio-main-no-skip-loop.c:27:5, proven as written; range checks at lines 156, 161; no skip loop: the table's entry is the answer\n"), out)
        XCTAssertTrue(out.contains("FAILS  kernel-lookup: 10 violations in 2400 lookups\n"), out)
        XCTAssertTrue(out.contains("       {STOP_COPY, PRE_COPY} PRE_COPY -> STOP_COPY: gives PRE_COPY_P2P (read PRE_COPY_P2P); the spec walks PRE_COPY -> STOP_COPY\n"), out)
        XCTAssertTrue(out.contains("       {STOP_COPY} RUNNING -> STOP: gives RUNNING_P2P (read RUNNING_P2P); the spec walks RUNNING -> STOP\n"), out)
        XCTAssertFalse(out.contains("never ends"), out)
    }

    /// The seed's function with the June 2026 guard: it ends and agrees.
    func testFunctionWithTheGuardHolds() throws {
        let text = try String(contentsOfFile: ImportFixtures.path("vfio-main-8-state.c"), encoding: .utf8)
            .replacingOccurrences(of: "\twhile ((state_flags_table[*next_fsm]", with: "\twhile (*next_fsm != VFIO_DEVICE_STATE_ERROR && (state_flags_table[*next_fsm]")
        let path = ImportFixtures.temporary("guarded.c", text)
        let result = runCLI("import-c", path, "--spec", ImportFixtures.spec)
        XCTAssertEqual(result.status, .success, result.out)
        XCTAssertTrue(result.out.contains("skip loop at line 170 (stops at ERROR)"), result.out)
        XCTAssertTrue(result.out.contains("holds  kernel-lookup: terminates and agrees with every feature set's paths (2400 lookups)\n"), result.out)
    }

    /// Without the range check on the requested state the function reads
    /// past its tables: undefined behaviour, located at the index.
    func testFunctionWithoutTheRangeCheckReadsPastTheTable() throws {
        let text = try String(contentsOfFile: ImportFixtures.path("vfio-main-8-state.c"), encoding: .utf8)
            .replacingOccurrences(of: "\tif (new_fsm >= ARRAY_SIZE(vfio_from_fsm_table) ||\n\t   (state_flags_table[new_fsm]", with: "\tif ((state_flags_table[new_fsm]")
        let path = ImportFixtures.temporary("unchecked.c", text)
        let code = try KernelCodeImport.load(path: path, model: Repository.vfio)
        let report = ImportReport(code: code, model: Repository.vfio)
        XCTAssertFalse(report.agrees)
        XCTAssertEqual(report.findings.map(\.kind), ["reads-past-table"])
        XCTAssertEqual(report.findings.first?.location.line, 159)
        XCTAssertTrue(report.findings.first?.message.hasPrefix("the lookup reads past a table in 126 cases (undefined behaviour), such as flags 0x1, request 1 -> 8: state_flags_table[new_fsm] reads state_flags_table[8], past its 8 entries") == true, "\(report.findings)")
    }

    /// A function that answers differently when the device reports a bit
    /// the spec does not know diverges on exactly those requests.
    func testUndeclaredBitsMustBeIgnored() throws {
        let text = try String(contentsOfFile: ImportFixtures.path("vfio-main-8-state.c"), encoding: .utf8)
            .replacingOccurrences(of: "\tif (new_fsm >= ARRAY_SIZE", with: "\tif (device->migration_flags & ~7U)\n\t\treturn -EINVAL;\n\tif (new_fsm >= ARRAY_SIZE")
        let code = try KernelCodeImport.load(path: ImportFixtures.temporary("strict.c", text), model: Repository.vfio)
        let report = ImportReport(code: code, model: Repository.vfio)
        let undeclared = report.divergences.filter { $0.subject.contains("undeclared bit") }
        // Every request a valid feature set serves (16 + 25 + 25 + 49 with
        // its same-state requests), refused once per undeclared bit.
        XCTAssertEqual(undeclared.count, 2 * (16 + 25 + 25 + 49))
        XCTAssertEqual(undeclared.first?.message, "{STOP_COPY} + undeclared bit 0x8 STOP -> STOP: refuses it; without the undeclared bit it gives STOP, and the kernel must ignore bits it does not know")
        XCTAssertEqual(report.divergences.count - undeclared.count, 3)
    }

    /// A lookup function the interpreter cannot follow is a note, and the
    /// tables are proven as a file of tables.
    func testUnreadableFunctionFallsBackToTheTables() throws {
        let text = try String(contentsOfFile: ImportFixtures.path("vfio-main-8-state.c"), encoding: .utf8)
            .replacingOccurrences(of: "\tif (new_fsm >= ARRAY_SIZE", with: "\tswitch (new_fsm) { default: break; }\n\tif (new_fsm >= ARRAY_SIZE")
        let path = ImportFixtures.temporary("switch.c", text)
        let result = runCLI("import-c", path, "--spec", ImportFixtures.spec)
        let out = result.out.replacingOccurrences(of: path, with: "switch.c")
        XCTAssertEqual(result.status, .failure)
        XCTAssertTrue(out.contains("switch.c:159:2: note: 'switch' in vfio_mig_get_next_state() is not interpreted; the tables are proven under the skip loop without the error guard [lookup-not-read]\n"), out)
        XCTAssertTrue(out.contains("  no lookup function read: the tables are proven under the skip loop without the ERROR guard (kernels from v6.2 until the June 2026 fix)\n"), out)
        XCTAssertTrue(out.contains("FAILS  kernel-lookup: 3 violations in 800 lookups\n"), out)
    }

    func testUsageErrors() {
        XCTAssertEqual(runCLI("import-c", ImportFixtures.path("vfio-5-state.c")).status, .usage)
        XCTAssertEqual(runCLI("import-c", ImportFixtures.path("vfio-5-state.c"), "--spec", ImportFixtures.spec, "--features", "P2P").status, .usage)
    }
}

final class ImportHostileInputTests: XCTestCase {
    func errors(_ name: String, features: String? = nil) -> String {
        var arguments = ["import-c", ImportFixtures.path("hostile/" + name), "--spec", ImportFixtures.spec]
        if let features { arguments += ["--features", features] }
        var output = CommandOutput()
        let status = CommandLineTool.run(arguments, output: &output)
        XCTAssertEqual(status, .failure, name)
        XCTAssertEqual(output.standardOutput, "", name)
        return ImportFixtures.relative(output.standardError)
    }

    func testTruncatedTable() {
        XCTAssertEqual(errors("truncated.c"), """
            hostile/truncated.c:40:56: error: expected '}' to close the initializer, found end of file
            hostile/truncated.c:35:30: note: the initializer opens here

            """)
    }

    func testDuplicateInitializer() {
        XCTAssertEqual(errors("duplicate.c"), """
            hostile/duplicate.c:38:4: error: duplicate initializer for vfio_from_fsm_table[VFIO_DEVICE_STATE_STOP][VFIO_DEVICE_STATE_RUNNING]
            hostile/duplicate.c:37:4: note: first initialized here

            """)
    }

    func testMissingRow() {
        XCTAssertEqual(errors("missing-row.c"), """
            hostile/missing-row.c:63:2: error: 'vfio_from_fsm_table' has no row [VFIO_DEVICE_STATE_RESUMING]; C would fill it with 0 (VFIO_DEVICE_STATE_ERROR)

            """)
    }

    func testOutOfRangeDesignator() {
        XCTAssertEqual(errors("out-of-range.c"), """
            hostile/out-of-range.c:41:4: error: designator 'VFIO_DEVICE_STATE_RUNNING_P2P' (5) is out of range for vfio_from_fsm_table[VFIO_DEVICE_STATE_STOP], which has 5 entries

            """)
    }

    func testUnknownMacros() {
        XCTAssertEqual(errors("unknown-macro.c"), """
            hostile/unknown-macro.c:38:36: error: unknown state enumerator 'VFIO_DEVICE_STATE_STOPCOPY': the spec declares no state 'STOPCOPY'; did you mean 'VFIO_DEVICE_STATE_STOP_COPY'?
            hostile/unknown-macro.c:39:35: error: unknown macro 'NVME_STATE_RESUMING': not a state enumerator (VFIO_DEVICE_STATE_*), a feature flag (VFIO_MIGRATION_*) or an enum constant of this file

            """)
    }

    func testMissingTable() {
        XCTAssertEqual(errors("no-table.c"), """
            hostile/no-table.c:1:1: error: no next-state table: expected 'static const u8 NAME[N][N] = { [VFIO_DEVICE_STATE_...] = { ... }, ... };'

            """)
    }

    func testUnterminatedComment() {
        XCTAssertEqual(errors("unterminated-comment.c"), """
            hostile/unterminated-comment.c:72:2: error: unterminated /* comment

            """)
    }

    func testSmallHostileTexts() {
        let cases: [(String, String)] = [
            ("static const u8 t[2][3] = { [VFIO_DEVICE_STATE_STOP] = { } };", "x.c:1:17: error: 't' is 2 by 3; a next-state table is square\n"),
            ("static const u8 t[N][N] = { [VFIO_DEVICE_STATE_STOP] = { } };",
             "x.c:1:19: error: unknown macro 'N': not a state enumerator (VFIO_DEVICE_STATE_*), a feature flag (VFIO_MIGRATION_*) or an enum constant of this file\n"),
            ("static const u8 t[100000][100000] = { [VFIO_DEVICE_STATE_STOP] = { } };",
             "x.c:1:19: error: dimension '100000' (100000) of 't' is outside 1...256\n"),
            ("static const u8 t[8][8] = { [VFIO_DEVICE_STATE_STOP ... VFIO_DEVICE_STATE_RUNNING] = { } };",
             "x.c:1:53: error: range designators ('[A ... B]') are not supported\n"),
            ("static const u8 t[8][8] = { [VFIO_DEVICE_STATE_STOP] = { [1] = (((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((1" + String(repeating: ")", count: 70) + " } };",
             "x.c:1:128: error: expression nested more than 64 deep\n"),
            ("char *s = \"open", "x.c:1:11: error: unterminated string literal\n"),
        ]
        for (text, expected) in cases {
            do {
                _ = try KernelCodeImport.read(CSource(try SourceText(path: "x.c", bytes: Array(text.utf8))), model: Repository.vfio)
                XCTFail("no error for \(text)")
            } catch let error as DiagnosticList {
                XCTAssertEqual(error.rendered.components(separatedBy: "\n").first.map { $0 + "\n" }, expected, text)
            } catch {
                XCTFail("\(error)")
            }
        }
    }

    /// Entries and masks that would make the kernel read past its arrays.
    func testEntryPastTheTable() {
        var text = try! String(contentsOfFile: ImportFixtures.path("vfio-5-state.c"), encoding: .utf8)
        text = text.replacingOccurrences(of: "[VFIO_DEVICE_STATE_RESUMING] = VFIO_DEVICE_STATE_RESUMING,",
                                         with: "[VFIO_DEVICE_STATE_RESUMING] = VFIO_DEVICE_STATE_PRE_COPY,")
        let path = ImportFixtures.temporary("past.c", text)
        let result = runCLI("import-c", path, "--spec", ImportFixtures.spec)
        XCTAssertEqual(result.status, .failure)
        XCTAssertEqual(result.err.replacingOccurrences(of: path, with: "past.c"), """
            past.c:39:35: error: entry 'VFIO_DEVICE_STATE_PRE_COPY' (6) of vfio_from_fsm_table[VFIO_DEVICE_STATE_STOP][VFIO_DEVICE_STATE_RESUMING] is not a row of the table; the lookup would read past its 5 rows
            past.c:60:35: error: entry 'VFIO_DEVICE_STATE_PRE_COPY' (6) of vfio_from_fsm_table[VFIO_DEVICE_STATE_RESUMING][VFIO_DEVICE_STATE_RESUMING] is not a row of the table; the lookup would read past its 5 rows

            """)
    }

    /// 100,000 lines of real-looking code around the table: read in linear
    /// time, and the table inside it still proven.
    func testHundredThousandLineFile() throws {
        let text = ImportBenchmarkInput.kernelFile(lines: 100_000, model: Repository.vfio)
        XCTAssertGreaterThanOrEqual(text.split(separator: "\n", omittingEmptySubsequences: false).count, 100_000)
        let start = Date()
        let code = try KernelCodeImport.read(CSource(try SourceText(path: "big.c", bytes: Array(text.utf8))), model: Repository.vfio)
        XCTAssertLessThan(Date().timeIntervalSince(start), 20)
        XCTAssertEqual(ImportReport(code: code, model: Repository.vfio).divergences.count, 3)
        // 100,000 lines of one ever-growing hostile initializer: one error, quickly.
        let nested = String(repeating: "[VFIO_DEVICE_STATE_STOP] = {\n", count: 100_000)
        let hostile = "static const u8 t[8][8] = {\n" + nested
        let clock = Date()
        XCTAssertThrowsError(try KernelCodeImport.read(CSource(try SourceText(path: "deep.c", bytes: Array(hostile.utf8))), model: Repository.vfio)) { error in
            XCTAssertEqual((error as? DiagnosticList)?.diagnostics.first?.message, "expected a constant expression, found '{'")
        }
        XCTAssertLessThan(Date().timeIntervalSince(clock), 20)
    }
}
