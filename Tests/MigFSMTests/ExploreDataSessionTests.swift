import XCTest
@testable import MigFSM

/// The data sessions as the uAPI comment describes them [000, 001]: how far
/// a saving stream was read (its temporary end in pre-copy, its permanent
/// end in STOP_COPY), what a resuming stream holds and how leaving RESUMING
/// validates it, closing and reopening the device, failing resets, and the
/// FD a user like QEMU holds.
final class ExploreDataSessionTests: XCTestCase {
    let model = Repository.vfio

    func machine(_ features: String..., holding: UserFDHolding = .keepsLast,
                 driver: DriverDescription? = nil) -> DriverMachine {
        let set = model.featureSet(named: features)!
        return DriverMachine(model: model, features: set, driver: driver ?? .standard(featureSets: [set]),
                             holding: holding)!
    }

    /// Each outcome of `action` as "result -> device".
    func outcomes(_ machine: DriverMachine, _ device: DeviceState, _ action: UserAction) -> [String] {
        var lines: [String] = []
        machine.branches(of: device, action: action, record: false) { branch in
            lines.append(machine.describe(branch.result) + " -> "
                + (branch.after.map { ExploreReport.describe($0, model) } ?? "none"))
        }
        return lines
    }

    func saving(_ state: String, _ stream: SavingStream) -> DeviceState {
        DeviceState(recorded: model.id(state), hardware: model.id(state), savingSession: true,
                    userFD: .driver(.saving), savingStream: stream)
    }

    func resuming(_ stream: ResumingStream, fd: UserFD = .driver(.resuming)) -> DeviceState {
        DeviceState(recorded: model.id("RESUMING"), hardware: model.id("RESUMING"), resumingSession: true,
                    userFD: fd, resumingStream: stream)
    }

    /// Pre-copy reads reach a temporary end (ENOMSG), which new dirty data
    /// can move; STOP_COPY reads reach the permanent end (0).
    func testSavingStreamEnds() {
        let pre = machine("STOP_COPY", "PRE_COPY")
        XCTAssertEqual(outcomes(pre, saving("PRE_COPY", .unread), .accessFD), [
            "the read returns data -> PRE_COPY, sessions: saving, FD: saving, partly read",
            "the read returns data -> PRE_COPY, sessions: saving, FD: saving, initial bytes read",
        ])
        XCTAssertEqual(outcomes(pre, saving("PRE_COPY", .drained), .accessFD), [
            "the read fails with ENOMSG: no data for now -> PRE_COPY, sessions: saving, FD: saving, initial bytes read",
            "the read returns data -> PRE_COPY, sessions: saving, FD: saving, initial bytes read",
        ])
        XCTAssertEqual(outcomes(pre, saving("STOP_COPY", .partial), .accessFD), [
            "the read returns data -> STOP_COPY, sessions: saving, FD: saving, partly read",
            "the read returns data -> STOP_COPY, sessions: saving, FD: saving, read to its end",
        ])
        XCTAssertEqual(outcomes(pre, saving("STOP_COPY", .drained), .accessFD), [
            "the read returns 0: end of stream -> STOP_COPY, sessions: saving, FD: saving, read to its end",
        ])
        // A VMM's read to the end: one outcome each.
        XCTAssertEqual(outcomes(pre, saving("PRE_COPY", .unread), .readToEnd), [
            "the reads return data, if any, then fail with ENOMSG: no data for now -> PRE_COPY, sessions: saving, FD: saving, initial bytes read",
        ])
        XCTAssertEqual(outcomes(pre, saving("STOP_COPY", .unread), .readToEnd), [
            "the reads return data, then 0: end of stream -> STOP_COPY, sessions: saving, FD: saving, read to its end",
        ])
    }

    /// Pre-copy read to its temporary end, then STOP_COPY: the rest of the
    /// device state is still to read, on the same FD.
    func testStopCopyAfterPreCopyHasMoreToRead() {
        let pre = machine("STOP_COPY", "PRE_COPY")
        XCTAssertEqual(outcomes(pre, saving("PRE_COPY", .drained), .request(3)).first,
                       "success -> STOP_COPY, sessions: saving, FD: saving, partly read")
    }

