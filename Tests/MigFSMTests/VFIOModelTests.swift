import XCTest
@testable import MigFSM

/// The vfio-v2 spec states exactly the protocol of DOMAIN.md section 2.
final class VFIOModelTests: XCTestCase {
    let model = Repository.vfio

    func testStateValuesAreTheUAPIEnum() {
        let values = Dictionary(uniqueKeysWithValues: model.states.map { ($0.name, $0.value) })
        XCTAssertEqual(values, [
            "ERROR": 0, "STOP": 1, "RUNNING": 2, "STOP_COPY": 3, "RESUMING": 4,
            "RUNNING_P2P": 5, "PRE_COPY": 6, "PRE_COPY_P2P": 7,
        ])
    }

    func testFeatureFlagsAreTheUAPIBits() {
        XCTAssertEqual(model.features.map(\.name), ["STOP_COPY", "P2P", "PRE_COPY"])
        XCTAssertEqual(model.features.map(\.flag.rawValue), [1, 2, 4])
        XCTAssertEqual(model.features.map(\.isMandatory), [true, false, false])
    }

    func testStateMasksAreTheKernelsStateFlagsTable() {
        let masks = Dictionary(uniqueKeysWithValues: model.states.map { ($0.name, $0.needs.rawValue) })
        XCTAssertEqual(masks, [
            "ERROR": 0, "STOP": 1, "RUNNING": 1, "STOP_COPY": 1, "RESUMING": 1,
            "RUNNING_P2P": 3, "PRE_COPY": 5, "PRE_COPY_P2P": 7,
        ])
        XCTAssertEqual(model.states[model.errorState].name, "ERROR")
        XCTAssertEqual(model.states[model.resetState].name, "RUNNING")
    }

    func testTheValidFeatureSetsAreTheFourDefinedCombinations() {
        XCTAssertEqual(model.validFeatureSets.map(\.rawValue), [1, 3, 5, 7])
        for flags: UInt32 in [0, 2, 4, 6, 8, 9, 15] {
            XCTAssertFalse(model.isValid(FeatureSet(rawValue: flags)), "flags \(flags)")
        }
    }

    func testSessionsAndTheSavingGroup() {
        XCTAssertEqual(model.groups.map(\.name), ["saving"])
        XCTAssertEqual(Set(model.groups[0].members.map { model.states[$0].name }), ["PRE_COPY", "PRE_COPY_P2P", "STOP_COPY"])
        XCTAssertTrue(model.opensSession(Arc(model.id("STOP"), model.id("STOP_COPY"))))
        XCTAssertTrue(model.opensSession(Arc(model.id("RUNNING"), model.id("PRE_COPY"))))
        XCTAssertTrue(model.opensSession(Arc(model.id("STOP"), model.id("RESUMING"))))
        XCTAssertFalse(model.opensSession(Arc(model.id("PRE_COPY_P2P"), model.id("STOP_COPY"))))
        XCTAssertTrue(model.endsSession(Arc(model.id("RESUMING"), model.id("STOP"))))
        XCTAssertFalse(model.endsSession(Arc(model.id("PRE_COPY"), model.id("PRE_COPY_P2P"))))
    }

    func testTheFullGraphIsTheFifteenArcsOfTheUAPIComment() {
        let arcs = Set(model.arcs.map { model.describe($0) })
        XCTAssertEqual(arcs, [
            "RESUMING -> STOP", "STOP -> RESUMING", "STOP -> STOP_COPY", "STOP_COPY -> STOP",
            "RUNNING -> RUNNING_P2P", "RUNNING_P2P -> RUNNING", "RUNNING_P2P -> STOP", "STOP -> RUNNING_P2P",
            "PRE_COPY -> RUNNING", "PRE_COPY -> PRE_COPY_P2P", "PRE_COPY_P2P -> PRE_COPY",
            "PRE_COPY_P2P -> RUNNING_P2P", "PRE_COPY_P2P -> STOP_COPY", "RUNNING -> PRE_COPY",
            "RUNNING_P2P -> PRE_COPY_P2P",
        ])
        XCTAssertEqual(Set(model.blocked.map { model.describe($0) }), ["STOP_COPY -> PRE_COPY", "STOP_COPY -> PRE_COPY_P2P"])
    }

    func testTheShippedSpecsAreCanonical() throws {
        for spec in ["Specs/vfio-v2.fsm"] + (try proposals()) {
            let result = runCLI("fmt", "--check", Repository.path(spec))
            XCTAssertEqual(result.status, .success, "\(spec): \(result.err)")
        }
    }

    func proposals() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: Repository.path("Specs/proposals"))
            .filter { $0.hasSuffix(".fsm") }.sorted().map { "Specs/proposals/" + $0 }
    }

    func testTheProposalsLoad() throws {
        let names = try proposals()
        XCTAssertFalse(names.isEmpty)
        for name in names {
            XCTAssertNoThrow(try SpecReader.load(path: Repository.path(name)), name)
        }
    }
}
