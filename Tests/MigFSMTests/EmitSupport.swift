import Foundation
import XCTest
@testable import MigFSM

/// A fresh folder under the system's temporary folder, removed by `remove()`.
struct EmitScratchFolder {
    let path: String

    init(_ name: String) throws {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("migfsm-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        path = url.path
    }

    func file(_ relative: String) -> String { path + "/" + relative }

    func write(_ relative: String, _ text: String) throws {
        let url = URL(fileURLWithPath: file(relative))
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    func read(_ relative: String) -> String? {
        FileManager.default.contents(atPath: file(relative)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Every file below the folder, relative, sorted.
    func listing() -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: path)
        var files: [String] = []
        while let next = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: file(next), isDirectory: &isDirectory), !isDirectory.boolValue {
                files.append(next)
            }
        }
        return files.sorted()
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// The result of running a program.
struct EmitProgramRun {
    var status: Int32
    var output: String
    var errors: String
}

/// Runs `arguments[0]` found on PATH (through /usr/bin/env), capturing
/// its output. Throws when it cannot be started.
func runEmitProgram(_ arguments: [String], in directory: String? = nil) throws -> EmitProgramRun {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    // Read before waiting: a full pipe would block the child.
    let outData = output.fileHandleForReading.readDataToEndOfFile()
    let errData = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return EmitProgramRun(
        status: process.terminationStatus,
        output: String(decoding: outData, as: UTF8.self),
        errors: String(decoding: errData, as: UTF8.self))
}

/// The system C compiler: `$CC` or `cc`.
var emitCCompiler: String {
    ProcessInfo.processInfo.environment["CC"].flatMap { $0.isEmpty ? nil : $0 } ?? "cc"
}

/// Compiles C sources into an executable with the strict flags the issue
/// names; fails the test with a clear message when there is no compiler.
func compileEmittedC(_ sources: [String], output: String, extraFlags: [String] = [],
              file: StaticString = #filePath, line: UInt = #line) throws -> Bool {
    let flags = ["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic"]
    let run: EmitProgramRun
    do {
        run = try runEmitProgram([emitCCompiler] + flags + extraFlags + sources + ["-o", output])
    } catch {
        XCTFail("cannot start the C compiler '\(emitCCompiler)': \(error); install one (cc) or set CC", file: file, line: line)
        return false
    }
    if run.status == 127 {
        XCTFail("no C compiler: '\(emitCCompiler)' is not on PATH; install one (cc) or set CC", file: file, line: line)
        return false
    }
    if run.status != 0 {
        XCTFail("\(emitCCompiler) failed (\(run.status)):\n\(run.errors)", file: file, line: line)
        return false
    }
    return true
}

/// The generated files of the vfio-v2 spec, banners naming `Specs/vfio-v2.fsm`.
let vfioGenerated: GeneratedFiles = {
    do {
        return try GeneratedFiles(model: Repository.vfio, currentDirectory: Repository.root.path)
    } catch {
        fatalError("vfio-v2 generates nothing: \(error)")
    }
}()

extension GeneratedFiles {
    func contents(_ path: String) -> String {
        files.first { $0.path == path }?.contents ?? ""
    }
}

/// What every lookup must give, from the model: the per-feature-set path
/// table's next state by value, or `nil` (refused). Flag bits no feature
/// has mean nothing, as in the kernel (DOMAIN.md section 5).
func modelNextState(_ model: MigrationProtocol, _ paths: ProtocolPaths,
                    flags: UInt32, current: UInt32, target: UInt32) -> UInt32? {
    let features = FeatureSet(rawValue: flags & model.allFeatures.rawValue)
    guard model.isValid(features), let table = paths.table(for: features),
          let from = model.states.firstIndex(where: { $0.value == current }),
          let to = model.states.firstIndex(where: { $0.value == target }),
          let next = table.nextState(from: from, to: to) else { return nil }
    return model.states[next].value
}

/// `generatedLookup` as `nil` for refused; a cycle fails the test.
func generatedNextState(_ kernel: KernelTable, flags: UInt32, current: UInt32, target: UInt32) -> UInt32?? {
    switch kernel.generatedLookup(flags: flags, current: current, requested: target) {
    case .next(let value, _): return .some(value)
    case .refused: return .some(nil)
    case .cycle: return nil
    }
}
