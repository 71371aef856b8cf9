import XCTest
@testable import MigFSM

/// Explores a driver given as text (`t.driver`) on vfio-v2.
func exploreDriver(_ text: String, features: FeatureSet? = nil) -> ExploreReport {
    let model = Repository.vfio
    let driver: DriverDescription
    do {
        driver = try DriverReader.read(text: text, path: "t.driver", model: model)
    } catch {
        fatalError("driver does not read:\n\(error.rendered)")
    }
    let sets = features.map { [$0] } ?? driver.featureSets
    guard let report = ExploreReport.explore(model: model, driver: driver, driverPath: "t.driver", featureSets: sets) else {
        fatalError("no report")
    }
    return report
}

func loadDriver(_ relative: String) -> DriverDescription {
    do {
        return try DriverReader.load(path: Repository.path(relative), model: Repository.vfio)
    } catch {
        fatalError("\(relative) does not read:\n\(error.rendered)")
    }
}

/// The trace of a counterexample as lines, without the timing-free header.
func traceLines(_ counterexample: Counterexample) -> [String] {
    ExploreReport.render(counterexample, Repository.vfio).split(separator: "\n").map(String.init)
}

final class ExploreTests: XCTestCase {
    let model = Repository.vfio

    /// The default driver is correct: no violation, and the reachable states
    /// are exactly these. With a correct driver `hardware == recorded`, the
    /// driver holds a live session exactly in a session state, and:
    /// - in a state without a session (ERROR, STOP, RUNNING, RUNNING_P2P) the
    ///   user holds no FD, an ended saving FD or an ended resuming FD (each
    ///   reachable: leave STOP_COPY/RESUMING by request, reset or an error
    ///   fault, or close the FD first): 3 states each;
    /// - in a saving state (STOP_COPY, PRE_COPY, PRE_COPY_P2P) the user
    ///   holds the session's FD, with nothing, part or all of the stream
    ///   read, or closed it (the progress is then forgotten): 4 states each;
    /// - in RESUMING the user holds the FD or closed it, and the driver's
    ///   session holds nothing, part of a stream, a complete stream or
    ///   invalid data: 8 states.
    /// {STOP_COPY}: 3*3 + 4 + 8 = 21; with P2P +3 = 24; with PRE_COPY +4 =
    /// 25; with both +3 +4 +4 = 32.
    func testDefaultDriverHoldsWithExactStateCounts() {
        let sets = model.validFeatureSets
        let report = ExploreReport.explore(
            model: model, driver: .standard(featureSets: sets), driverPath: nil, featureSets: sets)!
        XCTAssertEqual(report.explorations.map(\.states), [21, 24, 25, 32])
        XCTAssertEqual(report.violations, 0)
        XCTAssertTrue(report.explorations.allSatisfy { $0.propertiesChecked == 18 })
        // {STOP_COPY} by hand: per state 9 request values, each with and
        // without a reset arriving under the lock (x2); a served request of
        // k arcs has 1 + (2 or 3 failures per arc) outcomes (stays, error,
        // and after-session on arcs that open a session):
        //   ERROR 9, STOP 1+3+4+4+5 = 17, RUNNING 1+3+6+6+5 = 21,
        //   STOP_COPY 1+3+5+6+5 = 20; RESUMING with a complete stream 20,
        //   with anything else 9 (leaving RESUMING fails validation at once);
        //   2 * (3*9 + 3*17 + 3*21 + 4*20 + 2*20 + 6*9) = 630;
        // read the state and reopen on all 21 states: 42; reset, which may
        // fail, 2 outcomes each: 42; the FD actions: an ended saving FD
        // (close, read) 3*2 = 6, an ended resuming FD (close, write) 3*2 =
        // 6, STOP_COPY's FD (close; a read of nothing or part of the stream
        // returns more or the last of it, of all of it 0) 3+3+2 = 8,
        // RESUMING's FD (close; a write after nothing or part of a stream
        // carries part of it, its rest or invalid data, after a whole
        // stream or invalid data it is invalid) 4+4+2+2 = 12.
        // 630 + 42 + 42 + 6 + 6 + 8 + 12 = 746.
        XCTAssertEqual(report.explorations.map(\.transitions), [746, 1044, 1039, 1854])
    }

