import MigFSM

/// Large C inputs for the import benchmarks and tests: a kernel-style file
/// of at least `lines` lines (functions, comments, directives, strings)
/// with the spec's next-state and mask tables in a function at the end.
public enum ImportBenchmarkInput {
    public static func kernelFile(lines: Int, model: MigrationProtocol) -> String {
        var text = "// SPDX-License-Identifier: GPL-2.0-only\n#include <linux/vfio.h>\n"
        var count = 2
        var function = 0
        while count < lines {
            text += """
                /*
                 * filler_\(function) - a function the reader must skip.
                 */
                #define FILLER_\(function) (\(function) << 1)
                static int filler_\(function)(struct vfio_device *device, u32 flags)
                {
                \tstatic const char *name = "filler \(function) /* not a comment */";
                \tint table[4] = { 1, 2, 3, 4 }; // a small array
                \tif (flags == FILLER_\(function) && device->migration_flags)
                \t\treturn table[flags & 3];
                \treturn 0;
                }

                """
            count += 12
            function += 1
        }
        let naming = model.naming
        let paths = ProtocolPaths(model: model)
        guard let full = paths.full, let kernel = KernelTable(paths: full) else { return text }
        let order = model.statesByValue.filter { !model.states[$0].isError } + [model.errorState]
        text += "int vfio_mig_get_next_state(struct vfio_device *device, u32 cur_fsm, u32 new_fsm, u32 *next_fsm)\n{\n"
        text += "\tenum { VFIO_DEVICE_NUM_STATES = \(kernel.size) };\n"
        text += "\tstatic const u8 vfio_from_fsm_table[VFIO_DEVICE_NUM_STATES][VFIO_DEVICE_NUM_STATES] = {\n"
        for from in order {
            text += "\t\t[\(naming.cState(model.states[from]))] = {\n"
            for to in order {
                let value = kernel.entry(model.states[from].value, model.states[to].value)
                let next = model.states.first { $0.value == value }.map(naming.cState) ?? String(value)
                text += "\t\t\t[\(naming.cState(model.states[to]))] = \(next),\n"
            }
            text += "\t\t},\n"
        }
        text += "\t};\n\tstatic const unsigned int state_flags_table[VFIO_DEVICE_NUM_STATES] = {\n"
        for id in order {
            let state = model.states[id]
            let flags = model.featureNames(state.needs).map { naming.cFlagPrefix + $0 }.joined(separator: " |\n\t\t\t")
            text += "\t\t[\(naming.cState(state))] = \(state.isError ? "~0U" : flags.isEmpty ? "0" : flags),\n"
        }
        text += "\t};\n\treturn 0;\n}\n"
        return text
    }
}
