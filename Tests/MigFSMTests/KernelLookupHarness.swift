import Foundation
import XCTest
@testable import MigFSM

/// Compiles the kernel's `vfio_mig_get_next_state()`, extracted at test
/// time from a real `vfio_main.c` (never committed), beside another lookup,
/// with the kernel's types shimmed and the uAPI's enum and flags taken from
/// the real `include/uapi/linux/vfio.h`, and runs both on every input:
///
/// - flags: every value of the low 16 bits, alone and with the high 16 bits
///   all set. Both lookups read the flags only through masks that are sets
///   of the 3 declared bits or all ones, so this covers every class: each
///   combination of declared bits with and without undeclared bits (3..15
///   and 16..31), and 0xffffffff, the one value where ERROR's mask fits;
/// - cur and new: 0..9 (every state, the first values past the table),
///   255, 256, 0x7fffffff and 0xffffffff.
///
/// For each of the 25,690,112 requests it compares the return value,
/// `*next_fsm`, whether WARN_ON fired, and whether the call returned at all
/// (a skip loop that spins 10,000 times is cut off and counted as a hang).
enum KernelLookupHarness {
    /// What the reference lookup did, and where the two differ.
    struct Comparison {
        var cases = 0
        var served = 0
        var warned = 0
        var refused = 0
        var hung = 0
        /// One line per (cur, new, flags & 7, all ones, both answers), deduplicated.
        var mismatches: [String] = []
    }

    static let stateValues: [UInt32] = Array(0...9) + [255, 256, 0x7fff_ffff, 0xffff_ffff]

    /// `int vfio_mig_get_next_state(...)` through its closing `}`.
    static func extractFunction(_ text: String) -> String? {
        let lines = text.components(separatedBy: "\n")
        guard let start = lines.firstIndex(where: { $0.hasPrefix("int vfio_mig_get_next_state(") }),
              let end = lines[start...].firstIndex(of: "}") else { return nil }
        return lines[start...end].joined(separator: "\n") + "\n"
    }

    /// The shim headers: `kernel.h` with the types and macros, and the
    /// `linux/*.h` the kernel header includes. `uapi` is the text of the
    /// real `include/uapi/linux/vfio.h`; `stateOverride` changes one
    /// enumerator's value, to prove the static assertions bite.
    static func shim(uapi: String, stateOverride: (String, Int)? = nil) throws -> [String: String] {
        let lines = uapi.components(separatedBy: "\n")
        let start = try XCTUnwrap(lines.firstIndex(of: "enum vfio_device_mig_state {"), "no enum in the uAPI header")
        let end = try XCTUnwrap(lines[start...].firstIndex(of: "};"))
        var enumeration = Array(lines[start...end])
        if let (name, value) = stateOverride {
            enumeration = enumeration.map { $0.hasPrefix("\t\(name) =") ? "\t\(name) = \(value)," : $0 }
        }
        let flags = lines.filter { $0.hasPrefix("#define VFIO_MIGRATION_") }
        XCTAssertGreaterThanOrEqual(flags.count, 3, "the uAPI's VFIO_MIGRATION_* flags")
        let kernel = """
            #ifndef SHIM_KERNEL_H
            #define SHIM_KERNEL_H
            #include <stddef.h>
            #include <stdint.h>
            typedef uint8_t u8;
            typedef uint16_t u16;
            typedef uint32_t u32;
            #define EINVAL 22
            #define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
            #define static_assert(e, ...) _Static_assert(e, #e)
            int shim_warn(int condition);
            int shim_loop(void);
            #define WARN_ON(condition) shim_warn(!!(condition))
            \(enumeration.joined(separator: "\n"))
            \(flags.joined(separator: "\n"))
            struct vfio_device {
            \tunsigned int migration_flags;
            };
            #endif

            """
        return [
            "kernel.h": kernel,
            "linux/bug.h": "#include \"../kernel.h\"\n",
            "linux/build_bug.h": "#include \"../kernel.h\"\n",
            "linux/errno.h": "#include \"../kernel.h\"\n",
            "linux/kernel.h": "#include \"../kernel.h\"\n",
            "linux/types.h": "#include \"../kernel.h\"\n",
            "linux/vfio.h": "#include \"../kernel.h\"\n",
        ]
    }

