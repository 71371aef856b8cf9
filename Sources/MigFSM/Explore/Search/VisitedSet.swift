/// The states a search has stored: an open-addressing hash set of packed
/// keys with linear probing, the keys themselves in the slots (no
/// per-state object, no pointer to chase: one probe touches one cache
/// line), an empty slot being `SearchKey.vacant`. The table doubles when
/// it is half full.
///
/// The set owns raw memory: `release()` frees it, once, when the search is
/// over. `contains` only reads, so several threads may probe it at once
/// while nobody inserts.
struct VisitedSet<Key: SearchKey>: @unchecked Sendable {
    private var slots: UnsafeMutablePointer<Key>
    private(set) var capacity: Int
    /// 64 - log2(capacity): the hash's top bits index the table.
    private var shift: UInt64
    private(set) var count = 0

    /// A set that holds `expected` keys without growing.
    init(expected: Int) {
        var capacity = 1 << 10
        while capacity / 2 < expected && capacity < (1 << 40) { capacity <<= 1 }
        self.capacity = capacity
        shift = UInt64(64 - capacity.trailingZeroBitCount)
        slots = .allocate(capacity: capacity)
        slots.initialize(repeating: .vacant, count: capacity)
    }

    /// Frees the table; the set is unusable afterwards.
    func release() {
        slots.deallocate()
    }

    /// Bytes of the table.
    var bytes: Int { capacity * MemoryLayout<Key>.stride }

    /// Where `key`'s probe sequence starts.
    @inline(__always)
    func home(_ key: Key) -> Int {
        Int(truncatingIfNeeded: key.mixedHash >> shift)
    }

    @inline(__always)
    func contains(_ key: Key) -> Bool {
        contains(key, home: home(key))
    }

    /// `contains` with the home already computed (valid until the set grows).
    @inline(__always)
    func contains(_ key: Key, home: Int) -> Bool {
        let mask = capacity - 1
        var index = home
        while true {
            let slot = slots[index]
            if slot == key { return true }
            if slot == .vacant { return false }
            index = (index + 1) & mask
        }
    }

    /// Inserts `key`; returns whether it was new.
    @inline(__always)
    mutating func insert(_ key: Key) -> Bool {
        insert(key, home: home(key))
    }

    /// `insert` with the home already computed (valid until the set grows).
    @inline(__always)
    mutating func insert(_ key: Key, home: Int) -> Bool {
        let mask = capacity - 1
        var index = home
        while true {
            let slot = slots[index]
            if slot == key { return false }
            if slot == .vacant { break }
            index = (index + 1) & mask
        }
        slots[index] = key
        count += 1
        if count * 2 > capacity { grow() }
        return true
    }

    private mutating func grow() {
        let old = slots
        let oldCapacity = capacity
        capacity <<= 1
        shift -= 1
        slots = .allocate(capacity: capacity)
        slots.initialize(repeating: .vacant, count: capacity)
        let mask = capacity - 1
        for position in 0..<oldCapacity {
            let key = old[position]
            if key == .vacant { continue }
            var index = home(key)
            while slots[index] != .vacant { index = (index + 1) & mask }
            slots[index] = key
        }
        old.deallocate()
    }
}
