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
    runCLI(arguments)
}

/// Runs the CLI in-process with an argument list built at run time.
func runCLI(_ arguments: [String]) -> (status: ExitStatus, out: String, err: String) {
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

/// Facts from the seeds that several tests compare against.
enum Oracles {
    /// The combination transitions the uAPI comment lists with all features
    /// (seed 001; DOMAIN.md section 4), one per line, in its order.
    static let allFeaturesCombinationTransitions = """
        PRE_COPY -> PRE_COPY_P2P -> STOP_COPY
        PRE_COPY -> RUNNING -> RUNNING_P2P
        PRE_COPY -> RUNNING -> RUNNING_P2P -> STOP
        PRE_COPY -> RUNNING -> RUNNING_P2P -> STOP -> RESUMING
        PRE_COPY_P2P -> RUNNING_P2P -> RUNNING
        PRE_COPY_P2P -> RUNNING_P2P -> STOP
        PRE_COPY_P2P -> RUNNING_P2P -> STOP -> RESUMING
        RESUMING -> STOP -> RUNNING_P2P
        RESUMING -> STOP -> RUNNING_P2P -> PRE_COPY_P2P
        RESUMING -> STOP -> RUNNING_P2P -> RUNNING
        RESUMING -> STOP -> RUNNING_P2P -> RUNNING -> PRE_COPY
        RESUMING -> STOP -> STOP_COPY
        RUNNING -> RUNNING_P2P -> PRE_COPY_P2P
        RUNNING -> RUNNING_P2P -> STOP
        RUNNING -> RUNNING_P2P -> STOP -> RESUMING
        RUNNING -> RUNNING_P2P -> STOP -> STOP_COPY
        RUNNING_P2P -> RUNNING -> PRE_COPY
        RUNNING_P2P -> STOP -> RESUMING
        RUNNING_P2P -> STOP -> STOP_COPY
        STOP -> RUNNING_P2P -> PRE_COPY_P2P
        STOP -> RUNNING_P2P -> RUNNING
        STOP -> RUNNING_P2P -> RUNNING -> PRE_COPY
        STOP_COPY -> STOP -> RESUMING
        STOP_COPY -> STOP -> RUNNING_P2P
        STOP_COPY -> STOP -> RUNNING_P2P -> RUNNING

        """
}

/// Small specs several tests write to files.
enum TinySpecs {
    /// Two states and their arcs, named `protocol`: proven by `check`,
    /// but with C names other than the VFIO uAPI's.
    static func twoStates(_ name: String = "tiny") -> String {
        """
        protocol \(name)
        feature STOP_COPY = 1 << 0 mandatory
        state ERROR = 0 error
        state STOP = 1 needs STOP_COPY
        state RUNNING = 2 needs STOP_COPY reset
        RUNNING -> STOP
        STOP -> RUNNING
        path shortest

        """
    }

    /// `twoStates` with an invariant that fails at line 9: RUNNING -> RUNNING
    /// walks no path.
    static let unproven = twoStates("broken") + "invariant path RUNNING -> STOP -> RUNNING\n"
}
