import Foundation

/// Resolves `extends` and `drop`: a spec that amends another reads as the
/// other's statements, less the ones it drops and less its `protocol`
/// line, followed by its own. The validator then sees one statement list
/// whose locations still name the file each statement came from, so a
/// redefinition is a duplicate with a note at the base's declaration.
///
///     extends ../vfio-v2.fsm
///     protocol vfio-v2-stop-copy-to-pre-copy
///     drop blocked STOP_COPY -> PRE_COPY
///     blocked STOP_COPY -> PRE_COPY unless PRE_COPY_RETURN
///
/// The path is relative to the folder of the file that names it. A chain of
/// specs is followed to `maximumDepth`; a cycle, a missing file or a drop of
/// a statement the base lacks is a located error.
enum SpecExtension {
    /// The longest chain of specs extending each other.
    static let maximumDepth = 16

    /// The statements of `syntax` with its base's merged in, and the errors
    /// found doing so. The syntax is `nil` when the base could not be read
    /// (missing, a cycle, too deep, a broken `extends` line): validating the
    /// rest alone would only report the names the base declares as unknown.
    static func resolve(_ syntax: SpecSyntax) -> (SpecSyntax?, [Diagnostic]) {
        resolve(syntax, chain: [normalized(syntax.path)])
    }

    private static func resolve(_ syntax: SpecSyntax, chain: [String]) -> (SpecSyntax?, [Diagnostic]) {
        var diagnostics: [Diagnostic] = []
        if syntax.extendsIsBroken { return (nil, []) }
        var extendsLines: [(index: Int, path: Name)] = []
        var dropLines: [(index: Int, dropped: Statement)] = []
        for (index, line) in syntax.lines.enumerated() {
            switch line.statement {
            case .extends(let path)?: extendsLines.append((index, path))
            case .drop(let dropped)?: dropLines.append((index, dropped))
            default: break
            }
        }
        guard let (_, relative) = extendsLines.first else {
            for (index, _) in dropLines {
                diagnostics.append(.error(at: syntax.lines[index].location,
                    "'drop' removes a statement of the spec this one extends, and this spec extends none; add 'extends PATH'"))
            }
            return (syntax, diagnostics)
        }
        for (_, extra) in extendsLines.dropFirst() {
            diagnostics.append(.error(at: extra.location, "duplicate 'extends'; a spec extends at most one other",
                notes: [.init(relative.location, "it extends '\(relative.text)' here")]))
        }

        let basePath = normalized(join(directory(of: syntax.path), relative.text))
        if let start = chain.firstIndex(of: basePath) {
            let cycle = (chain[start...] + [basePath]).joined(separator: " extends ")
            diagnostics.append(.error(at: relative.location, "specs extend each other in a cycle: \(cycle)"))
            return (nil, diagnostics)
        }
        guard chain.count < maximumDepth else {
            diagnostics.append(.error(at: relative.location,
                "specs extend each other more than \(maximumDepth) deep"))
            return (nil, diagnostics)
        }
        let source: SourceText
        do throws(Diagnostic) {
            // A FIFO or a device (`extends /dev/stdin`) could block forever.
            if !isRegularFileOrMissing(basePath) {
                throw Diagnostic.error(at: .file(basePath), "not a regular file")
            }
            source = try SourceText.load(path: basePath)
        } catch {
            diagnostics.append(.error(at: relative.location,
                "cannot read the spec it extends, '\(basePath)': \(error.message)"))
            return (nil, diagnostics)
        }
        let (parsed, parseErrors) = SpecParser.parse(source)
        diagnostics += parseErrors
        let (resolvedBase, baseErrors) = resolve(parsed, chain: chain + [basePath])
        diagnostics += baseErrors
        guard var base = resolvedBase else { return (nil, diagnostics) }

        // The base's protocol name becomes an ancestor; the spec names its own.
        var baseName: Name?
        for index in base.lines.indices {
            guard case .protocolName(let name)? = base.lines[index].statement else { continue }
            if baseName == nil { baseName = name }
            base.lines[index].statement = nil
        }
        let ancestors = (baseName.map { [$0.text] } ?? []) + base.ancestors
        for line in syntax.lines {
            guard case .protocolName(let name)? = line.statement, ancestors.contains(name.text) else { continue }
            diagnostics.append(.error(at: name.location,
                "'\(name.text)' is the protocol of a spec this one extends; name the new protocol"))
        }

        // Each drop removes one statement of the base, matched as fmt prints
        // it. The base's statements are printed once, so many drops cost
        // linear time.
        var byText: [String: [Int]] = [:]
        if !dropLines.isEmpty {
            for index in base.lines.indices {
                guard let statement = base.lines[index].statement else { continue }
                byText[SpecFormatter.format(statement), default: []].append(index)
            }
        }
        var dropped: [String: SourceLocation] = [:]
        var suggestionsLeft = SpecReader.errorLimit
        for (index, statement) in dropLines {
            let location = syntax.lines[index].location
            let text = SpecFormatter.format(statement)
            if let first = dropped[text] {
                diagnostics.append(.error(at: location, "'drop \(text)' is stated twice",
                    notes: [.init(first, "first dropped here")]))
                continue
            }
            guard let found = byText[text]?.first else {
                var message = "the spec it extends, '\(basePath)', has no statement '\(text)'"
                if suggestionsLeft > 0 {
                    suggestionsLeft -= 1
                    let candidates = base.lines.compactMap { $0.statement }.filter { sameKind($0, statement) }
                        .map(SpecFormatter.format)
                    if let suggestion = Suggestion.closest(to: text, among: candidates) {
                        message += "; did you mean '\(suggestion)'?"
                    }
                }
                diagnostics.append(.error(at: location, message))
                continue
            }
            dropped[text] = location
            base.lines[found].statement = nil
        }

        var own = syntax.lines
        for index in own.indices {
            switch own[index].statement {
            case .extends?, .drop?: own[index].statement = nil
            default: break
            }
        }
        var merged = SpecSyntax(path: syntax.path, lines: base.lines + own)
        merged.brokenDeclarations = base.brokenDeclarations.union(syntax.brokenDeclarations)
        merged.ancestors = ancestors
        return (merged, diagnostics)
    }

