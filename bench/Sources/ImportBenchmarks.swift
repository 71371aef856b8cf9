import Foundation
import MigFSM
import MigFSMTestSupport

/// import-c and audit-driver: on large generated C files, and on the real
/// 6.12 kernel tree (`$MIGFSM_KERNEL_TREE`, else `.build/kernel-source/
/// linux-source-6.12` from scripts/kernel-source; those cases say so and
/// are skipped when it is absent).
enum ImportBenchmarks {
    static var all: [Benchmark] {
        let model = try! SpecReader.read(text: SpecBenchmarks.vfioText(), path: "Specs/vfio-v2.fsm")
        let kernel = Array(ImportBenchmarkInput.kernelFile(lines: 100_000, model: model).utf8)
        let lines = kernel.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        // The same file with a step function appended, for audit-driver.
        var driverText = ImportBenchmarkInput.kernelFile(lines: 100_000, model: model)
        driverText += "static struct file *step(u32 cur, u32 new)\n{\n"
        for arc in PathTable(model: model, features: model.validFeatureSets.last!).requiredArcs {
            driverText += "\tif (cur == VFIO_DEVICE_STATE_\(model.states[arc.from].name) && new == VFIO_DEVICE_STATE_\(model.states[arc.to].name))\n\t\treturn NULL;\n"
        }
        driverText += "\treturn NULL;\n}\n"
        let driver = Array(driverText.utf8)
        let features = model.validFeatureSets.last!
        var cases = [
            Benchmark("import-c: tokenize \(lines)-line C file", runs: 5) {
                let source = CSource(try! SourceText(path: "big.c", bytes: kernel))
                return "\(try! CTokenizer.tokenize(source).count) tokens"
            },
            Benchmark("import-c: read+prove \(lines)-line C file", runs: 5) {
                let source = CSource(try! SourceText(path: "big.c", bytes: kernel))
                let code = try! KernelCodeImport.read(source, model: model)
                let report = ImportReport(code: code, model: model)
                return "\(report.lookups) lookups, \(report.divergences.count) divergences"
            },
            Benchmark("audit-driver: \(lines)-line C file", runs: 5) {
                let audit = DriverAudit.read(try! SourceText(path: "big.c", bytes: driver), model: model, features: features)
                return "\(audit.drivers.first?.model.branches.count ?? 0) arcs, \(audit.findings.count) findings"
            },
        ]
        let environment = ProcessInfo.processInfo.environment["MIGFSM_KERNEL_TREE"] ?? ""
        let tree = environment.isEmpty ? ".build/kernel-source/linux-source-6.12" : environment
        guard FileManager.default.fileExists(atPath: tree + "/drivers/vfio/vfio_main.c") else {
            print("import: no kernel tree at \(tree) (scripts/kernel-source): the 6.12 cases are skipped")
            return cases
        }
        let folders = ["hisilicon", "mlx5", "nvgrace-gpu", "pds", "qat", "virtio"].map { tree + "/drivers/vfio/pci/" + $0 }
            + [tree + "/samples/vfio-mdev"]
        cases += [
            Benchmark("import-c: 6.12 vfio_main.c as written", runs: 20) {
                let code = try! KernelCodeImport.load(path: tree + "/drivers/vfio/vfio_main.c", model: model)
                let report = ImportReport(code: code, model: model)
                return "\(report.lookups) lookups, \(report.agrees ? "holds" : "fails")"
            },
            Benchmark("audit-driver: every 6.12 driver folder", runs: 10) {
                let audit = DriverAudit.run(paths: folders, model: model)
                var usage = rusage()
                getrusage(RUSAGE_SELF.rawValue, &usage)
                return "\(audit.drivers.count) drivers, \(audit.findings.count) findings; bench peak RSS \(usage.ru_maxrss / 1024) MB"
            },
        ]
        return cases
    }
}
