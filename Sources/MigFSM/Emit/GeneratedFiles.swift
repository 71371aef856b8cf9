/// One file `migfsm generate` produces: its path relative to the output
/// folder (`C/vfio_mig_fsm.h`) and its exact contents.
public struct GeneratedFile: Hashable, Sendable {
    public var path: String
    public var contents: String

    public init(path: String, contents: String) {
        self.path = path
        self.contents = contents
    }
}

/// Why `migfsm generate` produces nothing for a spec, or cannot write.
public struct GenerateError: Error, Hashable, Sendable {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }
}

/// The files generated for one spec, computed in memory (nothing touches
/// the disk here but reading the proposals beside the spec):
/// `C/<c-prefix>.h` (user space), `C/kernel/<c-prefix>.h` (the kernel
/// header, for protocols named as the VFIO uAPI names them),
/// `Swift/<swift-module>.swift`, `<protocol>.json`, `docs/<protocol>.md` and
/// `proposals/<name>.txt` for every `proposals/<name>.fsm` beside the spec.
///
/// Byte-identical on every run and machine, however the spec's path is
/// spelled: no timestamps, no paths but the spec's file name (and the docs
/// page's relative link to the spec, which depends on where the spec and
/// the output folder are, not on how they were written).
///
/// Only a proven protocol gets tables: every check of `migfsm check` must
/// hold, except `kernel-lookup` and `one-table`, which judge the kernel's own
/// technique over the declared flags only (the emitted lookup is
/// `generated-lookup`, proven for every flags value).
public struct GeneratedFiles: Sendable {
    public let files: [GeneratedFile]
    /// The spec's file name, as the generated files name it: `vfio-v2.fsm`.
    public let specName: String

    /// The checks allowed to fail: they are about code migfsm does not emit.
    /// `one-table` says whether any single table with per-state masks can
    /// serve the spec; the emitted lookup adds a flag test where one cannot.
    public static let checksNotGating: Set<String> = ["kernel-lookup", "one-table"]

    /// The files of `model`; `outputDirectory` (as given, resolved against
    /// `currentDirectory`) only places the docs page's link to the spec.
    public init(model: MigrationProtocol, currentDirectory: String? = nil,
                outputDirectory: String = "Generated") throws(GenerateError) {
        if let sparse = Self.valueRangeError(model) {
            throw GenerateError("\(sparse.location): \(sparse.message)")
        }
        let (paths, kernel) = try Self.proven(model)
        let name = Self.specName(model.sourcePath)
        specName = name
        let naming = model.naming
        var files = [
            GeneratedFile(
                path: "C/\(naming.cPrefix).h",
                contents: UserHeaderEmitter(paths: paths, kernel: kernel, specName: name).render()),
        ]
        if KernelHeaderEmitter.uapiHeader(for: naming) != nil {
            files.append(GeneratedFile(
                path: "C/kernel/\(naming.cPrefix).h",
                contents: KernelHeaderEmitter(paths: paths, kernel: kernel, specName: name).render()))
        }
        files += [
            GeneratedFile(
                path: "Swift/\(naming.swiftModule).swift",
                contents: SwiftSourceEmitter(paths: paths, kernel: kernel, specName: name).render()),
            GeneratedFile(path: "\(model.name).json", contents: TableJSON.render(paths)),
            ReviewFiles.doc(paths, outputDirectory: outputDirectory, currentDirectory: currentDirectory ?? "/"),
        ]
        self.files = files + (try ReviewFiles.proposals(of: model))
    }

    /// The protocol's paths and kernel table, when every gating check holds.
    public static func proven(_ model: MigrationProtocol) throws(GenerateError) -> (ProtocolPaths, KernelTable) {
        let paths = ProtocolPaths(model: model)
        let report = Checker.check(paths)
        let failed = report.results.filter { $0.verdict == .fails && !Self.checksNotGating.contains($0.name) }
        guard failed.isEmpty else {
            throw GenerateError("\(model.sourcePath): the protocol is not proven, so no tables are generated; failing: "
                + failed.map(\.name).joined(separator: ", ") + "; run 'migfsm check \(model.sourcePath)'")
        }
        guard let full = paths.full, let kernel = KernelTable(paths: full) else {
            throw GenerateError("\(model.sourcePath): state values exceed \(KernelTable.maximumSize - 1): no table to generate")
        }
        return (paths, kernel)
    }

    /// Why the spec's tables, indexed by state value, would be too large to
    /// write (`KernelTable.largestEmittedSize`), located at the state with
    /// the largest value; `nil` when they fit.
    public static func valueRangeError(_ model: MigrationProtocol) -> Diagnostic? {
        KernelTable.valueRangeError(
            model, limit: KernelTable.largestEmittedSize(states: model.states.count), purpose: "generate")
    }

    /// The spec as generated files name it: its file name, whatever folder
    /// it is in and however the path was spelled.
    public static func specName(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}
