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
                    let swift = try? MigrationFSM.nextState(migrationFlags: flags, current: current, target: target).get()
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

    /// Each refusal says why, in the order the kernel checks.
    func testRefusalsSayWhy() {
        let all = MigrationFeatures.declared.rawValue
        XCTAssertEqual(MigrationFSM.nextState(migrationFlags: all, current: 8, target: 1), .failure(.currentOutOfRange))
        XCTAssertEqual(MigrationFSM.nextState(migrationFlags: 1, current: 5, target: 1), .failure(.currentNotSupported))
        XCTAssertEqual(MigrationFSM.nextState(migrationFlags: 1, current: 0, target: 9), .failure(.currentNotSupported))
        XCTAssertEqual(MigrationFSM.nextState(migrationFlags: all, current: 1, target: .max), .failure(.targetOutOfRange))
        XCTAssertEqual(MigrationFSM.nextState(migrationFlags: all, current: 1, target: 0), .failure(.targetNotSupported))
        XCTAssertEqual(MigrationFSM.nextState(migrationFlags: all, current: 3, target: 6), .failure(.blocked))
        // All 32 bits make even ERROR's mask fit: the table still refuses.
        XCTAssertEqual(MigrationFSM.nextState(migrationFlags: .max, current: 0, target: 1), .failure(.blocked))
        XCTAssertEqual(MigrationFSM.nextState(from: .stopCopy, to: .preCopy, features: [.stopCopy, .preCopy]),
                       .failure(.blocked))
        XCTAssertEqual(MigrationFSM.path(from: .running, to: .preCopy, features: [.stopCopy]),
                       .failure(.targetNotSupported))
        XCTAssertEqual(MigrationRefusal.blocked.description, "the request is blocked")
    }

    func testStatesAndFeaturesMatchTheSpec() {
        XCTAssertEqual(MigrationState.allCases.map(\.description), model.statesByValue.map { model.states[$0].name })
        XCTAssertEqual(MigrationState.allCases.map(\.rawValue), model.statesByValue.map { model.states[$0].value })
        for state in MigrationState.allCases {
            let spec = model.states[model.id(state.description)]
            XCTAssertEqual(state.neededFeatures.rawValue, spec.isError ? ~0 : spec.needs.rawValue, "\(state)")
            XCTAssertEqual(state.isError, spec.isError, "\(state)")
            XCTAssertEqual(MigrationState(name: state.description), state)
        }
        XCTAssertNil(MigrationState(name: "RUNNING_P3P"))
        XCTAssertEqual(MigrationState.resetState, .running)
        XCTAssertEqual(MigrationState.runningP2P.rawValue, 5)
        XCTAssertEqual(MigrationState.allCases.sorted(by: >).first, .preCopyP2P)
        XCTAssert(MigrationState.stop < MigrationState.running)
        XCTAssertEqual(MigrationFeatures.validSets.map(\.rawValue), model.validFeatureSets.map(\.rawValue))
        XCTAssertEqual(MigrationFeatures([.stopCopy, .p2p]).description, "{STOP_COPY, P2P}")
        XCTAssertEqual(MigrationFeatures(rawValue: 9).description, "{STOP_COPY, 0x8}")
        XCTAssertEqual(MigrationFeatures(rawValue: 0x8000_0004).description, "{PRE_COPY, 0x80000000}")
        XCTAssertEqual(MigrationFeatures.declared.rawValue, 7)
        XCTAssertEqual(MigrationFeatures.preCopy.rawValue, 4)
        XCTAssertFalse(MigrationFeatures.p2p.isValid)
        XCTAssertEqual(MigrationFSM.blockedRequests.map(\.description), ["STOP_COPY -> PRE_COPY", "STOP_COPY -> PRE_COPY_P2P"])
    }

    /// No feature set supports ERROR, not even one with every bit set.
    func testNoFeatureSetSupportsTheErrorState() {
        for features in MigrationFeatures.validSets + [MigrationFeatures(rawValue: .max)] {
            XCTAssertFalse(features.supports(.error), "\(features)")
            XCTAssertFalse(MigrationFSM.supportedStates(for: features).contains(.error))
        }
        XCTAssertEqual(MigrationState.error.neededFeatures.rawValue, 0xFFFF_FFFF)
        XCTAssertFalse(MigrationFeatures(rawValue: .max).supports(.running), "not a valid set")
    }

    func testArcsAndPathsPerFeatureSet() throws {
        for table in paths.tables {
            let features = MigrationFeatures(rawValue: table.features.rawValue)
            XCTAssertEqual(MigrationFSM.requiredArcs(for: features).map(\.description),
                           table.requiredArcs.map { model.describe($0) }, "\(features)")
            XCTAssertEqual(MigrationFSM.combinationTransitions(for: features).map { $0.map(\.description).joined(separator: " -> ") },
                           table.combinationPaths.map { model.describe(path: $0) }, "\(features)")
            XCTAssertEqual(MigrationFSM.supportedStates(for: features).map(\.description),
                           table.supportedStates.map { model.states[$0].name })
            for from in MigrationState.allCases {
                for to in MigrationState.allCases {
                    let expected = table.path(from: model.id(from.description), to: model.id(to.description))
                    let path = try? MigrationFSM.path(from: from, to: to, features: features).get()
                    XCTAssertEqual(path?.map(\.description), expected?.map { model.states[$0].name }, "\(features) \(from) -> \(to)")
                }
            }
        }
        XCTAssertEqual(MigrationFSM.path(from: .running, to: .stopCopy, features: [.stopCopy]),
                       .success([.running, .stop, .stopCopy]))
        XCTAssertEqual(MigrationFSM.requiredArcs(for: .p2p), [])
    }

    /// The docs' examples.
    func testDocumentedExamples() {
        let features: MigrationFeatures = [.stopCopy, .p2p]
        XCTAssertEqual(MigrationFSM.nextState(from: .running, to: .stopCopy, features: features), .success(.runningP2P))
        XCTAssertEqual(MigrationFSM.path(from: .running, to: .stopCopy, features: features),
                       .success([.running, .runningP2P, .stop, .stopCopy]))
        XCTAssertEqual(MigrationFSM.requiredArcs(for: features).prefix(2).map(\.description), ["STOP -> STOP_COPY", "STOP -> RESUMING"])
        XCTAssertEqual(MigrationFSM.combinationTransitions(for: features).first, [.resuming, .stop, .runningP2P])
        XCTAssertEqual(MigrationFSM.nextState(migrationFlags: 7, current: 3, target: 6), .failure(.blocked))
        // The kernel ignores bit 3; so does the module.
        XCTAssertEqual(MigrationFSM.nextState(migrationFlags: 0b1011, current: 2, target: 3), .success(5))
        XCTAssertEqual(MigrationFSM.table.count, 64)
        XCTAssertEqual(MigrationFSM.stateFlags, [0xFFFF_FFFF, 1, 1, 1, 1, 3, 5, 7])
    }

    /// Every public symbol of the module, enum cases included, has a doc
    /// comment right above it.
    func testEveryPublicSymbolIsDocumented() {
        let lines = vfioGenerated.contents("Swift/VFIOMigrationFSM.swift").components(separatedBy: "\n")
        var undocumented: [String] = []
        var declarations = 0
        var inPrivateEnum = false
        for (index, line) in lines.enumerated() {
            let code = line.trimmingCharacters(in: .whitespaces)
            // The cases of an enum that is not public are not public.
            if code.hasPrefix("enum ") { inPrivateEnum = true }
            if inPrivateEnum {
                if code == "}" { inPrivateEnum = false }
                continue
            }
            let isCase = code.hasPrefix("case ") && !code.contains(":") && !code.contains("(")
            guard code.hasPrefix("public ") || isCase else { continue }
            declarations += 1
            if index == 0 || !lines[index - 1].trimmingCharacters(in: .whitespaces).hasPrefix("///") {
                undocumented.append("line \(index + 1): \(code)")
            }
        }
        XCTAssertGreaterThan(declarations, 60)
        XCTAssertEqual(undocumented, [])
    }

    /// The module's Codable types read the committed table JSON, and what
    /// they read is the model.
    func testDocumentTypesDecodeTheTableJSON() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Repository.path("Generated/vfio-v2.json")))
        let document = try JSONDecoder().decode(MigrationTableDocument.self, from: data)
        XCTAssertEqual(document.formatVersion, 1)
        XCTAssertEqual(document.protocolName, "vfio-v2")
        XCTAssertEqual(document.states.map(\.name), MigrationState.allCases.map(\.description))
        XCTAssertEqual(document.states.map(\.value), MigrationState.allCases.map(\.rawValue))
        XCTAssertEqual(document.states.map(\.mask), MigrationFSM.stateFlags)
        XCTAssertEqual(document.states.filter(\.error).map(\.name), ["ERROR"])
        XCTAssertEqual(document.states.filter(\.reset).map(\.name), ["RUNNING"])
        XCTAssertEqual(document.states.compactMap(\.session), ["saving", "resuming", "saving", "saving"])
        XCTAssertEqual(document.features.map(\.flag), [1, 2, 4])
        XCTAssertEqual(document.errorState, "ERROR")
        XCTAssertEqual(document.resetState, "RUNNING")
        XCTAssertEqual(document.groups.map(\.name), ["saving"])
        XCTAssertEqual(document.groups.map(\.states), [["PRE_COPY", "PRE_COPY_P2P", "STOP_COPY"]])
        XCTAssertEqual(document.blocked, [["STOP_COPY", "PRE_COPY"], ["STOP_COPY", "PRE_COPY_P2P"]])
        XCTAssertEqual(document.featureSets.map(\.flags), MigrationFeatures.validSets.map(\.rawValue))
        for set in document.featureSets {
            let features = MigrationFeatures(rawValue: set.flags)
            for (from, row) in set.next {
                for (to, next) in row {
                    let lookup = try? MigrationFSM.nextState(
                        from: XCTUnwrap(MigrationState(name: from)), to: XCTUnwrap(MigrationState(name: to)),
                        features: features).get()
                    XCTAssertEqual(lookup?.description, next, "\(features) \(from) -> \(to)")
                }
            }
        }
    }
}
