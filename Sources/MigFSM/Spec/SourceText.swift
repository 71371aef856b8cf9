import Foundation

/// The bytes of one input file, checked to be UTF-8 text and split into
/// lines at LF, CR LF or CR.
///
/// Every reader (spec, driver, policy, C) starts here, so every reader
/// rejects a missing file, a directory, a FIFO, binary bytes and invalid
/// UTF-8 the same way, and reads `-` as standard input.
public struct SourceText: Sendable {
    /// The path as the user gave it; used in diagnostics, never made absolute.
    public let path: String
    /// The file's bytes.
    public let bytes: [UInt8]
    /// The byte range of each line, without its line terminator.
    public let lines: [Range<Int>]

    /// Files larger than this are refused before they are read.
    public static let maximumSize = 64 << 20

    /// The file name that means standard input, as in most Unix tools.
    public static let standardInputArgument = "-"
    /// How diagnostics name standard input.
    public static let standardInputName = "<stdin>"

    /// Reads and checks a file, or standard input for `-`. Throws a
    /// `Diagnostic` that names the file. Only regular files are read: a
    /// FIFO, socket or device is refused before anything is read from it,
    /// so a reader never blocks on one.
    public static func load(path: String) throws(Diagnostic) -> SourceText {
        if path == standardInputArgument {
            let bytes = try readAll(STDIN_FILENO, name: standardInputName)
            return try SourceText(path: standardInputName, bytes: bytes)
        }
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw .error(at: .file(path), errno == ENOENT || errno == ENOTDIR ? "no such file" : "cannot read the file: \(reason())")
        }
        try requireRegular(info, path)
        // O_NONBLOCK: should the path have become a FIFO since stat(), the
        // open returns at once, and fstat() below refuses it.
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw .error(at: .file(path), "cannot open the file for reading: \(reason())")
        }
        defer { close(descriptor) }
        guard fstat(descriptor, &info) == 0 else {
            throw .error(at: .file(path), "cannot read the file: \(reason())")
        }
        try requireRegular(info, path)
        return try SourceText(path: path, bytes: try readAll(descriptor, name: path))
    }

    /// Refuses anything but a regular file, naming what it is.
    private static func requireRegular(_ info: stat, _ path: String) throws(Diagnostic) {
        let kind: String
        switch info.st_mode & S_IFMT {
        case S_IFREG: return
        case S_IFDIR: throw .error(at: .file(path), "is a directory, not a file")
        case S_IFIFO: kind = "a FIFO (named pipe)"
        case S_IFSOCK: kind = "a socket"
        case S_IFCHR: kind = "a character device"
        case S_IFBLK: kind = "a block device"
        default: kind = "not a regular file"
        }
        throw .error(at: .file(path), "is \(kind), not a regular file; give a file, or '-' for standard input")
    }

    /// Every byte up to end of file, refusing more than `maximumSize`.
    private static func readAll(_ descriptor: Int32, name: String) throws(Diagnostic) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .error(at: .file(name), "cannot read the file: \(reason())")
            }
            if count == 0 { return bytes }
            bytes += chunk[0..<count]
            if bytes.count > maximumSize {
                throw .error(at: .file(name), "file is larger than \(maximumSize >> 20) MiB")
            }
        }
    }

    private static func reason() -> String {
        String(cString: strerror(errno))
    }

    /// Checks in-memory bytes, as if read from `path`.
    public init(path: String, bytes: [UInt8]) throws(Diagnostic) {
        self.path = path
        self.bytes = bytes
        var lines: [Range<Int>] = []
        var start = 0
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            // A line ends at LF, CR LF or a lone CR (old Mac files).
            if byte == 0x0A || byte == 0x0D {
                lines.append(start..<index)
                index += byte == 0x0D && index + 1 < count && bytes[index + 1] == 0x0A ? 2 : 1
                start = index
                continue
            }
            if byte == 0 {
                throw Self.error(path, lines.count, start, index,
                    "file contains a NUL byte; is it a binary file?")
            }
            if byte < 0x80 {
                index += 1
                continue
            }
            let length = Self.utf8SequenceLength(bytes, at: index)
            if length == 0 {
                let hex = String(byte, radix: 16, uppercase: false)
                throw Self.error(path, lines.count, start, index,
                    "file is not valid UTF-8 (byte 0x\(hex.count == 1 ? "0" + hex : hex))")
            }
            index += length
        }
        if start < count {
            lines.append(start..<count)
        }
        self.lines = lines
    }

    private static func error(
        _ path: String, _ lineIndex: Int, _ lineStart: Int, _ index: Int, _ message: String
    ) -> Diagnostic {
        .error(
            at: SourceLocation(file: path, line: lineIndex + 1, column: index - lineStart + 1),
            message)
    }

    /// The length of the well-formed UTF-8 sequence at `index`, or 0.
    private static func utf8SequenceLength(_ bytes: [UInt8], at index: Int) -> Int {
        let lead = bytes[index]
        let length: Int
        var lowest: UInt8 = 0x80
        var highest: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; lowest = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; highest = 0x9F
        case 0xF0: length = 4; lowest = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; highest = 0x8F
        default: return 0
        }
        guard index + length <= bytes.count else { return 0 }
        for offset in 1..<length {
            let byte = bytes[index + offset]
            let low: UInt8 = offset == 1 ? lowest : 0x80
            let high: UInt8 = offset == 1 ? highest : 0xBF
            if byte < low || byte > high { return 0 }
        }
        return length
    }

    /// The text of line `number` (1-based).
    public func line(_ number: Int) -> Substring {
        let range = lines[number - 1]
        return Substring(decoding: bytes[range], as: UTF8.self)
    }
}

extension SourceText {
    /// `load(path:)` for a reader: its error as the one-entry
    /// `DiagnosticList` every reader throws.
    public static func read(path: String) throws(DiagnosticList) -> SourceText {
        do {
            return try SourceText.load(path: path)
        } catch {
            throw DiagnosticList([error])
        }
    }

    /// In-memory text checked as if read from `path`, for a reader.
    public static func read(text: String, path: String) throws(DiagnosticList) -> SourceText {
        do {
            return try SourceText(path: path, bytes: Array(text.utf8))
        } catch {
            throw DiagnosticList([error])
        }
    }
}
