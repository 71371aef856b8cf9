import Foundation

/// The limit the search is measured against: nothing but visited-set
/// lookups, as many as a search does, of keys present in a table of as many
/// 8-byte keys at the same load (open addressing, linear probing, keys in
/// the slots), in an order unrelated to the table's. What a search costs
/// beyond this is everything but the probes.
enum ProbeLimitBenchmarks {
    static var all: [Benchmark] {
        [
            // The free user of 4 devices without symmetry: 1,048,576
            // states, 5.37 M lookups; of 8 devices with symmetry (bisimilar
            // device states merged): 735,471 states, 6.37 M lookups; one
            // lookup per transition of the 4 devices would be 243 M (a
            // tenth of them here, 24.3 M, to keep the run short).
            probes(keys: 1_048_576, lookups: 5_373_952, runs: 5),
            probes(keys: 735_471, lookups: 6_374_082, runs: 3),
            probes(keys: 1_048_576, lookups: 24_300_749, runs: 1),
        ]
    }

    static func probes(keys: Int, lookups: Int, runs: Int) -> Benchmark {
        var capacity = 1024
        while capacity / 2 < keys { capacity <<= 1 }
        let shift = UInt64(64 - capacity.trailingZeroBitCount)
        var table = [UInt64](repeating: .max, count: capacity)
        var present: [UInt64] = []
        var seed: UInt64 = 0x2545_F491_4F6C_DD1D
        func next() -> UInt64 {
            seed ^= seed << 13
            seed ^= seed >> 7
            seed ^= seed << 17
            return seed
        }
        func home(_ key: UInt64) -> Int {
            var bits = (key ^ (key >> 31)) &* 0x9E37_79B9_7F4A_7C15
            bits ^= bits >> 29
            return Int(truncatingIfNeeded: (bits &* 0xBF58_476D_1CE4_E5B9) >> shift)
        }
        while present.count < keys {
            let key = next() >> 24
            var index = home(key)
            while table[index] != .max && table[index] != key { index = (index + 1) & (capacity - 1) }
            if table[index] == .max {
                table[index] = key
                present.append(key)
            }
        }
        return Benchmark("lookups: \(lookups) in \(keys) keys", runs: runs) {
            let start = DispatchTime.now().uptimeNanoseconds
            var found = 0
            var pick: UInt64 = 0x9E37_79B9
            table.withUnsafeBufferPointer { slots in
                present.withUnsafeBufferPointer { keys in
                    for _ in 0..<lookups {
                        pick = pick &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                        let key = keys[Int(truncatingIfNeeded: pick >> 33) % keys.count]
                        var index = home(key)
                        while slots[index] != key && slots[index] != .max { index = (index + 1) & (capacity - 1) }
                        if slots[index] == key { found += 1 }
                    }
                }
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            return "\(found) found, " + String(format: "%.1f ns/lookup", seconds * 1e9 / Double(lookups))
        }
    }
}
