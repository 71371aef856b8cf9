import Foundation
import XCTest
@testable import MigFSM

/// `Specs/proposals/stop-copy-to-pre-copy.fsm`, gated by the new flag
/// PRE_COPY_RETURN: what `check` proves and refutes on it, that today's
/// driver and policy files run on it unchanged, and that migfsm's emitted
/// lookup (with its flag test) serves it where the kernel's cannot.
final class ProposalTests: XCTestCase {
    static let path = Repository.path("Specs/proposals/stop-copy-to-pre-copy.fsm")
    static let model: MigrationProtocol = {
        do throws(DiagnosticList) {
            return try SpecReader.load(path: path)
        } catch {
            fatalError("the proposal does not load:\n\(error.rendered)")
        }
    }()

    func testTodaysFeatureSetsKeepEveryAnswerAndTheNewOnesAreAdded() throws {
        let old = ProtocolPaths(model: Repository.vfio)
        let new = ProtocolPaths(model: Self.model)
        XCTAssertEqual(new.tables.map { Self.model.describe($0.features) }, [
            "{STOP_COPY}", "{STOP_COPY, P2P}", "{STOP_COPY, PRE_COPY}", "{STOP_COPY, P2P, PRE_COPY}",
            "{STOP_COPY, PRE_COPY, PRE_COPY_RETURN}", "{STOP_COPY, P2P, PRE_COPY, PRE_COPY_RETURN}",
        ])
        for table in old.tables {
            let same = try XCTUnwrap(new.table(for: table.features))
            XCTAssertEqual(same.requiredArcs, table.requiredArcs)
            XCTAssertEqual(same.combinationPaths, table.combinationPaths)
            for from in table.supportedStates {
                for to in table.supportedStates {
                    XCTAssertEqual(same.next(from: from, to: to), table.next(from: from, to: to))
                }
            }
        }
    }

    /// The kernel's technique cannot express the gate: check says so, with
    /// the kernel function's wrong answers; the generated lookup, which tests
    /// the flag first, is proven.
    func testCheckReportsThatOneTableCannotExpressTheGate() {
        let result = runCLI("check", Self.path)
        XCTAssertEqual(result.status, .failure)
        XCTAssertTrue(result.out.contains("""
            FAILS  one-table: 3 violations
                   {STOP_COPY, PRE_COPY} and {STOP_COPY, PRE_COPY, PRE_COPY_RETURN} have the same states, so one table with per-state masks answers STOP_COPY -> PRE_COPY alike for both; the spec refuses it (blocked by the spec) on the first and walks STOP_COPY -> PRE_COPY on the second; the lookup must test PRE_COPY_RETURN before reading the table (migfsm's generated lookup does)
                   {STOP_COPY, P2P, PRE_COPY} and {STOP_COPY, P2P, PRE_COPY, PRE_COPY_RETURN} have the same states, so one table with per-state masks answers STOP_COPY -> PRE_COPY alike for both; the spec refuses it (blocked by the spec) on the first and walks STOP_COPY -> PRE_COPY_P2P -> PRE_COPY on the second; the lookup must test PRE_COPY_RETURN before reading the table (migfsm's generated lookup does)
                   {STOP_COPY, P2P, PRE_COPY} and {STOP_COPY, P2P, PRE_COPY, PRE_COPY_RETURN} have the same states, so one table with per-state masks answers STOP_COPY -> PRE_COPY_P2P alike for both; the spec refuses it (blocked by the spec) on the first and walks STOP_COPY -> PRE_COPY_P2P on the second; the lookup must test PRE_COPY_RETURN before reading the table (migfsm's generated lookup does)
            FAILS  kernel-lookup: 3 violations
                   {STOP_COPY, PRE_COPY} STOP_COPY -> PRE_COPY: gives PRE_COPY (read PRE_COPY_P2P -> PRE_COPY); the spec refuses it
                   {STOP_COPY, P2P, PRE_COPY} STOP_COPY -> PRE_COPY: gives PRE_COPY_P2P (read PRE_COPY_P2P); the spec refuses it
                   {STOP_COPY, P2P, PRE_COPY} STOP_COPY -> PRE_COPY_P2P: gives PRE_COPY_P2P (read PRE_COPY_P2P); the spec refuses it

            """), result.out)
        XCTAssertTrue(result.out.contains("\nholds  generated-lookup: terminates and agrees for every flags value (3,300 lookups)\n"), result.out)
        // A device reporting the new flag without PRE_COPY (flags 0x9, 0xb)
        // is served as if it had no flag: registration must refuse it.
        XCTAssertTrue(result.out.contains("""
            note   invalid-flags: the lookup serves requests for 2 of the 10 flags values that are no valid feature set; a kernel must refuse such devices when they register
                   flags 0x9 {STOP_COPY, PRE_COPY_RETURN}: the lookup serves 16 requests; registration must refuse a device reporting these flags
                   flags 0xb {STOP_COPY, P2P, PRE_COPY_RETURN}: the lookup serves 25 requests; registration must refuse a device reporting these flags

            """), result.out)
        XCTAssertTrue(result.out.hasSuffix("\n21 checks: 17 hold, 2 fail, 2 notes\n"), result.out)
        // vfio-v2 itself: every feature set has its own states.
        XCTAssertEqual(Checker.check(Repository.vfio).results.first { $0.name == "one-table" }?.summary,
            "feature sets with the same states get the same answers, as one table with per-state masks needs (4 feature sets, 4 distinct sets of states)")
    }

