import Foundation

/// An open folder of `generate`'s output, by file descriptor, so that every
/// file below it is reached relative to it (`openat`, `renameat`) and no
/// symbolic link there is followed: what `GeneratedFileWriter` writes with.
///
///     let root = try OutputFolder.open("Generated", create: true)
///     let c = try root.subfolder(["C"], create: true).folder
///     let temporary = try c.createExclusive(prefix: ".vfio_mig_fsm.h.migfsm-42-", suffix: ".tmp")
///
/// The descriptor is closed when the last reference goes.
final class OutputFolder {
    let descriptor: Int32
    /// The folder as the user sees it, for messages: `Generated/C`.
    let path: String

    private init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    deinit {
        Foundation.close(descriptor)
    }

    static func lastError() -> String {
        String(cString: strerror(errno))
    }

    /// Opens the output folder the user named, following it if it is a
    /// symbolic link; with `create`, makes it and its missing parents first
    /// (`mkdir -p`), adding each folder made to `created`.
    static func open(_ path: String, create: Bool, created: inout [String]) throws(GenerateError) -> OutputFolder {
        if create { try makeDirectories(path, created: &created) }
        let descriptor = Foundation.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw GenerateError(errno == ENOTDIR ? "\(path) is not a folder" : "cannot open folder \(path): \(lastError())")
        }
        return OutputFolder(descriptor: descriptor, path: path)
    }

    static func open(_ path: String) throws(GenerateError) -> OutputFolder {
        var created: [String] = []
        return try open(path, create: false, created: &created)
    }

    /// `mkdir -p`, recording the folders it made.
    private static func makeDirectories(_ path: String, created: inout [String]) throws(GenerateError) {
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

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// The folder `components` below this one, each step refusing a
    /// symbolic link; with `create`, making the missing ones, each added to
    /// `created` with the folder it was made in.
    func subfolder(
        _ components: [String], create: Bool, created: inout [(parent: OutputFolder, name: String)]
    ) throws(GenerateError) -> OutputFolder {
        var folder = self
        for name in components {
            let path = folder.path == "." ? name : folder.path + "/" + name
            // Generated paths never leave the output folder.
            if name.isEmpty || name == "." || name == ".." {
                throw GenerateError("\(path) is not a folder name below the output folder")
            }
            var info = stat()
            if fstatat(folder.descriptor, name, &info, AT_SYMLINK_NOFOLLOW) != 0 {
                guard create, errno == ENOENT else {
                    throw GenerateError("cannot open folder \(path): \(Self.lastError())")
                }
                guard mkdirat(folder.descriptor, name, 0o755) == 0 else {
                    throw GenerateError("cannot create folder \(path): \(Self.lastError())")
                }
                created.append((folder, name))
            } else if info.st_mode & S_IFMT == S_IFLNK {
                throw GenerateError("\(path) is a symbolic link; migfsm writes only into real folders below the output folder")
            } else if info.st_mode & S_IFMT != S_IFDIR {
                throw GenerateError("\(path) is not a folder")
            }
            let descriptor = openat(folder.descriptor, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard descriptor >= 0 else {
                throw GenerateError("cannot open folder \(path): \(Self.lastError())")
            }
            folder = OutputFolder(descriptor: descriptor, path: path)
        }
        return folder
    }

    func subfolder(_ components: [String]) throws(GenerateError) -> OutputFolder {
        var created: [(parent: OutputFolder, name: String)] = []
        return try subfolder(components, create: false, created: &created)
    }

    /// The bytes of the regular file `name`, not following a symbolic link;
    /// `nil` when there is none or it cannot be read.
    func read(_ name: String) -> Data? {
        let file = openat(descriptor, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard file >= 0 else { return nil }
        defer { Foundation.close(file) }
        var info = stat()
        guard fstat(file, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        var data = Data()
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { Foundation.read(file, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if count == 0 { return data }
            data.append(contentsOf: chunk[0..<count])
        }
    }

    /// A new, empty file named `prefix`, 16 random hex digits, `suffix`,
    /// created exclusively: never an existing file, never through a
    /// symbolic link (`O_CREAT | O_EXCL | O_NOFOLLOW`).
    func createExclusive(prefix: String, suffix: String) throws(GenerateError) -> TemporaryFile {
        var random = SystemRandomNumberGenerator()
        for _ in 0..<64 {
            let digits = String(random.next(), radix: 16)
            let name = prefix + String(repeating: "0", count: 16 - digits.count) + digits + suffix
            if let file = try createExclusive(named: name) { return file }
        }
        throw GenerateError("cannot create a file in \(path): 64 random names were all taken")
    }

    /// A new, empty file `name`, or `nil` when anything (a file, a folder,
    /// a symbolic link, dangling or not) is there already.
    func createExclusive(named name: String) throws(GenerateError) -> TemporaryFile? {
        let file = openat(descriptor, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        if file >= 0 { return TemporaryFile(folder: self, name: name, descriptor: file) }
        if errno == EEXIST { return nil }
        throw GenerateError("cannot create a file in \(path): \(Self.lastError())")
    }

    /// Removes the temporary files that runs no longer alive left for the
    /// files `names` (`.NAME.migfsm-PID-RANDOM.tmp`, or `.NAME.migfsm-PID.tmp`
    /// of earlier versions). A run killed before its renames leaves them;
    /// they are hidden and never read.
    func removeTemporariesOfEndedRuns(for names: Set<String>) {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: path) else { return }
        for entry in entries where entry.hasPrefix(".") && entry.hasSuffix(".tmp") {
            guard let marker = entry.range(of: ".migfsm-", options: .backwards) else { continue }
            let name = String(entry[entry.index(after: entry.startIndex)..<marker.lowerBound])
            guard names.contains(name) else { continue }
            let rest = entry[marker.upperBound...].dropLast(4)
            let fields = rest.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(fields.count), let pid = pid_t(fields[0]),
                  fields.count == 1 || (fields[1].count == 16 && fields[1].allSatisfy(\.isHexDigit)) else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH {
                unlinkat(descriptor, entry, 0)
            }
        }
    }
}
