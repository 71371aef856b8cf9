import Foundation
import PackagePlugin

/// `swift package generate-migration-tables [--check]`: runs
/// `migfsm generate` for every `Specs/*.fsm` of the package, writing into
/// `Generated/` (or, with `--check`, failing with a diff when a generated
/// file is stale).
@main
struct GenerateMigrationTables: CommandPlugin {
    func performCommand(context: PluginContext, arguments: [String]) async throws {
        let check = arguments.contains("--check")
        let unknown = arguments.filter { $0 != "--check" }
        guard unknown.isEmpty else {
            throw PluginError("unknown argument \(unknown[0]); usage: generate-migration-tables [--check]")
        }
        let package = context.package.directoryURL
        let specs = try FileManager.default.contentsOfDirectory(atPath: package.appendingPathComponent("Specs").path)
            .filter { $0.hasSuffix(".fsm") }
            .sorted()
        guard !specs.isEmpty else { throw PluginError("no Specs/*.fsm in \(package.path)") }
        let tool = try context.tool(named: "migfsm")
        var failed: [String] = []
        for spec in specs {
            // Relative paths, so the banners name Specs/NAME.fsm.
            let process = Process()
            process.executableURL = tool.url
            process.currentDirectoryURL = package
            process.arguments = ["generate", "Specs/\(spec)", "--out", "Generated"] + (check ? ["--check"] : [])
            try process.run()
            process.waitUntilExit()
            if process.terminationStatus != 0 { failed.append("Specs/\(spec)") }
        }
        if !failed.isEmpty {
            throw PluginError("migfsm generate failed for " + failed.joined(separator: ", "))
        }
    }
}

/// A failure the plugin reports to SwiftPM.
struct PluginError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
