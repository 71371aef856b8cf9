import Foundation
import XCTest
@testable import MigFSM

/// `audit-driver` on drivers written for these tests (Tests/Fixtures/import):
/// seed 004's NVMe driver, a P2P driver lacking arcs, and one fixture per
/// defect the real kernel has had (see each fixture's comment).
final class ImportAuditTests: XCTestCase {
    func audit(_ name: String, _ features: String? = nil) -> (status: ExitStatus, out: String, err: String) {
        var arguments = ["audit-driver", ImportFixtures.path(name), "--spec", ImportFixtures.spec]
        if let features { arguments += ["--features", features] }
        var output = CommandOutput()
        let status = CommandLineTool.run(arguments, output: &output)
        return (status, ImportFixtures.relative(output.standardOutput), ImportFixtures.relative(output.standardError))
    }

    func read(_ name: String, _ features: FeatureSet? = nil) -> DriverAudit {
        DriverAudit.run(paths: [ImportFixtures.path(name)], model: Repository.vfio, features: features)
    }

    /// Seed 004's step function handles exactly the six STOP_COPY arcs; the
    /// excerpt lacks the helpers' definitions, which migfsm says it cannot see.
    func testNVMeDriverMatchesStopCopy() {
        let result = audit("nvme-main.c", "STOP_COPY")
        XCTAssertEqual(result.status, .success)
        XCTAssertEqual(result.out, """
            audit nvme-main.c against vfio-v2 (Specs/vfio-v2.fsm) for {STOP_COPY}

            driver nvme-main: nvme-main.c
              set_state nvmevf_pci_set_device_state() at nvme-main.c:89:1
              step function nvmevf_pci_step_device_state_locked() at nvme-main.c:16:1
              flags {STOP_COPY} at nvme-main.c:153:13
              handles 6 arcs:
                RUNNING -> STOP    nvme-main.c:21:6
                STOP -> STOP_COPY  nvme-main.c:28:6
                STOP_COPY -> STOP  nvme-main.c:39:6
                STOP -> RESUMING   nvme-main.c:44:6
                RESUMING -> STOP   nvme-main.c:55:6
                STOP -> RUNNING    nvme-main.c:63:6
              {STOP_COPY}: handles all 6 required arcs
            nvme-main.c:40:3: note: STOP_COPY -> STOP: nvmevf_disable_fds() is called as a statement and is not declared in the files read; whether it returns a failure migfsm cannot tell [cannot-see]
            nvme-main.c:59:3: note: RESUMING -> STOP: nvmevf_disable_fds() is called as a statement and is not declared in the files read; whether it returns a failure migfsm cannot tell [cannot-see]
            nvme-main.c:64:3: note: STOP -> RUNNING: nvmevf_cmd_resume_device() is called as a statement and is not declared in the files read; whether it returns a failure migfsm cannot tell [cannot-see]
            nvme-main.c:89:1: note: no reset_done handler or VFIO_DEVICE_RESET case in the files read: what a reset does to the recorded state migfsm cannot tell [no-reset-handler]

            audit: 1 driver, 0 errors, 0 warnings, 4 notes

            """)
        let audit = read("nvme-main.c")
        let table = PathTable(model: Repository.vfio, features: Repository.vfio.set("STOP_COPY"))
        XCTAssertEqual(Set(audit.drivers[0].model.branches.map(\.arc)), Set(table.requiredArcs))
    }

    /// Once the driver declares what its helper returns, the dropped result
    /// on STOP -> RUNNING (seed 004's known defect) is an error with a trace.
    func testNVMeDroppedResumeResultWithItsPrototype() throws {
        var text = try String(contentsOfFile: ImportFixtures.path("nvme-main.c"), encoding: .utf8)
        text = "int nvmevf_cmd_resume_device(struct nvmevf_pci_core_device *nvmevf_dev);\nvoid nvmevf_disable_fds(struct nvmevf_pci_core_device *nvmevf_dev);\n" + text
        let path = ImportFixtures.temporary("nvme.c", text)
        let audit = DriverAudit.run(paths: [path], model: Repository.vfio)
        XCTAssertFalse(audit.passes)
        let dropped = audit.findings.filter { $0.kind == "dropped-result" }
        XCTAssertEqual(dropped.map { "\($0.location.line):\($0.location.column) \($0.message)" }, [
            "66:3 STOP -> RUNNING drops the result of nvmevf_cmd_resume_device(): when it fails, the step still succeeds and the driver records RUNNING while the device stays in STOP",
        ])
        XCTAssertEqual(dropped.first?.related.map(\.message), ["nvmevf_cmd_resume_device() returns int here"])
        XCTAssertTrue(dropped.first?.trace.first?.hasPrefix("violation of hardware-matches-recorded on {STOP_COPY}") == true, "\(dropped)")
        // Every finding has a kind, a severity, a place and a message.
        for finding in audit.findings {
            XCTAssertFalse(finding.kind.isEmpty)
            XCTAssertFalse(finding.message.isEmpty)
            XCTAssertFalse(finding.location.file.isEmpty)
        }
    }

