import XCTest
@testable import MigFSM

/// The driver file reader: what it accepts, and every error class with its
/// exact `path:line:column: error: message`.
final class ExploreDriverFileTests: XCTestCase {
    let model = Repository.vfio

    /// The rendered diagnostics of a driver text, or "" when it reads.
    func errors(_ text: String) -> String {
        do {
            _ = try DriverReader.read(text: text, path: "t.driver", model: model)
            return ""
        } catch {
            return error.rendered
        }
    }

    func testReadsEveryStatement() throws {
        let driver = try DriverReader.read(text: """
            # a comment line
            driver mine   # trailing comment
            protocol vfio-v2
            flags STOP_COPY
            flags STOP_COPY | P2P
            lookup kernel
            arc required
            arc RUNNING -> STOP
            fault all stays
            fault STOP -> STOP_COPY error, after-session
            fault reset-while-locked
            quirk STOP -> RUNNING ignores-hardware-failure
            quirk STOP -> RUNNING records STOP
            quirk STOP_COPY -> STOP rolls-back-to RUNNING
            quirk reset-keeps-state
            """, path: "t.driver", model: model)
        XCTAssertEqual(driver.name, "mine")
        XCTAssertEqual(driver.featureSets, [model.set("STOP_COPY"), model.set("STOP_COPY", "P2P")])
        XCTAssertEqual(driver.lookup, .kernel)
        XCTAssertTrue(driver.implementsRequired)
        XCTAssertEqual(driver.arcs, [Arc(model.id("RUNNING"), model.id("STOP"))])
        XCTAssertEqual(driver.faultsOfAllArcs, .stays)
        XCTAssertEqual(driver.faultKinds(of: Arc(model.id("STOP"), model.id("STOP_COPY"))), .all)
        XCTAssertTrue(driver.resetWhileLocked)
        XCTAssertEqual(driver.arcQuirks[Arc(model.id("STOP"), model.id("RUNNING"))],
                       [.ignoresHardwareFailure, .records(model.id("STOP"))])
        XCTAssertEqual(driver.arcQuirks[Arc(model.id("STOP_COPY"), model.id("STOP"))], [.rollsBackTo(model.id("RUNNING"))])
        XCTAssertEqual(driver.quirks, [.resetKeepsState])
        // Without a 'driver' line the name is the file's.
        XCTAssertEqual(try DriverReader.read(text: "flags STOP_COPY", path: "dir/nvme.driver", model: model).name, "nvme")
    }

    func testShippedDriversRead() {
        XCTAssertEqual(loadDriver("Specs/drivers/nvme-rfc.driver").quirks, [])
        XCTAssertEqual(loadDriver("Specs/drivers/reference.driver").arcs.count, 18)
    }

    func testLexicalError() {
        XCTAssertEqual(errors("flags STOP_COPY\narc STOP @ RUNNING"),
                       "t.driver:2:10: error: unexpected character '@'\n")
    }

    func testUnknownKeyword() {
        XCTAssertEqual(errors("flag STOP_COPY"),
                       "t.driver:1:1: error: unknown keyword 'flag'; did you mean 'flags'?\n")
        XCTAssertEqual(errors("flags STOP_COPY\nbehaviour x"),
                       "t.driver:2:1: error: unknown keyword 'behaviour'; expected one of: driver, protocol, flags, lookup, arc, fault, quirk, effect\n")
    }

    func testUnknownStateAndFeature() {
        XCTAssertEqual(errors("flags STOP_COPY | P2\narc STOPP -> RUNNING"), """
            t.driver:1:19: error: unknown feature 'P2'; did you mean 'P2P'?
            t.driver:2:5: error: unknown state 'STOPP'; did you mean 'STOP'?

            """)
    }

    func testInvalidAndDuplicateFlags() {
        XCTAssertEqual(errors("flags P2P"), "t.driver:1:7: error: {P2P} is not a valid feature set; valid sets: "
            + "{STOP_COPY}, {STOP_COPY, P2P}, {STOP_COPY, PRE_COPY}, {STOP_COPY, P2P, PRE_COPY}\n")
        XCTAssertEqual(errors("flags STOP_COPY | STOP_COPY"),
                       "t.driver:1:19: error: feature 'STOP_COPY' is named twice\n")
        XCTAssertEqual(errors("flags STOP_COPY | P2P\nflags P2P | STOP_COPY"), """
            t.driver:2:7: error: duplicate flags {STOP_COPY, P2P}
            t.driver:1:7: note: first reported here

            """)
        XCTAssertEqual(errors("arc STOP -> RUNNING"),
                       "t.driver: error: no 'flags' line: a driver reports at least one feature set, such as 'flags STOP_COPY'\n")
    }

