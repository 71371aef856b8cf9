import Foundation
import XCTest
@testable import MigFSM

/// Several devices in one VM: symmetry, policies, P2P safety, the spec's
/// P2P statements, policy-file diagnostics, and the cross-check with SPIN.
final class MultiExploreTests: XCTestCase {
    let model = Repository.vfio
    let all = Repository.vfio.set("STOP_COPY", "P2P", "PRE_COPY")

    var noFaults: DriverDescription {
        var driver = DriverDescription.standard(featureSets: model.validFeatureSets)
        driver.faultsOfAllArcs = []
        driver.resetWhileLocked = false
        driver.resetMayFail = false
        driver.name = "no-faults"
        return driver
    }

    func explorer(_ count: Int, policy: String? = nil, driver: DriverDescription? = nil, symmetry: Bool = true) throws -> MultiExplorer {
        let setup = DeviceSetup(
            driver: driver ?? .standard(featureSets: model.validFeatureSets),
            driverPath: driver == nil ? nil : "t.driver", features: all)
        let loaded = try policy.map { path throws(DiagnosticList) in
            try PolicyReader.load(path: Repository.path("Specs/policies/\(path).policy"), model: model)
        }
        return try XCTUnwrap(MultiExplorer(model: model, devices: Array(repeating: setup, count: count), policy: loaded, symmetry: symmetry))
    }

    func testTheSpecDeclaresWhichStatesInitiateAndWhichAreFrozen() {
        XCTAssertEqual(model.p2pInitiators.map { model.states[$0].name }, ["RUNNING", "PRE_COPY"])
        XCTAssertEqual(model.frozen.map { model.states[$0.state].name + ($0.afterWrite ? " after-write" : "") },
                       ["STOP", "STOP_COPY", "RESUMING after-write"])
    }

    func testP2PStatementDiagnostics() {
        let base = SpecDiagnosticsTests.valid
        XCTAssertEqual(diagnostics(base + "p2p-initiator RUNNING\nfrozen STOP, SAVE\n"), "")
        // One without the other is valid: p2p-safety is then not checked.
        XCTAssertEqual(diagnostics(base + "p2p-initiator RUNNING\n"), "")
        XCTAssertEqual(diagnostics(base + "p2p-initiator RUNNING\nfrozen STOP, RUNING\n"),
            "t.fsm:14:14: error: unknown state 'RUNING'; did you mean 'RUNNING'?\n")
        XCTAssertEqual(diagnostics(base + "p2p-initiator RUNNING\nfrozen STOP, RUNNING\n"), """
            t.fsm:14:14: error: 'RUNNING' cannot be both 'p2p-initiator' and 'frozen'
            t.fsm:13:15: note: 'RUNNING' is listed in 'p2p-initiator' here

            """)
        XCTAssertEqual(diagnostics(base + "p2p-initiator RUNNING\nfrozen STOP after-write\n"),
            "t.fsm:14:8: error: 'after-write' needs a state that receives data (session resuming); 'STOP' does not\n")
        XCTAssertEqual(diagnostics(base + "p2p-initiator ERROR\nfrozen STOP\n"),
            "t.fsm:13:15: error: the error state cannot be 'p2p-initiator': a device in it does nothing until reset\n")
        XCTAssertEqual(diagnostics(base + "p2p-initiator RUNNING\nfrozen STOP\nfrozen SAVE\n"), """
            t.fsm:15:1: error: duplicate 'frozen' statement
            t.fsm:14:1: note: first stated here

            """)
        XCTAssertEqual(diagnostics(base + "p2p-initiator RUNNING\nfrozen STOP,\n"),
            "t.fsm:14:13: error: expected a state name at end of line\n")
    }

    func testFmtKeepsTheP2PStatements() throws {
        let source = try SourceText(path: "t.fsm", bytes: Array("frozen  STOP ,STOP_COPY,RESUMING   after-write\np2p-initiator RUNNING,PRE_COPY\n".utf8))
        let syntax = try SpecReader.parse(source)
        XCTAssertEqual(SpecFormatter.format(syntax),
            "frozen STOP, STOP_COPY, RESUMING after-write\np2p-initiator RUNNING, PRE_COPY\n")
    }

