import MigFSM

/// The spec reader: lexer, parser and validator, then what `fmt` and `check`
/// do with the result. The checks run only on small models so the fuzzer
/// stays fast; the size guarantees are the Robustness tests' and benchmarks'.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSpec(_ data: UnsafeRawPointer, _ count: Int) -> CInt {
    guard let text = FuzzInput.text(data, count) else { return 0 }
    do throws(DiagnosticList) {
        let syntax = try SpecReader.parse(text)
        let formatted = SpecFormatter.format(syntax)
        // fmt never changes meaning: the canonical text must parse again.
        let bytes = Array(formatted.utf8)
        guard let canonical = bytes.withUnsafeBytes({ FuzzInput.text($0.baseAddress!, $0.count) }) else {
            fatalError("fmt printed text SourceText refuses:\n\(formatted)")
        }
        if SpecFormatter.format(try SpecReader.parse(canonical)) != formatted {
            fatalError("fmt is not idempotent:\n\(formatted)")
        }
    } catch {
        _ = error.rendered
    }
    do throws(DiagnosticList) {
        let model = try SpecReader.read(text)
        if model.states.count <= 16 && model.features.count <= 4 {
            let report = Checker.check(model)
            _ = report.rendered
        }
    } catch {
        _ = error.rendered
    }
    return 0
}