    /// Leaving RESUMING validates the stream: it fails, leaving the device
    /// in RESUMING with its session, unless a whole stream was written.
    func testResumingValidatesTheStream() {
        let plain = machine("STOP_COPY", driver: DriverDescription(
            name: "plain", featureSets: [model.set("STOP_COPY")], implementsRequired: true))
        for stream in [ResumingStream.empty, .partial, .invalid] {
            XCTAssertEqual(outcomes(plain, resuming(stream), .request(1)), [
                "fails -> RESUMING, sessions: resuming (\(ExploreReport.resumingText(stream))), FD: resuming",
            ])
        }
        XCTAssertEqual(outcomes(plain, resuming(.complete), .request(1)), ["success -> STOP, sessions: none, FD: resuming (ended)"])
        // Writing: part of the stream, its rest, or data that is no stream;
        // more after a whole stream is no stream; a VMM writes a whole one.
        XCTAssertEqual(outcomes(plain, resuming(.partial), .accessFD), [
            "the write is accepted: part of the stream -> RESUMING, sessions: resuming (part of a stream written), FD: resuming",
            "the write is accepted: the rest of the stream -> RESUMING, sessions: resuming (a complete stream written), FD: resuming",
            "the write is accepted: data that is no valid stream -> RESUMING, sessions: resuming (invalid data written), FD: resuming",
        ])
        XCTAssertEqual(outcomes(plain, resuming(.complete), .accessFD), [
            "the write is accepted: data that is no valid stream -> RESUMING, sessions: resuming (invalid data written), FD: resuming",
        ])
        XCTAssertEqual(outcomes(plain, resuming(.empty), .writeStream), [
            "the stream is written -> RESUMING, sessions: resuming (a complete stream written), FD: resuming",
        ])
        // The stream stays with the session after the user closed its FD.
        XCTAssertEqual(outcomes(plain, resuming(.complete), .closeFD), [
            "done -> RESUMING, sessions: resuming (a complete stream written), FD: none",
        ])
        var loaded = OutcomeFlags()
        plain.branches(of: resuming(.complete), action: .request(1), record: false) { loaded = $0.flags }
        XCTAssertEqual(loaded, [.succeeded, .loaded])
    }

    /// Closing the device ends its sessions; it opens again RUNNING, the
    /// user's FD ended.
    func testReopenEndsTheSessions() {
        let plain = machine("STOP_COPY")
        XCTAssertEqual(outcomes(plain, saving("STOP_COPY", .partial), .reopen), [
            "done -> RUNNING, sessions: none, FD: saving (ended)",
        ])
    }

    /// A reset that fails leaves the device failed; a correct driver
    /// records ERROR.
    func testAResetMayFail() {
        XCTAssertEqual(outcomes(machine("STOP_COPY"), saving("STOP_COPY", .unread), .reset), [
            "done -> RUNNING, sessions: none, FD: saving (ended)",
            "fails: the reset failed -> ERROR, sessions: none, FD: saving (ended)",
        ])
    }

    /// A user that holds its FD (QEMU) closes an FD handed back while it
    /// holds one; the driver keeps the new session.
    func testQEMUHoldsItsFD() {
        let qemu = machine("STOP_COPY", holding: .keepsFirst)
        let stopped = DeviceState(recorded: model.id("STOP"), hardware: model.id("STOP"),
                                  userFD: .detached(.saving, live: false))
        var seen: [(String, OutcomeFlags)] = []
        qemu.branches(of: stopped, action: .request(3), record: false) { branch in
            seen.append((branch.after.map { ExploreReport.describe($0, model) } ?? "", branch.flags))
        }
        XCTAssertEqual(seen.first?.0, "STOP_COPY, sessions: saving, FD: saving (ended)")
        XCTAssertEqual(seen.first?.1, [.succeeded, .refusedFD])
        // Holding nothing, it takes the new FD.
        var fresh = stopped
        fresh.userFD = .none
        var first: DeviceState?
        qemu.branches(of: fresh, action: .request(3), record: false) { if first == nil { first = $0.after } }
        XCTAssertEqual(first?.userFD, .driver(.saving))
    }
}
