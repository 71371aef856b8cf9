import Foundation
import VFIOMigrationFSM
import XCTest
@testable import MigFSM

/// The generated `VFIOMigrationFSM` target, built by this package, against
/// the proven lookup and the model over the same space as the C harness.
final class EmitSwiftModuleTests: XCTestCase {
    let model = Repository.vfio
    lazy var paths = ProtocolPaths(model: model)

    func testRawLookupAgreesWithProvenLookupAndModel() throws {
        let kernel = try XCTUnwrap(KernelTable(paths: XCTUnwrap(paths.full)))
        let flagsValues: [UInt32] = Array(0...15) + [0x8000_0001, .max]
        let stateValues: [UInt32] = Array(0...9) + [255, 256, .max]
        var mismatches: [String] = []
        for flags in flagsValues {
            for current in stateValues {
                for target in stateValues {
                    let swift = MigrationFSM.nextState(migrationFlags: flags, current: current, target: target)
                    guard let proven = generatedNextState(kernel, flags: flags, current: current, target: target) else {
                        mismatches.append("\(flags) \(current) \(target): generatedLookup does not end")
                        continue
                    }
                    let expected = modelNextState(model, paths, flags: flags, current: current, target: target)
                    if swift != proven || swift != expected {
                        mismatches.append("\(flags) \(current) \(target): module \(String(describing: swift)), "
                            + "proven \(String(describing: proven)), model \(String(describing: expected))")
                    }
                }
            }
        }
        XCTAssert(mismatches.isEmpty, mismatches.prefix(20).joined(separator: "\n"))
    }

    func testStatesAndFeaturesMatchTheSpec() {
        XCTAssertEqual(MigrationState.allCases.map(\.description), model.statesByValue.map { model.states[$0].name })
        XCTAssertEqual(MigrationState.allCases.map(\.rawValue), model.statesByValue.map { model.states[$0].value })
        for state in MigrationState.allCases {
            let spec = model.states[model.id(state.description)]
            XCTAssertEqual(state.neededFeatures.rawValue, spec.needs.rawValue, "\(state)")
            XCTAssertEqual(state.isError, spec.isError, "\(state)")
        }
        XCTAssertEqual(MigrationState.resetState, .running)
        XCTAssertEqual(MigrationState.runningP2P.rawValue, 5)
        XCTAssertEqual(MigrationFeatures.validSets.map(\.rawValue), model.validFeatureSets.map(\.rawValue))
        XCTAssertEqual(MigrationFeatures([.stopCopy, .p2p]).description, "{STOP_COPY, P2P}")
        XCTAssertEqual(MigrationFeatures.preCopy.rawValue, 4)
        XCTAssertFalse(MigrationFeatures.p2p.isValid)
        XCTAssertEqual(MigrationFSM.blockedRequests.map(\.description), ["STOP_COPY -> PRE_COPY", "STOP_COPY -> PRE_COPY_P2P"])
    }

    func testArcsAndPathsPerFeatureSet() throws {
        for table in paths.tables {
            let features = MigrationFeatures(rawValue: table.features.rawValue)
            XCTAssertEqual(MigrationFSM.requiredArcs(features).map(\.description),
                           table.requiredArcs.map { model.describe($0) }, "\(features)")
            XCTAssertEqual(MigrationFSM.combinationTransitions(features).map { $0.map(\.description).joined(separator: " -> ") },
                           table.combinationPaths.map { model.describe(path: $0) }, "\(features)")
            XCTAssertEqual(MigrationFSM.supportedStates(features).map(\.description),
                           table.supportedStates.map { model.states[$0].name })
            for from in MigrationState.allCases {
                for to in MigrationState.allCases {
                    let expected = table.path(from: model.id(from.description), to: model.id(to.description))
                    XCTAssertEqual(MigrationFSM.path(from: from, to: to, features: features)?.map(\.description),
                                   expected?.map { model.states[$0].name }, "\(features) \(from) -> \(to)")
                }
            }
        }
        XCTAssertEqual(MigrationFSM.path(from: .running, to: .stopCopy, features: [.stopCopy])?.map(\.description),
                       ["RUNNING", "STOP", "STOP_COPY"])
        XCTAssertNil(MigrationFSM.nextState(from: .stopCopy, to: .preCopy, features: [.stopCopy, .preCopy]))
        XCTAssertEqual(MigrationFSM.requiredArcs(.p2p), [])
    }

    /// The README's examples.
    func testReadmeExamples() {
        let features: MigrationFeatures = [.stopCopy, .p2p]
        XCTAssertEqual(MigrationFSM.nextState(from: .running, to: .stopCopy, features: features), .runningP2P)
        XCTAssertEqual(MigrationFSM.path(from: .running, to: .stopCopy, features: features),
                       [.running, .runningP2P, .stop, .stopCopy])
        XCTAssertEqual(MigrationFSM.requiredArcs(features).prefix(2).map(\.description), ["STOP -> STOP_COPY", "STOP -> RESUMING"])
        XCTAssertEqual(MigrationFSM.combinationTransitions(features).first, [.resuming, .stop, .runningP2P])
        XCTAssertNil(MigrationFSM.nextState(migrationFlags: 7, current: 3, target: 6))
    }
}
