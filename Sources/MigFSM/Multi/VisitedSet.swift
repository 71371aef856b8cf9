/// The visited set of the several-device search: fixed-width keys of
/// `stride` 64-bit words stored back to back in insertion (breadth-first)
/// order, so a key's position is its state number, and an open-addressing
/// table of positions with linear probing. The table doubles at half load;
/// growing re-inserts positions only (keys never move), and `reserve`
/// sizes it up front so a run with a known bound never grows.
public struct VisitedSet: Sendable {
    public let stride: Int
    /// Every key, `stride` words each.
    public private(set) var words: [UInt64] = []
    var slots: [Int32]
    var mask: Int

    public init(stride: Int, capacity: Int = 1 << 12) {
        self.stride = stride
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
        words.reserveCapacity(capacity * stride)
    }

    public var count: Int { words.count / stride }

    @inline(__always)
    static func hash(_ key: UnsafeBufferPointer<UInt64>) -> Int {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15
        for word in key {
            h = (h ^ word) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 31
        }
        return Int(truncatingIfNeeded: h ^ (h >> 29))
    }

    /// Inserts `key` (`stride` words) if new; returns its position and
    /// whether it was inserted.
    @inline(__always)
    public mutating func insert(_ key: UnsafeBufferPointer<UInt64>) -> (position: Int, inserted: Bool) {
        var index = Self.hash(key) & mask
        let stride = self.stride
        while true {
            let slot = Int(slots[index])
            if slot < 0 { break }
            var equal = true
            let base = slot * stride
            for offset in 0..<stride where words[base + offset] != key[offset] {
                equal = false
                break
            }
            if equal { return (slot, false) }
            index = (index + 1) & mask
        }
        let position = count
        slots[index] = Int32(position)
        words.append(contentsOf: key)
        if count * 2 > slots.count { grow() }
        return (position, true)
    }

    /// The key at `position`.
    public func key(_ position: Int) -> [UInt64] {
        Array(words[(position * stride)..<((position + 1) * stride)])
    }

    mutating func grow() {
        let size = slots.count * 2
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
        let stride = self.stride
        words.withUnsafeBufferPointer { all in
            for position in 0..<(all.count / stride) {
                let key = UnsafeBufferPointer(rebasing: all[(position * stride)..<((position + 1) * stride)])
                var index = Self.hash(key) & mask
                while slots[index] >= 0 { index = (index + 1) & mask }
                slots[index] = Int32(position)
            }
        }
    }
}
