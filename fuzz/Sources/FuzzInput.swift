import Foundation
import MigFSM

/// What every fuzz target shares: the fuzzer's bytes as reader input, and
/// the protocol the driver, C and audit readers read against.
enum FuzzInput {
    /// The path inputs are attributed to in diagnostics.
    static let path = "fuzz.input"

    /// The spec the readers that need a protocol read against: `$MIGFSM_SPEC`,
    /// set by `fuzz/run` to `Specs/vfio-v2.fsm`. Read once; a spec that does
    /// not load stops the run (the fuzzer would only test the error path).
    static let model: MigrationProtocol = {
        let path = ProcessInfo.processInfo.environment["MIGFSM_SPEC"] ?? "Specs/vfio-v2.fsm"
        do throws(DiagnosticList) {
            return try SpecReader.load(path: path)
        } catch {
            FileHandle.standardError.write(Data("fuzz: \(path) does not load:\n\(error.rendered)\n".utf8))
            exit(2)
        }
    }()

    /// The bytes as a checked text, or `nil` when `SourceText` refuses them
    /// (binary, invalid UTF-8): that refusal is itself exercised.
    static func text(_ data: UnsafeRawPointer, _ count: Int) -> SourceText? {
        let bytes = Array(UnsafeRawBufferPointer(start: data, count: count))
        do throws(Diagnostic) {
            return try SourceText(path: path, bytes: bytes)
        } catch {
            _ = error.rendered
            return nil
        }
    }
}
