import Foundation
import XCTest
@testable import MigFSM

/// The real kernel, as Debian's linux-source-6.12 has it: vfio_main.c
/// proven as written, and every upstream migration driver audited as it
/// stands, its arcs, flags, reset and findings pinned. What was read by
/// hand in each driver (see docs/kernel-code.md) is what these expect.
/// Skipped with a message when the tree is absent (CI installs it).
final class KernelTreeAuditTests: XCTestCase {
    struct Read: Equatable {
        var arcs: String
        var flags: [String]
        var resets: [String]
        var findings: [String]
    }

    /// The audit of one folder, compactly: arcs with line:column, each
    /// configuration with where it is set, each reset, each finding.
    func read(_ folder: String, features: FeatureSet? = nil) throws -> (Read, DriverAudit) {
        let root = try KernelTree.path("")
        let path = try KernelTree.path(folder)
        let audit = DriverAudit.run(paths: [path], model: Repository.vfio, features: features)
        let model = Repository.vfio
        func short(_ location: SourceLocation) -> String {
            "\(location.file.replacingOccurrences(of: root + "/", with: "").split(separator: "/").last ?? ""):\(location.line):\(location.column)"
        }
        let driver = try XCTUnwrap(audit.drivers.first, "\(audit.rendered)")
        let read = Read(
            arcs: driver.model.branches.map { "\(model.describe($0.arc)) \($0.location.line):\($0.location.column)" }.joined(separator: ", "),
            flags: driver.model.configurations.map { configuration in
                model.describe(FeatureSet(rawValue: configuration.flags)) + (configuration.condition.isEmpty ? "" : " " + configuration.condition)
                    + " at " + configuration.assignments.map(short).joined(separator: ", ")
            },
            resets: driver.audited.flatMap { set in
                (driver.model.resets[set] ?? []).map { "\(model.describe(set)) \($0.entry) \($0.restores ? "restores" : "does not restore")\($0.deferredTo.map { ", deferred to " + $0 } ?? "")" }
            },
            findings: audit.findings.map { "\($0.severity) \($0.kind) \(short($0.location))" })
        return (read, audit)
    }

    // MARK: - vfio_main.c

    /// 6.12 has the June 2026 guard: the function as written holds for every
    /// flags value (undeclared bits too) and every request.
    func testVfioMainHoldsAsWritten() throws {
        let path = try KernelTree.path("drivers/vfio/vfio_main.c")
        let result = runCLI("import-c", path, "--spec", ImportFixtures.spec)
        XCTAssertEqual(result.status, .success, result.out)
        let out = result.out.replacingOccurrences(of: path, with: "vfio_main.c")
        XCTAssertTrue(out.contains("""
              next-state table vfio_from_fsm_table[8][8] at vfio_main.c:740:18
            """), out)
        XCTAssertTrue(out.contains("""
              lookup function vfio_mig_get_next_state() at vfio_main.c:667:5, proven as written; range checks at lines 838, 843; skip loop at line 854 (stops at ERROR)
              flags: every value 0x0...0x7, each also with an undeclared bit (0x8, 0x80000000), which the kernel must ignore; valid: {STOP_COPY}, {STOP_COPY, P2P}, {STOP_COPY, PRE_COPY}, {STOP_COPY, P2P, PRE_COPY}

            holds  kernel-lookup: terminates and agrees with every feature set's paths (2400 lookups)

            the C code agrees with the spec in every case
            """), out)
    }

