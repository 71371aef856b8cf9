import MigFSM

/// The driver-file reader (`Specs/drivers/*.driver`) against vfio-v2.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDriver(_ data: UnsafeRawPointer, _ count: Int) -> CInt {
    guard let text = FuzzInput.text(data, count) else { return 0 }
    do throws(DiagnosticList) {
        let driver = try DriverReader.read(text, model: FuzzInput.model)
        _ = driver.featureSets
    } catch {
        _ = error.rendered
    }
    return 0
}
