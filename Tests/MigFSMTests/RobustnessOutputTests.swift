import Foundation
import XCTest
@testable import MigFSM

/// `migfsm generate` never leaves a torn file: run as a child process into
/// a read-only folder, onto a full disk (a file-size limit), and killed at
/// random moments, the output folder holds the old or the new complete
/// files. And the same spec gives the same bytes anywhere.
final class RobustnessOutputTests: XCTestCase {
    /// A work folder with a copy of `Specs/`, the complete output of
    /// `generate` there (`new`), and `old` versions of the same files.
    struct Scene {
        var root: String
        var new: [String: Data]
        var old: [String: Data]
        var output: String { root + "/Generated" }

        init(_ name: String) throws {
            root = try ChildProcess.temporaryFolder(name)
            try ChildProcess.copySpecs(into: root)
            let result = try ChildProcess.shell(#""$1" generate Specs/vfio-v2.fsm --out Generated"#,
                                                [try ChildProcess.migfsm()], in: root)
            XCTAssertEqual(result.status, 0, result.err)
            new = ChildProcess.snapshot(root + "/Generated")
            XCTAssertGreaterThanOrEqual(new.count, 3)
            // The old version of each file: other, longer contents (so a
            // torn new file can't pass for the old one either).
            old = new.mapValues { Data("an older generation\n".utf8) + $0 + $0 }
        }

        /// Puts the old files back, removing everything else.
        func resetToOld() throws {
            try? FileManager.default.removeItem(atPath: output)
            try ChildProcess.write(old, under: output)
        }

        /// Leftover temporary files (`.NAME.migfsm-PID.tmp`) in the output.
        func temporaries() -> [String] {
            ChildProcess.snapshot(output).keys.filter { $0.hasSuffix(".tmp") }.sorted()
        }
    }

