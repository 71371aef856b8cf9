import Foundation
import XCTest
@testable import MigFSM

/// Each crash the fuzzers (`fuzz/run`) found, with its input checked in
/// under `Tests/Fixtures/fuzz/TARGET/`: the reader now gives diagnostics.
final class RobustnessFuzzFindingsTests: XCTestCase {
    func fixture(_ target: String, _ name: String) throws -> SourceText {
        try SourceText.load(path: Repository.path("Tests/Fixtures/fuzz/\(target)/\(name)"))
    }

    /// import-c: `NAME[` as the file's last tokens made an inverted range
    /// in `CArrayDeclaration.all` (an unclosed `[` is no dimension).
    func testUnclosedBracketAtEndOfFile() throws {
        let text = try fixture("import-c", "unclosed-bracket-at-end.c")
        XCTAssertThrowsError(try KernelCodeImport.read(CSource(text), model: Repository.vfio)) { error in
            let rendered = (error as! DiagnosticList).rendered
            XCTAssertTrue(rendered.contains("unclosed-bracket-at-end.c:1:1: error: no next-state table"), rendered)
        }
        XCTAssertFalse(DriverAudit.read(text, model: Repository.vfio, features: Repository.vfio.set("STOP_COPY")).passes)
    }

    /// Every checked-in finding goes through every reader without a trap.
    func testEveryFindingThroughEveryReader() throws {
        let root = Repository.path("Tests/Fixtures/fuzz")
        let model = Repository.vfio
        let files = ChildProcess.snapshot(root).keys.sorted()
        XCTAssertFalse(files.isEmpty)
        for file in files {
            guard let text = try? SourceText.load(path: root + "/" + file) else { continue }
            _ = try? SpecReader.read(text)
            _ = try? DriverReader.read(text, model: model)
            _ = try? KernelCodeImport.read(CSource(text), model: model)
            _ = DriverAudit.read(text, model: model, features: model.validFeatureSets.last!).rendered
        }
    }
}
