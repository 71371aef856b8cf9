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

    /// The concrete tables behind merged ones, and each table's map from
    /// its states to the merged classes: what a trace is replayed on.
    struct Lifting {
        var tables: [DeviceTable]
        var classOf: [[Int32]]
    }

    /// `nil` when the devices' fields take more than four words. With
    /// `lifting`, `tables` are merged tables and traces are replayed on
    /// the concrete ones.
    static func run(tables: DeviceTables, devices: Int, classes: [[Int]], symmetric: Bool,
                    options: SearchOptions, lifting: Lifting? = nil) -> Result? {
        let layout = layout(devices: devices, idBits: tables.tables.map(\.idBits).max() ?? 1)
        switch layout.words {
        case 1: return run(Key64.self, tables, layout.fields, classes, symmetric, options, lifting)
        case 2: return run(Key128.self, tables, layout.fields, classes, symmetric, options, lifting)
        case 3: return run(Key192.self, tables, layout.fields, classes, symmetric, options, lifting)
        case 4: return run(Key256.self, tables, layout.fields, classes, symmetric, options, lifting)
        default: return nil
        }
    }

    static func run<Key: SearchKey>(
        _ type: Key.Type, _ tables: DeviceTables, _ fields: [KeyField], _ classes: [[Int]], _ symmetric: Bool,
        _ options: SearchOptions, _ lifting: Lifting?
    ) -> Result {
        let system = FreeUserSystem<Key>(tables: tables, layout: fields, classes: classes, symmetric: symmetric)
        let outcome = BreadthFirstSearch(system: system, options: options).run()
        let traces = outcome.violations.map { violation in
            (violation.property, lifting.map { system.replay(violation.path, lifting: $0.tables, classOf: $0.classOf) }
                ?? system.replay(violation.path))
        }
        var start = system.devices(system.initialKey)
        if let lifting {
            start = (0..<fields.count).map { lifting.tables[Int(tables.tableOf[$0])].states[0] }
        }
        return Result(outcome: outcome, traces: traces, start: start)
    }
}