    /// Whether `path`, its symbolic links followed, is a regular file or
    /// absent (which `SourceText.load` reports) rather than a folder, a
    /// FIFO or a device.
    static func isRegularFileOrMissing(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0 else { return true }
        let kind = info.st_mode & S_IFMT
        return kind == S_IFREG || kind == S_IFDIR
    }

    /// Whether two statements are of one kind, for "did you mean".
    private static func sameKind(_ a: Statement, _ b: Statement) -> Bool {
        switch (a, b) {
        case (.arc, .arc), (.blocked, .blocked), (.pathRule, .pathRule), (.invariant, .invariant): return true
        default: return false
        }
    }

    /// The folder part of `path` (`Specs/proposals` of
    /// `Specs/proposals/x.fsm`), empty for a bare file name.
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// `relative` in `folder`, or `relative` itself when it is absolute.
    static func join(_ folder: String, _ relative: String) -> String {
        if relative.hasPrefix("/") || folder.isEmpty { return relative }
        return folder.hasSuffix("/") ? folder + relative : folder + "/" + relative
    }

    /// `path` with `.` and `name/..` removed, by text alone (never made
    /// absolute): `Specs/proposals/../vfio-v2.fsm` is `Specs/vfio-v2.fsm`.
    static func normalized(_ path: String) -> String {
        let absolute = path.hasPrefix("/")
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".":
                continue
            case "..":
                if let last = parts.last, last != ".." {
                    parts.removeLast()
                } else if !absolute {
                    parts.append(part)
                }
            default:
                parts.append(part)
            }
        }
        let joined = parts.joined(separator: "/")
        if absolute { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }
}
