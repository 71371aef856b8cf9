import Foundation

/// Puts generated files into an output folder, or says how they differ
/// from what is there (`generate --check`).
///
/// Writes are atomic and all-or-nothing: every changed file is first
/// written to a temporary file in its own folder, and only when all of
/// them are complete are they renamed over the old ones. A file whose
/// contents are already right is not touched (its modification time stays,
/// so builds depending on it do not rerun).
public struct GeneratedFileWriter: Sendable {
    /// The output folder as the user named it: `Generated`.
    public let directory: String

    public init(directory: String) {
        var directory = directory
        while directory.count > 1 && directory.hasSuffix("/") { directory.removeLast() }
        self.directory = directory.isEmpty ? "." : directory
    }

    /// What happened to one file.
    public enum Outcome: String, Hashable, Sendable {
        case written
        case unchanged
    }

    /// `Generated/C/vfio_mig_fsm.h`: a file's path as the user sees it.
    public func displayPath(_ file: GeneratedFile) -> String {
        directory == "." ? file.path : directory + "/" + file.path
    }

    /// The file's bytes on disk, or `nil` when it cannot be read.
    public func existing(_ file: GeneratedFile) -> Data? {
        FileManager.default.contents(atPath: displayPath(file))
    }

    /// Whether the file on disk already has exactly these contents.
    public func isCurrent(_ file: GeneratedFile) -> Bool {
        existing(file) == Data(file.contents.utf8)
    }

    /// The unified diff of every stale or missing file (`--- a/PATH`,
    /// `+++ b/PATH`), or "" when all are current.
    public func check(_ files: [GeneratedFile]) -> String {
        var text = ""
        for file in files {
            let old = existing(file)
            if old == Data(file.contents.utf8) { continue }
            let label = displayPath(file).drop { $0 == "/" }
            text += UnifiedDiff.render(
                old: old.map { String(decoding: $0, as: UTF8.self) }, new: file.contents,
                oldLabel: "a/\(label)", newLabel: "b/\(label)")
        }
        return text
    }

    /// Writes every file that is not current, atomically; on any error
    /// nothing is changed and the temporary files are removed.
    public func write(_ files: [GeneratedFile]) throws(GenerateError) -> [(file: GeneratedFile, outcome: Outcome)] {
        let stale = files.filter { !isCurrent($0) }
        var createdDirectories: [String] = []
        var temporaries: [(temporary: String, destination: String)] = []
        func undo() {
            for entry in temporaries { unlink(entry.temporary) }
            for folder in createdDirectories.reversed() { rmdir(folder) }
        }
        let pid = ProcessInfo.processInfo.processIdentifier
        for file in stale {
            let destination = displayPath(file)
            let folder = Self.parent(of: destination)
            do throws(GenerateError) {
                try Self.makeDirectories(folder, created: &createdDirectories)
                let name = destination.split(separator: "/").last.map(String.init) ?? destination
                let temporary = (folder == "." ? "" : folder + "/") + ".\(name).migfsm-\(pid).tmp"
                try Self.writeNew(temporary, Array(file.contents.utf8))
                temporaries.append((temporary, destination))
            } catch {
                undo()
                throw GenerateError("cannot write \(destination): \(error.message); nothing was written")
            }
        }
        for (index, entry) in temporaries.enumerated() where rename(entry.temporary, entry.destination) != 0 {
            let reason = Self.lastError()
            for rest in temporaries[index...] { unlink(rest.temporary) }
            let done = temporaries[..<index].map(\.destination)
            throw GenerateError("cannot replace \(entry.destination): \(reason)"
                + (done.isEmpty ? "; nothing was written" : "; already replaced: " + done.joined(separator: ", ")))
        }
        removeTemporariesOfKilledRuns(files)
        let staleSet = Set(stale.map(\.path))
        return files.map { ($0, staleSet.contains($0.path) ? .written : .unchanged) }
    }

    /// Removes the temporary files a killed run left beside `files`
    /// (`.NAME.migfsm-PID.tmp` whose process no longer exists). A run
    /// killed before its renames leaves the old files and these; they are
    /// hidden, never read, and the next successful run removes them.
    func removeTemporariesOfKilledRuns(_ files: [GeneratedFile]) {
        for file in files {
            let destination = displayPath(file)
            let folder = Self.parent(of: destination)
            let name = destination.split(separator: "/").last.map(String.init) ?? destination
            let prefix = ".\(name).migfsm-"
            guard let entries = try? FileManager.default.contentsOfDirectory(atPath: folder) else { continue }
            for entry in entries where entry.hasPrefix(prefix) && entry.hasSuffix(".tmp") {
                guard let pid = pid_t(entry.dropFirst(prefix.count).dropLast(4)) else { continue }
                if kill(pid, 0) != 0 && errno == ESRCH {
                    unlink((folder == "." ? "" : folder + "/") + entry)
                }
            }
        }
    }

    // MARK: - POSIX

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func lastError() -> String {
        String(cString: strerror(errno))
    }

    /// `mkdir -p`, recording the folders it made.
    static func makeDirectories(_ path: String, created: inout [String]) throws(GenerateError) {
        if path == "." || path == "/" || path.isEmpty { return }
        var info = stat()
        if stat(path, &info) == 0 {
            if info.st_mode & S_IFMT == S_IFDIR { return }
            throw GenerateError("\(path) is not a folder")
        }
        try makeDirectories(parent(of: path), created: &created)
        if mkdir(path, 0o755) != 0 {
            if errno == EEXIST { return }
            throw GenerateError("cannot create folder \(path): \(lastError())")
        }
        created.append(path)
    }

    /// Creates `path` (which must not exist) with `bytes`.
    static func writeNew(_ path: String, _ bytes: [UInt8]) throws(GenerateError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else {
            throw GenerateError("cannot create a file in \(parent(of: path)): \(lastError())")
        }
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                let reason = lastError()
                close(descriptor)
                unlink(path)
                throw GenerateError(reason)
            }
            offset += count
        }
        if close(descriptor) != 0 {
            let reason = lastError()
            unlink(path)
            throw GenerateError(reason)
        }
    }
}
