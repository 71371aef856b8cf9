import XCTest
@testable import MigFSM

/// Where `explore`'s findings are placed, and violations of the very first
/// state.
final class ExploreFindingPlaceTests: XCTestCase {
    let model = Repository.vfio

    func driver(_ text: String) throws -> DriverDescription {
        try DriverReader.read(text: text, path: "t.driver", model: model)
    }

    /// A fault is placed at the line that declares the kind that fired:
    /// here `fault all error` (line 3), not the arc's own `swallowed` line.
    func testAFaultIsPlacedAtTheLineOfItsKind() throws {
        let text = """
            flags STOP_COPY
            arc required
            fault all error
            fault STOP -> RUNNING swallowed
            quirk STOP -> RUNNING ignores-hardware-failure
            """
        let report = try XCTUnwrap(ExploreReport.explore(
            model: model, driver: try driver(text), driverPath: "t.driver", featureSets: [model.set("STOP_COPY")]))
        let findings = report.findings
        XCTAssertEqual(findings.map(\.kind), ["hardware-matches-recorded"])
        XCTAssertEqual(findings.first?.location.line, 5, "the quirk")
        XCTAssertEqual(findings.first?.related.map(\.location.line), [3])
        XCTAssertEqual(findings.first?.related.map(\.message), ["the injected fault"])
        // The same trace with the swallowed kind: its own line.
        let swallowed = try XCTUnwrap(ExploreReport.explore(
            model: model, driver: try driver("flags STOP_COPY\narc required\nfault all error\nfault STOP -> RUNNING swallowed"),
            driverPath: "t.driver", featureSets: [model.set("STOP_COPY")]))
        XCTAssertEqual(swallowed.findings.map(\.location.line), [4])
    }

    /// With several devices a finding with no quirk, effect or fault goes to
    /// the acting device's `flags` line, as with one.
    func testWithoutACauseTheFlagsLineOfTheActingDevice() throws {
        let text = "# a driver missing an arc\nflags STOP_COPY\narc STOP -> STOP_COPY\narc STOP_COPY -> STOP\narc RUNNING -> STOP\n"
        let one = try XCTUnwrap(ExploreReport.explore(
            model: model, driver: try driver(text), driverPath: "t.driver", featureSets: [model.set("STOP_COPY")]))
        XCTAssertEqual(one.findings.map(\.kind), ["driver-arcs-implemented"])
        XCTAssertEqual(one.findings.map(\.location.line), [2])
        let setup = DeviceSetup(driver: try driver(text), driverPath: "t.driver", features: model.set("STOP_COPY"))
        let explorer = try XCTUnwrap(MultiExplorer(model: model, devices: [setup, setup], policy: nil))
        let report = MultiReport(explorer: explorer, policyPath: nil, maxStates: nil, exploration: explorer.run())
        XCTAssertEqual(report.findings.map(\.kind), ["driver-arcs-implemented"])
        XCTAssertEqual(report.findings.map(\.location.file), ["t.driver"])
        XCTAssertEqual(report.findings.map(\.location.line), [2])
    }

    /// A destination VM declared running before anything was loaded breaks
    /// loaded-before-run in its first state: the trace is empty, whether
    /// or not a step of the policy ever applies.
    func testTheFirstStateIsChecked() throws {
        for step in ["main STOP recover ERROR", "main STOP with PRE_COPY recover ERROR"] {
            let policy = try PolicyReader.read(text: "role destination\nvm running\nevent e\n\(step)\n", path: "p.policy", model: model)
            let setup = DeviceSetup(driver: .standard(featureSets: model.validFeatureSets), driverPath: nil,
                                    features: model.set("STOP_COPY"))
            for symmetry in [false, true] {
                let explorer = try XCTUnwrap(MultiExplorer(model: model, devices: [setup], policy: policy, symmetry: symmetry))
                let run = explorer.run()
                let found = try XCTUnwrap(run.counterexamples.first { $0.property == .loadedBeforeRun }, step)
                XCTAssertEqual(found.steps.count, 0, step)
                XCTAssertEqual(found.message, "the VM runs while device 1 holds no migrated state (never loaded, or reset since)", step)
            }
        }
    }
}
