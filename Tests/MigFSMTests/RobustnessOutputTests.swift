import Foundation
import XCTest
@testable import MigFSM

/// `migfsm generate` never leaves a torn file: run as a child process into
/// a read-only folder, onto a full disk (a file-size limit), and killed at
/// every step of its write, the output folder holds the old or the new
/// complete files; no symbolic link below it is followed. And the same spec
/// gives the same bytes anywhere.
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

    /// Runs `generate` into the scene until the writer reaches write step
    /// `step` (the test hook `MIGFSM_TEST_STOP_WRITE_AT`), then kills it
    /// with SIGKILL. Returns the line the hook printed, or `nil` when the
    /// run ended first (with its status).
    func generateKilled(at step: Int, _ scene: Scene) throws -> (stopped: String?, status: Int32?) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try ChildProcess.migfsm())
        process.arguments = ["generate", "Specs/vfio-v2.fsm", "--out", "Generated"]
        process.currentDirectoryURL = URL(fileURLWithPath: scene.root)
        var environment = ProcessInfo.processInfo.environment
        environment["MIGFSM_TEST_STOP_WRITE_AT"] = String(step)
        process.environment = environment
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        try errors.fileHandleForWriting.close()
        // Read until the hook's line: the writer is then waiting at the step.
        var text = Data()
        while !text.contains(UInt8(ascii: "\n")) {
            let chunk = errors.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += chunk
        }
        let line = String(decoding: text, as: UTF8.self)
        guard line.hasPrefix("migfsm: stopped at write step") else {
            process.waitUntilExit()
            return (nil, process.terminationStatus)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal)
        return (line, nil)
    }

    /// Killed at every step of its write (each temporary created, each
    /// written, before each rename, after the last), `generate` leaves every
    /// file old or new, never torn: the first renamed files new, the rest
    /// old, and only hidden temporary files besides. `--check` then names
    /// exactly the old files, and the next run completes the set and
    /// removes the killed run's temporary files.
    func testKilledAtEveryWriteStepLeavesOldOrNewFiles() throws {
        let scene = try Scene("killed")
        let migfsm = try ChildProcess.migfsm()
        let order = ["C/vfio_mig_fsm.h", "C/kernel/vfio_mig_fsm.h", "Swift/VFIOMigrationFSM.swift", "vfio-v2.json", "docs/vfio-v2.md",
                     "proposals/literal-group-rule.txt", "proposals/stop-copy-to-pre-copy.txt"]
        XCTAssertEqual(order.sorted(), scene.new.keys.sorted())
        let count = order.count
        // Steps: created and written per file, one rename each, finished.
        let steps = 3 * count + 1
        for step in 0...steps {
            try scene.resetToOld()
            let (stopped, status) = try generateKilled(at: step, scene)
            if step == steps {
                XCTAssertNil(stopped, "there is no step \(step)")
                XCTAssertEqual(status, 0)
                XCTAssertEqual(ChildProcess.snapshot(scene.output), scene.new)
                continue
            }
            let line = try XCTUnwrap(stopped, "step \(step): the run ended first (status \(status ?? -1))")
            let renamed = step < 2 * count ? 0 : step - 2 * count
            let expectedStep: String
            switch step {
            case ..<(2 * count):
                let file = "Generated/" + order[step / 2]
                expectedStep = step % 2 == 0 ? "created the temporary file of \(file)" : "wrote the temporary file of \(file)"
            case ..<(3 * count):
                expectedStep = "renaming the temporary file over Generated/" + order[step - 2 * count]
            default:
                expectedStep = "renamed every file"
            }
            XCTAssertEqual(line, "migfsm: stopped at write step \(step): \(expectedStep)\n")
            let files = ChildProcess.snapshot(scene.output)
            for (index, path) in order.enumerated() {
                XCTAssertEqual(files[path], index < renamed ? scene.new[path] : scene.old[path],
                               "step \(step): \(path) should be the \(index < renamed ? "new" : "old") file")
            }
            // Temporary files: those created and not yet renamed, hidden,
            // each empty or the whole new file.
            let created = step < 2 * count ? step / 2 + 1 : count
            let temporaries = files.keys.filter { scene.new[$0] == nil }
            XCTAssertEqual(temporaries.count, created - renamed, "step \(step): \(temporaries)")
            for path in temporaries {
                let name = String(path.split(separator: "/").last ?? "")
                XCTAssertTrue(name.hasPrefix(".") && name.hasSuffix(".tmp") && name.contains(".migfsm-"), "step \(step): \(path)")
                let data = files[path] ?? Data()
                XCTAssertTrue(data.isEmpty || scene.new.values.contains(data), "step \(step): \(path) is torn")
            }
            // --check names exactly the files still old.
            let check = try ChildProcess.shell(#"exec "$1" generate Specs/vfio-v2.fsm --out Generated --check"#, [migfsm], in: scene.root)
            let old = order.dropFirst(renamed).map { "Generated/" + $0 }
            if old.isEmpty {
                XCTAssertEqual(check.status, 0, check.err)
            } else {
                XCTAssertEqual(check.status, 1)
                XCTAssertEqual(check.err, "migfsm generate: error: stale or missing: \(old.joined(separator: ", ")); run 'migfsm generate Specs/vfio-v2.fsm --out Generated'\n")
            }
            // The next run completes the set and removes the leftovers.
            let again = try ChildProcess.shell(#"exec "$1" generate Specs/vfio-v2.fsm --out Generated"#, [migfsm], in: scene.root)
            XCTAssertEqual(again.status, 0, again.err)
            XCTAssertEqual(ChildProcess.snapshot(scene.output), scene.new, "step \(step): the run after the kill")
        }
    }

    /// No symbolic link below the output folder is followed: a file that is
    /// a link is replaced (its target untouched), a folder that is a link
    /// is refused; the output folder itself may be a link.
    func testSymbolicLinksBelowTheOutputFolderAreNeverFollowed() throws {
        let scene = try Scene("symlinks")
        let migfsm = try ChildProcess.migfsm()
        let outside = try ChildProcess.temporaryFolder("outside")
        let victim = outside + "/victim.txt"
        try Data("precious\n".utf8).write(to: URL(fileURLWithPath: victim))
        // A generated file replaced by a link to a file elsewhere.
        try scene.resetToOld()
        let header = scene.output + "/C/vfio_mig_fsm.h"
        try FileManager.default.removeItem(atPath: header)
        try FileManager.default.createSymbolicLink(atPath: header, withDestinationPath: victim)
        let check = try ChildProcess.shell(#"exec "$1" generate Specs/vfio-v2.fsm --out Generated --check"#, [migfsm], in: scene.root)
        XCTAssertEqual(check.status, 1)
        XCTAssertFalse(check.out.contains("precious"), "--check read through the link")
        let run = try ChildProcess.shell(#"exec "$1" generate Specs/vfio-v2.fsm --out Generated"#, [migfsm], in: scene.root)
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertEqual(try String(contentsOfFile: victim, encoding: .utf8), "precious\n")
        XCTAssertNil(try? FileManager.default.destinationOfSymbolicLink(atPath: header))
        XCTAssertEqual(ChildProcess.snapshot(scene.output), scene.new)
        // A generated folder replaced by a link to a folder elsewhere.
        try scene.resetToOld()
        try FileManager.default.removeItem(atPath: scene.output + "/C")
        try FileManager.default.createSymbolicLink(atPath: scene.output + "/C", withDestinationPath: outside)
        let refused = try ChildProcess.shell(#"exec "$1" generate Specs/vfio-v2.fsm --out Generated"#, [migfsm], in: scene.root)
        XCTAssertEqual(refused.status, 1)
        XCTAssertEqual(refused.err, "migfsm generate: error: cannot write Generated/C/vfio_mig_fsm.h: Generated/C is a symbolic link; migfsm writes only into real folders below the output folder; nothing was written\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: outside), ["victim.txt"])
        // The output folder itself, a link the user names, is followed.
        let elsewhere = try ChildProcess.temporaryFolder("elsewhere")
        try FileManager.default.createSymbolicLink(atPath: scene.root + "/Linked", withDestinationPath: elsewhere)
        let linked = try ChildProcess.shell(#"exec "$1" generate Specs/vfio-v2.fsm --out Linked"#, [migfsm], in: scene.root)
        XCTAssertEqual(linked.status, 0, linked.err)
        XCTAssertEqual(ChildProcess.snapshot(elsewhere), scene.new)
    }

    /// A temporary file is created exclusively: whatever is at its name (a
    /// link to a file elsewhere, planted in advance) is neither followed
    /// nor replaced; and the names are random, so none can be planted in
    /// advance anyway.
    func testTemporaryFilesAreCreatedExclusively() throws {
        let folder = try ChildProcess.temporaryFolder("exclusive")
        let victim = folder + "/victim.txt"
        try Data("precious\n".utf8).write(to: URL(fileURLWithPath: victim))
        try FileManager.default.createSymbolicLink(atPath: folder + "/.x.migfsm-1-0000000000000000.tmp", withDestinationPath: victim)
        try FileManager.default.createSymbolicLink(atPath: folder + "/.y.migfsm-1-0000000000000000.tmp", withDestinationPath: folder + "/missing.txt")
        let output = try OutputFolder.open(folder)
        XCTAssertNil(try output.createExclusive(named: ".x.migfsm-1-0000000000000000.tmp"))
        XCTAssertNil(try output.createExclusive(named: ".y.migfsm-1-0000000000000000.tmp"))
        XCTAssertEqual(try String(contentsOfFile: victim, encoding: .utf8), "precious\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/missing.txt"))
        var names: Set<String> = []
        for _ in 0..<8 {
            let temporary = try output.createExclusive(prefix: ".x.migfsm-1-", suffix: ".tmp")
            try temporary.write([])
            XCTAssertEqual(temporary.name.count, ".x.migfsm-1-".count + 16 + 4)
            names.insert(temporary.name)
        }
        XCTAssertEqual(names.count, 8)
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