    func testTodaysDriverRunsUnchangedWithTheGeneratedLookup() {
        let result = runCLI("explore", Self.path, "--driver", Repository.path("Specs/drivers/reference.driver"))
        XCTAssertEqual(result.status, .success, result.out + result.err)
        XCTAssertTrue(result.out.hasSuffix("\nexplore: every property holds on 4 feature sets\n"), result.out)
    }

    /// With the kernel's lookup as upstream writes it (no flag test), a
    /// driver written for vfio-v2 is asked for the new arc.
    func testTheKernelsLookupAsksTodaysDriverForTheNewArc() throws {
        let text = try String(contentsOfFile: Repository.path("Specs/drivers/reference.driver"), encoding: .utf8)
            .replacingOccurrences(of: "\nlookup generated\n", with: "\nlookup kernel\n")
        let folder = try EmitScratchFolder("proposal-driver")
        defer { folder.remove() }
        try folder.write("kernel.driver", text)
        let result = runCLI("explore", Self.path, "--driver", folder.file("kernel.driver"))
        XCTAssertEqual(result.status, .failure)
        XCTAssertTrue(result.out.contains("""
            violation of driver-arcs-implemented on {STOP_COPY, P2P, PRE_COPY}: the driver is asked for STOP_COPY -> PRE_COPY_P2P, which its step function does not implement
              property: the driver is only asked for arcs it implements
              shortest trace (2 user actions):
                0. open: RUNNING, sessions: none, FD: none
                1. request STOP_COPY (3)
                     RUNNING -> RUNNING_P2P
                     RUNNING_P2P -> STOP
                     STOP -> STOP_COPY
                   -> success, new saving FD; now STOP_COPY, sessions: saving, FD: saving, nothing read
                2. request PRE_COPY (6)
                     STOP_COPY -> PRE_COPY_P2P: WARN_ON: the step function does not implement the arc; -EINVAL
                   -> fails; now STOP_COPY, sessions: saving, FD: saving, nothing read

            """), result.out)
        XCTAssertTrue(result.out.hasSuffix("\nexplore: 2 violations on 2 of 4 feature sets\n"), result.out)
    }

