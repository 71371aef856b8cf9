import XCTest
@testable import MigFSM

/// Every property catches its bug: a small broken driver per property, the
/// property's shortest counterexample (message and numbered user actions)
/// asserted exactly.
final class ExplorePropertyTests: XCTestCase {
    /// A correct {STOP_COPY} driver, to which each test adds one bug.
    let base = "flags STOP_COPY\narc required\n"

    func counterexample(_ property: ExploreProperty, _ text: String,
                        file: StaticString = #filePath, line: UInt = #line) -> Counterexample? {
        let report = exploreDriver(text)
        let found = report.explorations.flatMap(\.counterexamples).first { $0.property == property }
        XCTAssertNotNil(found, "\(property.name) not violated", file: file, line: line)
        return found
    }

    func assertTrace(_ property: ExploreProperty, _ text: String, message: String, actions: [String],
                     file: StaticString = #filePath, line: UInt = #line) {
        guard let found = counterexample(property, text, file: file, line: line) else { return }
        XCTAssertEqual(found.message, message, file: file, line: line)
        XCTAssertEqual(found.steps.map(\.actionText), actions, file: file, line: line)
        XCTAssertEqual(found.steps.map(\.number), Array(1...actions.count), file: file, line: line)
    }

    func testAllPropertiesHaveNames() {
        XCTAssertEqual(ExploreProperty.allCases.map(\.name), [
            "success-reaches-target", "failure-stays-on-path", "session-handback", "session-ends-on-leave",
            "no-session-leak", "reset-restores", "error-exit-only-by-reset", "refused-changes-nothing",
            "driver-arcs-implemented", "request-bounded", "no-intermediate-session", "hardware-matches-recorded",
            "session-lives-in-state", "stream-complete", "precopy-enomsg", "resume-validates", "single-saving-fd",
            "close-ends-sessions",
        ])
    }

    /// The loop breaks on a refused lookup without setting the error.
    func testSuccessReachesTarget() {
        assertTrace(.successReachesTarget, base + "quirk refusal-returns-success",
                    message: "request ERROR succeeded but the device records RUNNING",
                    actions: ["request ERROR (0)"])
    }

    /// On a failed resume the driver "rolls back" to RUNNING, which is not
    /// on the path STOP -> RESUMING.
    func testFailureStaysOnPath() {
        assertTrace(.failureStaysOnPath, base + """
            fault STOP -> RESUMING stays
            quirk STOP -> RESUMING rolls-back-to RUNNING
            """,
            message: "request RESUMING from STOP failed and left the device in RUNNING, off the path",
            actions: ["request STOP (1)", "request RESUMING (4)"])
    }

    /// The step creates the saving file but returns NULL.
    func testSessionHandbackMissingFD() {
        guard let found = counterexample(.sessionHandback, base + "quirk STOP -> STOP_COPY returns-no-session") else { return }
        XCTAssertEqual(found.message, "request STOP_COPY from RUNNING starts a session but handed back no FD")
        XCTAssertEqual(traceLines(found).suffix(5), [
            "    1. request STOP_COPY (3)",
            "         RUNNING -> STOP",
            "         STOP -> STOP_COPY",
            "         quirk returns-no-session: the step creates a saving session but returns no FD",
            "       -> success; now STOP_COPY, sessions: saving, FD: none",
        ])
    }

    /// Moving inside the saving group must keep the session.
    func testSessionHandbackInsideTheGroup() {
        assertTrace(.sessionHandback, "flags STOP_COPY | PRE_COPY\narc required\nquirk PRE_COPY -> STOP_COPY returns-session",
                    message: "request STOP_COPY from PRE_COPY starts no session but handed back a new FD",
                    actions: ["request PRE_COPY (6)", "request STOP_COPY (3)"])
    }

    /// STOP_COPY -> STOP forgets to disable the saving file.
    func testSessionEndsOnLeave() {
        assertTrace(.sessionEndsOnLeave, base + "quirk STOP_COPY -> STOP keeps-session",
                    message: "the saving session is still live in STOP",
                    actions: ["request STOP_COPY (3)", "request STOP (1)"])
    }

    /// The error path after anon_inode_getfile() forgets the fput().
    func testNoSessionLeak() {
        guard let found = counterexample(.noSessionLeak, base + """
            fault STOP -> STOP_COPY after-session
            quirk STOP -> STOP_COPY leaks-session-on-failure
            """) else { return }
        XCTAssertEqual(found.message, "the saving session created by STOP -> STOP_COPY stays live after the step failed")
        XCTAssertEqual(found.steps.map(\.actionText), ["request STOP_COPY (3)"])
        XCTAssertEqual(found.steps[0].events.map(\.kind), [.arc, .fault, .quirk])
        XCTAssertEqual(found.steps[0].result, "fails")
    }

