import XCTest
@testable import MigFSM

/// The driver-file forms `extract-driver` writes for defects read in C
/// code, each turned by the explorer into the property it breaks, with
/// its shortest trace; and their diagnostics.
final class ExploreDriverDefectTests: XCTestCase {
    let model = Repository.vfio

    func explore(_ body: String) throws -> [Counterexample] {
        let driver = try DriverReader.read(text: "driver t\nprotocol vfio-v2\n" + body, path: "t.driver", model: model)
        let report = try XCTUnwrap(ExploreReport.explore(model: model, driver: driver, driverPath: "t.driver", featureSets: driver.featureSets))
        return report.explorations.flatMap(\.counterexamples)
    }

    func errors(_ body: String) -> String {
        do throws(DiagnosticList) {
            _ = try DriverReader.read(text: "driver t\nprotocol vfio-v2\n" + body, path: "t.driver", model: model)
            return ""
        } catch {
            return error.rendered
        }
    }

    /// qat's dropped resume result: the step succeeds, the device stays suspended.
    func testSwallowedFaultBreaksHardwareMatchesRecorded() throws {
        let found = try explore("flags STOP_COPY | P2P\narc required\nfault RUNNING_P2P -> RUNNING swallowed\n")
        XCTAssertEqual(found.map(\.property), [.hardwareMatchesRecorded])
        XCTAssertEqual(found[0].message, "the driver records RUNNING but the hardware is in RUNNING_P2P")
        XCTAssertEqual(found[0].steps.map(\.actionText), ["request STOP (1)", "request RUNNING (2)"])
        XCTAssertEqual(found[0].steps[1].result, "success")
        // Without the fault the same driver holds.
        XCTAssertEqual(try explore("flags STOP_COPY | P2P\narc required\nfault RUNNING_P2P -> RUNNING stays\n").count, 0)
    }

    /// xe: the file is put before the exit command, which then fails.
    func testEndsSessionEarlyBreaksSessionLivesInState() throws {
        let found = try explore("flags STOP_COPY\narc required\nfault STOP_COPY -> STOP stays\nquirk STOP_COPY -> STOP ends-session-early\n")
        XCTAssertEqual(found.map(\.property), [.sessionLivesInState])
        XCTAssertEqual(found[0].message, "the driver records STOP_COPY but its saving session has ended")
        XCTAssertEqual(found[0].steps.map(\.actionText), ["request STOP_COPY (3)", "request STOP (1)"])
        XCTAssertEqual(found[0].steps[1].events.map(\.text), [
            "STOP_COPY -> STOP: injected fault: the hardware command fails; the device stays in STOP_COPY",
            "ends-session-early: the step ended the saving session before the command that failed",
            "the saving session ends",
        ])
    }

    func testAlwaysFailingArcIsNotImplemented() throws {
        let found = try explore("flags STOP_COPY\narc required\nquirk STOP -> RESUMING always-fails\n")
        XCTAssertEqual(found.map(\.property), [.driverArcsImplemented])
        XCTAssertEqual(found[0].message, "the driver is asked for STOP -> RESUMING, which its step function always fails")
        XCTAssertEqual(found[0].steps.map(\.result), ["fails"])
    }

    /// The old hisilicon reset_done: no restore with PRE_COPY, a restore without.
    func testQuirkOnOneFeatureSetOnly() throws {
        let found = try explore("flags STOP_COPY\nflags STOP_COPY | PRE_COPY\narc required\nquirk reset-keeps-state for STOP_COPY | PRE_COPY\n")
        XCTAssertTrue(found.map(\.property).contains(.resetRestores))
        XCTAssertEqual(Set(found.map(\.features)), [model.set("STOP_COPY", "PRE_COPY")], "nothing breaks on {STOP_COPY}")
        let driver = try DriverReader.read(text: "driver t\nprotocol vfio-v2\nflags STOP_COPY\nflags STOP_COPY | PRE_COPY\narc required\nquirk reset-keeps-state for STOP_COPY | PRE_COPY\n", path: "t.driver", model: model)
        XCTAssertEqual(driver.quirks(on: model.set("STOP_COPY")), [])
        XCTAssertEqual(driver.quirks(on: model.set("STOP_COPY", "PRE_COPY")), [.resetKeepsState])
    }

    func testDiagnostics() {
        XCTAssertEqual(errors("flags STOP_COPY\narc required\nquirk STOP -> RUNNING ends-session-early\n"),
            "t.driver:5:23: error: 'ends-session-early' needs an arc that ends a session; STOP -> RUNNING ends none\n")
        XCTAssertEqual(errors("flags STOP_COPY\narc required\nquirk reset-keeps-state for STOP_COPY | P2P\n"),
            "t.driver:5:29: error: the driver reports no flags {STOP_COPY, P2P}; quirk 'reset-keeps-state' for it applies to nothing\n")
        XCTAssertEqual(errors("flags STOP_COPY\narc required\nquirk reset-keeps-state for STOP_CPY\n"),
            "t.driver:5:29: error: unknown feature 'STOP_CPY'; did you mean 'STOP_COPY'?\n")
        XCTAssertEqual(errors("flags STOP_COPY\narc required\nquirk reset-keeps-state for STOP_COPY\nquirk reset-keeps-state for STOP_COPY\n"),
            "t.driver:6:7: error: duplicate quirk 'reset-keeps-state' for {STOP_COPY}\nt.driver:5:29: note: first given here\n")
        XCTAssertEqual(errors("flags STOP_COPY\narc required\nfault STOP -> RUNNING swalowed\n"),
            "t.driver:5:23: error: unknown fault 'swalowed'; did you mean 'swallowed'?\n")
        XCTAssertEqual(errors("flags STOP_COPY\narc STOP -> RUNNING\nquirk STOP -> RESUMING always-fails\n"),
            "t.driver:5:24: error: quirk 'always-fails' of STOP -> RESUMING, which the driver does not implement (no 'arc' line)\n")
    }
}
