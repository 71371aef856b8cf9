/// A patch in the form `git format-patch` writes it, for a change migfsm
/// computes rather than commits: the `From` line with the all-zero commit
/// and the fixed date git uses, `From:` and `Subject:` headers, the message
/// with its sign-off, the diffstat as git draws it for mail (72 columns,
/// with the create-mode summary), and a `diff --git` per file, paths
/// relative to the tree. No `Date:` header and no `index` lines: they would
/// make the text depend on when and where it was made; `git am` and
/// `git apply` need neither.
struct FormatPatch {
    /// One file the patch changes or creates.
    struct File {
        var path: String
        /// `nil` for a new file.
        var old: String?
        var new: String
    }

    var author: String
    var subject: String
    /// Paragraphs of the commit message, wrapped at 72 columns unless they
    /// start with two spaces (kept as they are).
    var message: [String]
    var files: [File]

    /// The width `git format-patch` gives the diffstat.
    static let statWidth = 72

    var rendered: String {
        var text = "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\n"
        text += "From: \(author)\n"
        text += "Subject: [PATCH] \(subject)\n\n"
        for (index, paragraph) in message.enumerated() {
            if index > 0 { text += "\n" }
            if paragraph.hasPrefix("  ") {
                text += paragraph + "\n"
            } else {
                text += UAPIComment.wrap(paragraph, width: 72).map { $0 + "\n" }.joined()
            }
        }
        text += "\nSigned-off-by: \(author)\n---\n"
        let diffs = files.map { file -> (File, String) in
            (file, UnifiedDiff.render(old: file.old, new: file.new,
                                      oldLabel: "a/" + file.path, newLabel: "b/" + file.path))
        }
        text += Self.diffstat(diffs.map { ($0.0.path, Self.counts($0.1)) })
        for (file, _) in diffs where file.old == nil {
            text += " create mode 100644 \(file.path)\n"
        }
        text += "\n"
        for (file, diff) in diffs where !diff.isEmpty {
            text += "diff --git a/\(file.path) b/\(file.path)\n"
            if file.old == nil { text += "new file mode 100644\n" }
            text += diff
        }
        return text + "-- \nmigfsm \(CommandLineTool.version)\n\n"
    }

    /// Lines added and removed by a unified diff.
    static func counts(_ diff: String) -> (added: Int, removed: Int) {
        var added = 0
        var removed = 0
        for line in diff.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("+++ ") || line.hasPrefix("--- ") { continue }
            if line.hasPrefix("+") { added += 1 }
            if line.hasPrefix("-") { removed += 1 }
        }
        return (added, removed)
    }

    /// git's diffstat (`show_stats` in diff.c) at `statWidth` columns.
    static func diffstat(_ files: [(path: String, counts: (added: Int, removed: Int))]) -> String {
        let maxChange = files.map { $0.counts.added + $0.counts.removed }.max() ?? 0
        let maxLength = files.map(\.path.count).max() ?? 0
        let numberWidth = String(maxChange).count
        let width = max(statWidth, 16 + 6 + numberWidth)
        var graphWidth = maxChange
        var nameWidth = maxLength
        if nameWidth + numberWidth + 6 + graphWidth > width {
            if graphWidth > width * 3 / 8 - numberWidth - 6 {
                graphWidth = max(6, width * 3 / 8 - numberWidth - 6)
            }
            if nameWidth > width - numberWidth - 6 - graphWidth {
                nameWidth = width - numberWidth - 6 - graphWidth
            } else {
                graphWidth = width - numberWidth - 6 - nameWidth
            }
        }
        func scale(_ value: Int) -> Int {
            value == 0 ? 0 : 1 + value * (graphWidth - 1) / maxChange
        }
        var text = ""
        var added = 0
        var removed = 0
        for file in files {
            var plus = file.counts.added
            var minus = file.counts.removed
            added += plus
            removed += minus
            let total = plus + minus
            if graphWidth <= maxChange {
                var scaled = scale(total)
                if scaled < 2 && plus > 0 && minus > 0 { scaled = 2 }
                if plus < minus {
                    plus = scale(plus)
                    minus = scaled - plus
                } else {
                    minus = scale(minus)
                    plus = scaled - minus
                }
            }
            var name = file.path
            if name.count > nameWidth { name = "..." + name.suffix(max(nameWidth - 3, 0)) }
            let number = String(total)
            text += " " + name + String(repeating: " ", count: max(nameWidth - name.count, 0)) + " | "
                + String(repeating: " ", count: max(numberWidth - number.count, 0)) + number
                + (total > 0 ? " " : "") + String(repeating: "+", count: plus) + String(repeating: "-", count: minus) + "\n"
        }
        text += " \(files.count) file\(files.count == 1 ? "" : "s") changed"
        if added > 0 || removed == 0 { text += ", \(added) insertion\(added == 1 ? "" : "s")(+)" }
        if removed > 0 || added == 0 { text += ", \(removed) deletion\(removed == 1 ? "" : "s")(-)" }
        return text + "\n"
    }
}