    /// A translation unit defining `NAME(struct vfio_device *, cur, new,
    /// next)` from `code`, every loop cut off after 10,000 turns.
    static func unit(_ name: String, _ code: String, includes: [String] = []) -> String {
        var text = "#include \"kernel.h\"\n"
        text += "#define while(condition) while ((condition) && shim_loop())\n"
        for include in includes { text += "#include \"\(include)\"\n" }
        text += "#define vfio_mig_get_next_state \(name)\n"
        return text + code
    }

    /// Runs `reference` and `candidate` (units from `unit`) on every input.
    static func compare(reference: String, candidate: String, files: [String: String],
                        file: StaticString = #filePath, line: UInt = #line) throws -> Comparison? {
        let folder = try EmitScratchFolder("kernel-lookup")
        defer { folder.remove() }
        for (path, text) in files { try folder.write(path, text) }
        try folder.write("reference.c", reference)
        try folder.write("candidate.c", candidate)
        try folder.write("main.c", main)
        let output = folder.file("compare")
        let sources = ["main.c", "reference.c", "candidate.c"].map(folder.file)
        let compile = try runEmitProgram([emitCCompiler, "-std=gnu11", "-O2", "-Wall", "-Wextra", "-Werror",
                                          "-Wno-unused-parameter", "-I", folder.path] + sources + ["-o", output])
        if compile.status == 127 {
            XCTFail("no C compiler: '\(emitCCompiler)' is not on PATH; install one (cc) or set CC", file: file, line: line)
            return nil
        }
        guard compile.status == 0 else {
            XCTFail("\(emitCCompiler) failed (\(compile.status)):\n\(compile.errors)", file: file, line: line)
            return nil
        }
        let run = try runEmitProgram([output])
        XCTAssertEqual(run.status, 0, run.errors, file: file, line: line)
        var comparison = Comparison()
        for text in run.output.split(separator: "\n") {
            if text.hasPrefix("cases ") {
                let numbers = text.split(separator: " ").compactMap { Int($0) }
                guard numbers.count == 5 else { continue }
                (comparison.cases, comparison.served, comparison.warned, comparison.refused, comparison.hung)
                    = (numbers[0], numbers[1], numbers[2], numbers[3], numbers[4])
            } else {
                comparison.mismatches.append(String(text))
            }
        }
        return comparison
    }