    /// The same file with the guard taken out: exactly the three blocked
    /// requests never end (the hang of v6.2 until June 2026).
    func testVfioMainWithoutTheGuardHangsOnTheBlockedRequests() throws {
        let text = try String(contentsOfFile: try KernelTree.path("drivers/vfio/vfio_main.c"), encoding: .utf8)
        let unguarded = text.replacingOccurrences(of: "while (*next_fsm != VFIO_DEVICE_STATE_ERROR &&\n\t       (state_flags_table", with: "while ((state_flags_table")
        XCTAssertNotEqual(unguarded, text)
        let code = try KernelCodeImport.load(path: ImportFixtures.temporary("vfio_main.c", unguarded), model: Repository.vfio)
        let report = ImportReport(code: code, model: Repository.vfio)
        XCTAssertEqual(report.divergences.map(\.request), [
            "{STOP_COPY, PRE_COPY} STOP_COPY -> PRE_COPY",
            "{STOP_COPY, P2P, PRE_COPY} STOP_COPY -> PRE_COPY",
            "{STOP_COPY, P2P, PRE_COPY} STOP_COPY -> PRE_COPY_P2P",
        ])
        XCTAssertEqual(Set(report.divergences.map(\.kind)), [.neverEnds])
        if case .function(let function) = report.method {
            XCTAssertEqual(function.loop?.keyword.line, 854)
        } else {
            XCTFail("the function was not read")
        }
    }

    // MARK: - The drivers

    /// mlx5: flags in cmd.c, unconditional in 6.12 (the capabilities gate
    /// migration as a whole); 15 arcs; reset_done defers to the unlock
    /// helper; PRE_COPY -> RUNNING ends the session and can then fail on the
    /// saved state (a warning: a failure after the session is gone).
    func testMlx5() throws {
        let (read, audit) = try read("drivers/vfio/pci/mlx5")
        XCTAssertEqual(read, Read(
            arcs: "RUNNING_P2P -> STOP 1089:6, STOP -> RUNNING_P2P 1097:6, RUNNING -> RUNNING_P2P 1105:7, PRE_COPY -> PRE_COPY_P2P 1106:7, RUNNING_P2P -> RUNNING 1114:7, PRE_COPY_P2P -> PRE_COPY 1115:7, STOP -> STOP_COPY 1123:6, STOP_COPY -> STOP 1134:6, PRE_COPY -> RUNNING 1139:7, PRE_COPY_P2P -> RUNNING_P2P 1140:7, STOP -> RESUMING 1164:6, RESUMING -> STOP 1175:6, RUNNING -> PRE_COPY 1180:7, RUNNING_P2P -> PRE_COPY_P2P 1181:7, PRE_COPY_P2P -> STOP_COPY 1193:6",
            flags: ["{STOP_COPY, P2P, PRE_COPY} at cmd.c:267:26"],
            resets: ["{STOP_COPY, P2P, PRE_COPY} mlx5vf_pci_aer_reset_done restores, deferred to mlx5vf_state_mutex_unlock"],
            findings: ["warning session-ended-before-failure main.c:1160:3"]))
        XCTAssertTrue(audit.passes)
        XCTAssertEqual(audit.drivers[0].model.entry.setState?.name, "mlx5vf_pci_set_device_state")
        XCTAssertEqual(audit.drivers[0].model.entry.step.name, "mlx5vf_pci_step_device_state_locked")
        XCTAssertEqual(audit.findings[0].trace.first, "violation of session-lives-in-state on {STOP_COPY, P2P, PRE_COPY}: the driver records PRE_COPY but its saving session has ended")
    }

