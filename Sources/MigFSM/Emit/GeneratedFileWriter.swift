import Foundation

/// Puts generated files into an output folder, or says how they differ
/// from what is there (`generate --check`).
///
/// What a write guarantees, as far as POSIX file systems allow:
/// - A file whose contents are already right is not touched (its
///   modification time stays, so builds depending on it do not rerun).
/// - Every changed file is first written whole to a new temporary file in
///   its own folder (`.NAME.migfsm-PID-RANDOM.tmp`, created exclusively:
///   `O_CREAT | O_EXCL | O_NOFOLLOW`, with 64 random bits in its name, so a
///   file or symbolic link planted there is never written through) and
///   flushed to disk. Only when all of them are complete are they renamed
///   over the old files, in the order given. When any cannot be written,
///   nothing is renamed and every temporary file and folder made is removed.
/// - Each rename is atomic: a reader sees the old or the new file, never a
///   torn one. The renames of a set are not one step (no file system
///   offers that), so a process killed between two renames leaves some
///   files new and the rest old; `--check` then names exactly the old ones
///   and the next `generate` completes the set (and removes the temporary
///   files of runs that no longer exist).
/// - Below the output folder, no symbolic link is followed: a folder that
///   is a link (`Generated/C -> /etc`) is refused, a file that is a link is
///   replaced by the new file (the link's target is untouched), and reads
///   do not follow links either. The output folder itself is the path the
///   user named and is followed if it is a link.
public struct GeneratedFileWriter: Sendable {
    /// The output folder as the user named it: `Generated`.
    public let directory: String
    /// Called at each step of `write` with the step's number (from 0) and
    /// what it is: tests stop the process at a chosen step to see what a
    /// kill there leaves.
    public var checkpoint: (@Sendable (Int, WriteStep) -> Void)?

    /// One step of `write`, in the order they happen.
    public enum WriteStep: Hashable, Sendable, CustomStringConvertible {
        /// A temporary file for the file was created, still empty.
        case created(String)
        /// The temporary file holds the whole new contents, flushed.
        case written(String)
        /// About to rename the temporary file over the file.
        case renaming(String)
        /// Every file is renamed.
        case finished

        public var description: String {
            switch self {
            case .created(let path): return "created the temporary file of \(path)"
            case .written(let path): return "wrote the temporary file of \(path)"
            case .renaming(let path): return "renaming the temporary file over \(path)"
            case .finished: return "renamed every file"
            }
        }
    }

    public init(directory: String, checkpoint: (@Sendable (Int, WriteStep) -> Void)? = nil) {
        var directory = directory
        while directory.count > 1 && directory.hasSuffix("/") { directory.removeLast() }
        self.directory = directory.isEmpty ? "." : directory
        self.checkpoint = checkpoint
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

    /// The file's bytes on disk, or `nil` when it cannot be read, is not a
    /// regular file, or is reached through a symbolic link below the
    /// output folder.
    public func existing(_ file: GeneratedFile) -> Data? {
        let components = file.path.split(separator: "/").map(String.init)
        guard let name = components.last,
              let folder = try? OutputFolder.open(directory).subfolder(Array(components.dropLast())) else { return nil }
        return folder.read(name)
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

    /// Writes every file that is not current, as the type's comment says;
    /// on any error before the renames nothing is changed.
    public func write(_ files: [GeneratedFile]) throws(GenerateError) -> [(file: GeneratedFile, outcome: Outcome)] {
        let stale = files.filter { !isCurrent($0) }
        defer { removeTemporariesOfEndedRuns(files) }
        guard let first = stale.first else {
            return files.map { ($0, .unchanged) }
        }
        var createdPaths: [String] = []
        var createdFolders: [(parent: OutputFolder, name: String)] = []
        var folders: [String: OutputFolder] = [:]
        var temporaries: [(temporary: TemporaryFile, destination: String)] = []
        func undo() {
            for entry in temporaries { unlinkat(entry.temporary.folder.descriptor, entry.temporary.name, 0) }
            for entry in createdFolders.reversed() { unlinkat(entry.parent.descriptor, entry.name, AT_REMOVEDIR) }
            for path in createdPaths.reversed() { rmdir(path) }
        }
        let root: OutputFolder
        do throws(GenerateError) {
            root = try OutputFolder.open(directory, create: true, created: &createdPaths)
        } catch {
            undo()
            throw GenerateError("cannot write \(displayPath(first)): \(error.message); nothing was written")
        }
        let pid = ProcessInfo.processInfo.processIdentifier
        var steps = 0
        func reached(_ step: WriteStep) {
            checkpoint?(steps, step)
            steps += 1
        }
        for file in stale {
            let destination = displayPath(file)
            do throws(GenerateError) {
                let components = file.path.split(separator: "/").map(String.init)
                guard let name = components.last else { throw GenerateError("empty file name") }
                let key = components.dropLast().joined(separator: "/")
                let folder: OutputFolder
                if let known = folders[key] {
                    folder = known
                } else {
                    folder = try root.subfolder(Array(components.dropLast()), create: true, created: &createdFolders)
                    folders[key] = folder
                }
                let temporary = try folder.createExclusive(prefix: ".\(name).migfsm-\(pid)-", suffix: ".tmp")
                temporaries.append((temporary, destination))
                reached(.created(destination))
                try temporary.write(Array(file.contents.utf8))
                reached(.written(destination))
            } catch {
                undo()
                throw GenerateError("cannot write \(destination): \(error.message); nothing was written")
            }
        }
        for (index, entry) in temporaries.enumerated() {
            reached(.renaming(entry.destination))
            let folder = entry.temporary.folder.descriptor
            let name = String(entry.destination.split(separator: "/").last ?? "")
            if renameat(folder, entry.temporary.name, folder, name) != 0 {
                let reason = OutputFolder.lastError()
                for rest in temporaries[index...] { unlinkat(rest.temporary.folder.descriptor, rest.temporary.name, 0) }
                let done = temporaries[..<index].map(\.destination)
                throw GenerateError("cannot replace \(entry.destination): \(reason)"
                    + (done.isEmpty ? "; nothing was written" : "; already replaced: " + done.joined(separator: ", ")))
            }
        }
        // The renames reach the disk with their folders.
        for folder in folders.values { fsync(folder.descriptor) }
        reached(.finished)
        let staleSet = Set(stale.map(\.path))
        return files.map { ($0, staleSet.contains($0.path) ? .written : .unchanged) }
    }

    /// Removes, in the folders of `files`, the temporary files of runs
    /// that were killed before their renames (`OutputFolder`).
    func removeTemporariesOfEndedRuns(_ files: [GeneratedFile]) {
        var names: [[String]: Set<String>] = [:]
        for file in files {
            let components = file.path.split(separator: "/").map(String.init)
            guard let name = components.last else { continue }
            names[Array(components.dropLast()), default: []].insert(name)
        }
        guard let root = try? OutputFolder.open(directory) else { return }
        for (components, files) in names {
            (try? root.subfolder(components))?.removeTemporariesOfEndedRuns(for: files)
        }
    }
}
