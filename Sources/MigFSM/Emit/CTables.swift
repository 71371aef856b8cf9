/// The parts both C headers write alike, in the kernel's own form: the
/// next-state table as nested designated initializers over the state
/// enumerators, the array of the features each state needs, and the names
/// they use. The headers differ only in types and in the order of rows.
///
///     static const u8 vfio_mig_fsm_table[VFIO_MIG_FSM_NUM_STATES][VFIO_MIG_FSM_NUM_STATES] = {
///             [VFIO_DEVICE_STATE_STOP] = {
///                     [VFIO_DEVICE_STATE_STOP] = VFIO_DEVICE_STATE_STOP,
struct CTables {
    let model: MigrationProtocol
    let kernel: KernelTable

    var naming: Naming { model.naming }

    /// Name of the state with uAPI `value`, or the number for a gap.
    func stateName(_ value: UInt32) -> String {
        model.states.first { $0.value == value }.map(naming.cState) ?? String(value)
    }

    /// `VFIO_MIGRATION_STOP_COPY`, `VFIO_MIGRATION_P2P`, or `0`.
    func flagTerms(_ set: FeatureSet) -> [String] {
        let names = model.features.sorted { $0.bit < $1.bit }.filter { set.covers($0.flag) }.map(naming.cFlag)
        return names.isEmpty ? ["0"] : names
    }

    /// `static const TYPE NAME[SIZE][SIZE] = { ... };`: `rows` in order, each
    /// row's entries in `columns(row)` order, lines within 100 columns as
    /// the kernel's table has them.
    func nextStateTable(type: String, name: String, size: String,
                        rows: [UInt32], columns: (UInt32) -> [UInt32]) -> String {
        var text = "static const \(type) \(name)[\(size)][\(size)] = {\n"
        for row in rows {
            text += "\t[\(stateName(row))] = {\n"
            for column in columns(row) {
                text += CLayout.assignment(indent: 2, "[\(stateName(column))] =", [stateName(kernel.entry(row, column))],
                                           ",", limit: 100)
            }
            text += "\t},\n"
        }
        return text + "};\n"
    }

    /// The comment and `static const TYPE NAME[SIZE] = { ... };` of the
    /// features each state needs, in `values` order; the error state's
    /// mask is `~0U`.
    func flagsTable(type: String, name: String, size: String, values: [UInt32]) -> String {
        let error = naming.cState(model.states[model.errorState])
        var text = CLayout.blockComment([
            "The features each state needs: a state exists on a device whose flags contain its mask. \(error)'s mask is all ones, so it is never supported and can never be requested.",
        ])
        text += "static const \(type) \(name)[\(size)] = {\n"
        for value in values {
            let mask = kernel.masks[Int(value)]
            let terms = mask == ~0 ? ["~0U"] : flagTerms(FeatureSet(rawValue: mask))
            text += CLayout.assignment(indent: 1, "[\(stateName(value))] =", terms, ",")
        }
        return text + "};\n"
    }
}