    /// The patch that adds the driver, as a reviewer gets it: the same arcs,
    /// located in the patch.
    func testNVMePatch() {
        let result = audit("nvme-live-migration.patch", "STOP_COPY")
        XCTAssertEqual(result.status, .success)
        XCTAssertTrue(result.out.hasPrefix("""
            audit nvme-live-migration.patch (the lines the patch adds) against vfio-v2 (Specs/vfio-v2.fsm) for {STOP_COPY}

            driver nvme: nvme-live-migration.patch
              set_state nvmevf_pci_set_device_state() at nvme-live-migration.patch:91:2
              step function nvmevf_pci_step_device_state_locked() at nvme-live-migration.patch:18:2
              flags {STOP_COPY} at nvme-live-migration.patch:155:14
              handles 6 arcs:
                RUNNING -> STOP    nvme-live-migration.patch:23:7
            """), result.out)
    }

    func testP2PDriverLackingArcs() {
        let result = audit("p2p-driver-missing-arcs.c", "STOP_COPY,P2P")
        XCTAssertEqual(result.status, .failure)
        let lines = result.out.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("    ") || $0.hasPrefix("    RUNNING") || $0.hasPrefix("    STOP") || $0.hasPrefix("    RESUMING") }
        XCTAssertEqual(Array(lines.prefix(14)), [
            "audit p2p-driver-missing-arcs.c against vfio-v2 (Specs/vfio-v2.fsm) for {STOP_COPY, P2P}",
            "driver p2p-driver-missing-arcs: p2p-driver-missing-arcs.c",
            "  step function acme_vf_step_state() at p2p-driver-missing-arcs.c:11:1",
            "  flags {STOP_COPY, P2P} at p2p-driver-missing-arcs.c:49:13",
            "  handles 7 arcs:",
            "    RUNNING -> STOP         p2p-driver-missing-arcs.c:15:7",
            "    RUNNING -> RUNNING_P2P  p2p-driver-missing-arcs.c:16:7",
            "    STOP -> RUNNING         p2p-driver-missing-arcs.c:21:6",
            "    STOP -> STOP_COPY       p2p-driver-missing-arcs.c:26:6",
            "    STOP_COPY -> STOP       p2p-driver-missing-arcs.c:29:6",
            "    STOP -> RESUMING        p2p-driver-missing-arcs.c:34:6",
            "    RESUMING -> STOP        p2p-driver-missing-arcs.c:37:6",
            "  {STOP_COPY, P2P}: lacks 3 of the 8 required arcs",
            "p2p-driver-missing-arcs.c:11:1: error: acme_vf_step_state() does not handle RUNNING_P2P -> RUNNING, which {STOP_COPY, P2P} requires: the core asks for it on STOP -> RUNNING (walks STOP -> RUNNING_P2P -> RUNNING) and 3 other requests [missing-arc]",
        ])
        XCTAssertTrue(result.out.contains("""
            p2p-driver-missing-arcs.c:11:1: error: acme_vf_step_state() does not handle RUNNING_P2P -> STOP, which {STOP_COPY, P2P} requires: the core asks for it on RUNNING -> STOP (walks RUNNING -> RUNNING_P2P -> STOP) and 5 other requests [missing-arc]
                violation of driver-arcs-implemented on {STOP_COPY, P2P}: the driver is asked for RUNNING_P2P -> STOP, which its step function does not implement
            """), result.out)
        XCTAssertTrue(result.out.contains("""
            p2p-driver-missing-arcs.c:15:7: warning: RUNNING -> STOP is handled but never asked for: the core never asks for it with {STOP_COPY, P2P} (required with {STOP_COPY}, {STOP_COPY, PRE_COPY}) [dead-code]
            p2p-driver-missing-arcs.c:21:6: warning: STOP -> RUNNING is handled but never asked for: the core never asks for it with {STOP_COPY, P2P} (required with {STOP_COPY}, {STOP_COPY, PRE_COPY}) [dead-code]
            """), result.out)
        XCTAssertTrue(result.out.hasSuffix("audit: 1 driver, 3 errors, 2 warnings, 5 notes\n"), result.out)
    }

    /// The NVMe driver claiming more than its code sets.
    func testNVMeDriverClaimingP2P() {
        let result = audit("nvme-main.c", "STOP_COPY,P2P")
        XCTAssertEqual(result.status, .failure)
        XCTAssertTrue(result.out.contains("nvme-main.c:153:13: error: the code sets {STOP_COPY}, not the claimed {STOP_COPY, P2P} [flags-mismatch]\n"), result.out)
        XCTAssertTrue(result.out.contains("  {STOP_COPY, P2P}: lacks 4 of the 8 required arcs\n"), result.out)
    }

    func testDeadCodeReasonsAreWarnings() {
        let text = """
            static struct file *step(struct dev *d, u32 new_state)
            {
            \tu32 cur_state = d->state;
            \tif (new_state == VFIO_DEVICE_STATE_STOP && cur_state == VFIO_DEVICE_STATE_RUNNING)
            \t\treturn NULL;
            \tif (cur_state == VFIO_DEVICE_STATE_STOP && new_state == VFIO_DEVICE_STATE_RUNNING)
            \t\treturn NULL;
            \tif (cur_state == VFIO_DEVICE_STATE_STOP && new_state == VFIO_DEVICE_STATE_STOP_COPY)
            \t\treturn d->file;
            \tif (cur_state == VFIO_DEVICE_STATE_STOP_COPY && new_state == VFIO_DEVICE_STATE_STOP)
            \t\treturn NULL;
            \tif (cur_state == VFIO_DEVICE_STATE_STOP && new_state == VFIO_DEVICE_STATE_RESUMING)
            \t\treturn d->file;
            \tif (cur_state == VFIO_DEVICE_STATE_RESUMING && new_state == VFIO_DEVICE_STATE_STOP)
            \t\treturn NULL;
            \tif (cur_state == VFIO_DEVICE_STATE_STOP_COPY && new_state == VFIO_DEVICE_STATE_PRE_COPY)
            \t\treturn NULL;
            \tif (cur_state == VFIO_DEVICE_STATE_RUNNING && new_state == VFIO_DEVICE_STATE_ERROR)
            \t\treturn NULL;
            \tif (cur_state == VFIO_DEVICE_STATE_STOP && new_state == VFIO_DEVICE_STATE_RUNNING)
            \t\treturn NULL;
            \treturn ERR_PTR(-EINVAL);
            }
            static const struct vfio_device dev = { .migration_flags = VFIO_MIGRATION_STOP_COPY, };

            """
        let path = ImportFixtures.temporary("dead.c", text)
        let result = runCLI("audit-driver", path, "--spec", ImportFixtures.spec)
        let out = result.out.replacingOccurrences(of: path, with: "dead.c")
        XCTAssertEqual(result.status, .failure, "the session arcs end no session: \(out)")
        XCTAssertTrue(out.contains("""
            dead.c:16:6: warning: STOP_COPY -> PRE_COPY is handled but never asked for: PRE_COPY does not exist with {STOP_COPY} [dead-code]
            dead.c:18:6: warning: RUNNING -> ERROR is handled but never asked for: ERROR is never requested or left by a request [dead-code]
            dead.c:20:6: warning: STOP -> RUNNING repeats the condition at dead.c:6:6; never reached [dead-code]
            """), out)
        XCTAssertTrue(out.contains("dead.c:10:6: error: STOP_COPY -> STOP: the branch leaves STOP_COPY without ending its saving session (no successful path releases it) [session-not-ended]\n"), out)
        XCTAssertTrue(out.contains("    RUNNING -> STOP        dead.c:4:6\n"), out)
        XCTAssertTrue(out.contains("dead.c:1:21: note: no '.migration_set_state = ...' op in the files read: step() is taken as the step function, 'cur_state' as the current state and 'new_state' as the requested one [not-read]\n"), out)
    }

    func testAuditErrors() {
        let unknown = ImportFixtures.temporary("unknown.c", "int f(u32 cur, u32 new)\n{\n\tif (cur == VFIO_DEVICE_STATE_RUNING && new == VFIO_DEVICE_STATE_STOP)\n\t\treturn 0;\n}\n")
        var result = runCLI("audit-driver", unknown, "--spec", ImportFixtures.spec, "--features", "STOP_COPY")
        XCTAssertEqual(result.status, .failure)
        XCTAssertTrue(result.out.replacingOccurrences(of: unknown, with: "unknown.c").contains(
            "unknown.c:3:13: error: unknown state enumerator 'VFIO_DEVICE_STATE_RUNING': the spec declares no state 'RUNING'; did you mean 'VFIO_DEVICE_STATE_RUNNING'? [unknown-name]\n"), result.out)
        let none = ImportFixtures.temporary("none.c", "int main(void) { return 0; }\n")
        result = runCLI("audit-driver", none, "--spec", ImportFixtures.spec, "--features", "STOP_COPY")
        XCTAssertEqual(result.status, .failure)
        XCTAssertEqual(result.out.replacingOccurrences(of: none, with: "none.c"), """
            audit none.c against vfio-v2 (\(ImportFixtures.spec)) for {STOP_COPY}

            none.c: error: no migration driver here: no '.migration_set_state = ...' op and no step function [no-driver]

            audit: 0 drivers, 1 error, 0 warnings, 0 notes

            """)
        let badHunk = ImportFixtures.temporary("bad.patch", "--- a/x.c\n+++ b/x.c\n@@ -1,2 +1,x @@\n+int a;\n")
        result = runCLI("audit-driver", badHunk, "--spec", ImportFixtures.spec, "--features", "STOP_COPY")
        XCTAssertTrue(result.out.replacingOccurrences(of: badHunk, with: "bad.patch").contains(
            "bad.patch:3:1: error: malformed hunk header: expected '@@ -START,COUNT +START,COUNT @@' [unreadable]\n"), result.out)
        let docs = ImportFixtures.temporary("docs.patch", "--- a/README\n+++ b/README\n@@ -0,0 +1 @@\n+cur == VFIO_DEVICE_STATE_STOP && new == VFIO_DEVICE_STATE_RUNNING\n")
        result = runCLI("audit-driver", docs, "--spec", ImportFixtures.spec, "--features", "STOP_COPY")
        XCTAssertTrue(result.out.replacingOccurrences(of: docs, with: "docs.patch").contains(
            "docs.patch:1:1: error: the patch adds no C code (.c or .h lines) [unreadable]\n"), result.out)
        let comment = ImportFixtures.temporary("comment.c", "int f(void)\n{\n\t/* never closed\n")
        result = runCLI("audit-driver", comment, "--spec", ImportFixtures.spec)
        XCTAssertEqual(result.status, .failure)
        XCTAssertTrue(result.out.replacingOccurrences(of: comment, with: "comment.c").contains("comment.c:3:2: error: unterminated /* comment [unreadable]\n"), result.out)
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("migfsm-empty-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        result = runCLI("audit-driver", empty, "--spec", ImportFixtures.spec)
        XCTAssertEqual(result.status, .failure)
        XCTAssertTrue(result.out.contains("\(empty): error: the folder holds no .c or .h file [unreadable]\n"), result.out)
        XCTAssertEqual(runCLI("audit-driver", none, "--features", "STOP_COPY").status, .usage)
        XCTAssertEqual(runCLI("audit-driver", "--spec", ImportFixtures.spec).status, .usage)
    }

    // MARK: - One fixture per real defect

    /// hisilicon before "update status after RAS error": reset_done returns
    /// unless the flags are STOP_COPY alone, and probe sets STOP_COPY | PRE_COPY.
    func testResetThatChecksTheFlagsNeverRestores() throws {
        let result = audit("drivers/reset-flags-check")
        XCTAssertEqual(result.status, .failure)
        XCTAssertTrue(result.out.contains("  {STOP_COPY, PRE_COPY}: handles all 9 required arcs; a reset does not restore RUNNING\n"), result.out)
        XCTAssertTrue(result.out.contains("""
            drivers/reset-flags-check/acme_acc.c:177:3: error: with {STOP_COPY, PRE_COPY}, acme_acc_reset_done() returns here before recording RUNNING and ending the sessions: after a reset the driver still records the state it had [reset-not-restoring]
            drivers/reset-flags-check/acme_acc.c:172:13: note: the reset handler
                violation of reset-restores on {STOP_COPY, PRE_COPY}: after a reset the device records STOP, not RUNNING
            """), result.out)
        XCTAssertTrue(result.out.hasSuffix("audit: 1 driver, 1 error, 0 warnings, 0 notes\n"), result.out)
        // With the corrected test (6.12's), the same driver passes.
        var text = try String(contentsOfFile: ImportFixtures.path("drivers/reset-flags-check/acme_acc.c"), encoding: .utf8)
        text = text.replacingOccurrences(of: "if (acc->core_device.vdev.migration_flags != VFIO_MIGRATION_STOP_COPY)", with: "if (!acc->core_device.vdev.mig_ops)")
        let fixed = DriverAudit.run(paths: [ImportFixtures.temporary("acme_acc.c", text)], model: Repository.vfio)
        XCTAssertEqual(fixed.findings.map(\.message), [])
        XCTAssertTrue(fixed.passes)
    }

    /// xe: the session file is put before the exit command; and when the
    /// enter command fails, the fput() only balances get_file(), so the
    /// file the helper stored stays referenced.
    func testSessionEndedBeforeTheExitCommand() {
        let audit = read("drivers/session-before-exit")
        XCTAssertFalse(audit.passes)
        XCTAssertEqual(audit.findings.map { "\($0.severity) \($0.kind) \($0.location.line):\($0.location.column)" }, [
            "error session-ended-before-failure 149:4",
            "error session-ended-before-failure 175:4",
            "error session-leak 186:2",
        ])
        XCTAssertEqual(audit.findings[2].message, "STOP -> STOP_COPY, STOP -> RESUMING: the step fails here after acme_gpu_alloc_file() created its session, and releases only part of its references: the file keeps a reference after the failure")
        XCTAssertEqual(audit.findings[2].related.map { "\($0.location.line):\($0.location.column) \($0.message)" }, [
            "133:10 the session is created here", "141:4 fput() here drops only the reference get_file() took",
            "159:10 the session is created here", "167:4 fput() here drops only the reference get_file() took",
        ])
        XCTAssertEqual(audit.findings[0].message, "STOP_COPY -> STOP: acme_gpu_put_file() ends the saving session, then acme_pf_stop_copy_exit() at \(ImportFixtures.path("drivers/session-before-exit/acme_gpu.c")):150:9 can fail; on that failure the device stays in STOP_COPY with its session gone")
        XCTAssertEqual(audit.findings[0].trace.first, "violation of session-lives-in-state on {STOP_COPY, P2P}: the driver records STOP_COPY but its saving session has ended")
        XCTAssertEqual(audit.findings[1].trace.first, "violation of session-lives-in-state on {STOP_COPY, P2P}: the driver records RESUMING but its resuming session has ended")
        // The deferred reset is found and modelled.
        XCTAssertTrue(audit.drivers[0].model.deferredReset)
        XCTAssertEqual(audit.drivers[0].model.entry.deferredReset?.name, "acme_gpu_state_mutex_unlock")
    }

    /// hisilicon (6.12 and newer): the helper STOP -> STOP_COPY calls with
    /// `open == true` creates the file and returns the save's error without
    /// putting it; called with `false` (PRE_COPY -> STOP_COPY) it creates
    /// nothing. The leak is found inside the helper, at its failing return.
    func testHelperThatFailsAfterCreatingItsFile() throws {
        let result = audit("drivers/helper-leak")
        XCTAssertEqual(result.status, .failure)
        XCTAssertTrue(result.out.contains("""
            drivers/helper-leak/acme_zip.c:109:3: error: STOP -> STOP_COPY: acme_zip_stop_copy() fails here after acme_zip_open_saving() created its session, without releasing it: the file keeps a reference after the failure [session-leak]
            drivers/helper-leak/acme_zip.c:100:10: note: the session is created here
                violation of no-session-leak on {STOP_COPY, PRE_COPY}: the saving session created by STOP -> STOP_COPY stays live after the step failed
            """), result.out)
        XCTAssertTrue(result.out.hasSuffix("audit: 1 driver, 1 error, 0 warnings, 0 notes\n"), result.out)
        // Putting the file on that failure makes the driver pass.
        var text = try String(contentsOfFile: ImportFixtures.path("drivers/helper-leak/acme_zip.c"), encoding: .utf8)
        text = text.replacingOccurrences(of: "\tif (ret)\n\t\treturn ERR_PTR(ret);\n\n\treturn open ? migf : NULL;",
                                         with: "\tif (ret) {\n\t\tif (open)\n\t\t\tfput(migf->filp);\n\t\treturn ERR_PTR(ret);\n\t}\n\n\treturn open ? migf : NULL;")
        let fixed = DriverAudit.run(paths: [ImportFixtures.temporary("acme_zip.c", text)], model: Repository.vfio)
        XCTAssertEqual(fixed.findings.map(\.message), [])
    }

    /// pds (6.12 and newer): the file helper takes a second reference with
    /// get_file() and its failures put only one; the step's failure after
    /// the file helper puts one of the two references it holds.
    func testFailureThatPutsOneOfTwoReferences() throws {
        let audit = read("drivers/extra-reference")
        XCTAssertFalse(audit.passes)
        XCTAssertEqual(audit.findings.map { "\($0.severity) \($0.kind) \($0.location.line):\($0.location.column)" }, [
            "error session-leak 84:2", "error session-leak 152:4",
        ])
        XCTAssertEqual(audit.findings[0].message, "STOP -> STOP_COPY, STOP -> RESUMING: acme_dpu_get_lm_file() fails here after anon_inode_getfile() created its session, and releases only part of its references: the file keeps a reference after the failure")
        XCTAssertEqual(audit.findings[0].related.map { "\($0.location.line):\($0.location.column) \($0.message)" }, [
            "59:19 the session is created here", "80:2 fput() here drops only the reference get_file() took",
        ])
        XCTAssertEqual(audit.findings[1].message, "STOP -> STOP_COPY: the step fails here after acme_dpu_get_save_file() created its session, and releases only part of its references: the file keeps a reference after the failure")
        XCTAssertEqual(audit.findings[1].related.map { "\($0.location.line):\($0.location.column) \($0.message)" }, [
            "146:9 the session is created here, with 2 references", "151:4 acme_dpu_put_save_file() here drops 1 of the 2 references",
        ])
        XCTAssertEqual(audit.findings[1].trace.first, "violation of no-session-leak on {STOP_COPY, P2P}: the saving session created by STOP -> STOP_COPY stays live after the step failed")
        // Both references put on both failures: clean.
        var text = try String(contentsOfFile: ImportFixtures.path("drivers/extra-reference/acme_dpu.c"), encoding: .utf8)
        text = text.replacingOccurrences(of: "out_put_file:\n\tfput(lm_file->filep);", with: "out_put_file:\n\tfput(lm_file->filep);\n\tfput(lm_file->filep);")
        text = text.replacingOccurrences(of: "\t\t\tacme_dpu_put_save_file(dpu);\n\t\t\treturn ERR_PTR(err);",
                                         with: "\t\t\tfput(dpu->save_file->filep);\n\t\t\tacme_dpu_put_save_file(dpu);\n\t\t\treturn ERR_PTR(err);")
        let fixed = DriverAudit.run(paths: [ImportFixtures.temporary("acme_dpu.c", text)], model: Repository.vfio)
        XCTAssertEqual(fixed.findings.map(\.message), [])
    }

    /// xe (newer trees): reset_done resets again after the unlock helper
    /// released the state mutex: a warning at that call, the unlock as its
    /// note. And set_state acts on the device when the kernel refuses a
    /// request: a warning at that call.
    func testResetAppliedAfterTheStateMutexIsReleased() throws {
        let result = audit("drivers/reset-after-unlock")
        XCTAssertEqual(result.status, .success, result.out)
        XCTAssertTrue(result.out.hasSuffix("""
            drivers/reset-after-unlock/acme_gpu.c:124:2: warning: acme_gpu_reset_done() calls acme_gpu_reset(), which records RUNNING and ends a session, here after the state mutex was released (in acme_gpu_state_mutex_unlock()): a migration step running on another thread in between has the recorded state and its session changed under it [reset-outside-lock]
            drivers/reset-after-unlock/acme_gpu.c:96:2: note: the state mutex is released here
            drivers/reset-after-unlock/acme_gpu.c:224:4: warning: acme_gpu_set_device_state() calls acme_pf_mark_error() when vfio_mig_get_next_state() refuses the request: a request the kernel refuses must leave the device as it was, and the recorded state does not change [refusal-side-effect]

            audit: 1 driver, 0 errors, 2 warnings, 0 notes

            """), result.out)
        // Without the second reset and the call on refusal, nothing is
        // left; a reset under the mutex (6.12's drivers) never raises it.
        var text = try String(contentsOfFile: ImportFixtures.path("drivers/reset-after-unlock/acme_gpu.c"), encoding: .utf8)
        text = text.replacingOccurrences(of: "\tacme_gpu_state_mutex_unlock(gpu);\n\n\tacme_gpu_reset(gpu);\n}", with: "\tacme_gpu_state_mutex_unlock(gpu);\n}")
        text = text.replacingOccurrences(of: "\t\t\tacme_pf_mark_error(gpu);\n", with: "")
        let fixed = DriverAudit.run(paths: [ImportFixtures.temporary("acme_gpu.c", text)], model: Repository.vfio)
        XCTAssertEqual(fixed.findings.map(\.message), [])
        XCTAssertEqual(read("drivers/reset-flags-check").findings.filter { $0.kind == "reset-outside-lock" }.count, 0)
    }

    /// What a branch only logs decides nothing: a state name computed for a
    /// message is no command that can fail after the session ended, so the
    /// failure that follows (decided from earlier state) stays a warning.
    func testLoggedValuesAreNoCommands() throws {
        var text = try String(contentsOfFile: ImportFixtures.path("drivers/reset-after-unlock/acme_gpu.c"), encoding: .utf8)
        text = text.replacingOccurrences(of: "\t\tret = acme_pf_stop_copy_exit(gpu);\n\t\tif (ret)\n\t\t\tgoto err;\n\t\tif (gpu->migf)\n\t\t\tacme_gpu_put_file(gpu);\n\t\treturn NULL;",
                                         with: "\t\tif (gpu->migf)\n\t\t\tacme_gpu_put_file(gpu);\n\t\tif (gpu->vfid > 8) {\n\t\t\tdev_err(&gpu->core_device.pdev->dev, \"%s\\n\", acme_gpu_state_str(cur));\n\t\t\treturn ERR_PTR(-EIO);\n\t\t}\n\t\treturn NULL;")
        let audit = DriverAudit.run(paths: [ImportFixtures.temporary("acme_gpu.c", text)], model: Repository.vfio)
        let early = try XCTUnwrap(audit.findings.first { $0.kind == "session-ended-before-failure" })
        XCTAssertEqual(early.severity, .warning)
        XCTAssertEqual(early.message, "STOP_COPY -> STOP: acme_gpu_put_file() ends the saving session, and the step can still fail after it; on that failure the device stays in STOP_COPY with its session gone")
    }

    /// A path that tested the creating call as failed (`IS_ERR(migf)`)
    /// holds no file, whatever commands it makes on the way out.
    func testFailedCreationHoldsNothing() throws {
        var text = try String(contentsOfFile: ImportFixtures.path("drivers/reset-after-unlock/acme_gpu.c"), encoding: .utf8)
        let original = "\t\tmigf = acme_gpu_alloc_file(gpu, true);\n\t\tif (IS_ERR(migf)) {\n\t\t\tret = PTR_ERR(migf);\n\t\t\tgoto err;\n\t\t}"
        XCTAssertTrue(text.contains(original))
        text = text.replacingOccurrences(of: original, with: "\t\tmigf = acme_gpu_alloc_file(gpu, true);\n\t\tif (IS_ERR(migf)) {\n\t\t\tret = PTR_ERR(migf);\n\t\t\tif (acme_pf_resume_device(gpu))\n\t\t\t\tret = -EIO;\n\t\t\tgoto err;\n\t\t}")
        let audit = DriverAudit.run(paths: [ImportFixtures.temporary("acme_gpu.c", text)], model: Repository.vfio)
        XCTAssertEqual(audit.findings.map(\.kind), ["reset-outside-lock", "refusal-side-effect"])
    }

    /// mlx5 before "Enforce PRE_COPY support": both feature sets are real,
    /// each with the condition that gives it; a correct driver passes.
    func testConditionalFlagsGiveBothConfigurations() {
        let result = audit("drivers/conditional-flags")
        XCTAssertEqual(result.status, .success, result.out)
        XCTAssertTrue(result.out.contains("""
              flags {STOP_COPY, P2P, PRE_COPY} when acme_fw_has(nic->fw, 1) && acme_fw_has(nic->fw, 2) at drivers/conditional-flags/acme_nic.c:212:24, drivers/conditional-flags/acme_nic.c:218:25
              flags {STOP_COPY, P2P} unless acme_fw_has(nic->fw, 1) && acme_fw_has(nic->fw, 2) at drivers/conditional-flags/acme_nic.c:212:24
            """), result.out)
        XCTAssertTrue(result.out.contains("""
              {STOP_COPY, P2P}: handles all 8 required arcs; a reset restores RUNNING and ends the sessions
              {STOP_COPY, P2P, PRE_COPY}: handles all 15 required arcs; a reset restores RUNNING and ends the sessions

            audit: 1 driver, 0 errors, 0 warnings, 0 notes
            """), result.out)
        // Claiming the set without PRE_COPY audits that one only.
        let claimed = audit("drivers/conditional-flags", "STOP_COPY,P2P")
        XCTAssertEqual(claimed.status, .success, claimed.out)
        // The arcs are read through a switch on the current state and a goto.
        XCTAssertEqual(read("drivers/conditional-flags").drivers[0].model.branches.count, 15)
    }

    func testBranchThatAlwaysFailsIsNotAnImplementation() {
        let result = audit("drivers/always-fails")
        XCTAssertEqual(result.status, .failure)
        XCTAssertTrue(result.out.contains("""
                STOP -> RESUMING   drivers/always-fails/acme_ssd.c:60:6  (always fails)
            """), result.out)
        XCTAssertTrue(result.out.contains("""
            drivers/always-fails/acme_ssd.c:60:6: error: STOP -> RESUMING: every path of the branch returns an error, so the driver does not really implement it (required with {STOP_COPY}) [always-fails]
                violation of driver-arcs-implemented on {STOP_COPY}: the driver is asked for STOP -> RESUMING, which its step function always fails
            """), result.out)
        XCTAssertTrue(result.out.contains("  reset: acme_ssd_reset() (VFIO_DEVICE_RESET) at drivers/always-fails/acme_ssd.c:100:13\n"), result.out)
    }

    func testJSONFindings() throws {
        var output = CommandOutput()
        let status = CommandLineTool.run(["audit-driver", ImportFixtures.path("drivers/always-fails"), "--spec", ImportFixtures.spec, "--json"], output: &output)
        XCTAssertEqual(status, .failure)
        let json = ImportFixtures.relative(output.standardOutput)
        XCTAssertTrue(json.hasPrefix("{\n  \"formatVersion\": 1,\n"), json)
        XCTAssertTrue(json.contains("""
                  "kind": "always-fails",
                  "severity": "error",
                  "file": "\(ImportFixtures.directory)/drivers/always-fails/acme_ssd.c",
            """.replacingOccurrences(of: ImportFixtures.directory + "/", with: "")), json)
        let object = try JSONSerialization.jsonObject(with: Data(output.standardOutput.utf8)) as? [String: Any]
        let findings = object?["findings"] as? [[String: Any]]
        XCTAssertEqual(findings?.count, 1)
        XCTAssertEqual(findings?.first?["line"] as? Int, 60)
        XCTAssertEqual(findings?.first?["column"] as? Int, 6)
        XCTAssertEqual((findings?.first?["trace"] as? [String])?.first, "violation of driver-arcs-implemented on {STOP_COPY}: the driver is asked for STOP -> RESUMING, which its step function always fails")
        XCTAssertEqual(object?["passes"] as? Bool, false)
    }

    /// Output does not depend on the working folder or the run.
    func testDeterministic() {
        let first = audit("drivers/session-before-exit").out
        let second = audit("drivers/session-before-exit").out
        XCTAssertEqual(first, second)
    }

    // MARK: - extract-driver

    /// Each fixture's extracted driver file reads back, and the explorer
    /// turns its defect into the property it breaks (none for the correct one).
    func testExtractedFixturesExploreToTheirDefects() throws {
        let model = Repository.vfio
        let expectations: [(String, [ExploreProperty], [FeatureSet])] = [
            ("drivers/reset-flags-check", [.resetRestores], [model.set("STOP_COPY", "PRE_COPY")]),
            ("drivers/session-before-exit", [.sessionLivesInState], [model.set("STOP_COPY", "P2P")]),
            ("drivers/conditional-flags", [], [model.set("STOP_COPY", "P2P"), model.set("STOP_COPY", "P2P", "PRE_COPY")]),
            ("drivers/always-fails", [.driverArcsImplemented], [model.set("STOP_COPY")]),
            ("drivers/helper-leak", [.noSessionLeak], [model.set("STOP_COPY", "PRE_COPY")]),
            ("drivers/extra-reference", [.noSessionLeak], [model.set("STOP_COPY", "P2P")]),
            ("drivers/reset-after-unlock", [], [model.set("STOP_COPY", "P2P")]),
        ]
        for (folder, properties, sets) in expectations {
            let result = runCLI("extract-driver", ImportFixtures.path(folder), "--spec", ImportFixtures.spec)
            XCTAssertEqual(result.status, .success, folder)
            let driver = try DriverReader.read(text: result.out, path: "x.driver", model: model)
            XCTAssertEqual(driver.featureSets.sorted(), sets, folder)
            let report = try XCTUnwrap(ExploreReport.explore(model: model, driver: driver, driverPath: "x.driver", featureSets: driver.featureSets))
            let found = report.explorations.flatMap(\.counterexamples).map(\.property)
            for property in properties { XCTAssertTrue(found.contains(property), "\(folder): \(found)") }
            if properties.isEmpty { XCTAssertEqual(found, [], folder) }
        }
        let reset = runCLI("extract-driver", ImportFixtures.path("drivers/reset-flags-check"), "--spec", ImportFixtures.spec).out
        XCTAssertTrue(reset.contains("quirk reset-keeps-state for STOP_COPY | PRE_COPY  # acme_acc_reset_done() leaves at "), reset)
        // With STOP_COPY | PRE_COPY the handler returns before deferring anything.
        XCTAssertFalse(reset.contains("fault reset-while-locked"), reset)
        let gpu = runCLI("extract-driver", ImportFixtures.path("drivers/session-before-exit"), "--spec", ImportFixtures.spec).out
        XCTAssertTrue(gpu.contains("quirk STOP_COPY -> STOP ends-session-early  # acme_gpu_put_file() at "), gpu)
        XCTAssertTrue(gpu.contains("fault STOP -> STOP_COPY stays, after-session  # "), gpu)
    }

    func testExtractDriverNeedsExactlyOneDriver() {
        let two = runCLI("extract-driver", ImportFixtures.path("drivers/always-fails"), ImportFixtures.path("drivers/conditional-flags"), "--spec", ImportFixtures.spec)
        XCTAssertEqual(two.status, .failure)
        XCTAssertTrue(two.err.hasSuffix("error: 2 drivers (always-fails, conditional-flags); give one driver's folder\n"), two.err)
        let none = runCLI("extract-driver", ImportFixtures.path("hostile/no-table.c"), "--spec", ImportFixtures.spec)
        XCTAssertEqual(none.status, .failure)
        XCTAssertTrue(none.err.contains("error: no migration driver"), none.err)
        XCTAssertEqual(runCLI("extract-driver", ImportFixtures.path("drivers/always-fails")).status, .usage)
    }

    /// Arcs chosen through a helper predicate of the two states are read by
    /// evaluating the helper.
    func testHelperPredicates() {
        let text = """
            static bool acme_arc(u32 from, u32 to, u32 a, u32 b)
            {
            \treturn from == a && to == b;
            }
            static struct file *acme_step(struct acme *d, u32 new)
            {
            \tu32 cur = d->state;
            \tif (acme_arc(cur, new, VFIO_DEVICE_STATE_RUNNING, VFIO_DEVICE_STATE_STOP) ||
            \t    acme_arc(cur, new, VFIO_DEVICE_STATE_STOP, VFIO_DEVICE_STATE_RUNNING))
            \t\treturn NULL;
            \tWARN_ON(true);
            \treturn ERR_PTR(-EINVAL);
            }
            static struct file *acme_set_state(struct vfio_device *vdev, enum vfio_device_mig_state new_state)
            {
            \tstruct acme *d = vdev->priv;
            \tenum vfio_device_mig_state next;
            \tstruct file *res = NULL;
            \twhile (new_state != d->state) {
            \t\tif (vfio_mig_get_next_state(vdev, d->state, new_state, &next))
            \t\t\treturn ERR_PTR(-EINVAL);
            \t\tres = acme_step(d, next);
            \t\tif (IS_ERR(res))
            \t\t\tbreak;
            \t\td->state = next;
            \t}
            \treturn res;
            }
            static const struct vfio_migration_ops acme_ops = { .migration_set_state = acme_set_state, };
            static void acme_init(struct vfio_device *vdev) { vdev->migration_flags = VFIO_MIGRATION_STOP_COPY; }

            """
        let audit = DriverAudit.run(paths: [ImportFixtures.temporary("acme.c", text)], model: Repository.vfio)
        let model = Repository.vfio
        XCTAssertEqual(audit.drivers.first?.model.branches.map { model.describe($0.arc) }, ["STOP -> RUNNING", "RUNNING -> STOP"])
        XCTAssertEqual(audit.drivers.first?.model.entry.roles, StateRoles(stateField: "state", currentName: "cur", requestedName: "new"))
        XCTAssertEqual(audit.findings.filter { $0.kind == "missing-arc" }.count, 4)
    }
}