    /// The proposal keeps vfio-v2's P2P statements: several devices are
    /// checked for p2p-safety there too, with vfio-v2's policy files.
    func testPolicyFilesRunUnchangedAndP2PSafetyIsChecked() throws {
        XCTAssertEqual(Self.model.p2pInitiators, Repository.vfio.p2pInitiators)
        XCTAssertEqual(Self.model.frozen, Repository.vfio.frozen)
        let result = runCLI("explore", Self.path, "--devices", "2", "--policy", Repository.path("Specs/policies/naive-stop.policy"))
        XCTAssertEqual(result.status, .failure)
        XCTAssertTrue(result.out.contains("\nviolation of p2p-safety: device 1 in STOP must not change, while device 2 in RUNNING may initiate P2P DMA\n"), result.out)
        for policy in ["qemu-source", "qemu-destination"] {
            XCTAssertNoThrow(try PolicyReader.load(path: Repository.path("Specs/policies/\(policy).policy"), model: Self.model))
        }
        // A file written for the proposal does not run on vfio-v2.
        XCTAssertThrowsError(try DriverReader.read(text: "protocol vfio-v2-stop-copy-to-pre-copy\nflags STOP_COPY\n", path: "p.driver", model: Repository.vfio)) { error in
            XCTAssertEqual((error as? DiagnosticList)?.rendered,
                "p.driver:1:10: error: the driver is written for protocol 'vfio-v2-stop-copy-to-pre-copy', but the spec is 'vfio-v2'\n")
        }
    }

    /// The emitted C lookups for the proposal: both headers test the flag
    /// before the table; the user-space one, compiled and run on every flags
    /// value of the four bits, agrees with the proven lookup and the model.
    func testTheEmittedCLookupTestsTheFlag() throws {
        let paths = ProtocolPaths(model: Self.model)
        let kernel = try XCTUnwrap(KernelTable(paths: XCTUnwrap(paths.full)))
        let header = UserHeaderEmitter(paths: paths, kernel: kernel, specName: "stop-copy-to-pre-copy.fsm").render()
        XCTAssertTrue(header.contains("""
            \t/* Requests served only with a flag no state needs. */
            \tif (cur == VFIO_DEVICE_STATE_STOP_COPY &&
            \t    target == VFIO_DEVICE_STATE_PRE_COPY &&
            \t    (migration_flags & VFIO_MIGRATION_PRE_COPY_RETURN) !=
            \t\t    VFIO_MIGRATION_PRE_COPY_RETURN) {
            \t\t*next = VFIO_DEVICE_STATE_ERROR;
            \t\treturn -EINVAL;
            \t}

            """), header)
        // 100 columns where the table rows are, as upstream's table.
        XCTAssertEqual(header.split(separator: "\n").filter { CLayout.columns(String($0)) > 100 }, [])
        let kernelHeader = KernelHeaderEmitter(paths: paths, kernel: kernel, specName: "stop-copy-to-pre-copy.fsm").render()
        XCTAssertTrue(kernelHeader.contains("""
            \tif (cur_fsm == VFIO_DEVICE_STATE_STOP_COPY &&
            \t    new_fsm == VFIO_DEVICE_STATE_PRE_COPY_P2P &&
            \t    (migration_flags & VFIO_MIGRATION_PRE_COPY_RETURN) !=
            \t\t    VFIO_MIGRATION_PRE_COPY_RETURN) {
            \t\t*next_fsm = VFIO_DEVICE_STATE_ERROR;
            \t\treturn -EINVAL;
            \t}

            """), kernelHeader)
        let folder = try EmitScratchFolder("proposal-c")
        defer { folder.remove() }
        try folder.write("vfio_mig_fsm.h", header)
        try folder.write("harness.c", EmitCHeaderTests.harness)
        guard try compileEmittedC([folder.file("harness.c")], output: folder.file("harness")) else { return }
        let run = try runEmitProgram([folder.file("harness")])
        XCTAssertEqual(run.status, 0, run.errors)
        try assertAgreesWithProvenLookupAndModel(run.output, paths, kernel)
    }

