import Foundation

/// Reads the PATH arguments of `audit-driver` and `extract-driver` into
/// drivers' code: a directory is a driver's folder (every `.c` and `.h` in
/// it, by name), a file is read alone, a patch gives the lines it adds to
/// each file it changes. Files are grouped by folder; each group is one
/// driver's code. Headers a group includes with `<...>` are read for their
/// declarations when the folder sits in a kernel tree (an `include/linux`
/// folder above it), so a call to `qat_vfmig_resume()` is known to return
/// an `int`.
///
/// Paths in reports are as given: `drivers/vfio/pci/qat/main.c`,
/// `include/linux/qat/qat_mig_dev.h` for a header found from
/// `drivers/vfio/pci/qat`.
public struct DriverSources: Sendable {
    public var groups: [DriverCode]
    /// Files or folders that could not be read, as located errors.
    public var errors: [Diagnostic]
    /// Files given that are neither C nor a patch, skipped.
    public var skipped: [Diagnostic] = []
    /// Whether any input was a patch.
    public var isPatch: Bool

    /// The largest header read for declarations.
    public static let maximumHeaderSize = 4 << 20
    /// The most headers read for one run.
    public static let maximumHeaders = 128

    /// One text already in memory (a fuzzer's input, a test's): a C file or
    /// a patch; no header is looked for.
    public static func read(text: SourceText) -> DriverSources {
        read([], texts: [text])
    }

    public static func read(_ paths: [String], texts: [SourceText] = []) -> DriverSources {
        var errors: [Diagnostic] = []
        var skipped: [Diagnostic] = []
        var isPatch = false
        var byDirectory: [(directory: String, isFolder: Bool, files: [CFile])] = []
        func add(_ file: CFile, directory: String, isFolder: Bool = false) {
            if let index = byDirectory.firstIndex(where: { $0.directory == directory }) {
                if !byDirectory[index].files.contains(where: { $0.path == file.path && $0.source.label == file.source.label }) {
                    byDirectory[index].files.append(file)
                }
                if isFolder { byDirectory[index].isFolder = true }
            } else {
                byDirectory.append((directory, isFolder, [file]))
            }
        }
        func tokenize(_ source: CSource) -> CFile? {
            do throws(Diagnostic) {
                return CFile(source: source, tokens: try CTokenizer.tokenize(source))
            } catch {
                errors.append(error)
                return nil
            }
        }
        var inputs: [(path: String, text: SourceText?)] = paths.map { ($0, nil) }
        inputs += texts.map { ($0.path, $0) }
        for (path, given) in inputs {
            if let given {
                readFile(given)
                continue
            }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                errors.append(.error(at: .file(path), "no such file or folder"))
                continue
            }
            if isDirectory.boolValue {
                let names = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [])
                    .filter { $0.hasSuffix(".c") || $0.hasSuffix(".h") }.sorted()
                let directory = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
                var read = 0
                for name in names {
                    let file = join(directory, name)
                    var isFolder: ObjCBool = false
                    guard FileManager.default.fileExists(atPath: file, isDirectory: &isFolder), !isFolder.boolValue else { continue }
                    do throws(DiagnosticList) {
                        if let cFile = tokenize(CSource(try SourceText.read(path: file))) {
                            add(cFile, directory: directory, isFolder: true)
                            read += 1
                        }
                    } catch {
                        errors += error.diagnostics
                    }
                }
                if names.isEmpty {
                    errors.append(.error(at: .file(path), "the folder holds no .c or .h file"))
                } else if read == 0 && errors.isEmpty {
                    errors.append(.error(at: .file(path), "no file of the folder could be read"))
                }
                continue
            }
            do throws(DiagnosticList) {
                readFile(try SourceText.read(path: path))
            } catch {
                errors += error.diagnostics
            }
        }
        func readFile(_ text: SourceText) {
            let path = text.path
            if PatchReader.isPatch(text) {
                isPatch = true
                do throws(Diagnostic) {
                    let sources = try PatchReader.addedCode(text).filter {
                        ($0.label ?? "").hasSuffix(".c") || ($0.label ?? "").hasSuffix(".h")
                    }
                    if sources.isEmpty {
                        errors.append(.error(at: SourceLocation(file: path, line: 1, column: 1), "the patch adds no C code (.c or .h lines)"))
                    }
                    for source in sources {
                        if let file = tokenize(source) { add(file, directory: parent(source.label ?? path)) }
                    }
                } catch {
                    errors.append(error)
                }
                return
            }
            guard path.hasSuffix(".c") || path.hasSuffix(".h") || !texts.isEmpty else {
                skipped.append(.note(at: .file(path), "neither a C file (.c, .h) nor a patch: skipped"))
                return
            }
            if let file = tokenize(CSource(text)) { add(file, directory: parent(path)) }
        }
        var headerCache: [String: CFile?] = [:]
        var headersRead = 0
        let groups = byDirectory.map { group -> DriverCode in
            var headers: [CFile] = []
            let defines = group.files.contains { !$0.operations.filter { $0.field == "migration_set_state" }.isEmpty }
            if defines, texts.isEmpty, let root = treeRoot(above: group.directory) {
                var seen: Set<String> = []
                for file in group.files {
                    for include in file.includes where include.angle && seen.insert(include.path).inserted {
                        let headerPath = join(join(root, "include"), include.path)
                        if let cached = headerCache[headerPath] {
                            if let cached { headers.append(cached) }
                            continue
                        }
                        guard headersRead < maximumHeaders,
                              let size = (try? FileManager.default.attributesOfItem(atPath: headerPath))?[.size] as? Int,
                              size <= maximumHeaderSize,
                              let text = try? SourceText.read(path: headerPath),
                              let tokens = try? CTokenizer.tokenize(CSource(text)) else {
                            headerCache[headerPath] = .some(nil)
                            continue
                        }
                        headersRead += 1
                        let header = CFile(source: CSource(text), tokens: tokens)
                        headerCache[headerPath] = header
                        headers.append(header)
                    }
                }
            }
            return DriverCode(directory: group.directory, isFolder: group.isFolder, files: group.files, headers: headers)
        }
        return DriverSources(groups: groups, errors: errors, skipped: skipped, isPatch: isPatch)
    }

    static func join(_ directory: String, _ name: String) -> String {
        directory.isEmpty || directory == "." ? name : directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    /// `drivers/vfio/pci/qat` for `drivers/vfio/pci/qat/main.c`; "" for `main.c`.
    static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// The kernel tree a folder sits in: the nearest folder at most six
    /// levels up that has `include/linux`, as a path built from the given one.
    static func treeRoot(above directory: String) -> String? {
        var candidate = directory
        for _ in 0..<7 {
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: join(join(candidate, "include"), "linux"), isDirectory: &isFolder),
               isFolder.boolValue {
                return candidate
            }
            if candidate.isEmpty || candidate == "/" { return nil }
            candidate = parent(candidate)
        }
        return nil
    }
}
