import XCTest
@testable import MigFSM

/// The policy language's statements for QEMU as it is, each shown by what
/// the policy does in QEMU's order: with a driver that never fails the run
/// is one line, and its transcript (which device does what, for which
/// policy line) is asserted exactly.
final class PolicyLanguageTests: XCTestCase {
    let model = Repository.vfio
    let all = Repository.vfio.set("STOP_COPY", "P2P", "PRE_COPY")

    var noFaults: DriverDescription {
        DriverDescription(name: "no-faults", featureSets: model.validFeatureSets, implementsRequired: true)
    }

    func policy(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> Policy? {
        do throws(DiagnosticList) {
            return try PolicyReader.read(text: text, path: "p.policy", model: model)
        } catch {
            XCTFail(error.rendered, file: file, line: line)
            return nil
        }
    }

    func explorer(_ text: String, devices: Int = 2, driver: DriverDescription? = nil,
                  features: [FeatureSet]? = nil) -> MultiExplorer? {
        guard let policy = policy(text) else { return nil }
        let setups = (0..<devices).map { index in
            DeviceSetup(driver: driver ?? noFaults, driverPath: nil, features: features?[index] ?? all)
        }
        return MultiExplorer(model: model, devices: setups, policy: policy, symmetry: false)
    }

    /// Walks the policy in QEMU's order with a driver whose every action
    /// has one outcome: at a boundary it goes on (no interrupt). Each line
    /// is the device and its action, or the policy's own move.
    func transcript(_ text: String, devices: Int = 2, features: [FeatureSet]? = nil,
                    file: StaticString = #filePath, line: UInt = #line) -> [String] {
        guard let explorer = explorer(text, devices: devices, features: features),
              let plan = OrderedPolicySearch.plan(explorer), plan.words == 1 else {
            XCTFail("no plan", file: file, line: line)
            return []
        }
        let tables = DeviceTables(tables: explorer.tables, tableOf: explorer.tableOf)
        let system = OrderedPolicySearch.system(Key64.self, explorer, tables, plan)
        var key = system.initialKey
        var lines: [String] = []
        for _ in 0..<200 {
            let at = system.position(key)
            if at.done { return lines + [at.aborted ? "aborted" : "done, the VM \(VMRunState.allCases[at.vm].rawValue)"] }
            if at.boundary {
                key = system.move(key, 0)
                continue
            }
            let device = system.device(at)
            let state = tables.global(device, key.field(plan.ids[device]))
            let slot = plan.policy.slot(at, tables, state: state)
            let table = explorer.tables[explorer.tableOf[device]]
            let event = explorer.policy?.events[at.event].name ?? ""
            if slot == LocalEdge.skipSlot {
                lines.append("\(event): device \(device + 1): no device action")
                key = system.apply(key, at, local: nil, flags: plan.policy.skipFlags(at)).key
                continue
            }
            let outcomes = table.outcomes(Int(key.field(plan.ids[device])), slot)
            XCTAssertEqual(outcomes.count, 1, "\(event): one outcome", file: file, line: line)
            let outcome = outcomes.lowerBound
            let action = table.actions[slot]
            var result = ""
            table.machine.branches(of: table.states[Int(key.field(plan.ids[device]))], action: action, record: false) {
                result = table.machine.describe($0.result)
            }
            lines.append("\(event): device \(device + 1): \(table.machine.describe(action, on: table.states[Int(key.field(plan.ids[device]))])) -> \(result)")
            key = system.apply(key, at, local: table.next[outcome], flags: table.flags[outcome].rawValue).key
        }
        XCTFail("no end", file: file, line: line)
        return lines
    }

    /// `reverse`: the event takes the devices from the last to the first,
    /// as QEMU's vm_state_notify() does when the VM stops.
    func testReverseOrder() {
        XCTAssertEqual(transcript("""
            event stop reverse
            main STOP recover ERROR
            event start
            main RUNNING recover ERROR
            """), [
            "stop: device 2: request STOP (1) -> success",
            "stop: device 1: request STOP (1) -> success",
            "start: device 1: request RUNNING (2) -> success",
            "start: device 2: request RUNNING (2) -> success",
            "done, the VM running",
        ])
    }

    /// `stops-at-failure` leaves the event at the first step that fails;
    /// the failure sequence runs (its events in order); without the option
    /// every device's step runs.
    func testStopsAtFailureAndTheFailureSequence() {
        let text = """
            event setup stops-at-failure
            main fail
            event next
            main STOP recover ERROR
            event first-after-failure on-failure
            main RUNNING_P2P recover ERROR
            event second-after-failure on-failure
            main RUNNING recover ERROR
            """
        XCTAssertEqual(transcript(text), [
            "setup: device 1: no device action",
            "first-after-failure: device 1: request RUNNING_P2P (5) -> success",
            "first-after-failure: device 2: request RUNNING_P2P (5) -> success",
            "second-after-failure: device 1: request RUNNING (2) -> success",
            "second-after-failure: device 2: request RUNNING (2) -> success",
            "done, the VM running",
        ])
        XCTAssertEqual(transcript(text.replacingOccurrences(of: " stops-at-failure", with: "")).prefix(2), [
            "setup: device 1: no device action",
            "setup: device 2: no device action",
        ])
    }

    /// `after-completion`: a failure is only reported; the next event runs.
    func testFailuresAfterCompletion() {
        XCTAssertEqual(transcript("""
            event cleanup after-completion
            main fail
            event after
            main STOP recover ERROR
            event failed on-failure
            main RUNNING recover ERROR
            """, devices: 1), [
            "cleanup: device 1: no device action",
            "after: device 1: request STOP (1) -> success",
            "done, the VM running",
        ])
    }

    /// The VM's run state: `vm-becomes` stops the VM at an event's start
    /// and starts it at its end; `when-vm` runs an event only in those run
    /// states (QEMU restarts the VM only if the migration stopped it).
    func testRunState() {
        let text = """
            event vm-stop when-vm running vm-becomes stopped
            main STOP recover ERROR
            event fails
            main fail
            event restart on-failure when-vm stopped vm-becomes running
            main RUNNING recover ERROR
            """
        XCTAssertEqual(transcript(text, devices: 1), [
            "vm-stop: device 1: request STOP (1) -> success",
            "fails: device 1: no device action",
            "restart: device 1: request RUNNING (2) -> success",
            "done, the VM running",
        ])
        XCTAssertEqual(transcript("vm paused\n" + text, devices: 1), [
            "fails: device 1: no device action",
            "done, the VM paused",
        ])
    }

    /// Step sequences: `then` runs the next action only after a success,
    /// `and` in any case; `skip-believed` sends no request for the state
    /// the policy believes the device is in.
    func testStepSequencesAndSkippedRequests() {
        XCTAssertEqual(transcript("""
            event save
            main STOP_COPY recover STOP then read
            event again
            main STOP_COPY recover STOP then read and close
            """, devices: 1, features: [model.set("STOP_COPY")]), [
            "save: device 1: request STOP_COPY (3) -> success, new saving FD",
            "save: device 1: read the saving FD to its end -> the reads return data, then 0: end of stream",
            "again: device 1: request STOP_COPY (3) -> success",
            "again: device 1: read the saving FD to its end -> the reads return 0: end of stream",
            "again: device 1: close the saving FD -> done",
            "done, the VM running",
        ].map { $0.replacingOccurrences(of: "the reads return 0: end of stream", with: "the read returns 0: end of stream") })
        XCTAssertEqual(transcript("""
            skip-believed
            event save
            main STOP_COPY recover STOP then read
            event again
            main STOP_COPY recover STOP then read and close
            """, devices: 1, features: [model.set("STOP_COPY")]).dropFirst(2), [
            "again: device 1: read the saving FD to its end -> the read returns 0: end of stream",
            "again: device 1: close the saving FD -> done",
            "done, the VM running",
        ])
    }

    /// `holds-fd`: the policy keeps the FD it was handed; a request that
    /// hands back a second one fails (QEMU: EBADF) with the belief at the
    /// target and no recovery, and the new FD is closed at once.
    func testHoldsFDAndEBADF() {
        XCTAssertEqual(transcript("""
            holds-fd
            event save
            main STOP_COPY recover STOP
            event leave
            main STOP recover ERROR
            event again
            main STOP_COPY recover STOP then read
            event failed on-failure
            main RUNNING recover ERROR
            """, devices: 1, features: [model.set("STOP_COPY")]), [
            "save: device 1: request STOP_COPY (3) -> success, new saving FD",
            "leave: device 1: request STOP (1) -> success",
            "again: device 1: request STOP_COPY (3) -> success, new saving FD",
            "failed: device 1: request RUNNING (2) -> success",
            "done, the VM running",
        ])
    }

    /// The refusal of a VM: several devices of which one lacks P2P.
    func testRefusal() {
        guard let policy = policy("several-devices-need P2P\nevent e\nmain STOP recover ERROR\n") else { return }
        let p2p = DeviceSetup(driver: noFaults, driverPath: nil, features: model.set("STOP_COPY", "P2P"))
        let plain = DeviceSetup(driver: noFaults, driverPath: nil, features: model.set("STOP_COPY"))
        XCTAssertNil(policy.refusal([plain]))
        XCTAssertNil(policy.refusal([p2p, p2p]))
        XCTAssertEqual(policy.refusal([p2p, plain, p2p, plain]), [1, 3])
    }

    /// `explore --devices 2 --policy qemu-source` on two devices without
    /// P2P: QEMU refuses the VM; no migration, no violation, exit 0.
    func testQEMURefusesAVMWithoutP2P() {
        let result = runCLI("explore", Repository.path("Specs/vfio-v2.fsm"), "--devices", "2",
                            "--policy", Repository.path("Specs/policies/qemu-source.policy"),
                            "--features", "1:STOP_COPY", "--features", "2:STOP_COPY")
        XCTAssertEqual(result.status, .success)
        XCTAssertEqual(result.err, "")
        let lines = result.out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(lines.suffix(4), [
            "QEMU refuses this VM before any migration step (\(Repository.path("Specs/policies/qemu-source.policy")):15: several-devices-need P2P): device 1 and device 2 lack P2P",
            "",
            "explore: no migration to explore: QEMU refuses this VM; no violation",
            "",
        ])
        // The JSON says why nothing was searched; the SARIF note gives the
        // same reason as the text.
        let json = runCLI("explore", Repository.path("Specs/vfio-v2.fsm"), "--devices", "2",
                          "--policy", Repository.path("Specs/policies/qemu-source.policy"),
                          "--features", "1:STOP_COPY", "--features", "2:STOP_COPY", "--json")
        XCTAssertEqual(json.status, .success)
        XCTAssertTrue(json.out.contains("\"reduction\": \"no search: the policy refuses this VM\""), json.out)
        let sarif = runCLI("explore", Repository.path("Specs/vfio-v2.fsm"), "--devices", "2",
                           "--policy", Repository.path("Specs/policies/qemu-source.policy"),
                           "--features", "1:STOP_COPY", "--features", "2:STOP_COPY", "--format", "sarif")
        XCTAssertTrue(sarif.out.contains("\"text\": \"QEMU refuses this VM before any migration step: device 1 and device 2 lack P2P\""), sarif.out)
        // No Promela model of a migration QEMU never starts.
        let export = runCLI("export", "--promela", Repository.path("Specs/vfio-v2.fsm"), "--devices", "2",
                            "--policy", Repository.path("Specs/policies/qemu-source.policy"),
                            "--features", "1:STOP_COPY", "--features", "2:STOP_COPY")
        XCTAssertEqual(export.status, .failure)
        XCTAssertEqual(export.out, "")
        XCTAssertEqual(export.err, "\(Repository.path("Specs/policies/qemu-source.policy")):15:1: error: QEMU refuses this VM (device 1 and device 2 lack P2P): there is no migration to export\n")
        // One device needs nothing.
        let one = runCLI("explore", Repository.path("Specs/vfio-v2.fsm"), "--devices", "1",
                         "--policy", Repository.path("Specs/policies/qemu-source.policy"), "--features", "STOP_COPY")
        XCTAssertFalse(one.out.contains("refuses"), one.out)
    }

    /// A failing recovery reset aborts the policy: the kernel closes every
    /// device; a driver whose close_device leaves its session live is
    /// caught there, on the peer that still holds its saving session.
    func testAbortOnAFailedReset() throws {
        let driver = DriverDescription(name: "close-keeps", featureSets: [model.set("STOP_COPY")], implementsRequired: true,
                                       faults: [Arc(model.id("STOP_COPY"), model.id("STOP")): .stays],
                                       resetMayFail: true, quirks: [.closeKeepsSessions])
        guard let explorer = explorer("""
            on-reset-failure abort
            event save
            main STOP_COPY recover STOP
            event stop
            main STOP recover ERROR
            """, devices: 2, driver: driver, features: [model.set("STOP_COPY"), model.set("STOP_COPY")]) else { return }
        let run = explorer.run()
        let found = try XCTUnwrap(run.counterexamples.first { $0.property == .device(.closeEndsSessions) })
        XCTAssertEqual(found.message, "closing the devices after the abort: device 2: a session is still live after the device was closed")
        XCTAssertEqual(found.steps.map { "device \(($0.device ?? -1) + 1): \($0.action): \($0.result)" }, [
            "device 1: request STOP_COPY (3): success, new saving FD",
            "device 2: request STOP_COPY (3): success, new saving FD",
            "device 1: request STOP (1): fails",
            "device 1: reset the device: fails: the reset failed",
        ])
        XCTAssertEqual(found.steps.last?.events.last?.text,
                       "the recovery's reset failed: the policy aborts (QEMU: hw_error()), and the kernel closes every device")
    }

    /// Interrupts come at the boundaries between migration events, any
    /// number of times, when the VM's run state allows them.
    func testInterrupts() throws {
        guard let explorer = explorer("""
            event setup
            main STOP recover ERROR
            event next
            main RUNNING recover ERROR
            event guest-reset interrupt when-vm running
            main reset
            """, devices: 1) else { return }
        let run = explorer.run()
        XCTAssertEqual(run.counterexamples.map(\.property), [.beliefConsistency])
        guard let found = run.counterexamples.first else { return }
        XCTAssertEqual(MultiReport.render(found, model).split(separator: "\n").dropFirst(3).map(String.init), [
            "    0. open: device 1: RUNNING, sessions: none, FD: none; believed RUNNING",
            "    1. device 1: request STOP (1)  [policy: event setup, main, line 2]",
            "         RUNNING -> RUNNING_P2P",
            "         RUNNING_P2P -> STOP",
            "       -> success; now device 1: STOP, sessions: none, FD: none; believed STOP",
            "    2. VM: interrupt guest-reset comes between migration events  [policy: event guest-reset, line 5]",
            "       -> the VM is running; now device 1: STOP, sessions: none, FD: none; believed STOP",
            "    3. device 1: reset the device  [policy: event guest-reset, main, line 6]",
            "       -> done; now device 1: RUNNING, sessions: none, FD: none; believed STOP",
        ])
    }

    /// QEMU's destination starts the VM although a device failed to load
    /// (it is reset and runs without the migrated state).
    func testLoadedBeforeRun() throws {
        let driver = DriverDescription(name: "load-fails", featureSets: model.validFeatureSets, implementsRequired: true,
                                       faults: [Arc(model.id("RESUMING"), model.id("STOP")): .stays])
        let policy = try PolicyReader.load(path: Repository.path("Specs/policies/qemu-destination.policy"), model: model)
        let setup = DeviceSetup(driver: driver, driverPath: nil, features: all)
        let run = try XCTUnwrap(MultiExplorer(model: model, devices: [setup], policy: policy, symmetry: false)).run()
        let found = try XCTUnwrap(run.counterexamples.first { $0.property == .loadedBeforeRun })
        XCTAssertEqual(found.message, "the VM runs while device 1 holds no migrated state (never loaded, or reset since)")
        // The reset device is believed RUNNING: vm-start's main step sends
        // no request (skip-believed), and the VM runs.
        XCTAssertEqual(found.steps.map { $0.action }, [
            "request RESUMING (4)", "write the whole stream into the resuming FD", "request RUNNING_P2P (5)", "reset the device",
        ])
    }

    func testDiagnostics() {
        func errors(_ text: String) -> String {
            do throws(DiagnosticList) {
                _ = try PolicyReader.read(text: text, path: "p.policy", model: model)
                return ""
            } catch {
                return error.rendered
            }
        }
        XCTAssertEqual(errors("""
            several-devices-need P2Q
            vm stopped
            role client
            on-reset-failure retry
            event e on-failure interrupt
            event f when-vm runing
            event g reverse reverse
            event h sometimes
            event i
            main STOP recover ERROR then
            main close recover STOP
            main STOP recover ERROR and fail with P2P
            """), """
            p.policy:1:22: error: unknown feature 'P2Q'; did you mean 'P2P'?
            p.policy:2:4: error: expected 'running' or 'paused', found 'stopped' (a VM is 'stopped' only by the policy's own events)
            p.policy:3:6: error: expected 'source' or 'destination', found 'client'
            p.policy:4:18: error: expected 'abort', found 'retry'
            p.policy:5:20: error: an event is either 'on-failure' or 'interrupt', not both
            p.policy:5:9: note: 'on-failure' is given here
            p.policy:6:17: error: unknown run state 'runing'; did you mean 'running'?
            p.policy:7:17: error: 'reverse' is given twice
            p.policy:7:9: note: first given here
            p.policy:8:9: error: unknown event option 'sometimes'; expected one of: on-failure, interrupt, stops-at-failure, after-completion, reverse, uninterrupted, when-vm, vm-becomes
            p.policy:10:29: error: expected a state to request, 'write', 'read', 'close', 'fail' or 'reset' at end of line
            p.policy:11:12: error: only a request takes 'recover STATE'; 'write', 'read', 'close', 'fail' and 'reset' take none
            p.policy:12:34: error: expected 'then' or 'and', found 'with'

            """)
        XCTAssertEqual(errors("holds-fd\nholds-fd\nevent e\n"), """
            p.policy:2:1: error: duplicate 'holds-fd' line
            p.policy:1:1: note: the first 'holds-fd' line is here

            """)
    }
}
