// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "migfsm",
    products: [
        .library(name: "MigFSM", targets: ["MigFSM"]),
        .executable(name: "migfsm", targets: ["migfsm"]),
    ],
    targets: [
        .target(name: "MigFSM"),
        .executableTarget(name: "migfsm", dependencies: ["MigFSM"]),
        .executableTarget(
            name: "migfsm-bench", dependencies: ["MigFSM"], path: "bench/Sources"),
        .testTarget(name: "MigFSMTests", dependencies: ["MigFSM"]),
    ]
)