    func testSymmetryReductionCountsMultisets() throws {
        // 32 device states each, 17 classes of bisimilar ones: 32^N
        // ordered, C(17 + N - 1, N) multisets of classes.
        for (count, reduced, full) in [(1, 17, 32), (2, 153, 1024), (3, 969, 32768)] {
            XCTAssertEqual(try explorer(count).run().states, reduced, "N = \(count) reduced")
            XCTAssertEqual(try explorer(count, symmetry: false).run().states, full, "N = \(count) unreduced")
        }
        XCTAssertEqual(try explorer(3).run().violations, 0)
    }

    /// Under a free user the reduced search merges bisimilar device states
    /// and sorts interchangeable devices; on drivers breaking each kind of
    /// property it finds the same violations as the full product, with
    /// shortest traces as long and the same messages, replayed on real
    /// device states.
    func testMergedStatesKeepVerdictsAndTraces() throws {
        let base = "flags STOP_COPY | P2P | PRE_COPY\narc required\n"
        let drivers = [
            base + "fault RUNNING_P2P -> RUNNING stays\nquirk RUNNING_P2P -> RUNNING ignores-hardware-failure",
            base + "quirk close-keeps-sessions",
            base + "quirk PRE_COPY_P2P -> STOP_COPY returns-session",
            base + "quirk RESUMING -> STOP accepts-invalid-stream",
            base + "quirk enomsg-in-stop-copy\nquirk ends-stream-early",
            base + "effect STOP -> STOP_COPY disables-device\nfault reset-may-fail\nquirk failed-reset-records-running",
            base + "fault all stays, error, after-session\nfault reset-while-locked\nquirk reset-keeps-state",
        ]
        for text in drivers {
            let driver = try DriverReader.read(text: text, path: "t.driver", model: model)
            let setups = [DeviceSetup](repeating: DeviceSetup(driver: driver, driverPath: "t.driver", features: all), count: 2)
            let reduced = try XCTUnwrap(MultiExplorer(model: model, devices: setups, policy: nil)).run()
            let full = try XCTUnwrap(MultiExplorer(model: model, devices: setups, policy: nil, symmetry: false)).run()
            XCTAssertNotNil(reduced.mergedStates, text)
            XCTAssertFalse(full.counterexamples.isEmpty, text)
            XCTAssertLessThan(reduced.states, full.states, text)
            XCTAssertEqual(reduced.counterexamples.map(\.property), full.counterexamples.map(\.property), text)
            XCTAssertEqual(reduced.counterexamples.map(\.steps.count), full.counterexamples.map(\.steps.count), text)
            XCTAssertEqual(reduced.counterexamples.map(\.message), full.counterexamples.map(\.message), text)
        }
    }

    func testMaxStatesStopsWithAClearMessage() {
        let result = runCLI("explore", Repository.path("Specs/vfio-v2.fsm"), "--devices", "3", "--max-states", "100")
        XCTAssertEqual(result.status, .failure)
        XCTAssertTrue(result.err.contains("the search hit --max-states 100 with"), result.err)
        XCTAssertTrue(result.out.contains("the search is incomplete: raise --max-states to finish it"), result.out)
    }

    func testTheNaivePolicyIsCaughtWithoutAnyFault() throws {
        let run = try explorer(2, policy: "naive-stop", driver: noFaults).run()
        XCTAssertEqual(run.counterexamples.map(\.property.name), ["p2p-safety"])
        let trace = MultiReport.render(run.counterexamples[0], model)
        XCTAssertEqual(trace, """
            violation of p2p-safety: device 1 in STOP must not change, while device 2 in RUNNING may initiate P2P DMA
              property: no device is in a frozen state while a peer is in a state that may initiate P2P DMA
              shortest trace (1 action):
                0. open: device 1: RUNNING, sessions: none, FD: none; believed RUNNING | device 2: RUNNING, sessions: none, FD: none; believed RUNNING
                1. device 1: request STOP (1)  [policy: event vm-stop, main, line 11]
                     RUNNING -> RUNNING_P2P
                     RUNNING_P2P -> STOP
                   -> success; now device 1: STOP, sessions: none, FD: none; believed STOP | device 2: RUNNING, sessions: none, FD: none; believed RUNNING

            """)
    }

