import MigFSM

/// The driver auditor (`migfsm audit-driver`): a C file or a patch, against
/// vfio-v2 with the smallest and the largest valid feature set.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAuditDriver(_ data: UnsafeRawPointer, _ count: Int) -> CInt {
    guard let text = FuzzInput.text(data, count) else { return 0 }
    let model = FuzzInput.model
    for features in [model.validFeatureSets.first, model.validFeatureSets.last].compactMap({ $0 }) {
        do throws(DiagnosticList) {
            let audit = try DriverAudit.read(text, model: model, features: features)
            _ = audit.rendered
        } catch {
            _ = error.rendered
        }
    }
    return 0
}