    /// libvfio-user since 2026-05: a reset keeps the migration state.
    func testResetRestoresState() {
        assertTrace(.resetRestores, base + "quirk reset-keeps-state",
                    message: "after a reset the device records STOP, not RUNNING",
                    actions: ["request STOP (1)", "reset the device"])
    }

    /// A reset that leaves the saving file live.
    func testResetRestoresSessions() {
        assertTrace(.resetRestores, base + "quirk reset-keeps-session",
                    message: "after a reset a session is still live",
                    actions: ["request STOP_COPY (3)", "reset the device"])
    }

    /// A reset arriving under the lock is deferred; a deferred reset that
    /// keeps the state is caught on the request itself.
    func testDeferredResetIsCheckedToo() {
        guard let found = counterexample(.resetRestores, base + "fault reset-while-locked\nquirk reset-keeps-state") else { return }
        XCTAssertEqual(found.steps.map(\.actionText), ["request STOP (1)"])
        XCTAssertEqual(found.steps[0].events.map(\.text), [
            "a device reset arrives while set_state holds the state mutex; the driver defers it to the unlock",
            "RUNNING -> STOP",
            "unlock: the deferred reset is applied",
            "reset-keeps-state: the driver keeps recording STOP",
        ])
    }

    /// A driver that "recovers" from ERROR on the next request.
    func testErrorExitOnlyByReset() {
        assertTrace(.errorExitOnlyByReset, base + "fault all error\nquirk error-recovers-on-request",
                    message: "request STOP took the device from ERROR to STOP without a reset",
                    actions: ["request STOP (1)", "request STOP (1)"])
    }

    /// A driver table without the spec's blocked requests walks
    /// STOP_COPY -> STOP -> RUNNING -> PRE_COPY instead of refusing.
    func testRefusedChangesNothing() {
        assertTrace(.refusedChangesNothing, "flags STOP_COPY | PRE_COPY\narc required\nquirk ignores-blocked",
                    message: "request PRE_COPY from STOP_COPY must be refused, yet it succeeded and moved the device to PRE_COPY",
                    actions: ["request STOP_COPY (3)", "request PRE_COPY (6)"])
    }

    /// The step function lacks STOP -> RUNNING: WARN_ON and -EINVAL.
    func testDriverArcsImplemented() {
        guard let found = counterexample(.driverArcsImplemented, """
            flags STOP_COPY
            arc RUNNING -> STOP
            arc STOP -> STOP_COPY
            arc STOP_COPY -> STOP
            arc STOP -> RESUMING
            arc RESUMING -> STOP
            """) else { return }
        XCTAssertEqual(found.message, "the driver is asked for STOP -> RUNNING, which its step function does not implement")
        XCTAssertEqual(found.steps.map(\.actionText), ["request STOP (1)", "request RUNNING (2)"])
        XCTAssertEqual(found.steps[1].result, "fails")
    }

    /// After STOP -> RUNNING the driver records STOP again: the loop spins.
    func testRequestBounded() {
        guard let found = counterexample(.requestBounded, base + "quirk STOP -> RUNNING records STOP") else { return }
        XCTAssertEqual(found.message, "request RUNNING from STOP has performed 8 arcs and is in STOP, not done")
        XCTAssertEqual(found.steps.map(\.actionText), ["request STOP (1)", "request RUNNING (2)"])
        XCTAssertEqual(found.steps[1].result, "never returns")
        XCTAssertEqual(found.steps[1].events.filter { $0.kind == .arc }.count, 8)
    }

    /// PRE_COPY -> PRE_COPY_P2P returns a new FD on the way to STOP_COPY.
    func testNoIntermediateSession() {
        assertTrace(.noIntermediateSession,
                    "flags STOP_COPY | P2P | PRE_COPY\narc required\nquirk PRE_COPY -> PRE_COPY_P2P returns-session",
                    message: "PRE_COPY -> PRE_COPY_P2P returns a new saving FD, but the request goes on to STOP_COPY",
                    actions: ["request PRE_COPY (6)", "request STOP_COPY (3)"])
    }

    /// The nvme-rfc bug in isolation: with `error` faults the ignored
    /// failure also leaves the hardware in ERROR.
    func testHardwareMatchesRecorded() {
        assertTrace(.hardwareMatchesRecorded, base + """
            fault STOP -> RUNNING stays
            quirk STOP -> RUNNING ignores-hardware-failure
            """,
            message: "the driver records RUNNING but the hardware is in STOP",
            actions: ["request STOP (1)", "request RUNNING (2)"])
        assertTrace(.hardwareMatchesRecorded, base + """
            fault RUNNING -> STOP error
            quirk RUNNING -> STOP ignores-hardware-failure
            """,
            message: "the driver records STOP but the hardware is in ERROR",
            actions: ["request STOP (1)"])
    }

