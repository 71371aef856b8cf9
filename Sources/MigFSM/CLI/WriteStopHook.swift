import Foundation

/// A test hook of `generate`: with `MIGFSM_TEST_STOP_WRITE_AT=K` in the
/// environment, the writer stops at step K of its write (from 0; the steps
/// are `GeneratedFileWriter.WriteStep`), says so on standard error
///
///     migfsm: stopped at write step 3: wrote the temporary file of Generated/C/vfio_mig_fsm.h
///
/// and waits there until killed. The robustness tests kill it at every
/// step and look at what is left; nothing else sets the variable.
enum WriteStopHook {
    static let variable = "MIGFSM_TEST_STOP_WRITE_AT"

    /// The writer's checkpoint for `environment`, or `nil` without the
    /// variable (or with a value that is not a step number).
    static func checkpoint(_ environment: [String: String]) -> (@Sendable (Int, GeneratedFileWriter.WriteStep) -> Void)? {
        guard let value = environment[variable], let stop = Int(value), stop >= 0 else { return nil }
        return { index, step in
            guard index == stop else { return }
            _ = StandardStreams.writeAll(Array("migfsm: stopped at write step \(index): \(step)\n".utf8), to: STDERR_FILENO)
            while true { pause() }
        }
    }

    /// The checkpoint this process's environment asks for.
    static func checkpointOfThisProcess() -> (@Sendable (Int, GeneratedFileWriter.WriteStep) -> Void)? {
        checkpoint(ProcessInfo.processInfo.environment)
    }
}
