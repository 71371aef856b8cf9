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
    private func home(_ key: Key) -> Int {
        Int(truncatingIfNeeded: key.mixedHash >> shift)
    }

    @inline(__always)
    func contains(_ key: Key) -> Bool {
        let mask = capacity - 1
        var index = home(key)
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
        let mask = capacity - 1
        var index = home(key)
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

/// The visited set cut into shards by a few middle bits of the key's hash
/// (the shards' own tables index with the top bits), so that threads can
/// insert into different shards at once. One shard when the search runs on
/// one thread. Each shard sits on a cache line of its own.
struct ShardedVisitedSet<Key: SearchKey>: @unchecked Sendable {
    /// A shard, padded to a cache line so that two threads never write the
    /// same line.
    struct Shard {
        var set: VisitedSet<Key>
        var padding: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    }

    let shards: UnsafeMutablePointer<Shard>
    let count: Int
    private let mask: UInt64

    /// `shards` is rounded up to a power of two (at most 16).
    init(shards requested: Int, expected: Int) {
        var count = 1
        while count < min(max(1, requested), 16) { count <<= 1 }
        self.count = count
        mask = UInt64(count - 1)
        shards = .allocate(capacity: count)
        for index in 0..<count {
            (shards + index).initialize(to: Shard(set: VisitedSet(expected: max(1, expected / count))))
        }
    }

    func release() {
        for index in 0..<count { shards[index].set.release() }
        shards.deallocate()
    }

    /// The shard a key lives in: bits 20 and up of its hash.
    @inline(__always)
    func shard(of key: Key) -> Int {
        Int(truncatingIfNeeded: (key.mixedHash >> 20) & mask)
    }

    @inline(__always)
    func contains(_ key: Key) -> Bool {
        shards[shard(of: key)].set.contains(key)
    }

    /// Inserts `key`; returns whether it was new.
    @inline(__always)
    func insert(_ key: Key) -> Bool {
        shards[shard(of: key)].set.insert(key)
    }

    /// Inserts `key` into shard `index` (the caller computed it).
    @inline(__always)
    func insert(_ key: Key, shard index: Int) -> Bool {
        shards[index].set.insert(key)
    }

    /// Bytes of every shard's table.
    var bytes: Int { (0..<count).reduce(0) { $0 + shards[$1].set.bytes } }
}
