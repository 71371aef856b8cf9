/// A line-based unified diff (`diff -u` format), for `generate --check`:
/// what writing the generated files would change.
///
///     UnifiedDiff.render(old: onDisk, new: generated,
///                        oldLabel: "a/Generated/vfio-v2.json", newLabel: "b/Generated/vfio-v2.json")
///
/// Common leading and trailing lines are set aside, the rest is matched by
/// longest common subsequence; hunks carry 3 lines of context. A missing
/// file (`nil`) is labelled `/dev/null`, as git does.
public enum UnifiedDiff {
    /// Beyond this many cells the middle is shown as one replacement.
    static let cellLimit = 16_000_000

    enum Operation: Equatable {
        case same(old: Int, new: Int)
        case delete(old: Int)
        case insert(new: Int)
    }

    /// The diff, or "" when the texts are equal.
    public static func render(old: String?, new: String?, oldLabel: String, newLabel: String, context: Int = 3) -> String {
        let a = lines(old ?? "")
        let b = lines(new ?? "")
        if a == b && (old == nil) == (new == nil) { return "" }
        var text = "--- " + (old == nil ? "/dev/null" : oldLabel) + "\n"
        text += "+++ " + (new == nil ? "/dev/null" : newLabel) + "\n"
        let operations = script(a, b)
        for hunk in hunks(operations, context: context) {
            text += render(hunk: hunk, operations, a, b)
        }
        return text
    }

    /// Lines with their terminators, so a last line without a newline
    /// differs from the same line with one.
    static func lines(_ text: String) -> [Substring] {
        var result: [Substring] = []
        var start = text.startIndex
        var index = start
        while index < text.endIndex {
            let next = text.index(after: index)
            if text[index] == "\n" {
                result.append(text[start..<next])
                start = next
            }
            index = next
        }
        if start < text.endIndex { result.append(text[start...]) }
        return result
    }

    /// The edit script: every line of `a` kept or deleted, every line of
    /// `b` kept or inserted, deletions before insertions.
    static func script(_ a: [Substring], _ b: [Substring]) -> [Operation] {
        var prefix = 0
        while prefix < a.count && prefix < b.count && a[prefix] == b[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < a.count - prefix && suffix < b.count - prefix
                && a[a.count - 1 - suffix] == b[b.count - 1 - suffix] { suffix += 1 }
        var operations = (0..<prefix).map { Operation.same(old: $0, new: $0) }
        let oldRange = prefix..<(a.count - suffix)
        let newRange = prefix..<(b.count - suffix)
        let n = oldRange.count
        let m = newRange.count
        if n > 0 && m > 0 && (n + 1) * (m + 1) <= cellLimit {
            // lcs[i][j]: the LCS length of a[oldRange][i...] and b[newRange][j...].
            let width = m + 1
            var lcs = [Int32](repeating: 0, count: (n + 1) * width)
            for i in stride(from: n - 1, through: 0, by: -1) {
                for j in stride(from: m - 1, through: 0, by: -1) {
                    lcs[i * width + j] = a[oldRange.lowerBound + i] == b[newRange.lowerBound + j]
                        ? lcs[(i + 1) * width + j + 1] + 1
                        : max(lcs[(i + 1) * width + j], lcs[i * width + j + 1])
                }
            }
            var i = 0
            var j = 0
            while i < n || j < m {
                if i < n && j < m && a[oldRange.lowerBound + i] == b[newRange.lowerBound + j] {
                    operations.append(.same(old: oldRange.lowerBound + i, new: newRange.lowerBound + j))
                    i += 1
                    j += 1
                } else if j == m || (i < n && lcs[(i + 1) * width + j] >= lcs[i * width + j + 1]) {
                    operations.append(.delete(old: oldRange.lowerBound + i))
                    i += 1
                } else {
                    operations.append(.insert(new: newRange.lowerBound + j))
                    j += 1
                }
            }
        } else {
            operations += oldRange.map { Operation.delete(old: $0) }
            operations += newRange.map { Operation.insert(new: $0) }
        }
        for offset in 0..<suffix {
            operations.append(.same(old: a.count - suffix + offset, new: b.count - suffix + offset))
        }
        return operations
    }

    /// Ranges of the script to show: each change with `context` lines
    /// around it, hunks closer than twice the context merged.
    static func hunks(_ operations: [Operation], context: Int) -> [ClosedRange<Int>] {
        let changes = operations.indices.filter {
            if case .same = operations[$0] { return false }
            return true
        }
        guard let first = changes.first else { return [] }
        var ranges: [ClosedRange<Int>] = []
        var start = first
        var end = first
        for index in changes.dropFirst() {
            if index - end > 2 * context {
                ranges.append(start...end)
                start = index
            }
            end = index
        }
        ranges.append(start...end)
        return ranges.map {
            max(0, $0.lowerBound - context)...min(operations.count - 1, $0.upperBound + context)
        }
    }

    static func render(hunk range: ClosedRange<Int>, _ operations: [Operation], _ a: [Substring], _ b: [Substring]) -> String {
        let hunk = operations[range]
        var oldStart: Int?
        var newStart: Int?
        var oldCount = 0
        var newCount = 0
        var body = ""
        // Lines before the hunk, for an empty side's start.
        var oldBefore = 0
        var newBefore = 0
        if let first = hunk.first {
            switch first {
            case .same(let old, let new): oldBefore = old; newBefore = new
            case .delete(let old): oldBefore = old; newBefore = newIndex(before: range.lowerBound, operations)
            case .insert(let new): newBefore = new; oldBefore = oldIndex(before: range.lowerBound, operations)
            }
        }
        for operation in hunk {
            switch operation {
            case .same(let old, let new):
                oldStart = oldStart ?? old
                newStart = newStart ?? new
                oldCount += 1
                newCount += 1
                body += line(" ", a[old])
            case .delete(let old):
                oldStart = oldStart ?? old
                oldCount += 1
                body += line("-", a[old])
            case .insert(let new):
                newStart = newStart ?? new
                newCount += 1
                body += line("+", b[new])
            }
        }
        return "@@ -\(Self.range(oldStart, oldCount, before: oldBefore)) +\(Self.range(newStart, newCount, before: newBefore)) @@\n" + body
    }

    /// How many lines of `a` come before operation `index`.
    static func oldIndex(before index: Int, _ operations: [Operation]) -> Int {
        for operation in operations[..<index].reversed() {
            switch operation {
            case .same(let old, _), .delete(let old): return old + 1
            case .insert: continue
            }
        }
        return 0
    }

    /// How many lines of `b` come before operation `index`.
    static func newIndex(before index: Int, _ operations: [Operation]) -> Int {
        for operation in operations[..<index].reversed() {
            switch operation {
            case .same(_, let new), .insert(let new): return new + 1
            case .delete: continue
            }
        }
        return 0
    }

    /// `12,4`, `12` for one line, `11,0` (the line before) for none.
    static func range(_ start: Int?, _ count: Int, before: Int) -> String {
        guard let start, count > 0 else { return "\(before),0" }
        return count == 1 ? "\(start + 1)" : "\(start + 1),\(count)"
    }

    static func line(_ mark: String, _ text: Substring) -> String {
        text.hasSuffix("\n") ? mark + text : mark + text + "\n\\ No newline at end of file\n"
    }
}
