/// Finds the known name closest to a misspelt one, for "did you mean" hints.
public enum Suggestion {
    /// The candidate with the smallest edit distance (case-insensitive), if it
    /// is close enough to be a plausible typo, else the first candidate the
    /// word begins (at least 3 letters). Ties go to the earliest candidate.
    public static func closest<S: Collection>(to word: String, among candidates: S) -> String?
    where S.Element == String {
        if let close = closestByEdits(to: word, among: candidates) { return close }
        // A word cut short (`block` for `blocked`, `RUN` for `RUNNING`).
        let upper = word.uppercased()
        guard upper.count >= 3 else { return nil }
        return candidates.first { $0.count > upper.count && $0.uppercased().hasPrefix(upper) }
    }

    private static func closestByEdits<S: Collection>(to word: String, among candidates: S) -> String?
    where S.Element == String {
        let target = Array(word.uppercased().utf8)
        let limit = max(1, min(3, target.count / 3))
        var best: (String, Int)?
        for candidate in candidates {
            let other = Array(candidate.uppercased().utf8)
            if abs(other.count - target.count) > limit { continue }
            let distance = editDistance(target, other, limit: best.map { min($0.1, limit) } ?? limit)
            if distance <= limit, best == nil || distance < best!.1 {
                best = (candidate, distance)
            }
        }
        return best?.0
    }

    /// Edit distance counting a swap of two neighbours as one edit
    /// (`STPO` is one edit from `STOP`), giving up (returning `limit + 1`)
    /// once every entry of a row exceeds `limit`.
    static func editDistance(_ a: [UInt8], _ b: [UInt8], limit: Int) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var beforePrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            var rowMinimum = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], beforePrevious[j - 2] + 1)
                }
                rowMinimum = min(rowMinimum, current[j])
            }
            if rowMinimum > limit { return limit + 1 }
            (beforePrevious, previous, current) = (previous, current, beforePrevious)
        }
        return previous[b.count]
    }
}
