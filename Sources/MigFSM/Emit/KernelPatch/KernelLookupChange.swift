/// What replacing one kernel lookup by another changes, found by running
/// both on every flags class (`Checker.everyFlagsClass`: the lookups read
/// the flags only through masks of declared bits or all ones) and every
/// (current, requested) pair of values up to past both tables, `UINT32_MAX`
/// included: the requests whose answer, or whose warning, differs.
///
///     {STOP_COPY, PRE_COPY} STOP_COPY -> PRE_COPY: never returned; now -EINVAL
struct KernelLookupChange {
    /// One lookup's answer to one request.
    enum Answer: Hashable {
        case next(UInt32)
        /// -EINVAL; `warned` when the kernel's WARN_ON fired (the current
        /// state is out of range or unsupported).
        case refused(warned: Bool)
        case neverReturns
    }

    /// One request answered differently.
    struct Difference: Hashable {
        var flags: UInt32
        var current: UInt32
        var requested: UInt32
        var old: Answer
        var new: Answer
    }

    let differences: [Difference]
    /// How many lookups each side made.
    let cases: Int

    init(model: MigrationProtocol, old: KernelTable, oldLoop: KernelTable.SkipLoop,
         new: KernelTable, newLoop: KernelTable.SkipLoop) {
        let largest = UInt32(max(old.size, new.size))
        let values = Array(0...largest) + [UInt32.max]
        var differences: [Difference] = []
        var cases = 0
        for flags in Checker.everyFlagsClass(model) {
            for current in values {
                for requested in values {
                    cases += 1
                    let before = Self.answer(old, oldLoop, flags, current, requested)
                    let after = Self.answer(new, newLoop, flags, current, requested)
                    if before != after {
                        differences.append(Difference(flags: flags, current: current, requested: requested,
                                                      old: before, new: after))
                    }
                }
            }
        }
        self.differences = differences
        self.cases = cases
    }

    /// A guarded lookup is migfsm's (with the flag tests of the table's
    /// gated requests, none for a table read from code); an unguarded one
    /// is the old hand-written loop.
    static func answer(_ table: KernelTable, _ loop: KernelTable.SkipLoop,
                       _ flags: UInt32, _ current: UInt32, _ requested: UInt32) -> Answer {
        let warned = Int(current) >= table.size || !table.supported(current, flags)
        let outcome = loop == .guarded
            ? table.generatedLookup(flags: flags, current: current, requested: requested)
            : table.lookup(flags: flags, current: current, requested: requested, loop: .unguarded)
        switch outcome {
        case .next(let value, _): return .next(value)
        case .refused: return .refused(warned: warned)
        case .cycle: return .neverReturns
        }
    }

    /// One line per changed request, with the flags that see the change:
    /// feature sets by name (`also with undefined bits` when flags with
    /// bits no feature has see it too), then `all 32 flag bits`.
    func lines(_ model: MigrationProtocol) -> [String] {
        var byValue: [UInt32: String] = [:]
        for state in model.states { byValue[state.value] = state.name }
        func name(_ value: UInt32) -> String { byValue[value] ?? "value \(value)" }
        func describe(_ answer: Answer, past: Bool) -> String {
            switch answer {
            case .next(let value): return (past ? "gave " : "gives ") + name(value)
            case .refused(let warned): return warned ? "-EINVAL with a warning" : "-EINVAL"
            case .neverReturns: return "never returned"
            }
        }
        struct Key: Hashable { var current, requested: UInt32; var old, new: Answer }
        var order: [Key] = []
        var flagsByKey: [Key: [UInt32]] = [:]
        for difference in differences {
            let key = Key(current: difference.current, requested: difference.requested,
                          old: difference.old, new: difference.new)
            if flagsByKey[key] == nil { order.append(key) }
            flagsByKey[key, default: []].append(difference.flags)
        }
        let declared = model.allFeatures.rawValue
        return order.map { key in
            let flags = flagsByKey[key, default: []]
            var subjects: [String] = []
            for set in Set(flags.filter { $0 != .max }.map { $0 & declared }).sorted() {
                let plain = flags.contains(set)
                let extra = flags.contains { $0 != .max && $0 & declared == set && $0 != set }
                let described = model.isValid(FeatureSet(rawValue: set))
                    ? model.describe(FeatureSet(rawValue: set)) : "flags 0x" + String(set, radix: 16)
                subjects.append(plain && extra ? described + " also with undefined bits"
                    : plain ? described : described + " with undefined bits")
            }
            if flags.contains(.max) { subjects.append("all 32 flag bits") }
            return "\(name(key.current)) -> \(name(key.requested)): \(describe(key.old, past: true)); "
                + "now \(describe(key.new, past: false)) (\(subjects.joined(separator: "; ")))"
        }
    }
}