    func testReferenceDriverHolds() {
        let driver = loadDriver("Specs/drivers/reference.driver")
        XCTAssertEqual(driver.name, "reference")
        XCTAssertEqual(driver.lookup, .generated)
        XCTAssertEqual(driver.featureSets.count, 4)
        let report = ExploreReport.explore(
            model: model, driver: driver, driverPath: "reference.driver", featureSets: driver.featureSets)!
        XCTAssertEqual(report.violations, 0)
        // The same space as the default driver: the extra arcs are never asked for.
        XCTAssertEqual(report.explorations.map(\.states), [21, 24, 25, 32])
        XCTAssertEqual(report.explorations.map(\.transitions), [746, 1044, 1039, 1854])
    }

    /// Seed 004's driver: STOP -> RUNNING drops nvmevf_cmd_resume_device()'s
    /// result, so a failed resume leaves the VF suspended while mig_state
    /// says RUNNING. The shortest way: stop it, then ask RUNNING and fail
    /// the resume command.
    func testNVMeRFCRecordsRunningWhileTheHardwareIsStopped() {
        let driver = loadDriver("Specs/drivers/nvme-rfc.driver")
        XCTAssertEqual(driver.featureSets, [model.set("STOP_COPY")])
        XCTAssertEqual(driver.arcs.count, 6)
        let report = ExploreReport.explore(
            model: model, driver: driver, driverPath: "nvme-rfc.driver", featureSets: driver.featureSets)!
        XCTAssertEqual(report.explorations.count, 1)
        let exploration = report.explorations[0]
        // Without the save: STOP, RUNNING and RUNNING with the hardware in
        // STOP, each with the 3 FDs a state without a session allows, and
        // RESUMING's 8 states: 17 (no ERROR: this driver never records it).
        // With the device disabled by the save: STOP_COPY's 4 states; STOP,
        // RUNNING and RUNNING with the hardware in STOP, with no FD or the
        // ended saving FD (6); RESUMING's 8 (only a loaded stream or a reset
        // enables the device again, so no ended resuming FD goes with it):
        // 18. 17 + 18 = 35.
        XCTAssertEqual(exploration.states, 35)
        XCTAssertEqual(exploration.transitions, 1047)
        XCTAssertEqual(exploration.counterexamples.map(\.property), [.hardwareMatchesRecorded])
        XCTAssertEqual(traceLines(exploration.counterexamples[0]), [
            "violation of hardware-matches-recorded on {STOP_COPY}: the driver records RUNNING but the hardware is in STOP",
            "  property: the driver's recorded state is the hardware's state",
            "  shortest trace (2 user actions):",
            "    0. open: RUNNING, sessions: none, FD: none",
            "    1. request STOP (1)",
            "         RUNNING -> STOP",
            "       -> success; now STOP, sessions: none, FD: none",
            "    2. request RUNNING (2)",
            "         STOP -> RUNNING: injected fault: the hardware command fails; the device stays in STOP",
            "         quirk ignores-hardware-failure: the step returns success; the driver records RUNNING",
            "       -> success; now RUNNING (hardware STOP), sessions: none, FD: none",
        ])
    }

