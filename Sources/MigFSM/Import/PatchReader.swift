/// Reads a unified diff (what reviewers get by mail: `git format-patch`
/// output, or `diff -u`) and keeps the lines it adds, file by file, each
/// mapped to its line in the patch and the column after its `+`.
public enum PatchReader {
    /// Whether `text` is a patch: named `.patch` or `.diff`, or starting
    /// like one (`From `, `diff `, `--- `, `Index: `).
    public static func isPatch(_ text: SourceText) -> Bool {
        if text.path.hasSuffix(".patch") || text.path.hasSuffix(".diff") { return true }
        guard let first = text.lines.first(where: { !$0.isEmpty }) else { return false }
        let line = text.bytes[first]
        return ["diff ", "--- ", "Index: "].contains { line.starts(with: Array($0.utf8)) }
            || (line.starts(with: Array("From ".utf8)) && text.lines.contains { text.bytes[$0].starts(with: Array("diff ".utf8)) })
    }

    /// The added lines of each file the patch touches (files it deletes
    /// have none), in patch order. Hunk headers must be well formed.
    public static func addedCode(_ text: SourceText) throws(Diagnostic) -> [CSource] {
        var files: [CSource] = []
        var label: String?
        var sawFileHeader = false
        var lines: [CSource.Line] = []
        var oldLeft = 0
        var newLeft = 0
        func flush() {
            if let label, !lines.isEmpty {
                files.append(CSource(path: text.path, bytes: text.bytes, lines: lines, label: label))
            }
            lines = []
        }
        for (offset, range) in text.lines.enumerated() {
            let number = offset + 1
            let line = text.bytes[range]
            if oldLeft > 0 || newLeft > 0 {
                switch line.first {
                case UInt8(ascii: "+"):
                    lines.append(CSource.Line(range: (range.lowerBound + 1)..<range.upperBound, number: number, columnOffset: 1))
                    newLeft -= 1
                case UInt8(ascii: "-"):
                    oldLeft -= 1
                case UInt8(ascii: "\\"):
                    break
                case UInt8(ascii: " "), nil:
                    oldLeft -= 1
                    newLeft -= 1
                default:
                    throw .error(at: SourceLocation(file: text.path, line: number, column: 1),
                        "hunk ends early: expected \(oldLeft) more old and \(newLeft) more new lines")
                }
                continue
            }
            if line.starts(with: Array("+++ ".utf8)) {
                flush()
                sawFileHeader = true
                var name = String(decoding: line.dropFirst(4), as: UTF8.self)
                if let tab = name.firstIndex(of: "\t") { name = String(name[..<tab]) }
                if name.hasPrefix("b/") { name.removeFirst(2) }
                label = name == "/dev/null" ? nil : name
            } else if line.starts(with: Array("@@ ".utf8)) {
                guard let counts = hunkCounts(String(decoding: line, as: UTF8.self)) else {
                    throw .error(at: SourceLocation(file: text.path, line: number, column: 1),
                        "malformed hunk header: expected '@@ -START,COUNT +START,COUNT @@'")
                }
                if !sawFileHeader {
                    throw .error(at: SourceLocation(file: text.path, line: number, column: 1),
                        "hunk before any '+++ FILE' header")
                }
                (oldLeft, newLeft) = counts
            }
        }
        flush()
        return files
    }

    /// `@@ -1557,6 +1557,197 @@ ...` gives (6, 197); a missing count is 1.
    static func hunkCounts(_ header: String) -> (old: Int, new: Int)? {
        let fields = header.split(separator: " ")
        guard fields.count >= 4, fields[3].hasPrefix("@@"), fields[1].hasPrefix("-"), fields[2].hasPrefix("+") else { return nil }
        func count(_ field: Substring) -> Int? {
            let parts = field.dropFirst().split(separator: ",", omittingEmptySubsequences: false)
            guard (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) }) else { return nil }
            return parts.count == 2 ? Int(parts[1]) : 1
        }
        guard let old = count(fields[1]), let new = count(fields[2]) else { return nil }
        return (old, new)
    }
}