    /// Without driver faults QEMU's policies keep p2p-safety and
    /// loaded-before-run on 1 to 3 devices; the source's belief goes stale
    /// through a guest reset during pre-copy (vfio_pci_reset() leaves
    /// QEMU's copy of the state alone), which QEMU notices only when the
    /// next read of the ended FD fails.
    func testTheQEMUPoliciesWithoutDriverFaults() throws {
        for count in 1...3 {
            let source = try explorer(count, policy: "qemu-source", driver: noFaults).run()
            XCTAssertEqual(source.counterexamples.map(\.property), [.beliefConsistency], "qemu-source, \(count) devices")
            XCTAssertEqual(source.counterexamples.first?.steps.last?.action, "reset the device")
            let destination = try explorer(count, policy: "qemu-destination", driver: noFaults).run()
            XCTAssertEqual(destination.violations, 0, "qemu-destination, \(count) devices")
        }
        let one = try explorer(1, policy: "qemu-source", driver: noFaults).run()
        XCTAssertEqual(MultiReport.render(one.counterexamples[0], model).split(separator: "\n").dropFirst(3).map(String.init), [
            "    0. open: device 1: RUNNING, sessions: none, FD: none; believed RUNNING",
            "    1. device 1: request PRE_COPY (6)  [policy: event save-setup, main, line 44]",
            "         RUNNING -> PRE_COPY",
            "       -> success, new saving FD; now device 1: PRE_COPY, sessions: saving, FD: saving, nothing read; believed PRE_COPY",
            "    2. VM: interrupt guest-reset comes between migration events  [policy: event guest-reset, line 127]",
            "       -> the VM is running; now device 1: PRE_COPY, sessions: saving, FD: saving, nothing read; believed PRE_COPY",
            "    3. device 1: reset the device  [policy: event guest-reset, main, line 128]",
            "         the saving session ends",
            "       -> done; now device 1: RUNNING, sessions: none, FD: saving (ended); believed PRE_COPY",
        ])
    }

    /// Under every fault of the default driver: QEMU's source breaks only
    /// belief-consistency (a reset behind its back), its destination also
    /// loaded-before-run. Without resets behind QEMU's back (no reset under
    /// the lock, no guest reset) the source holds every property; the
    /// destination still starts the VM with a device whose start failed
    /// and was reset.
    func testTheQEMUPoliciesUnderFaults() throws {
        XCTAssertEqual(try explorer(2, policy: "qemu-source").run().counterexamples.map(\.property.name),
                       ["belief-consistency"])
        XCTAssertEqual(try explorer(2, policy: "qemu-destination").run().counterexamples.map(\.property.name),
                       ["loaded-before-run", "belief-consistency"])
        var driver = DriverDescription.standard(featureSets: model.validFeatureSets)
        driver.resetWhileLocked = false
        for (name, expected) in [("qemu-source", [String]()), ("qemu-destination", ["loaded-before-run"])] {
            var policy = try PolicyReader.load(path: Repository.path("Specs/policies/\(name).policy"), model: model)
            policy.events.removeAll { $0.kind == .interrupt }
            let setups = [DeviceSetup](repeating: DeviceSetup(driver: driver, driverPath: nil, features: all), count: 2)
            let run = try XCTUnwrap(MultiExplorer(model: model, devices: setups, policy: policy)).run()
            XCTAssertEqual(run.counterexamples.map(\.property.name), expected, name)
        }
    }

