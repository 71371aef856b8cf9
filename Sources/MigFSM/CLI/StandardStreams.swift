import Foundation

/// The process's standard output and error, written so that a failed write
/// is an I/O error like any other, never a trap: output to `/dev/full`, to a
/// closed descriptor (`migfsm check S >&-`), past a file-size limit
/// (`ulimit -f 0`) or into a pipe whose reader has gone while SIGPIPE is
/// ignored ends with a message on standard error (if that still works) and
/// exit status 1.
///
///     let streams = StandardStreams.open()
///     exit(streams.write(output, status: status).rawValue)
public struct StandardStreams: Sendable {
    /// The descriptors 0, 1 and 2 that were closed when the process started.
    /// Each is held open on /dev/null, so no file the command opens can
    /// take its number and receive its output by accident.
    public let closedAtStart: Set<Int32>

    /// Prepares the streams before a command runs: holds closed standard
    /// descriptors on /dev/null, and ignores SIGXFSZ, so that writing past
    /// a file-size limit fails with EFBIG (reported) instead of killing the
    /// process with a core dump.
    public static func open() -> StandardStreams {
        signal(SIGXFSZ, SIG_IGN)
        var closed: Set<Int32> = []
        for descriptor in [STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO] where fcntl(descriptor, F_GETFD) == -1 {
            closed.insert(descriptor)
            let placeholder = Foundation.open("/dev/null", descriptor == STDIN_FILENO ? O_RDONLY : O_WRONLY)
            if placeholder >= 0 && placeholder != descriptor {
                dup2(placeholder, descriptor)
                close(placeholder)
            }
        }
        return StandardStreams(closedAtStart: closed)
    }

    /// Writes what the command printed: standard output, then standard
    /// error. Returns `status`, or `.failure` when a write failed, after
    /// saying so on standard error if it can.
    public func write(_ output: CommandOutput, status: ExitStatus) -> ExitStatus {
        var failure: String?
        if let reason = send(output.standardOutput, to: STDOUT_FILENO) {
            failure = "migfsm: error: cannot write to standard output: \(reason)\n"
        }
        let errorFailed = send(output.standardError + (failure ?? ""), to: STDERR_FILENO) != nil
        return failure != nil || errorFailed ? .failure : status
    }

    /// Writes `text` whole to `descriptor`; the reason when it cannot.
    public func send(_ text: String, to descriptor: Int32) -> String? {
        if text.isEmpty { return nil }
        if closedAtStart.contains(descriptor) {
            return "the descriptor is closed"
        }
        return Self.writeAll(Array(text.utf8), to: descriptor)
    }

    /// `write(2)` until every byte is out, retrying on EINTR; the reason
    /// (`strerror`) of the first failure, or `nil`.
    static func writeAll(_ bytes: [UInt8], to descriptor: Int32) -> String? {
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return String(cString: strerror(errno))
            }
            if count == 0 { return "nothing could be written" }
            offset += count
        }
        return nil
    }
}
