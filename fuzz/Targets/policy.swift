import MigFSM

/// The VMM policy reader (`Specs/policies/*.policy`) against vfio-v2.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPolicy(_ data: UnsafeRawPointer, _ count: Int) -> CInt {
    guard let text = FuzzInput.text(data, count) else { return 0 }
    do throws(DiagnosticList) {
        let policy = try PolicyReader.read(text, model: FuzzInput.model)
        _ = policy.events.count
    } catch {
        _ = error.rendered
    }
    return 0
}