    /// hisilicon: STOP_COPY | PRE_COPY, 9 arcs, every result checked, and
    /// 6.12's reset_done tests mig_ops (not the flags). But STOP ->
    /// STOP_COPY calls hisi_acc_vf_stop_copy(vdev, true), which opens the
    /// saving file and returns vf_qm_state_save()'s error without putting
    /// it: a leak found inside the helper.
    func testHisilicon() throws {
        let (read, audit) = try read("drivers/vfio/pci/hisilicon")
        XCTAssertEqual(read, Read(
            arcs: "RUNNING -> PRE_COPY 999:6, PRE_COPY -> STOP_COPY 1010:6, RUNNING -> STOP 1024:6, STOP -> STOP_COPY 1031:6, STOP_COPY -> STOP 1042:7, STOP -> RESUMING 1047:6, RESUMING -> STOP 1058:6, PRE_COPY -> RUNNING 1066:6, STOP -> RUNNING 1071:6",
            flags: ["{STOP_COPY, PRE_COPY} at hisi_acc_vfio_pci.c:1385:13"],
            resets: ["{STOP_COPY, PRE_COPY} hisi_acc_vf_pci_aer_reset_done restores"],
            findings: ["error session-leak hisi_acc_vfio_pci.c:960:3"]))
        XCTAssertFalse(audit.passes)
        XCTAssertEqual(audit.findings[0].message, "STOP -> STOP_COPY: hisi_acc_vf_stop_copy() fails here after hisi_acc_open_saving_migf() created its session, without releasing it: the file keeps a reference after the failure")
        XCTAssertEqual(audit.findings[0].related.map { "\($0.location.line):\($0.location.column) \($0.message)" }, ["951:10 the session is created here"])
        XCTAssertEqual(audit.findings[0].trace.first, "violation of no-session-leak on {STOP_COPY, PRE_COPY}: the saving session created by STOP -> STOP_COPY stays live after the step failed")
    }

    /// pds: flags in vfio_dev.c; 8 arcs; the P2P arcs and STOP_COPY -> STOP
    /// call void helpers whose adminq commands' failures only reach dev_warn
    /// (or are dropped): warnings, each with its trace. The file helper
    /// takes a second reference with get_file() and its failures put one
    /// (lm.c:88), and STOP -> STOP_COPY's failure after it puts one of the
    /// two (lm.c:377): both leak the file.
    func testPds() throws {
        let (read, audit) = try read("drivers/vfio/pci/pds")
        XCTAssertEqual(read, Read(
            arcs: "STOP -> STOP_COPY 369:6, STOP_COPY -> STOP 383:6, STOP -> RESUMING 389:6, RESUMING -> STOP 397:6, RUNNING -> RUNNING_P2P 406:6, RUNNING_P2P -> RUNNING 417:6, STOP -> RUNNING_P2P 427:6, RUNNING_P2P -> STOP 436:6",
            flags: ["{STOP_COPY, P2P} at vfio_dev.c:136:8"],
            resets: ["{STOP_COPY, P2P} pds_vfio_pci_aer_reset_done restores"],
            findings: ["error session-leak lm.c:88:2", "error session-leak lm.c:377:4",
                       "warning swallowed-failure lm.c:385:3", "warning swallowed-failure lm.c:407:3", "warning swallowed-failure lm.c:423:3"]))
        XCTAssertFalse(audit.passes)
        XCTAssertEqual(audit.findings[0].message, "STOP -> STOP_COPY, STOP -> RESUMING: pds_vfio_get_lm_file() fails here after anon_inode_getfile() created its session, and releases only part of its references: the file keeps a reference after the failure")
        XCTAssertEqual(audit.findings[0].related.map { "\($0.location.line):\($0.location.column) \($0.message)" }, [
            "33:3 the session is created here", "83:2 fput() here drops only the reference get_file() took",
        ])
        XCTAssertEqual(audit.findings[1].related.map { "\($0.location.line):\($0.location.column) \($0.message)" }, [
            "370:9 the session is created here, with 2 references", "376:4 pds_vfio_put_save_file() here drops 1 of the 2 references",
        ])
        let p2p = audit.findings[3]
        XCTAssertEqual(p2p.message, "RUNNING -> RUNNING_P2P: pds_vfio_send_host_vf_lm_status_cmd() is a void function that only logs the failure of a command (see the notes), so the arc reports success whatever the device did")
        XCTAssertEqual(p2p.related.map { "\($0.location.file.split(separator: "/").last ?? ""):\($0.location.line):\($0.location.column)" }, ["cmds.c:381:8"])
        XCTAssertEqual(p2p.trace.first, "violation of hardware-matches-recorded on {STOP_COPY, P2P}: the driver records RUNNING_P2P but the hardware is in RUNNING")
        XCTAssertEqual(audit.findings[2].related.count, 2, "pds_vfio_dirty_disable() drops pds_vfio_dirty_disable_cmd() and sends the status command")
    }

