import Foundation
import XCTest
@testable import MigFSM

final class ImportAuditTests: XCTestCase {
    func audit(_ name: String, _ features: String) -> (status: ExitStatus, out: String, err: String) {
        let result = runCLI("audit-driver", ImportFixtures.path(name), "--spec", ImportFixtures.spec, "--features", features)
        return (result.status, ImportFixtures.relative(result.out), ImportFixtures.relative(result.err))
    }

    /// Seed 004's step function handles exactly the six STOP_COPY arcs.
    func testNVMeDriverMatchesStopCopy() throws {
        let result = audit("nvme-main.c", "STOP_COPY")
        XCTAssertEqual(result.status, .success)
        XCTAssertEqual(result.out, """
            audit nvme-main.c against vfio-v2 (Specs/vfio-v2.fsm) for {STOP_COPY}
              handles 6 arcs in nvmevf_pci_step_device_state_locked:
                RUNNING -> STOP    nvme-main.c:21:6
                STOP -> STOP_COPY  nvme-main.c:28:6
                STOP_COPY -> STOP  nvme-main.c:39:6
                STOP -> RESUMING   nvme-main.c:44:6
                RESUMING -> STOP   nvme-main.c:55:6
                STOP -> RUNNING    nvme-main.c:63:6

            holds  required-arcs: handles all 6 arcs {STOP_COPY} requires
            holds  dead-code: every handled arc is one the core asks for
            holds  flags: sets {STOP_COPY}, as claimed
                   migration_flags = VFIO_MIGRATION_STOP_COPY at nvme-main.c:153:13

            the driver matches {STOP_COPY}

            """)
        let model = Repository.vfio
        let audit = try DriverAudit.load(path: ImportFixtures.path("nvme-main.c"), model: model, features: model.set("STOP_COPY"))
        let table = PathTable(model: model, features: model.set("STOP_COPY"))
        XCTAssertEqual(Set(audit.handled.map(\.arc)), Set(table.requiredArcs))
        XCTAssertEqual(audit.handled.count, 6)
    }

    /// The patch that adds the driver, as a reviewer gets it: the same arcs,
    /// located in the patch.
    func testNVMePatch() {
        let result = audit("nvme-live-migration.patch", "STOP_COPY")
        XCTAssertEqual(result.status, .success)
        XCTAssertTrue(result.out.hasPrefix("""
            audit nvme-live-migration.patch (the lines the patch adds) against vfio-v2 (Specs/vfio-v2.fsm) for {STOP_COPY}
              handles 6 arcs in nvmevf_pci_step_device_state_locked:
                RUNNING -> STOP    nvme-live-migration.patch:23:7 (drivers/vfio/pci/nvme/main.c)
            """), result.out)
        XCTAssertTrue(result.out.contains("migration_flags = VFIO_MIGRATION_STOP_COPY at nvme-live-migration.patch:155:14\n"), result.out)
    }

    func testP2PDriverLackingArcs() {
        let result = audit("p2p-driver-missing-arcs.c", "STOP_COPY,P2P")
        XCTAssertEqual(result.status, .failure)
        XCTAssertEqual(result.out, """
            audit p2p-driver-missing-arcs.c against vfio-v2 (Specs/vfio-v2.fsm) for {STOP_COPY, P2P}
              handles 7 arcs in acme_vf_step_state:
                RUNNING -> STOP         p2p-driver-missing-arcs.c:15:7
                RUNNING -> RUNNING_P2P  p2p-driver-missing-arcs.c:16:7
                STOP -> RUNNING         p2p-driver-missing-arcs.c:21:6
                STOP -> STOP_COPY       p2p-driver-missing-arcs.c:26:6
                STOP_COPY -> STOP       p2p-driver-missing-arcs.c:29:6
                STOP -> RESUMING        p2p-driver-missing-arcs.c:34:6
                RESUMING -> STOP        p2p-driver-missing-arcs.c:37:6

            FAILS  required-arcs: lacks 3 of the 8 arcs {STOP_COPY, P2P} requires
                   STOP -> RUNNING_P2P: reached by STOP -> RUNNING (walks STOP -> RUNNING_P2P -> RUNNING) and 5 other requests
                   RUNNING_P2P -> STOP: reached by RUNNING -> STOP (walks RUNNING -> RUNNING_P2P -> STOP) and 5 other requests
                   RUNNING_P2P -> RUNNING: reached by STOP -> RUNNING (walks STOP -> RUNNING_P2P -> RUNNING) and 3 other requests
            FAILS  dead-code: 2 handled arcs are never asked for
                   RUNNING -> STOP at p2p-driver-missing-arcs.c:15:7: the core never asks for it with {STOP_COPY, P2P} (required with {STOP_COPY}, {STOP_COPY, PRE_COPY})
                   STOP -> RUNNING at p2p-driver-missing-arcs.c:21:6: the core never asks for it with {STOP_COPY, P2P} (required with {STOP_COPY}, {STOP_COPY, PRE_COPY})
            holds  flags: sets {STOP_COPY, P2P}, as claimed
                   migration_flags = VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P at p2p-driver-missing-arcs.c:49:13

            the driver does not match {STOP_COPY, P2P}

            """)
    }

