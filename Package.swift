// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "migfsm",
    products: [
        .library(name: "MigFSM", targets: ["MigFSM"]),
        .executable(name: "migfsm", targets: ["migfsm"]),
        // The generated tables of Specs/vfio-v2.fsm: Swift users depend on
        // this, never on the generator.
        .library(name: "VFIOMigrationFSM", targets: ["VFIOMigrationFSM"]),
        .plugin(name: "GenerateMigrationTables", targets: ["GenerateMigrationTables"]),
    ],
    targets: [
        .target(name: "MigFSM"),
        .executableTarget(name: "migfsm", dependencies: ["MigFSM"]),
        // Input builders for the tests and the benchmarks (hostile specs,
        // large C files): never part of the product.
        .target(name: "MigFSMTestSupport", dependencies: ["MigFSM"]),
        .executableTarget(
            name: "migfsm-bench", dependencies: ["MigFSM", "MigFSMTestSupport"], path: "bench/Sources"),
        // Written by `migfsm generate Specs/vfio-v2.fsm`; never edited.
        .target(name: "VFIOMigrationFSM", path: "Generated/Swift"),
        .plugin(
            name: "GenerateMigrationTables",
            capability: .command(
                intent: .custom(
                    verb: "generate-migration-tables",
                    description: "Regenerate Generated/ from Specs/*.fsm with migfsm generate (--check: fail if stale)"),
                permissions: [
                    .writeToPackageDirectory(reason: "writes the generated C, Swift and JSON tables into Generated/"),
                ]),
            dependencies: ["migfsm"]),
        .testTarget(name: "MigFSMTests", dependencies: ["MigFSM", "MigFSMTestSupport", "VFIOMigrationFSM"]),
    ]
)