    /// qat: all three flags, 15 arcs; qat_vfmig_resume() returns int
    /// (include/linux/qat/qat_mig_dev.h) and its result is dropped on
    /// RUNNING_P2P -> RUNNING and PRE_COPY_P2P -> PRE_COPY: an error.
    func testQat() throws {
        guard FileManager.default.fileExists(atPath: try KernelTree.path("include/linux/qat/qat_mig_dev.h")) else {
            throw XCTSkip("the tree lacks include/linux/qat/qat_mig_dev.h: run scripts/kernel-source again")
        }
        let (read, audit) = try read("drivers/vfio/pci/qat")
        XCTAssertEqual(read, Read(
            arcs: "RUNNING -> RUNNING_P2P 397:7, PRE_COPY -> PRE_COPY_P2P 398:7, RUNNING_P2P -> RUNNING 405:7, PRE_COPY_P2P -> PRE_COPY 406:7, RUNNING_P2P -> STOP 411:7, STOP -> RUNNING_P2P 412:7, STOP -> STOP_COPY 415:6, STOP -> RESUMING 426:6, STOP_COPY -> STOP 437:7, PRE_COPY -> RUNNING 438:7, PRE_COPY_P2P -> RUNNING_P2P 439:7, RUNNING -> PRE_COPY 444:7, RUNNING_P2P -> PRE_COPY_P2P 445:7, PRE_COPY_P2P -> STOP_COPY 456:6, RESUMING -> STOP 467:6",
            flags: ["{STOP_COPY, P2P, PRE_COPY} at main.c:571:13"],
            resets: ["{STOP_COPY, P2P, PRE_COPY} qat_vf_pci_aer_reset_done restores"],
            findings: ["error dropped-result main.c:407:3"]))
        XCTAssertFalse(audit.passes)
        XCTAssertEqual(audit.findings[0].message, "RUNNING_P2P -> RUNNING, PRE_COPY_P2P -> PRE_COPY drop the result of qat_vfmig_resume(): when it fails, the step still succeeds and the driver records the new state while the device stays in the old one")
        XCTAssertEqual(audit.findings[0].related.map { "\($0.location.line):\($0.location.column) \($0.message)" }, ["24:5 qat_vfmig_resume() returns int here"])
        XCTAssertEqual(audit.findings[0].trace.first, "violation of hardware-matches-recorded on {STOP_COPY, P2P, PRE_COPY}: the driver records RUNNING but the hardware is in RUNNING_P2P")
        XCTAssertEqual(runCLI("audit-driver", try KernelTree.path("drivers/vfio/pci/qat"), "--spec", ImportFixtures.spec).status, .failure)
    }

    /// The mtty sample: `cur == A && (new == B || new == C)` gives both arcs
    /// at the same place; the reset is VFIO_DEVICE_RESET's, deferred to the
    /// unlock helper; only mtty.c of the folder's modules is the driver.
    func testMtty() throws {
        let (read, audit) = try read("samples/vfio-mdev")
        XCTAssertEqual(read, Read(
            arcs: "RUNNING -> RUNNING_P2P 1131:7, RUNNING_P2P -> STOP 1133:7, RUNNING_P2P -> RUNNING 1133:7, PRE_COPY -> PRE_COPY_P2P 1136:7, PRE_COPY_P2P -> PRE_COPY 1138:7, STOP -> RUNNING_P2P 1140:7, RESUMING -> STOP 1154:6, PRE_COPY -> RUNNING 1165:7, PRE_COPY_P2P -> RUNNING_P2P 1167:7, STOP_COPY -> STOP 1169:7, RUNNING -> PRE_COPY 1184:7, RUNNING_P2P -> PRE_COPY_P2P 1186:7, STOP -> STOP_COPY 1188:7, PRE_COPY_P2P -> STOP_COPY 1190:7, STOP -> RESUMING 1206:6",
            flags: ["{STOP_COPY, P2P, PRE_COPY} at mtty.c:1347:8"],
            resets: ["{STOP_COPY, P2P, PRE_COPY} mtty_reset restores, deferred to mtty_state_mutex_unlock"],
            findings: []))
        XCTAssertTrue(audit.passes)
        XCTAssertEqual(audit.drivers.map(\.model.name), ["mtty"])
        XCTAssertEqual(audit.drivers[0].model.code.files.map { $0.path.split(separator: "/").last.map(String.init) ?? "" }, ["mdpy-defs.h", "mtty.c"])
    }

