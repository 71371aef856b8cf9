import MigFSM

/// The driver auditor (`migfsm audit-driver`): a C file or a patch, against
/// vfio-v2 with every feature set its code sets, then with the smallest and
/// the largest valid one claimed; both report forms. The extractor
/// (`migfsm extract-driver`) and the driver reader read its driver file back.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAuditDriver(_ data: UnsafeRawPointer, _ count: Int) -> CInt {
    guard let text = FuzzInput.text(data, count) else { return 0 }
    let model = FuzzInput.model
    let claims: [FeatureSet?] = [nil, model.validFeatureSets.first, model.validFeatureSets.last]
    for features in claims {
        let audit = DriverAudit.read(text, model: model, features: features)
        _ = audit.rendered
        _ = audit.json.rendered()
    }
    let sources = DriverSources.read(text: text)
    for code in sources.groups {
        for driver in DriverModel.extract(code, names: CNames(model: model, path: text.path)) {
            _ = try? DriverReader.read(text: driver.driverFile, path: "extracted.driver", model: model)
        }
    }
    return 0
}
