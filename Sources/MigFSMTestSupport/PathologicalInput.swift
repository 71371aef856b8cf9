import MigFSM

/// Hostile inputs of every reader, built in memory: the cases of the
/// Robustness tests (which check the results) and of `migfsm-bench` (which
/// times them). Every builder is deterministic.
public enum PathologicalInput {
    /// The statements every generated spec starts with.
    static let header = """
        protocol pathological
        feature BASE = 1 << 0 mandatory

        """

    /// A spec with `states` states (`S0` the error state, `S1` the reset
    /// state, values 0..<states) joined in one ring `S1 -> S2 -> ... ->
    /// S(n-1) -> S1`: every state lies on the cycle.
    public static func ringSpec(states: Int) -> String {
        precondition(states >= 3)
        var lines = [header, "state S0 = 0 error\n", "state S1 = 1 needs BASE reset\n"]
        lines.reserveCapacity(2 * states + 2)
        for index in 2..<states { lines.append("state S\(index) = \(index) needs BASE\n") }
        for index in 1..<states {
            lines.append("S\(index) -> S\(index + 1 == states ? 1 : index + 1)\n")
        }
        return lines.joined()
    }

    /// A spec with `arcs` arcs among as few states as hold them: every
    /// ordered pair of non-error states, in row order, until `arcs` are
    /// written. Cycles everywhere: each row reaches every other state.
    public static func denseSpec(arcs: Int) -> (text: String, states: Int) {
        var live = 2
        while live * (live - 1) < arcs { live += 1 }
        var lines = [header, "state S0 = 0 error\n", "state S1 = 1 needs BASE reset\n"]
        lines.reserveCapacity(arcs + live + 3)
        for index in 2...live { lines.append("state S\(index) = \(index) needs BASE\n") }
        var written = 0
        outer: for from in 1...live {
            for to in 1...live where to != from {
                if written == arcs { break outer }
                lines.append("S\(from) -> S\(to)\n")
                written += 1
            }
        }
        return (lines.joined(), live + 1)
    }

    /// A complete graph of `states` states (one error state aside): every
    /// state has an arc to every other, so every request is one arc.
    public static func completeSpec(states: Int) -> String {
        denseSpec(arcs: (states - 1) * (states - 2)).text
    }

    /// A spec with `features` optional features (none mandatory), so every
    /// one of the 2^features combinations is a valid feature set: state
    /// `S<i>` needs feature `F<i>` and hangs off `RUNNING` both ways (a
    /// star), so each set sees a different graph.
    public static func featureSpec(features: Int) -> String {
        precondition((1...32).contains(features))
        var lines = ["protocol features\n", "state ERROR = 0 error\n", "state RUNNING = 1 reset\n"]
        for index in 0..<features {
            lines.append("feature F\(index) = 1 << \(index)\n")
            lines.append("state S\(index) = \(index + 2) needs F\(index)\n")
            lines.append("RUNNING -> S\(index)\nS\(index) -> RUNNING\n")
        }
        return lines.joined()
    }

    /// A spec whose three states have the values 0, 1 and `largest`: the
    /// value range is far larger than the spec.
    public static func sparseSpec(largest: UInt32) -> String {
        "protocol sparse\nstate ERROR = 0 error\nstate A = 1 reset\nstate B = \(largest)\nA -> B\nB -> A\n"
    }

    /// One line of `bytes` bytes: a `group` statement listing the states of
    /// `ringSpec` over and over, which the validator reports once per
    /// repeated member, plus a comment line as long.
    public static func longLineSpec(bytes: Int) -> String {
        var line = "group long = S2"
        var index = 3
        while line.utf8.count < bytes {
            line += ", S\(index % 50 + 2)"
            index += 1
        }
        return ringSpec(states: 60) + line + "\n# " + String(repeating: "x", count: bytes) + "\n"
    }

    /// A spec whose one token is `bytes` characters long.
    public static func longTokenSpec(bytes: Int) -> String {
        header + "state " + String(repeating: "S", count: bytes) + " = 0 error\n"
    }

    /// A spec that names `count` unknown states, each a near miss of one of
    /// `states` declared ones: the "did you mean" search must stay linear.
    public static func typoSpec(states: Int, count: Int) -> String {
        var text = ringSpec(states: states)
        for index in 0..<count {
            text += "S\(index % (states - 1) + 1) -> T\(index % (states - 1) + 1)\n"
        }
        return text
    }

    /// A C next-state table whose entry is wrapped in `depth` parentheses,
    /// and an initializer nested `depth` braces deep.
    public static func deeplyNestedC(depth: Int) -> String {
        let open = String(repeating: "(", count: depth)
        let close = String(repeating: ")", count: depth)
        let braces = String(repeating: "{", count: depth) + String(repeating: "}", count: depth)
        return """
            static const u8 table[2][2] = {
            \t[VFIO_DEVICE_STATE_STOP] = { [VFIO_DEVICE_STATE_STOP] = \(open)VFIO_DEVICE_STATE_STOP\(close) },
            };
            static const u8 other[2] = \(braces);

            """
    }

    /// A kernel-style C file of at least `bytes` bytes with the spec's
    /// tables at its end (`ImportBenchmarkInput.kernelFile`).
    public static func largeKernelFile(bytes: Int, model: MigrationProtocol) -> String {
        // About 330 bytes per 12-line filler function.
        ImportBenchmarkInput.kernelFile(lines: bytes / 330 * 12 + 12, model: model)
    }

    /// A C file of `bytes` bytes on a single line: the tables' tokens
    /// separated by spaces instead of newlines, then one long comment.
    public static func singleLineC(bytes: Int, model: MigrationProtocol) -> String {
        let tables = ImportBenchmarkInput.kernelFile(lines: 0, model: model)
            .split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.hasPrefix("//") }.joined(separator: " ")
        let padding = max(0, bytes - tables.utf8.count - 7)
        return tables + " /* " + String(repeating: "x", count: padding) + " */"
    }
}
