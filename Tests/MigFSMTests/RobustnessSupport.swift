import Foundation
import XCTest

/// The built `migfsm` executable and a way to run it as a child process,
/// for the tests that need a real process: exit codes, `ulimit`, SIGKILL.
enum ChildProcess {
    /// `migfsm` beside the test bundle (`swift test` builds it with the
    /// tests), or in the package's `.build/debug`.
    static let executable: String? = {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var candidates = [
            bundle.deletingLastPathComponent().appendingPathComponent("migfsm").path,
            bundle.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("migfsm").path,
        ]
        for build in Bundle.allBundles.map(\.bundleURL) {
            candidates.append(build.deletingLastPathComponent().appendingPathComponent("migfsm").path)
        }
        candidates.append(Repository.path(".build/debug/migfsm"))
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// The executable, or a failed test naming where it was looked for.
    static func migfsm(file: StaticString = #filePath, line: UInt = #line) throws -> String {
        guard let executable else {
            XCTFail("the migfsm executable is not built beside the tests (\(CommandLine.arguments[0])) "
                + "nor in .build/debug; run 'swift build' first", file: file, line: line)
            throw XCTSkip("no migfsm executable")
        }
        return executable
    }

    /// What a finished child did.
    struct Result {
        var status: Int32
        /// The signal that ended it, if one did.
        var signal: Int32?
        var out: String
        var err: String
    }

    /// Runs `/bin/sh -c script` with `arguments` as `$1...`, in `directory`,
    /// with `environment` (default: this process's). With `standardOutput`,
    /// the child writes there instead of into a pipe read here (`out` is
    /// then empty).
    static func shell(_ script: String, _ arguments: [String] = [], in directory: String? = nil,
                      environment: [String: String]? = nil, standardOutput: FileHandle? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script, "sh"] + arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        if let environment { process.environment = environment }
        let out = Pipe(), err = Pipe()
        process.standardOutput = standardOutput ?? out
        process.standardError = err
        try process.run()
        if standardOutput != nil { try out.fileHandleForWriting.close() }
        // Both pipes are drained at once: a child that fills one while the
        // other is read to its end would wait forever.
        let errors = PipeDrain(err.fileHandleForReading)
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = errors.wait()
        process.waitUntilExit()
        let signalled = process.terminationReason == .uncaughtSignal
        return Result(status: process.terminationStatus, signal: signalled ? process.terminationStatus : nil,
                      out: String(decoding: outData, as: UTF8.self), err: String(decoding: errData, as: UTF8.self))
    }

    /// A fresh empty folder under the temporary folder, readable by all.
    static func temporaryFolder(_ name: String) throws -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("migfsm-\(name)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        return path
    }

    /// Every regular file under `folder`, by relative path, with its bytes.
    static func snapshot(_ folder: String) -> [String: Data] {
        var files: [String: Data] = [:]
        guard let walker = FileManager.default.enumerator(atPath: folder) else { return files }
        while let relative = walker.nextObject() as? String {
            var isDirectory: ObjCBool = false
            let path = folder + "/" + relative
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                files[relative] = FileManager.default.contents(atPath: path)
            }
        }
        return files
    }

    /// Writes every file of `files` under `folder`, making folders.
    static func write(_ files: [String: Data], under folder: String) throws {
        for (relative, data) in files {
            let url = URL(fileURLWithPath: folder + "/" + relative)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: url)
        }
    }

    /// A copy of the package's `Specs/` under `folder`: the spec and the
    /// proposals `generate` reads beside it.
    static func copySpecs(into folder: String) throws {
        try FileManager.default.copyItem(atPath: Repository.path("Specs"), toPath: folder + "/Specs")
    }
}

/// Reads a pipe to its end on another thread, for `wait()` to return.
final class PipeDrain: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    func wait() -> Data {
        done.wait()
        return data
    }
}
