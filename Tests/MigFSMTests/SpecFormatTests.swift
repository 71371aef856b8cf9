import XCTest
@testable import MigFSM

/// `fmt`: canonical printing keeps every statement and comment, and what it
/// prints parses to the same protocol.
final class SpecFormatTests: XCTestCase {
    static let messy = """


        # A spec written carelessly.
          protocol   messy   # trailing comment
        feature BASE=0x1 mandatory
        feature   EXTRA = 1<<1   needs BASE
        state ERROR = 0x0 error


        state RUNNING = 2 reset   needs BASE
        state STOP = 1 needs BASE
        state SAVE = 3 session saving needs BASE|EXTRA
        group g = SAVE
        RUNNING->STOP
        STOP   ->   RUNNING
        STOP -> SAVE
        SAVE -> STOP
        path group-interior g   contained
        invariant path RUNNING -> STOP -> SAVE with BASE | EXTRA

        """

    static let canonical = """
        # A spec written carelessly.
        protocol messy # trailing comment
        feature BASE = 1 << 0 mandatory
        feature EXTRA = 1 << 1 needs BASE
        state ERROR = 0 error

        state RUNNING = 2 needs BASE reset
        state STOP = 1 needs BASE
        state SAVE = 3 needs BASE | EXTRA session saving
        group g = SAVE
        RUNNING -> STOP
        STOP -> RUNNING
        STOP -> SAVE
        SAVE -> STOP
        path group-interior g contained
        invariant path RUNNING -> STOP -> SAVE with BASE | EXTRA

        """

    func format(_ text: String) throws -> String {
        let source = try SourceText(path: "m.fsm", bytes: Array(text.utf8))
        return SpecFormatter.format(try SpecReader.parse(source))
    }

    func testMessySpecPrintsCanonically() throws {
        XCTAssertEqual(try format(Self.messy), Self.canonical)
    }

    func testCanonicalFormIsAFixedPoint() throws {
        XCTAssertEqual(try format(Self.canonical), Self.canonical)
        let vfio = try String(contentsOfFile: Repository.path("Specs/vfio-v2.fsm"), encoding: .utf8)
        XCTAssertEqual(try format(vfio), vfio)
    }

    /// What a protocol means, without where it was written.
    func meaning(_ model: MigrationProtocol) -> String {
        var text = "\(model.name) \(model.naming)\n"
        text += model.features.map { "\($0.name) \($0.bit) \($0.isMandatory) \($0.needs.rawValue)" }.joined(separator: ";") + "\n"
        text += model.states.map { "\($0.name) \($0.value) \($0.needs.rawValue) \($0.isError) \($0.isReset) \(String(describing: $0.session))" }.joined(separator: ";") + "\n"
        text += model.groups.map { "\($0.name) \($0.members)" }.joined(separator: ";") + "\n"
        text += "\(model.arcs) \(model.blockedInOrder) \(model.pathRule)\n"
        text += model.invariants.map { "\($0.kind)" }.joined(separator: ";")
        return text
    }

    func testParsePrintParseGivesTheSameProtocol() throws {
        for (text, path) in [(Self.messy, "m.fsm"), (try String(contentsOfFile: Repository.path("Specs/vfio-v2.fsm"), encoding: .utf8), "v.fsm")] {
            let first = try SpecReader.read(text: text, path: path)
            let second = try SpecReader.read(text: try format(text), path: path)
            XCTAssertEqual(meaning(first), meaning(second))
        }
    }

    func testFmtCheckExitsOneOnANonCanonicalFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("migfsm-fmt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("messy.fsm").path
        try Self.messy.write(toFile: path, atomically: true, encoding: .utf8)
        let check = runCLI("fmt", "--check", path)
        XCTAssertEqual(check.status, .failure)
        XCTAssertEqual(check.out, "")
        XCTAssertEqual(check.err, "\(path): not in canonical form; run 'migfsm fmt \(path)'\n")
        let printed = runCLI("fmt", path)
        XCTAssertEqual(printed.status, .success)
        XCTAssertEqual(printed.out, Self.canonical)
    }
}
