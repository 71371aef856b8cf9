import Foundation
import MigFSM
import MigFSMTestSupport

/// import-c and audit-driver on large C files.
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
        return [
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
                let path = NSTemporaryDirectory() + "migfsm-bench-driver.c"
                try! Data(driver).write(to: URL(fileURLWithPath: path))
                let audit = try! DriverAudit.load(path: path, model: model, features: features)
                return "\(audit.handled.count) arcs, \(audit.missing.count) missing"
            },
        ]
    }
}