    /// Without the quirk, the same driver still runs a saved device that
    /// SAVE_DATA disabled (seed 004); with an arc that enables it again, it
    /// holds.
    func testNVMeRFCWithTheResumeResultChecked() throws {
        let text = try String(contentsOfFile: Repository.path("Specs/drivers/nvme-rfc.driver"), encoding: .utf8)
            .replacingOccurrences(of: "quirk STOP -> RUNNING ignores-hardware-failure", with: "")
        let report = exploreDriver(text)
        let found = report.explorations[0].counterexamples
        XCTAssertEqual(found.map(\.property), [.hardwareMatchesRecorded])
        XCTAssertEqual(found[0].message, "the driver records RUNNING but the device is disabled and does not run")
        XCTAssertEqual(traceLines(found[0]).dropFirst(3), [
            "    0. open: RUNNING, sessions: none, FD: none",
            "    1. request STOP_COPY (3)",
            "         RUNNING -> STOP",
            "         STOP -> STOP_COPY",
            "         the command disables the device (effect disables-device)",
            "       -> success, new saving FD; now STOP_COPY (device disabled), sessions: saving, FD: saving, nothing read",
            "    2. request RUNNING (2)",
            "         STOP_COPY -> STOP",
            "         the saving session ends",
            "         STOP -> RUNNING",
            "       -> success; now RUNNING (device disabled), sessions: none, FD: saving (ended)",
        ])
        // Enabled again on the way to RUNNING: STOP, RUNNING and RESUMING
        // with what they allow (3 + 3 + 8), and the device disabled in
        // STOP_COPY (4, every STOP_COPY: the save disables on entry), in
        // STOP with no FD or the saving one ended (2) and in RESUMING (8).
        let enabled = exploreDriver(text + "\neffect STOP -> RUNNING enables-device\n")
        XCTAssertEqual(enabled.violations, 0)
        XCTAssertEqual(enabled.explorations[0].states, 28)
    }

    /// `lookup kernel-unguarded` runs vfio_mig_get_next_state() as kernels
    /// before the June 2026 fix wrote it: its skip loop never leaves ERROR,
    /// so a blocked request hangs (what `migfsm check` notes as
    /// unguarded-kernel-lookup). Today's guarded loop refuses it.
    func testUnguardedKernelLookupHangsOnBlockedRequests() {
        let report = exploreDriver("""
            flags STOP_COPY | PRE_COPY
            lookup kernel-unguarded
            arc required
            """)
        let found = report.explorations[0].counterexamples
        XCTAssertEqual(found.map(\.property), [.requestBounded])
        XCTAssertEqual(found[0].message, "the lookup for STOP_COPY -> PRE_COPY never returns")
        XCTAssertEqual(found[0].steps.map(\.actionText), ["request STOP_COPY (3)", "request PRE_COPY (6)"])
        XCTAssertEqual(found[0].steps[1].events.map(\.text), [
            "the lookup for STOP_COPY -> PRE_COPY never returns: its skip loop reads ERROR -> ERROR -> ... forever",
        ])
        XCTAssertNil(found[0].steps[1].after)
        // Without PRE_COPY there is no blocked request: kernel and spec agree.
        XCTAssertEqual(exploreDriver("flags STOP_COPY | P2P\nlookup kernel-unguarded\narc required\nfault all stays, error, after-session\nfault reset-while-locked").violations, 0)
        // The guarded loop stops at ERROR and refuses the blocked request.
        XCTAssertEqual(exploreDriver("flags STOP_COPY | PRE_COPY\nlookup kernel\narc required\nfault all stays, error, after-session\nfault reset-while-locked").violations, 0)
    }

    /// Two independent devices: the product of the one-device spaces, and
    /// each transition acts on one device.
    func testTwoDevicesExploreTheProductSpace() {
        let set = model.set("STOP_COPY")
        let machine = DriverMachine(model: model, features: set, driver: .standard(featureSets: [set]))!
        let two = Explorer(machine: machine, devices: 2)!.run()
        XCTAssertEqual(two.states, 21 * 21)
        XCTAssertEqual(two.transitions, 2 * 21 * 746)
        XCTAssertEqual(two.violations, 0)
        XCTAssertNil(Explorer(machine: machine, devices: MultiExplorer.maximumDevices + 1))
        XCTAssertNil(Explorer(machine: machine, devices: 0))
    }

    func testCLIExitStatusAndSummary() {
        let spec = Repository.path("Specs/vfio-v2.fsm")
        let ok = runCLI("explore", spec, "--features", "STOP_COPY")
        XCTAssertEqual(ok.status, .success)
        let lines = ok.out.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 3)
        XCTAssertEqual(lines[0], "explore vfio-v2: driver default (each feature set's required arcs, every fault), spec lookup")
        XCTAssertEqual(lines[1], "{STOP_COPY}: 21 states, 746 transitions, 18 properties checked, 0 violations")
        XCTAssertEqual(lines[2], "explore: every property holds on 1 feature set")

