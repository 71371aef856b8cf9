import MigFSM

/// The C table importer (`migfsm import-c`) against vfio-v2: tokenizer,
/// enum and array readers, the lookup function's statement parser and
/// interpreter, the proof and both report forms.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzImportC(_ data: UnsafeRawPointer, _ count: Int) -> CInt {
    guard let text = FuzzInput.text(data, count) else { return 0 }
    let model = FuzzInput.model
    do throws(DiagnosticList) {
        let code = try KernelCodeImport.read(CSource(text), model: model)
        let report = ImportReport(code: code, model: model)
        _ = report.rendered
        _ = report.json.rendered()
    } catch {
        _ = error.rendered
    }
    return 0
}
