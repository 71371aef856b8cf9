/// The C code of one driver: the files of its folder (or the lines a patch
/// adds to them), the headers they include that could be found, and an
/// index of every function they define or declare.
///
///     drivers/vfio/pci/mlx5/{cmd.c, cmd.h, main.c}
///     + include/linux/qat/qat_mig_dev.h (declarations only)
public struct DriverCode: Sendable {
    /// The folder as given on the command line (`drivers/vfio/pci/mlx5`),
    /// or the file's folder; for a patch, the folder of the file it changes.
    public var directory: String
    /// Whether the folder itself was given (its name names the driver).
    public var isFolder: Bool
    public var files: [CFile]
    /// Headers read for their declarations only.
    public var headers: [CFile]
    /// Function name to (file index, function), first definition in file order.
    let definitions: [String: Located]
    /// Prototypes in the driver's files and headers, first one wins.
    let declarations: [String: Located]

    /// A function and the file it is in (`header` for the headers).
    public struct Located: Sendable {
        public var file: Int
        public var header: Bool
        public var function: CFunction
    }

    public init(directory: String, isFolder: Bool = false, files: [CFile], headers: [CFile] = []) {
        self.directory = directory
        self.isFolder = isFolder
        self.files = files
        self.headers = headers
        var definitions: [String: Located] = [:]
        var declarations: [String: Located] = [:]
        for (index, file) in files.enumerated() {
            for function in file.functions {
                let located = Located(file: index, header: false, function: function)
                if function.isDefinition {
                    if definitions[function.name.text] == nil { definitions[function.name.text] = located }
                } else if declarations[function.name.text] == nil {
                    declarations[function.name.text] = located
                }
            }
        }
        for (index, file) in headers.enumerated() {
            for function in file.functions where declarations[function.name.text] == nil {
                declarations[function.name.text] = Located(file: index, header: true, function: function)
            }
        }
        self.definitions = definitions
        self.declarations = declarations
    }

    public func file(_ located: Located) -> CFile {
        located.header ? headers[located.file] : files[located.file]
    }

    /// The definition of `name` in the driver's files.
    public func definition(_ name: String) -> Located? { definitions[name] }

    /// What `name` returns, from its definition or a declaration.
    public func returns(_ name: String) -> CReturnKind? {
        (definitions[name] ?? declarations[name])?.function.returns
    }

    /// Where `name` is defined or declared.
    public func location(of name: String) -> SourceLocation? {
        guard let located = definitions[name] ?? declarations[name] else { return nil }
        return file(located).location(located.function.name)
    }

    /// Every `.field = function` of the driver's files, in file order.
    public func operations(_ field: String) -> [(file: Int, function: CToken)] {
        files.enumerated().flatMap { index, file in
            file.operations.filter { $0.field == field }.map { (index, $0.function) }
        }
    }
}