        let nvme = Repository.path("Specs/drivers/nvme-rfc.driver")
        let bad = runCLI("explore", spec, "--driver", nvme)
        XCTAssertEqual(bad.status, .failure)
        XCTAssertTrue(bad.out.contains("violation of hardware-matches-recorded on {STOP_COPY}"))
        XCTAssertTrue(bad.out.hasSuffix("\nexplore: 1 violation on 1 of 1 feature set\n"))

        let wrongSet = runCLI("explore", spec, "--driver", nvme, "--features", "STOP_COPY,P2P")
        XCTAssertEqual(wrongSet.status, .usage)
        XCTAssertTrue(wrongSet.err.hasPrefix(
            "migfsm explore: error: driver nvme-rfc does not report {STOP_COPY, P2P}; it reports {STOP_COPY}\n"))

        let missing = runCLI("explore", spec, "--driver", "no/such.driver")
        XCTAssertEqual(missing.status, .failure)
        XCTAssertEqual(missing.err, "no/such.driver: error: no such file\n")
    }

    func testJSONCarriesSummaryAndTrace() {
        let spec = Repository.path("Specs/vfio-v2.fsm")
        let result = runCLI("explore", spec, "--driver", Repository.path("Specs/drivers/nvme-rfc.driver"), "--json")
        XCTAssertEqual(result.status, .failure)
        let json = result.out
        XCTAssertTrue(json.hasPrefix("{\n  \"formatVersion\": 1,\n  \"protocol\": \"vfio-v2\",\n  \"driver\": {\n    \"name\": \"nvme-rfc\","))
        XCTAssertFalse(json.contains("microseconds"))
        XCTAssertTrue(json.contains("\"states\": 35,\n      \"transitions\": 1047,\n      \"depth\": "))
        XCTAssertTrue(json.contains("\"property\": \"hardware-matches-recorded\""))
        XCTAssertTrue(json.contains("\"action\": \"request RUNNING (2)\""))
        XCTAssertTrue(json.contains("\"recorded\": \"RUNNING\",\n                  \"hardware\": \"STOP\""))
        XCTAssertTrue(json.hasSuffix("  \"violations\": 1\n}\n"))
        let data = Data(json.utf8)
        XCTAssertNoThrow(try JSONSerialization.jsonObject(with: data))
    }

    /// Output is byte-identical run to run, with or without JSON: no
    /// timing in it, and traces and counts do not depend on hashing.
    func testDeterministic() {
        let spec = Repository.path("Specs/vfio-v2.fsm")
        let driver = Repository.path("Specs/drivers/nvme-rfc.driver")
        for extra in [[], ["--json"]] {
            let first = runCLI(["explore", spec, "--driver", driver] + extra)
            XCTAssertFalse(first.out.contains(" ms"), first.out)
            XCTAssertEqual(first.out, runCLI(["explore", spec, "--driver", driver] + extra).out)
        }
    }

    /// `--stats` puts the search's figures on standard error, one line per
    /// feature set, and leaves standard output as it is.
    func testStatsGoToStandardError() {
        let spec = Repository.path("Specs/vfio-v2.fsm")
        let plain = runCLI("explore", spec)
        let stats = runCLI("explore", spec, "--stats")
        XCTAssertEqual(stats.out, plain.out)
        XCTAssertEqual(plain.err, "")
        let lines = stats.err.split(separator: "\n")
        XCTAssertEqual(lines.count, 4)
        XCTAssertTrue(lines[0].hasPrefix("explore {STOP_COPY}: search "), stats.err)
        XCTAssertTrue(lines[0].contains(" 21 states ("), stats.err)
        XCTAssertTrue(lines[0].contains(" 746 transitions ("), stats.err)
        XCTAssertTrue(lines[0].hasSuffix(" bytes/state"), stats.err)
    }
}
