/// The requests a check found, gathered in any order (one requested state
/// after another) but kept in report order: feature set, then current
/// state, then requested state, each by position. Only the first `limit`
/// are kept with what was found; the rest are counted.
///
///     var found = FirstRequests<Int>(limit: 100)
///     found.add(set: 0, from: 3, to: 1, 2)   // positions, not state IDs
struct FirstRequests<Payload> {
    struct Entry {
        var set: Int
        var from: Int
        var to: Int
        var payload: Payload

        func precedes(_ other: Entry) -> Bool {
            (set, from, to) < (other.set, other.from, other.to)
        }
    }

    let limit: Int
    /// The first `limit` entries in report order.
    private(set) var kept: [Entry] = []
    /// Every entry added.
    private(set) var total = 0

    init(limit: Int) {
        self.limit = limit
    }

    mutating func add(set: Int, from: Int, to: Int, _ payload: Payload) {
        total += 1
        let entry = Entry(set: set, from: from, to: to, payload: payload)
        if kept.count == limit {
            guard let last = kept.last, entry.precedes(last) else { return }
            kept.removeLast()
        }
        var low = 0, high = kept.count
        while low < high {
            let middle = (low + high) / 2
            if kept[middle].precedes(entry) { low = middle + 1 } else { high = middle }
        }
        kept.insert(entry, at: low)
    }
}