    func testGenerateIntoAReadOnlyFolderWritesNothing() throws {
        let scene = try Scene("read-only")
        try scene.resetToOld()
        for folder in ["", "/C", "/Swift"] {
            try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: scene.output + folder)
        }
        defer {
            for folder in ["", "/C", "/Swift"] {
                try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: scene.output + folder)
            }
        }
        // Permissions don't stop root (CI runs as root): drop to nobody.
        let script = #"if [ "$(id -u)" = 0 ]; then exec setpriv --reuid=65534 --regid=65534 --clear-groups "$1" generate Specs/vfio-v2.fsm --out Generated; else exec "$1" generate Specs/vfio-v2.fsm --out Generated; fi"#
        let result = try ChildProcess.shell(script, [try ChildProcess.migfsm()], in: scene.root)
        XCTAssertEqual(result.status, 1, result.out + result.err)
        XCTAssertNil(result.signal)
        XCTAssertTrue(result.err.contains("Permission denied; nothing was written"), result.err)
        XCTAssertEqual(ChildProcess.snapshot(scene.output), scene.old)
    }

    func testGenerateOntoAFullDiskIsAllOrNothing() throws {
        let scene = try Scene("full-disk")
        let largest = scene.new.values.map(\.count).max()!
        var outcomes: Set<Int32> = []
        // A file-size limit (in 512-byte blocks) that fails the first,
        // a middle or no file; SIGXFSZ ignored, so write() fails with EFBIG
        // as it fails with ENOSPC on a full disk.
        for blocks in [0, 1, 4, 16, 64, largest / 512 + 1] {
            try scene.resetToOld()
            let result = try ChildProcess.shell(
                #"trap '' XFSZ; ulimit -f "$2" && exec "$1" generate Specs/vfio-v2.fsm --out Generated"#,
                [try ChildProcess.migfsm(), String(blocks)], in: scene.root)
            XCTAssertNil(result.signal, "limit \(blocks): \(result.err)")
            outcomes.insert(result.status)
            switch result.status {
            case 0:
                XCTAssertEqual(ChildProcess.snapshot(scene.output), scene.new, "limit \(blocks)")
            case 1:
                XCTAssertTrue(result.err.contains("File too large; nothing was written"), "limit \(blocks): \(result.err)")
                XCTAssertEqual(ChildProcess.snapshot(scene.output), scene.old, "limit \(blocks)")
            default:
                XCTFail("limit \(blocks): exit \(result.status): \(result.err)")
            }
        }
        XCTAssertEqual(outcomes, [0, 1], "the limits should fail some runs and not others")
    }

    func testKilledMidWriteLeavesOldOrNewFiles() throws {
        let scene = try Scene("killed")
        let migfsm = try ChildProcess.migfsm()
        // How long a complete run takes here, so kills spread over it.
        try scene.resetToOld()
        let start = Date()
        XCTAssertEqual(try ChildProcess.shell(#"exec "$1" generate Specs/vfio-v2.fsm --out Generated"#, [migfsm], in: scene.root).status, 0)
        let duration = Date().timeIntervalSince(start)
        var random = SplitMix(seed: 9)
        var killedBefore = 0, killedWriting = 0, killedRenaming = 0, finished = 0
        for run in 0..<40 {
            try scene.resetToOld()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: migfsm)
            process.arguments = ["generate", "Specs/vfio-v2.fsm", "--out", "Generated"]
            process.currentDirectoryURL = URL(fileURLWithPath: scene.root)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            // Most of a run is reading and proving the spec; the kills
            // land in its second half, where the files are written.
            usleep(useconds_t((0.5 + Double(random.next() % 1000) / 1000 * 0.6) * duration * 1e6))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let files = ChildProcess.snapshot(scene.output)
            var newCount = 0
            for (path, data) in scene.new {
                if files[path] == data { newCount += 1; continue }
                XCTAssertEqual(files[path], scene.old[path], "run \(run): \(path) is neither the old nor the new file")
            }
            for path in files.keys where scene.new[path] == nil {
                XCTAssertTrue(path.split(separator: "/").last!.hasPrefix(".") && path.hasSuffix(".tmp"),
                              "run \(run): unexpected file \(path)")
            }
            if process.terminationReason == .exit {
                finished += 1
            } else if newCount > 0 {
                killedRenaming += 1
            } else if files.count > scene.old.count {
                killedWriting += 1
            } else {
                killedBefore += 1
            }
            // The next run completes, and removes the killed run's temporaries.
            if run % 8 == 7 {
                let result = try ChildProcess.shell(#"exec "$1" generate Specs/vfio-v2.fsm --out Generated"#, [migfsm], in: scene.root)
                XCTAssertEqual(result.status, 0, result.err)
                XCTAssertEqual(ChildProcess.snapshot(scene.output), scene.new, "run \(run): a complete run after a kill")
            }
        }
        XCTAssertGreaterThan(killedBefore + killedWriting + killedRenaming, 0, "no run was killed (a run takes \(duration) s)")
        print("killed: \(killedBefore) before writing, \(killedWriting) while writing temporaries, "
            + "\(killedRenaming) between renames; \(finished) finished")
    }

    func testSameBytesInAnyFolderLocaleAndTimeZone() throws {
        let migfsm = try ChildProcess.migfsm()
        let first = try ChildProcess.temporaryFolder("determinism-a")
        let second = try ChildProcess.temporaryFolder("determinism-b") + "/deeper/still"
        try FileManager.default.createDirectory(atPath: second, withIntermediateDirectories: true)
        try ChildProcess.copySpecs(into: first)
        try ChildProcess.copySpecs(into: second)
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let environments = [
            ["PATH": path, "LANG": "C", "LC_ALL": "C", "TZ": "UTC"],
            ["PATH": path, "LANG": "de_DE.UTF-8", "LC_ALL": "tr_TR.UTF-8", "LC_NUMERIC": "de_DE.UTF-8",
             "TZ": "Asia/Kathmandu", "HOME": second],
        ]
        var outputs: [[String: Data]] = []
        for (folder, environment) in zip([first, second], environments) {
            let result = try ChildProcess.shell(#"exec "$1" generate Specs/vfio-v2.fsm"#, [migfsm], in: folder, environment: environment)
            XCTAssertEqual(result.status, 0, result.err)
            outputs.append(ChildProcess.snapshot(folder + "/Generated"))
        }
        XCTAssertGreaterThanOrEqual(outputs[0].count, 3)
        XCTAssertEqual(outputs[0].keys.sorted(), outputs[1].keys.sorted())
        for (file, data) in outputs[0] {
            XCTAssertEqual(data, outputs[1][file], "\(file) differs between the two runs")
        }
        // And twice in one place: the second run changes nothing.
        let again = try ChildProcess.shell(#"exec "$1" generate Specs/vfio-v2.fsm"#, [migfsm], in: first, environment: environments[1])
        XCTAssertEqual(again.status, 0)
        XCTAssertFalse(again.out.contains("written "), again.out)
        XCTAssertEqual(ChildProcess.snapshot(first + "/Generated"), outputs[0])
    }
}

/// A small seeded generator (SplitMix64), so the kill moments are the
/// same sequence on every run.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