    /// virtio has no migration support in 6.12 (it came with migrate.c in
    /// v6.13): a folder without a driver is an error on its own.
    func testVirtioHasNoMigrationDriverIn612() throws {
        let path = try KernelTree.path("drivers/vfio/pci/virtio")
        let audit = DriverAudit.run(paths: [path], model: Repository.vfio)
        XCTAssertEqual(audit.drivers.count, 0)
        XCTAssertEqual(audit.findings.map { "\($0.severity) \($0.kind)" }, ["error no-driver"])
        XCTAssertEqual(runCLI("audit-driver", path, "--spec", ImportFixtures.spec).status, .failure)
    }

    /// Every driver folder together: five drivers, the leaks of hisilicon
    /// and pds and qat's dropped result, the warnings above, and a note for
    /// each folder without a driver.
    func testEveryDriverFolderTogether() throws {
        var paths: [String] = []
        for folder in ["hisilicon", "mlx5", "nvgrace-gpu", "pds", "qat", "virtio"] {
            paths.append(try KernelTree.path("drivers/vfio/pci/" + folder))
        }
        paths.append(try KernelTree.path("samples/vfio-mdev"))
        let audit = DriverAudit.run(paths: paths, model: Repository.vfio)
        XCTAssertEqual(audit.drivers.map(\.model.name), ["hisilicon", "mlx5", "pds", "qat", "mtty"])
        XCTAssertEqual(audit.findings.filter { $0.severity == .error }.map(\.kind), ["session-leak", "session-leak", "session-leak", "dropped-result"])
        XCTAssertEqual(audit.findings.filter { $0.severity == .warning }.count, 4)
        XCTAssertEqual(audit.general.map { "\($0.severity) \($0.kind) \($0.location.file.split(separator: "/").suffix(2).joined(separator: "/"))" }, [
            "note no-driver nvgrace-gpu/main.c", "note no-driver virtio/main.c",
        ])
    }

    // MARK: - extract-driver and explore

    /// The extracted drivers read back; the explorer finds no violation in
    /// the clean ones and the defect in the others.
    func testExtractedDriversExplore() throws {
        let model = Repository.vfio
        let expectations: [(String, [ExploreProperty])] = [
            ("drivers/vfio/pci/hisilicon", [.noSessionLeak]),
            ("samples/vfio-mdev", []),
            ("drivers/vfio/pci/pds", [.noSessionLeak, .hardwareMatchesRecorded]),
            ("drivers/vfio/pci/mlx5", [.sessionHandback, .sessionLivesInState]),
        ]
        for (folder, properties) in expectations {
            let result = runCLI("extract-driver", try KernelTree.path(folder), "--spec", ImportFixtures.spec)
            XCTAssertEqual(result.status, .success, folder)
            let driver = try DriverReader.read(text: result.out, path: "extracted.driver", model: model)
            let report = try XCTUnwrap(ExploreReport.explore(model: model, driver: driver, driverPath: "extracted.driver", featureSets: driver.featureSets))
            XCTAssertEqual(report.explorations.flatMap(\.counterexamples).map(\.property), properties, folder)
        }
        let qat = runCLI("extract-driver", try KernelTree.path("drivers/vfio/pci/qat"), "--spec", ImportFixtures.spec)
        XCTAssertTrue(qat.out.contains("fault RUNNING_P2P -> RUNNING swallowed  # the result of qat_vfmig_resume() is dropped at "), qat.out)
    }
}