    /// A failed reset: the PCI core calls reset_done whatever the reset
    /// returned, and a driver that records RUNNING there (every in-tree
    /// driver does) records RUNNING while the device is left failed.
    func testHardwareMatchesRecordedThroughAFailedReset() {
        guard let found = counterexample(.hardwareMatchesRecorded,
                                         base + "fault reset-may-fail\nquirk failed-reset-records-running") else { return }
        XCTAssertEqual(found.message, "the driver records RUNNING but the hardware is in ERROR")
        XCTAssertEqual(traceLines(found).dropFirst(3), [
            "    0. open: RUNNING, sessions: none, FD: none",
            "    1. reset the device",
            "         injected fault: the reset fails (VFIO_DEVICE_RESET returns an error); the device is left failed (ERROR)",
            "         quirk failed-reset-records-running: reset_done runs whatever the reset returned and records RUNNING",
            "       -> fails: the reset failed; now RUNNING (hardware ERROR), sessions: none, FD: none",
        ])
        // A driver that records ERROR when its reset fails holds.
        XCTAssertEqual(exploreDriver(base + "fault reset-may-fail").violations, 0)
    }

    /// A save that disables the device, which nothing enables again.
    func testHardwareMatchesRecordedAfterADestructiveSave() {
        assertTrace(.hardwareMatchesRecorded, base + "effect STOP -> STOP_COPY disables-device",
                    message: "the driver records RUNNING but the device is disabled and does not run",
                    actions: ["request STOP_COPY (3)", "request RUNNING (2)"])
        XCTAssertEqual(exploreDriver(base + "effect STOP -> STOP_COPY disables-device\neffect STOP -> RUNNING enables-device").violations, 0)
    }

    /// A STOP_COPY read that returns 0 with device state still unread.
    func testStreamCompleteWhenSaving() {
        guard let found = counterexample(.streamComplete, base + "quirk ends-stream-early") else { return }
        XCTAssertEqual(found.message, "a read in STOP_COPY returned end of stream before all device state was read")
        XCTAssertEqual(traceLines(found).dropFirst(3), [
            "    0. open: RUNNING, sessions: none, FD: none",
            "    1. request STOP_COPY (3)",
            "         RUNNING -> STOP",
            "         STOP -> STOP_COPY",
            "       -> success, new saving FD; now STOP_COPY, sessions: saving, FD: saving, nothing read",
            "    2. read the saving FD",
            "         quirk ends-stream-early: the read returns 0 with device state still unread",
            "       -> the read returns 0: end of stream; now STOP_COPY, sessions: saving, FD: saving, read to its end",
        ])
    }

    /// Leaving RESUMING loads an incomplete stream.
    func testStreamCompleteWhenResuming() {
        guard let found = counterexample(.streamComplete, base + "quirk RESUMING -> STOP accepts-truncated-stream") else { return }
        XCTAssertEqual(found.message, "RESUMING -> STOP succeeded although nothing was written")
        XCTAssertEqual(traceLines(found).dropFirst(3), [
            "    0. open: RUNNING, sessions: none, FD: none",
            "    1. request RESUMING (4)",
            "         RUNNING -> STOP",
            "         STOP -> RESUMING",
            "       -> success, new resuming FD; now RESUMING, sessions: resuming (nothing written), FD: resuming",
            "    2. request STOP (1)",
            "         quirk accepts-truncated-stream: nothing was written, and the driver loads it all the same",
            "         RESUMING -> STOP",
            "         the resuming session ends",
            "       -> success; now STOP, sessions: none, FD: resuming (ended)",
        ])
    }

    /// ENOMSG in STOP_COPY: QEMU reads it as the end of the stream.
    func testPrecopyEnomsg() {
        guard let found = counterexample(.precopyEnomsg, "flags STOP_COPY | PRE_COPY\narc required\nquirk enomsg-in-stop-copy") else { return }
        XCTAssertEqual(found.message, "a read in STOP_COPY fails with ENOMSG")
        XCTAssertEqual(traceLines(found).dropFirst(3), [
            "    0. open: RUNNING, sessions: none, FD: none",
            "    1. request STOP_COPY (3)",
            "         RUNNING -> STOP",
            "         STOP -> STOP_COPY",
            "       -> success, new saving FD; now STOP_COPY, sessions: saving, FD: saving, nothing read",
            "    2. read the saving FD",
            "         quirk enomsg-in-stop-copy: the driver has no data at hand and returns ENOMSG in STOP_COPY",
            "       -> the read fails with ENOMSG: no data for now; now STOP_COPY, sessions: saving, FD: saving, nothing read",
        ])
    }