    func testProtocolAndLookup() {
        XCTAssertEqual(errors("protocol vfio-v3\nflags STOP_COPY\nlookup fast\nlookup spec\nlookup kernel"), """
            t.driver:1:10: error: the driver is written for protocol 'vfio-v3', but the spec is 'vfio-v2'
            t.driver:3:8: error: unknown lookup 'fast'; expected 'spec', 'kernel', 'kernel-unguarded' or 'generated'
            t.driver:5:1: error: duplicate 'lookup' line
            t.driver:4:8: note: the first 'lookup' line is here

            """)
        XCTAssertEqual(errors("driver a\ndriver b\nflags STOP_COPY"), """
            t.driver:2:1: error: duplicate 'driver' line
            t.driver:1:8: note: the first 'driver' line is here

            """)
    }

    func testBadArcs() {
        XCTAssertEqual(errors("""
            flags STOP_COPY
            arc STOP -> ERROR
            arc STOP -> STOP
            arc STOP -> RUNNING -> STOP
            arc STOP -> RUNNING_P2P
            arc STOP -> RUNNING
            arc STOP -> RUNNING
            arc STOP RUNNING
            arc required extra
            """), """
            t.driver:2:13: error: the error state 'ERROR' is no arc's end: a driver reaches it only by failing and leaves it only by reset
            t.driver:3:5: error: an arc joins two different states
            t.driver:4:21: error: an arc joins exactly two states; write each arc on its own line
            t.driver:5:5: error: no reported feature set has RUNNING_P2P, which needs {STOP_COPY, P2P}
            t.driver:7:5: error: duplicate arc 'STOP -> RUNNING'
            t.driver:6:5: note: first implemented here
            t.driver:8:5: error: expected 'required' or an arc 'A -> B', found 'STOP'
            t.driver:9:14: error: unexpected 'extra' at end of statement

            """)
    }

    func testBadFaults() {
        XCTAssertEqual(errors("""
            flags STOP_COPY
            arc required
            fault STOP -> RUNNING sometimes
            fault STOP -> RUNNING stay
            fault STOP -> RUNNING after-session
            fault RUNNING -> STOP_COPY stays
            fault al stays
            fault STOP -> RUNNING stays, stays
            fault STOP -> RUNNING
            """), """
            t.driver:3:23: error: unknown fault 'sometimes'; expected 'stays', 'error', 'after-session' or 'swallowed'
            t.driver:4:23: error: unknown fault 'stay'; did you mean 'stays'?
            t.driver:5:23: error: 'after-session' needs an arc that opens a session; STOP -> RUNNING opens none
            t.driver:6:7: error: fault of RUNNING -> STOP_COPY, which the driver does not implement (no 'arc' line and no feature set requires it)
            t.driver:7:7: error: expected 'all', 'reset-while-locked', 'reset-may-fail' or an arc 'A -> B', found 'al'; did you mean 'all'?
            t.driver:8:30: error: fault 'stays' is named twice
            t.driver:9:22: error: expected a fault: 'stays', 'error', 'after-session' or 'swallowed' at end of line

            """)
    }