    /// The NVMe driver claiming more than it implements: every P2P arc
    /// missing, STOP <-> RUNNING dead, and the flags do not match.
    func testNVMeDriverClaimingP2P() {
        let result = audit("nvme-main.c", "STOP_COPY,P2P")
        XCTAssertEqual(result.status, .failure)
        XCTAssertTrue(result.out.contains("""
            FAILS  required-arcs: lacks 4 of the 8 arcs {STOP_COPY, P2P} requires
                   STOP -> RUNNING_P2P: reached by STOP -> RUNNING (walks STOP -> RUNNING_P2P -> RUNNING) and 5 other requests
                   RUNNING -> RUNNING_P2P: reached by RUNNING -> RUNNING_P2P and 3 other requests
            """), result.out)
        XCTAssertTrue(result.out.contains("FAILS  flags: sets {STOP_COPY}; claims {STOP_COPY, P2P}\n"), result.out)
    }

    func testDeadCodeReasons() {
        let text = """
            static struct file *step(struct dev *d, u32 new_state)
            {
            \tu32 cur_state = d->state;
            \tif (new_state == VFIO_DEVICE_STATE_STOP && cur_state == VFIO_DEVICE_STATE_RUNNING)
            \t\treturn NULL;
            \tif (cur_state == VFIO_DEVICE_STATE_STOP && new_state == VFIO_DEVICE_STATE_RUNNING)
            \t\treturn NULL;
            \tif (cur_state == VFIO_DEVICE_STATE_STOP && new_state == VFIO_DEVICE_STATE_STOP_COPY)
            \t\treturn NULL;
            \tif (cur_state == VFIO_DEVICE_STATE_STOP_COPY && new_state == VFIO_DEVICE_STATE_STOP)
            \t\treturn NULL;
            \tif (cur_state == VFIO_DEVICE_STATE_STOP && new_state == VFIO_DEVICE_STATE_RESUMING)
            \t\treturn NULL;
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
        let result = runCLI("audit-driver", path, "--spec", ImportFixtures.spec, "--features", "STOP_COPY")
        XCTAssertEqual(result.status, .failure)
        let out = result.out.replacingOccurrences(of: path, with: "dead.c")
        XCTAssertTrue(out.contains("""
            holds  required-arcs: handles all 6 arcs {STOP_COPY} requires
            FAILS  dead-code: 3 handled arcs are never asked for
                   STOP_COPY -> PRE_COPY at dead.c:16:6: PRE_COPY does not exist with {STOP_COPY}
                   RUNNING -> ERROR at dead.c:18:6: ERROR is never requested or left by a request
                   STOP -> RUNNING at dead.c:20:6: repeats the condition at dead.c:6:6; never reached
            holds  flags: sets {STOP_COPY}, as claimed
            """), out)
        XCTAssertTrue(out.contains("    RUNNING -> STOP        dead.c:4:6\n"), out)
    }

    func testAuditErrors() {
        let unknown = ImportFixtures.temporary("unknown.c", "int f(u32 cur, u32 new)\n{\n\tif (cur == VFIO_DEVICE_STATE_RUNING && new == VFIO_DEVICE_STATE_STOP)\n\t\treturn 0;\n}\n")
        var result = runCLI("audit-driver", unknown, "--spec", ImportFixtures.spec, "--features", "STOP_COPY")
        XCTAssertEqual(result.status, .failure)
        XCTAssertEqual(result.err.replacingOccurrences(of: unknown, with: "unknown.c"),
            "unknown.c:3:13: error: unknown state enumerator 'VFIO_DEVICE_STATE_RUNING': the spec declares no state 'RUNING'; did you mean 'VFIO_DEVICE_STATE_RUNNING'?\n")
        let none = ImportFixtures.temporary("none.c", "int main(void) { return 0; }\n")
        result = runCLI("audit-driver", none, "--spec", ImportFixtures.spec, "--features", "STOP_COPY")
        XCTAssertEqual(result.err.replacingOccurrences(of: none, with: "none.c"),
            "none.c:1:1: error: no step function: found no condition like 'cur == VFIO_DEVICE_STATE_STOP && new == VFIO_DEVICE_STATE_RUNNING'\n")
        let badHunk = ImportFixtures.temporary("bad.patch", "--- a/x.c\n+++ b/x.c\n@@ -1,2 +1,x @@\n+int a;\n")
        result = runCLI("audit-driver", badHunk, "--spec", ImportFixtures.spec, "--features", "STOP_COPY")
        XCTAssertEqual(result.err.replacingOccurrences(of: badHunk, with: "bad.patch"),
            "bad.patch:3:1: error: malformed hunk header: expected '@@ -START,COUNT +START,COUNT @@'\n")
        let docs = ImportFixtures.temporary("docs.patch", "--- a/README\n+++ b/README\n@@ -0,0 +1 @@\n+cur == VFIO_DEVICE_STATE_STOP && new == VFIO_DEVICE_STATE_RUNNING\n")
        result = runCLI("audit-driver", docs, "--spec", ImportFixtures.spec, "--features", "STOP_COPY")
        XCTAssertEqual(result.err.replacingOccurrences(of: docs, with: "docs.patch"),
            "docs.patch:1:1: error: the patch adds no C code (.c or .h lines)\n")
        XCTAssertEqual(runCLI("audit-driver", none, "--spec", ImportFixtures.spec).status, .usage)
    }
}
