/// One state of an explored system packed into a fixed number of 64-bit
/// words, as the visited set stores it: `Key64` for one word, `Key128`,
/// `Key192` and `Key256` for more. A `KeyLayout` places the system's fields (a device's
/// local state, a belief, the policy's position) in the words; the top bit
/// of the last word is never a field's, so `vacant` (every bit set) is
/// never a key and marks an empty slot of the visited set.
protocol SearchKey: Hashable, Sendable, BitwiseCopyable {
    /// How many 64-bit words the key has.
    static var words: Int { get }
    /// Every zero: the key before any field is set.
    init()
    subscript(word index: Int) -> UInt64 { get set }
    /// A well-mixed hash; the visited set takes its top bits.
    var mixedHash: UInt64 { get }
}

extension SearchKey {
    /// Every bit set: no layout produces it.
    @inline(__always)
    static var vacant: Self {
        var key = Self()
        for index in 0..<words { key[word: index] = ~0 }
        return key
    }

    @inline(__always)
    func field(_ field: KeyField) -> UInt64 {
        (self[word: field.word] >> field.shift) & field.mask
    }

    @inline(__always)
    mutating func set(_ field: KeyField, _ value: UInt64) {
        let word = self[word: field.word]
        self[word: field.word] = word & ~(field.mask << field.shift) | (value << field.shift)
    }
}

/// `x * golden ratio`, folded: the multiply spreads every input bit into
/// the top bits the visited set indexes with.
@inline(__always)
func mixBits(_ value: UInt64) -> UInt64 {
    var bits = (value ^ (value >> 31)) &* 0x9E37_79B9_7F4A_7C15
    bits ^= bits >> 29
    return bits &* 0xBF58_476D_1CE4_E5B9
}

/// A one-word key: up to 63 bits of fields.
struct Key64: SearchKey {
    var w0: UInt64 = 0

    static var words: Int { 1 }
    init() {}

    subscript(word index: Int) -> UInt64 {
        @inline(__always) get { w0 }
        @inline(__always) set { w0 = newValue }
    }

    var mixedHash: UInt64 { @inline(__always) get { mixBits(w0) } }
}

/// A two-word key: up to 127 bits of fields.
struct Key128: SearchKey {
    var w0: UInt64 = 0
    var w1: UInt64 = 0

    static var words: Int { 2 }
    init() {}

    subscript(word index: Int) -> UInt64 {
        @inline(__always) get { index == 0 ? w0 : w1 }
        @inline(__always) set { if index == 0 { w0 = newValue } else { w1 = newValue } }
    }

    var mixedHash: UInt64 { @inline(__always) get { mixBits(w0 ^ mixBits(w1 &+ 0x632B_E59B_D9B4_E019)) } }
}

/// A three-word key: up to 191 bits of fields.
struct Key192: SearchKey {
    var w0: UInt64 = 0
    var w1: UInt64 = 0
    var w2: UInt64 = 0

    static var words: Int { 3 }
    init() {}

    subscript(word index: Int) -> UInt64 {
        @inline(__always) get {
            switch index {
            case 0: return w0
            case 1: return w1
            default: return w2
            }
        }
        @inline(__always) set {
            switch index {
            case 0: w0 = newValue
            case 1: w1 = newValue
            default: w2 = newValue
            }
        }
    }

    var mixedHash: UInt64 {
        @inline(__always) get { mixBits(w0 ^ mixBits(w1 &+ 0x632B_E59B_D9B4_E019 ^ mixBits(w2 &+ 0x8CB9_2BA7_2F3D_8DD7))) }
    }
}

/// A four-word key: up to 255 bits of fields.
struct Key256: SearchKey {
    var w0: UInt64 = 0
    var w1: UInt64 = 0
    var w2: UInt64 = 0
    var w3: UInt64 = 0

    static var words: Int { 4 }
    init() {}

    subscript(word index: Int) -> UInt64 {
        @inline(__always) get {
            switch index {
            case 0: return w0
            case 1: return w1
            case 2: return w2
            default: return w3
            }
        }
        @inline(__always) set {
            switch index {
            case 0: w0 = newValue
            case 1: w1 = newValue
            case 2: w2 = newValue
            default: w3 = newValue
            }
        }
    }

    var mixedHash: UInt64 {
        @inline(__always) get {
            mixBits(w0 ^ mixBits(w1 &+ 0x632B_E59B_D9B4_E019 ^ mixBits(w2 &+ 0x8CB9_2BA7_2F3D_8DD7 ^ mixBits(w3 &+ 1))))
        }
    }
}

/// Where one field lives in a key: its word, its shift in the word, and
/// its mask (`width` low bits).
struct KeyField: Sendable, Equatable {
    var word: Int
    var shift: UInt64
    var mask: UInt64
    var width: Int { mask.nonzeroBitCount }
}

/// Places fields of given widths in 64-bit words, in order, never across
/// two words, keeping the top bit of the last word free. The number of
/// words decides which `SearchKey` the search uses.
struct KeyLayout: Sendable {
    private(set) var fields: [KeyField] = []
    private var word = 0
    private var used = 0

    /// The words the fields placed so far take (the last one keeps its top bit free).
    var words: Int { used + 1 > 64 ? word + 2 : word + 1 }

    /// Places a field of `width` bits (1 to 63); returns its index.
    mutating func add(width: Int) -> Int {
        precondition(width >= 1 && width <= 63, "a key field is 1 to 63 bits")
        if used + width > 64 {
            word += 1
            used = 0
        }
        fields.append(KeyField(word: word, shift: UInt64(used), mask: (1 << UInt64(width)) - 1))
        used += width
        return fields.count - 1
    }
}

/// Bits to tell `count` values apart (at least 1).
func bitsFor(_ count: Int) -> Int {
    var bits = 1
    while bits < 63 && (1 << bits) < count { bits += 1 }
    return bits
}
