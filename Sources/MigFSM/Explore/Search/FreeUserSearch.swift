/// Runs the engine on a `FreeUserSystem` with the narrowest key its
/// fields fit, and replays each violation's path into a trace.
enum FreeUserSearch {
    struct Result {
        var outcome: SearchOutcome
        /// Per violated property (search bit, in bit order): the trace.
        var traces: [(property: Int, steps: [ReplayedStep])]
        var start: [DeviceState]
    }

    /// The key layout of `devices` devices of tables whose states take
    /// `idBits`: one field each.
    static func layout(devices: Int, idBits: Int) -> KeyLayout {
        var layout = KeyLayout()
        for _ in 0..<devices { _ = layout.add(width: idBits) }
        return layout
    }

    /// Whether the devices' fields fit a key of at most four words.
    static func fits(devices: Int, tables: [DeviceTable]) -> Bool {
        layout(devices: devices, idBits: tables.map(\.idBits).max() ?? 1).words <= 4
    }

    /// `nil` when the devices' fields take more than four words.
    static func run(tables: DeviceTables, devices: Int, classes: [[Int]], symmetric: Bool,
                    options: SearchOptions) -> Result? {
        let layout = layout(devices: devices, idBits: tables.tables.map(\.idBits).max() ?? 1)
        switch layout.words {
        case 1: return run(Key64.self, tables, layout.fields, classes, symmetric, options)
        case 2: return run(Key128.self, tables, layout.fields, classes, symmetric, options)
        case 3: return run(Key192.self, tables, layout.fields, classes, symmetric, options)
        case 4: return run(Key256.self, tables, layout.fields, classes, symmetric, options)
        default: return nil
        }
    }

    static func run<Key: SearchKey>(
        _ type: Key.Type, _ tables: DeviceTables, _ fields: [KeyField], _ classes: [[Int]], _ symmetric: Bool,
        _ options: SearchOptions
    ) -> Result {
        let system = FreeUserSystem<Key>(tables: tables, layout: fields, classes: classes, symmetric: symmetric)
        let outcome = BreadthFirstSearch(system: system, options: options).run()
        let traces = outcome.violations.map { ($0.property, system.replay($0.path)) }
        return Result(outcome: outcome, traces: traces, start: system.devices(system.initialKey))
    }
}