    /// The emitted Swift module for the proposal, compiled with a harness
    /// printing what the C harness prints: the same flag test.
    func testTheEmittedSwiftLookupTestsTheFlag() throws {
        let paths = ProtocolPaths(model: Self.model)
        let kernel = try XCTUnwrap(KernelTable(paths: XCTUnwrap(paths.full)))
        let source = SwiftSourceEmitter(paths: paths, kernel: kernel, specName: "stop-copy-to-pre-copy.fsm").render()
        XCTAssertTrue(source.contains("""
                    guard supported(target, migrationFlags) else { return .failure(.targetNotSupported) }
                    // Requests served only with a flag no state needs.
                    if current == 3 && target == 6 && migrationFlags & 8 != 8 { return .failure(.blocked) }
                    if current == 3 && target == 7 && migrationFlags & 8 != 8 { return .failure(.blocked) }
                    var state = UInt32(table[Int(current) * stateCount + Int(target)])

            """), source)
        let folder = try EmitScratchFolder("proposal-swift")
        defer { folder.remove() }
        try folder.write("Module.swift", source)
        try folder.write("main.swift", """
            let flags: [UInt32] = Array(0...15) + [0x8000_0001, 0xffff_ffff]
            let states: [UInt32] = Array(0...9) + [255, 256, 0xffff_ffff]
            for f in flags {
                for c in states {
                    for t in states {
                        switch MigrationFSM.nextState(migrationFlags: f, current: c, target: t) {
                        case .success(let next): print(f, c, t, 0, next)
                        case .failure: print(f, c, t, -22, 0xdead)
                        }
                    }
                }
            }

            """)
        let compile = try runEmitProgram(["swiftc", "-Onone", folder.file("Module.swift"), folder.file("main.swift"),
                                          "-o", folder.file("harness")])
        XCTAssertEqual(compile.status, 0, "swiftc: " + compile.errors)
        guard compile.status == 0 else { return }
        let run = try runEmitProgram([folder.file("harness")])
        XCTAssertEqual(run.status, 0, run.errors)
        try assertAgreesWithProvenLookupAndModel(run.output, paths, kernel)
    }

    /// Every `flags cur target status next` line against the proven lookup
    /// and the model's tables.
    func assertAgreesWithProvenLookupAndModel(
        _ output: String, _ paths: ProtocolPaths, _ kernel: KernelTable,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        var mismatches: [String] = []
        var served = 0
        let lines = output.split(separator: "\n")
        XCTAssertEqual(lines.count, 18 * 13 * 13, file: file, line: line)
        for text in lines {
            let fields = text.split(separator: " ").compactMap { Int64($0) }
            guard fields.count == 5 else { return XCTFail("bad harness line \(text)", file: file, line: line) }
            let (flags, current, target) = (UInt32(fields[0]), UInt32(fields[1]), UInt32(fields[2]))
            let lookup: UInt32? = fields[3] == 0 ? UInt32(fields[4]) : nil
            let proven = generatedNextState(kernel, flags: flags, current: current, target: target)
            // Flags whose declared bits are no valid feature set (the new flag
            // without PRE_COPY) are answered as the kernel answers them: the
            // model defines nothing there, so only the proven lookup judges.
            let declared = FeatureSet(rawValue: flags & Self.model.allFeatures.rawValue)
            let expected = Self.model.isValid(declared)
                ? modelNextState(Self.model, paths, flags: flags, current: current, target: target) : lookup
            if proven != .some(lookup) || lookup != expected {
                mismatches.append("\(text): proven \(String(describing: proven)), model \(String(describing: expected))")
            }
            if lookup != nil { served += 1 }
        }
        XCTAssert(mismatches.isEmpty, mismatches.prefix(10).joined(separator: "\n"), file: file, line: line)
        // vfio-v2's 112 served requests (flags 1, 3, 5, 7), the new sets'
        // 25 and 49 (0xd, 0xf: every request from a state to another or
        // itself); undeclared bits ignored: 0x80000001 as {STOP_COPY} (16),
        // 0xffffffff as every feature (49); the new flag without PRE_COPY
        // as the sets without it: 0x9 as {STOP_COPY} (16), 0xb as
        // {STOP_COPY, P2P} (25).
        XCTAssertEqual(served, 16 + 25 + 24 + 47 + 25 + 49 + 16 + 49 + 16 + 25, file: file, line: line)
    }
}