    /// Under a policy the reduced search (each phase taking a class's
    /// devices in any order, keys sorted) reaches QEMU's verdicts, with
    /// shortest traces of the same length, replayed in QEMU's order: for
    /// every policy, with and without faults, one class or two interleaved.
    /// (It is not always smaller: with events in reverse order and events
    /// that stop at the first failure, taking devices in any order reaches
    /// states QEMU's order does not; on 2 devices of qemu-source it stores
    /// more, from 3 devices on fewer.)
    func testSymmetryUnderPoliciesKeepsVerdictsAndTraceLengths() throws {
        var noLocked = DriverDescription.standard(featureSets: model.validFeatureSets)
        noLocked.resetWhileLocked = false
        noLocked.name = "no-locked"
        let p2p = model.set("STOP_COPY", "P2P")
        let layouts: [[FeatureSet]] = [[all, all], [all, all, all], [all, p2p, all], [all, p2p, all, p2p]]
        func numbersHidden(_ text: String) -> String {
            text.replacingOccurrences(of: #"device \d+"#, with: "device N", options: .regularExpression)
        }
        for name in ["naive-stop", "qemu-source", "qemu-destination"] {
            let policy = try PolicyReader.load(path: Repository.path("Specs/policies/\(name).policy"), model: model)
            for driver in [DriverDescription.standard(featureSets: model.validFeatureSets), noLocked, noFaults] {
                for features in layouts {
                    let setups = features.map { DeviceSetup(driver: driver, driverPath: driver.name, features: $0) }
                    let label = "\(name), \(driver.name), \(features.map(model.describe))"
                    let ordered = try XCTUnwrap(MultiExplorer(model: model, devices: setups, policy: policy, symmetry: false)).run()
                    let reduced = try XCTUnwrap(MultiExplorer(model: model, devices: setups, policy: policy)).run()
                    XCTAssertTrue(reduced.reduced, label)
                    XCTAssertEqual(reduced.counterexamples.map(\.property), ordered.counterexamples.map(\.property), label)
                    XCTAssertEqual(reduced.counterexamples.map(\.steps.count), ordered.counterexamples.map(\.steps.count), label)
                    XCTAssertEqual(reduced.counterexamples.map { numbersHidden($0.message) },
                                   ordered.counterexamples.map { numbersHidden($0.message) }, label)
                }
            }
        }
    }

    /// The reduction's sizes (regression values) and a trace it finds,
    /// rendered in QEMU's order: the same as the search in order finds.
    func testSymmetryUnderThePolicyOfQEMU() throws {
        let sizes = try [2, 3, 4].map { count in
            let run = try explorer(count, policy: "qemu-source").run()
            return [run.states, run.transitions]
        }
        XCTAssertEqual(sizes, [[2804, 6765], [8344, 21289], [19886, 52867]])
        let reduced = try explorer(3, policy: "qemu-source").run()
        let ordered = try explorer(3, policy: "qemu-source", symmetry: false).run()
        XCTAssertEqual(ordered.states, 8925)
        XCTAssertEqual(reduced.counterexamples.map { MultiReport.render($0, model) },
                       ordered.counterexamples.map { MultiReport.render($0, model) })
        let report = MultiReport(explorer: try explorer(3, policy: "qemu-source"), policyPath: nil, maxStates: nil,
                                 exploration: reduced)
        XCTAssertTrue(report.rendered.contains(
            "8344 states (symmetry reduction: interchangeable devices sorted, each phase taking them in any order)"))
    }

    func testPolicyDiagnostics() {
        func errors(_ text: String) -> String {
            do throws(DiagnosticList) {
                _ = try PolicyReader.read(text: text, path: "p.policy", model: model)
                return ""
            } catch {
                return error.rendered
            }
        }
        XCTAssertEqual(errors("policy p\nevent e\nmain STOP recover ERROR\n"), "")
        XCTAssertEqual(errors("policy p\nmain STOP recover ERROR\n"),
            "p.policy:2:1: error: 'main' outside an event; start one with 'event NAME'\n")
        XCTAssertEqual(errors("event e\nmain STOP\n"),
            "p.policy:2:10: error: a request needs 'recover STATE' (QEMU's recover state; 'recover ERROR' resets at once)\n")
        XCTAssertEqual(errors("event e\nmain STPO recover ERROR\n"),
            "p.policy:2:6: error: unknown state 'STPO'; did you mean 'STOP'?\n")
        XCTAssertEqual(errors("event e\nmain ERROR recover STOP\n"),
            "p.policy:2:6: error: the error state 'ERROR' can never be requested or assumed\n")
        XCTAssertEqual(errors("event e\nprepare STOP with P2Q recover ERROR\n"),
            "p.policy:2:19: error: unknown feature 'P2Q'; did you mean 'P2P'?\n")
        XCTAssertEqual(errors("event e\nmain write recover STOP\n"),
            "p.policy:2:12: error: only a request takes 'recover STATE'; 'write', 'read', 'close', 'fail' and 'reset' take none\n")
        // A failure sequence of several events.
        XCTAssertEqual(errors("event e on-failure\nevent f on-failure\n"), "")
        XCTAssertEqual(errors("evnt e\n"), "p.policy:1:1: error: unknown keyword 'evnt'; did you mean 'event'?\n")
        XCTAssertEqual(errors("policy p\n"), "p.policy: error: no 'event' line: a policy runs at least one VM event\n")
        XCTAssertEqual(errors("protocol other\nevent e\n"),
            "p.policy:1:10: error: the policy is written for protocol 'other', but the spec is 'vfio-v2'\n")
    }

    /// `--json` with `--devices`: the single-device document's members,
    /// the devices and the user, byte-identical run to run.
    func testJSONWithDevices() throws {
        let spec = Repository.path("Specs/vfio-v2.fsm")
        let policy = Repository.path("Specs/policies/naive-stop.policy")
        let result = runCLI("explore", spec, "--devices", "2", "--policy", policy, "--json")
        XCTAssertEqual(result.status, .failure)
        XCTAssertEqual(result.out, runCLI("explore", spec, "--devices", "2", "--policy", policy, "--json").out)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any])
        XCTAssertEqual(object["formatVersion"] as? Int, 1)
        XCTAssertEqual(object["protocol"] as? String, "vfio-v2")
        XCTAssertEqual(object["states"] as? Int, 148)
        XCTAssertEqual(object["violations"] as? Int, 2)
        XCTAssertEqual(object["complete"] as? Bool, true)
        XCTAssertEqual((object["devices"] as? [[String: Any]])?.count, 2)
        XCTAssertEqual((object["user"] as? [String: Any])?["policy"] as? String, "naive-stop")
        let counterexamples = try XCTUnwrap(object["counterexamples"] as? [[String: Any]])
        XCTAssertEqual(counterexamples.map { $0["property"] as? String }, ["p2p-safety", "belief-consistency"])
        let step = try XCTUnwrap((counterexamples[0]["trace"] as? [[String: Any]])?.first)
        XCTAssertEqual(step["policy"] as? String, "policy: event vm-stop, main, line 11")
        let after = try XCTUnwrap((step["after"] as? [[String: Any]])?.first)
        XCTAssertEqual(after["recorded"] as? String, "STOP")
        XCTAssertEqual(after["belief"] as? String, "STOP")
        XCTAssertEqual(after["dataWritten"] as? Bool, false)
        XCTAssertTrue(result.out.hasPrefix("{\n  \"formatVersion\": 1,\n  \"protocol\": \"vfio-v2\",\n  \"devices\": ["))
        // A free user: no policy, no beliefs.
        let free = runCLI("explore", spec, "--devices", "2", "--json")
        XCTAssertEqual(free.status, .success)
        XCTAssertTrue(free.out.contains("\"user\": {\n    \"policy\": null,"), free.out)
        XCTAssertFalse(free.out.contains("\"belief\""))
    }

    /// The output does not depend on the number of threads (3 devices
    /// without symmetry have levels large enough for two).
    func testOutputIsTheSameOnOneThreadAndTwo() {
        let spec = Repository.path("Specs/vfio-v2.fsm")
        let one = runCLI("explore", spec, "--devices", "3", "--no-symmetry", "--threads", "1", "--stats")
        let two = runCLI("explore", spec, "--devices", "3", "--no-symmetry", "--threads", "2", "--stats")
        XCTAssertEqual(one.status, .success)
        XCTAssertEqual(one.out, two.out)
        XCTAssertTrue(one.out.contains("32768 states (symmetry reduction off), 5695488 transitions, depth 9"), one.out)
        XCTAssertTrue(one.err.contains(", 1 thread, "), one.err)
        XCTAssertTrue(two.err.contains(", 2 threads, "), two.err)
        XCTAssertEqual(runCLI("explore", spec, "--devices", "2", "--threads", "0").status, .usage)
    }

    func testCLIDeviceSelectors() {
        let spec = Repository.path("Specs/vfio-v2.fsm")
        let nvme = Repository.path("Specs/drivers/nvme-rfc.driver")
        let result = runCLI("explore", spec, "--devices", "2", "--driver", "2:\(nvme)")
        XCTAssertTrue(result.out.contains("device 2: driver nvme-rfc"), result.out)
        XCTAssertTrue(result.out.contains("device 1: driver default, {STOP_COPY, P2P, PRE_COPY}"), result.out)
        XCTAssertEqual(runCLI("explore", spec, "--devices", "2", "--driver", "3:\(nvme)").status, .usage)
        XCTAssertEqual(runCLI("explore", spec, "--devices", "99").status, .usage)
        XCTAssertEqual(runCLI("explore", spec, "--driver", nvme, "--driver", nvme).status, .usage)
    }

    // MARK: - SPIN

    /// Runs SPIN on the export; returns the properties its assertions
    /// found violated (each property's assertion carries its own number:
    /// `!(N)` for the single-device property N - 1, `&& 101` p2p-safety,
    /// `&& 102` belief-consistency, `&& 103` loaded-before-run) and the
    /// states stored.
    func spin(_ arguments: [String], in directory: URL) throws -> (violated: Set<String>, states: Int) {
        let file = directory.appendingPathComponent("model.pml").path
        var output = CommandOutput()
        XCTAssertEqual(CommandLineTool.run(["export", "--promela"] + arguments + ["--out", file], output: &output), .success, output.standardError)
        func shell(_ command: String) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", command]
            process.currentDirectoryURL = directory
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            try process.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return String(decoding: data, as: UTF8.self)
        }
        _ = try shell("rm -f pan pan.c pan.h pan.b pan.m pan.p pan.t && spin -a model.pml && cc -O0 -DSAFETY -DNOREDUCE -o pan pan.c")
        let report = try shell("./pan -m1000000 -c0 -E")
        func number(before marker: String) -> Int? {
            guard let line = report.split(separator: "\n").first(where: { $0.contains(marker) }) else { return nil }
            return Int(line.split(separator: " ").first { Int($0) != nil } ?? "")
        }
        var violated: Set<String> = []
        for line in report.split(separator: "\n") where line.contains("assertion violated") {
            if line.contains("&&101)") { violated.insert("p2p-safety") }
            if line.contains("&&102)") { violated.insert("belief-consistency") }
            if line.contains("&&103)") { violated.insert("loaded-before-run") }
            if let open = line.range(of: "!("), let close = line[open.upperBound...].firstIndex(of: ")"),
               let number = Int(line[open.upperBound..<close]), number >= 1, number <= ExploreProperty.allCases.count {
                violated.insert(ExploreProperty.allCases[number - 1].name)
            }
        }
        return (violated, try XCTUnwrap(number(before: "states, stored"), report))
    }

    /// SPIN on the same system: the same states under a free user, the
    /// same violated properties under every policy (SPIN's states also
    /// count the processes' program counters, so only the verdicts are
    /// compared there).
    func testSPINAgreesOnVerdictsAndStates() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/spin") || FileManager.default.isExecutableFile(atPath: "/usr/local/bin/spin") else {
            throw XCTSkip("spin is not installed (apt-get install spin; CI installs it)")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("migfsm-spin-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let spec = Repository.path("Specs/vfio-v2.fsm")
        for count in 1...2 {
            let ours = try explorer(count, symmetry: false).run()
            let theirs = try spin([spec, "--devices", "\(count)"], in: directory)
            XCTAssertEqual(theirs.states, ours.states, "free user, \(count) devices")
            XCTAssertEqual(theirs.violated, Set(ours.counterexamples.map(\.property.name)), "free user, \(count) devices")
        }
        // A driver with a quirk: the single-device property SPIN names.
        let early = directory.appendingPathComponent("early.driver").path
        try "flags STOP_COPY\narc required\nquirk ends-stream-early\n".write(toFile: early, atomically: true, encoding: .utf8)
        let ours = try XCTUnwrap(MultiExplorer(
            model: model, devices: [DeviceSetup(driver: DriverReader.load(path: early, model: model), driverPath: early,
                                                features: model.set("STOP_COPY"))], policy: nil)).run()
        XCTAssertEqual(try spin([spec, "--devices", "1", "--driver", early], in: directory).violated,
                       Set(ours.counterexamples.map(\.property.name)))
        // Policies: each model costs a C compile (-O0 here: the test compares
        // verdicts, the race in bench/ times -O2): two devices only.
        for policy in ["naive-stop", "qemu-source", "qemu-destination"] {
            let ours = try explorer(2, policy: policy).run()
            let theirs = try spin([spec, "--devices", "2", "--policy", Repository.path("Specs/policies/\(policy).policy")], in: directory)
            XCTAssertEqual(theirs.violated, Set(ours.counterexamples.map(\.property.name)), "\(policy), 2 devices")
        }
        // Mixed devices, QEMU's source without the deferred reset.
        let mixed = try spin([spec, "--devices", "3", "--features", "2:STOP_COPY,P2P", "--driver", Repository.path("Specs/drivers/reference.driver"),
                              "--policy", Repository.path("Specs/policies/qemu-source.policy")], in: directory)
        let reference = try DriverReader.load(path: Repository.path("Specs/drivers/reference.driver"), model: model)
        let sourcePolicy = try PolicyReader.load(path: Repository.path("Specs/policies/qemu-source.policy"), model: model)
        let layout = [all, model.set("STOP_COPY", "P2P"), all]
        let run = try XCTUnwrap(MultiExplorer(
            model: model, devices: layout.map { DeviceSetup(driver: reference, driverPath: "reference.driver", features: $0) },
            policy: sourcePolicy)).run()
        XCTAssertEqual(mixed.violated, Set(run.counterexamples.map(\.property.name)), "qemu-source, mixed devices")
    }
}
