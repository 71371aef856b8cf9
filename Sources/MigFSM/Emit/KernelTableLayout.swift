/// The order in which the kernel header writes the next-state table's rows,
/// each row's entries, and the feature masks, as uAPI state values: by
/// value, or as a table already in a kernel tree has them, so that a
/// regenerated table differs from the one it replaces only where a value
/// does.
///
///     KernelTableLayout.byValue(model)      // ERROR, STOP, RUNNING, ...
///     // vfio_main.c of 6.12 writes STOP, RUNNING, PRE_COPY, PRE_COPY_P2P,
///     // STOP_COPY, RESUMING, RUNNING_P2P, ERROR
public struct KernelTableLayout: Hashable, Sendable {
    /// Row order.
    public var rows: [UInt32]
    /// Entry order within each row, by the row's value.
    public var columns: [UInt32: [UInt32]]
    /// Order of the feature masks.
    public var masks: [UInt32]

    /// Every state of `model` by uAPI value, everywhere.
    public static func byValue(_ model: MigrationProtocol) -> KernelTableLayout {
        let values = model.statesByValue.map { model.states[$0].value }
        return KernelTableLayout(rows: values, columns: Dictionary(uniqueKeysWithValues: values.map { ($0, values) }),
                                 masks: values)
    }

    /// The order found in existing code, made complete for `model`: values
    /// no spec state has and repeats are dropped, states the code lacks
    /// follow by value. A row without its own order takes the first row's.
    public init(model: MigrationProtocol, rows: [UInt32], columns: [UInt32: [UInt32]], masks: [UInt32]) {
        let values = model.statesByValue.map { model.states[$0].value }
        func complete(_ order: [UInt32]) -> [UInt32] {
            var seen = Set<UInt32>()
            let known = order.filter { values.contains($0) && seen.insert($0).inserted }
            return known + values.filter { !seen.contains($0) }
        }
        let rowOrder = complete(rows)
        let first = rows.first.flatMap { columns[$0] }.map(complete) ?? values
        var columnOrder: [UInt32: [UInt32]] = [:]
        for row in rowOrder {
            columnOrder[row] = columns[row].map(complete) ?? first
        }
        self.rows = rowOrder
        self.columns = columnOrder
        self.masks = complete(masks)
    }

    init(rows: [UInt32], columns: [UInt32: [UInt32]], masks: [UInt32]) {
        self.rows = rows
        self.columns = columns
        self.masks = masks
    }
}
