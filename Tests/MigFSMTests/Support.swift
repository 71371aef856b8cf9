import Foundation
@testable import MigFSM

/// Where the package's files are, found from this source file, so tests run
/// from any working directory.
enum Repository {
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func path(_ relative: String) -> String {
        root.appendingPathComponent(relative).path
    }

    /// The vfio-v2 spec, read once.
    static let vfio: MigrationProtocol = {
        do throws(DiagnosticList) {
            return try SpecReader.load(path: path("Specs/vfio-v2.fsm"))
        } catch {
            fatalError("Specs/vfio-v2.fsm does not load:\n\(error.rendered)")
        }
    }()
}

extension MigrationProtocol {
    /// The state named `name`; traps in tests on a typo.
    func id(_ name: String) -> StateID {
        guard let id = stateID(named: name) else { fatalError("no state \(name)") }
        return id
    }

    func set(_ names: String...) -> FeatureSet {
        guard let set = featureSet(named: names) else { fatalError("bad features \(names)") }
        return set
    }
}

/// Runs the CLI in-process.
func runCLI(_ arguments: String...) -> (status: ExitStatus, out: String, err: String) {
    var output = CommandOutput()
    let status = CommandLineTool.run(arguments, output: &output)
    return (status, output.standardOutput, output.standardError)
}

/// Parses spec text; returns the rendered diagnostics, or "" when it is valid.
func diagnostics(_ text: String, path: String = "t.fsm") -> String {
    do throws(DiagnosticList) {
        _ = try SpecReader.read(text: text, path: path)
        return ""
    } catch {
        return error.rendered
    }
}