    /// Leaving RESUMING loads data that is no valid stream.
    func testResumeValidates() {
        guard let found = counterexample(.resumeValidates, base + "quirk RESUMING -> STOP accepts-invalid-stream") else { return }
        XCTAssertEqual(found.message, "RESUMING -> STOP succeeded although the data written is no valid stream")
        XCTAssertEqual(traceLines(found).dropFirst(3), [
            "    0. open: RUNNING, sessions: none, FD: none",
            "    1. request RESUMING (4)",
            "         RUNNING -> STOP",
            "         STOP -> RESUMING",
            "       -> success, new resuming FD; now RESUMING, sessions: resuming (nothing written), FD: resuming",
            "    2. write into the resuming FD",
            "       -> the write is accepted: data that is no valid stream; now RESUMING, sessions: resuming (invalid data written), FD: resuming",
            "    3. request STOP (1)",
            "         quirk accepts-invalid-stream: the data written is no valid stream, and the driver loads it all the same",
            "         RESUMING -> STOP",
            "         the resuming session ends",
            "       -> success; now STOP, sessions: none, FD: resuming (ended)",
        ])
    }

    /// Moving inside the saving group opens a second saving session.
    func testSingleSavingFD() {
        guard let found = counterexample(.singleSavingFD,
                                         "flags STOP_COPY | PRE_COPY\narc required\nquirk PRE_COPY -> STOP_COPY returns-session") else { return }
        XCTAssertEqual(found.message, "PRE_COPY -> STOP_COPY opens a second saving session while one is live")
        XCTAssertEqual(traceLines(found).dropFirst(3), [
            "    0. open: RUNNING, sessions: none, FD: none",
            "    1. request PRE_COPY (6)",
            "         RUNNING -> PRE_COPY",
            "       -> success, new saving FD; now PRE_COPY, sessions: saving, FD: saving, nothing read",
            "    2. request STOP_COPY (3)",
            "         PRE_COPY -> STOP_COPY",
            "         quirk returns-session: the step opens a new saving session and returns its FD",
            "       -> success, new saving FD; now STOP_COPY, sessions: saving, FD: saving, nothing read",
        ])
    }

    /// close_device leaves the saving session live; open_device keeps STOP.
    func testCloseEndsSessions() {
        guard let found = counterexample(.closeEndsSessions, base + "quirk close-keeps-sessions") else { return }
        XCTAssertEqual(found.message, "a session is still live after the device was closed")
        XCTAssertEqual(traceLines(found).dropFirst(3), [
            "    0. open: RUNNING, sessions: none, FD: none",
            "    1. request STOP_COPY (3)",
            "         RUNNING -> STOP",
            "         STOP -> STOP_COPY",
            "       -> success, new saving FD; now STOP_COPY, sessions: saving, FD: saving, nothing read",
            "    2. close the device and open it again",
            "         quirk close-keeps-sessions: close_device leaves the sessions live",
            "         open_device: the function is reset; the driver records RUNNING",
            "       -> done; now RUNNING, sessions: saving, FD: saving, nothing read",
        ])
        assertTrace(.closeEndsSessions, base + "quirk open-keeps-state",
                    message: "the reopened device records STOP, not RUNNING",
                    actions: ["request STOP (1)", "close the device and open it again"])
    }

    /// The user's reads and writes of the FD, ended or not.
    func testFDAccessAfterTheSessionEnded() {
        let set = Repository.vfio.set("STOP_COPY")
        let machine = DriverMachine(model: Repository.vfio, features: set, driver: .standard(featureSets: [set]))!
        let model = Repository.vfio
        var results: [String] = []
        for fd in [UserFD.driver(.saving), .detached(.resuming, live: false)] {
            let device = DeviceState(recorded: model.id(fd == .driver(.saving) ? "STOP_COPY" : "STOP"),
                                     hardware: model.id(fd == .driver(.saving) ? "STOP_COPY" : "STOP"),
                                     savingSession: fd == .driver(.saving), userFD: fd)
            XCTAssertTrue(machine.actions(for: device).contains(.closeFD))
            machine.branches(of: device, action: .accessFD, record: true) { branch in
                results.append(machine.describe(.accessFD, on: device) + ": " + machine.describe(branch.result))
                XCTAssertEqual(branch.after?.recorded, device.recorded)
                XCTAssertEqual(branch.after?.userFD, device.userFD)
            }
        }
        XCTAssertEqual(results, ["read the saving FD: the read returns data",
                                 "read the saving FD: the read returns data",
                                 "write into the resuming FD: fails: the session has ended"])
    }
}
