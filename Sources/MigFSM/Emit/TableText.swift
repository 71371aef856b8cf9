/// The human forms of path tables: the next-state grid of `migfsm table`, the
/// combination transitions of `migfsm paths` and the arcs of `migfsm arcs`.
public enum TableText {
    /// A grid: rows are current states, columns requested states, cells the
    /// next state, `-` where refused.
    public static func grid(_ table: PathTable) -> String {
        let model = table.model
        let states = table.supportedStates
        let names = states.map { model.states[$0].name }
        var rows: [[String]] = [["cur \\ new"] + names]
        for from in states {
            rows.append([model.states[from].name] + states.map { to in
                table.nextState(from: from, to: to).map { model.states[$0].name } ?? "-"
            })
        }
        var widths = [Int](repeating: 0, count: rows[0].count)
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index] + 1)
            }.joined().trimmingTrailingSpaces()
        }.joined(separator: "\n") + "\n"
    }

    /// `A -> B -> C`, one combination transition a line, sorted as the uAPI
    /// comment sorts them.
    public static func combinationPaths(_ table: PathTable) -> String {
        table.combinationPaths.map { table.model.describe(path: $0) + "\n" }.joined()
    }

    /// `A -> B`, one required arc a line.
    public static func requiredArcs(_ table: PathTable) -> String {
        table.requiredArcs.map { table.model.describe($0) + "\n" }.joined()
    }

    /// `# {STOP_COPY, P2P} (flags 0x3)`: the heading of one feature set.
    public static func heading(_ table: PathTable) -> String {
        "# \(table.model.describe(table.features)) (flags 0x\(String(table.features.rawValue, radix: 16)))\n"
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var copy = self
        while copy.last == " " { copy.removeLast() }
        return copy
    }
}