    func testBadQuirks() {
        XCTAssertEqual(errors("""
            flags STOP_COPY
            arc STOP -> RUNNING
            quirk STOP -> RUNNING ignore-hardware-failure
            quirk reset-keep-state
            quirk keeps-session
            quirk STOP -> RUNNING reset-keeps-state
            quirk STOP -> RUNNING returns-session
            quirk STOP -> RUNNING returns-no-session
            quirk STOP -> RUNNING records STOPP
            quirk RUNNING -> STOP keeps-session
            quirk STOP -> RUNNING keeps-session
            quirk STOP -> RUNNING keeps-session
            quirk reset-keeps-session
            quirk reset-keeps-session
            """), """
            t.driver:3:23: error: unknown arc quirk 'ignore-hardware-failure'; did you mean 'ignores-hardware-failure'?
            t.driver:4:7: error: unknown quirk 'reset-keep-state'; did you mean 'reset-keeps-state'?
            t.driver:5:7: error: 'keeps-session' is a quirk of one arc: write 'quirk A -> B keeps-session'
            t.driver:6:23: error: 'reset-keeps-state' is a quirk of the whole driver: write 'quirk reset-keeps-state'
            t.driver:7:23: error: 'returns-session' needs an arc into a state with a session; RUNNING has none
            t.driver:8:23: error: 'returns-no-session' needs an arc that opens a session; STOP -> RUNNING opens none
            t.driver:9:31: error: unknown state 'STOPP'; did you mean 'STOP'?
            t.driver:10:23: error: quirk 'keeps-session' of RUNNING -> STOP, which the driver does not implement (no 'arc' line)
            t.driver:12:23: error: duplicate quirk 'keeps-session' of STOP -> RUNNING
            t.driver:11:23: note: first given here
            t.driver:14:7: error: duplicate quirk 'reset-keeps-session'
            t.driver:13:7: note: first given here

            """)
    }

    /// The stream quirks go on the arc that leaves RESUMING; effects name
    /// implemented arcs, once each, and known effects.
    func testBadStreamQuirksAndEffects() {
        XCTAssertEqual(errors("""
            flags STOP_COPY
            arc required
            quirk STOP -> RESUMING accepts-truncated-stream
            quirk RESUMING -> STOP accepts-invalid-stream
            effect STOP -> STOP_COPY disable-device
            effect STOP -> STOP_COPY disables-device, disables-device
            effect STOP -> STOP_COPY disables-device, enables-device
            effect RUNNING -> STOP_COPY disables-device
            effect STOP -> STOP_COPY disables-device
            effect STOP -> STOP_COPY enables-device
            effect all disables-device
            quirk enomsg-in-stop-copy
            quirk failed-reset-records-running
            fault reset-may-fail
            """), """
            t.driver:3:24: error: 'accepts-truncated-stream' needs an arc that leaves a resuming session, where the data written is validated; STOP -> RESUMING leaves none
            t.driver:5:26: error: unknown effect 'disable-device'; did you mean 'disables-device'?
            t.driver:6:43: error: effect 'disables-device' is named twice
            t.driver:7:26: error: an arc cannot both disable and enable the device
            t.driver:8:8: error: effect of RUNNING -> STOP_COPY, which the driver does not implement (no 'arc' line and no feature set requires it)
            t.driver:10:8: error: duplicate effect line for STOP -> STOP_COPY
            t.driver:9:8: note: first given here
            t.driver:11:8: error: expected an arc 'A -> B', found 'all'

            """)
        let driver = try? DriverReader.read(text: "flags STOP_COPY\narc required\nfault reset-may-fail\neffect STOP -> STOP_COPY disables-device",
                                           path: "t.driver", model: model)
        XCTAssertEqual(driver?.resetMayFail, true)
        XCTAssertEqual(driver?.effects, [Arc(model.id("STOP"), model.id("STOP_COPY")): .disablesDevice])
    }

    /// The shared SourceText checks apply to driver files too.
    func testFileErrors() throws {
        XCTAssertEqual(errors("flags STOP_COPY\u{0}"), "t.driver:1:16: error: file contains a NUL byte; is it a binary file?\n")
        do {
            _ = try DriverReader.load(path: Repository.path("Specs"), model: model)
            XCTFail("a directory read")
        } catch {
            XCTAssertEqual(error.rendered, Repository.path("Specs") + ": error: is a directory, not a file\n")
        }
    }

    func testCLIPrintsDriverErrors() throws {
        let path = NSTemporaryDirectory() + "migfsm-explore-bad-\(getpid()).driver"
        try "flags STOP_COPY\narc STOP -> RUNING\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = runCLI("explore", Repository.path("Specs/vfio-v2.fsm"), "--driver", path)
        XCTAssertEqual(result.status, .failure)
        XCTAssertEqual(result.out, "")
        XCTAssertEqual(result.err, "\(path):2:13: error: unknown state 'RUNING'; did you mean 'RUNNING'?\n")
    }
}