    /// The driver: both lookups on every input, mismatches printed once
    /// per class, then `cases N served S warned W refused R hung H` for the
    /// reference.
    static let main = """
        #include <stdio.h>
        #include "kernel.h"

        int reference_next_state(struct vfio_device *device,
        \t\t\t enum vfio_device_mig_state cur_fsm,
        \t\t\t enum vfio_device_mig_state new_fsm,
        \t\t\t enum vfio_device_mig_state *next_fsm);
        int candidate_next_state(struct vfio_device *device,
        \t\t\t enum vfio_device_mig_state cur_fsm,
        \t\t\t enum vfio_device_mig_state new_fsm,
        \t\t\t enum vfio_device_mig_state *next_fsm);

        static int warnings;
        static int turns;
        static int hung;

        int shim_warn(int condition)
        {
        \tif (condition)
        \t\twarnings++;
        \treturn condition;
        }

        int shim_loop(void)
        {
        \tif (++turns < 10000)
        \t\treturn 1;
        \thung = 1;
        \treturn 0;
        }

        struct answer {
        \tint status, warned, hung;
        \tunsigned int next;
        };

        static struct answer ask(int (*lookup)(struct vfio_device *,
        \t\t\t\t       enum vfio_device_mig_state,
        \t\t\t\t       enum vfio_device_mig_state,
        \t\t\t\t       enum vfio_device_mig_state *),
        \t\t\t unsigned int flags, unsigned int cur, unsigned int new)
        {
        \tstruct vfio_device device = { .migration_flags = flags };
        \tenum vfio_device_mig_state next = (enum vfio_device_mig_state)0xdead;
        \tstruct answer answer;

        \twarnings = 0;
        \tturns = 0;
        \thung = 0;
        \tanswer.status = lookup(&device, (enum vfio_device_mig_state)cur,
        \t\t\t       (enum vfio_device_mig_state)new, &next);
        \tanswer.warned = warnings;
        \tanswer.hung = hung;
        \tanswer.next = hung ? 0xdead : (unsigned int)next;
        \treturn answer;
        }

        int main(void)
        {
        \tstatic const unsigned int values[] = {
        \t\t0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 255, 256, 0x7fffffffu, 0xffffffffu,
        \t};
        \tenum { N = sizeof(values) / sizeof(values[0]) };
        \tstatic unsigned char seen[N][N][32];
        \tlong cases = 0, served = 0, warned = 0, refused = 0, stuck = 0;
        \tunsigned int low, high, c, n;

        \tfor (high = 0; high < 2; high++)
        \t\tfor (low = 0; low < 0x10000; low++)
        \t\t\tfor (c = 0; c < N; c++)
        \t\t\t\tfor (n = 0; n < N; n++) {
        \t\t\t\t\tunsigned int flags = low | (high ? 0xffff0000u : 0);
        \t\t\t\t\tstruct answer a = ask(reference_next_state, flags, values[c], values[n]);
        \t\t\t\t\tstruct answer b = ask(candidate_next_state, flags, values[c], values[n]);
        \t\t\t\t\tint class = (flags & 15) * 2 + (flags == 0xffffffffu);

        \t\t\t\t\tcases++;
        \t\t\t\t\tserved += !a.hung && a.status == 0;
        \t\t\t\t\twarned += a.warned != 0;
        \t\t\t\t\trefused += !a.hung && a.status != 0;
        \t\t\t\t\tstuck += a.hung;
        \t\t\t\t\tif (a.status == b.status && a.next == b.next &&
        \t\t\t\t\t    a.warned == b.warned && a.hung == b.hung)
        \t\t\t\t\t\tcontinue;
        \t\t\t\t\tif (seen[c][n][class])
        \t\t\t\t\t\tcontinue;
        \t\t\t\t\tseen[c][n][class] = 1;
        \t\t\t\t\tprintf("cur %u new %u flags&15 %u allones %d: reference %d/%u/%d/%d candidate %d/%u/%d/%d\\n",
        \t\t\t\t\t       values[c], values[n], flags & 15, flags == 0xffffffffu,
        \t\t\t\t\t       a.status, a.next, a.warned, a.hung, b.status, b.next, b.warned, b.hung);
        \t\t\t\t}
        \tprintf("cases %ld served %ld warned %ld refused %ld hung %ld\\n", cases, served, warned, refused, stuck);
        \treturn 0;
        }

        """

    /// The counts the reference must show, from `KernelTable.lookup` on one
    /// flags value per class, times the number of flags values in it: the
    /// C and the model count the same thing independently.
    static func expectedCounts(_ kernel: KernelTable, loop: KernelTable.SkipLoop) -> (cases: Int, served: Int, warned: Int, refused: Int, hung: Int) {
        var counts = (cases: 0, served: 0, warned: 0, refused: 0, hung: 0)
        for low in UInt32(0)..<8 {
            for allOnes in [false, true] {
                let flags = allOnes ? UInt32.max : low
                if allOnes && low != 7 { continue }
                // 2 * 0x10000 flags values, 1/8 per declared pattern; all
                // ones is one of them.
                let multiplicity = allOnes ? 1 : (low == 7 ? 2 * 0x10000 / 8 - 1 : 2 * 0x10000 / 8)
                for current in stateValues {
                    for requested in stateValues {
                        counts.cases += multiplicity
                        if Int(current) >= kernel.size || !kernel.supported(current, flags) { counts.warned += multiplicity }
                        switch kernel.lookup(flags: flags, current: current, requested: requested, loop: loop) {
                        case .next: counts.served += multiplicity
                        case .refused: counts.refused += multiplicity
                        case .cycle: counts.hung += multiplicity
                        }
                    }
                }
            }
        }
        return counts
    }
}
