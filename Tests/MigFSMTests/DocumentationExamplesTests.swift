import Foundation
import XCTest

/// Every example of README.md and docs/*.md that shows a command and its
/// output is run, and the output compared, so the documentation cannot
/// drift from the program.
///
/// An example is a fenced block whose info string is `console`:
///
///     ```console
///     $ migfsm paths Specs/vfio-v2.fsm RUNNING STOP_COPY
///     {STOP_COPY}: RUNNING -> STOP -> STOP_COPY
///     [...]
///     ```
///
/// Each `$ ` line is a shell command, run with `migfsm` on PATH in a
/// scratch copy of the repository (so examples that write files change
/// nothing); the lines up to the next command are its standard output and
/// error, interleaved as a terminal shows them. A line `[...]` stands for
/// any number of lines. In a `console kernel` block the scratch copy also
/// has the real 6.12 kernel tree's `drivers/`, `samples/` and `include/`
/// (so `migfsm audit-driver drivers/vfio/pci/qat --spec Specs/vfio-v2.fsm`
/// reads the upstream driver); such blocks are skipped when the tree is
/// absent. Blocks with any other info string, and indented blocks, are
/// illustrations and are not run.
final class DocumentationExamplesTests: XCTestCase {
    /// One command of an example, with where it is written.
    struct Example {
        var file: String
        var line: Int
        var command: String
        var expected: [String]
        var inKernelTree: Bool
    }

    static func examples(in relative: String) throws -> [Example] {
        let text = try String(contentsOfFile: Repository.path(relative), encoding: .utf8)
        let lines = text.components(separatedBy: "\n")
        var examples: [Example] = []
        var index = 0
        while index < lines.count {
            let fence = lines[index].trimmingCharacters(in: .whitespaces)
            index += 1
            guard fence.hasPrefix("```console") else { continue }
            let inKernelTree = fence.split(separator: " ").dropFirst().contains("kernel")
            while index < lines.count, !lines[index].hasPrefix("```") {
                if lines[index].hasPrefix("$ ") {
                    var example = Example(file: relative, line: index + 1, command: String(lines[index].dropFirst(2)),
                                          expected: [], inKernelTree: inKernelTree)
                    index += 1
                    while index < lines.count, !lines[index].hasPrefix("```"), !lines[index].hasPrefix("$ ") {
                        example.expected.append(lines[index])
                        index += 1
                    }
                    examples.append(example)
                } else {
                    index += 1
                }
            }
            index += 1
        }
        return examples
    }

    /// Whether `actual` matches `expected`, where a `[...]` line matches any
    /// run of lines (including none).
    static func matches(_ actual: ArraySlice<String>, _ expected: ArraySlice<String>) -> Bool {
        guard let first = expected.first else { return actual.isEmpty }
        if first == "[...]" {
            let rest = expected.dropFirst()
            if rest.isEmpty { return true }
            for start in actual.indices + [actual.endIndex] where matches(actual[start...], rest) {
                return true
            }
            return false
        }
        guard let line = actual.first, line == first else { return false }
        return matches(actual.dropFirst(), expected.dropFirst())
    }

    func testElisionMatchesAnyRunOfLines() {
        XCTAssertTrue(Self.matches(["a", "b", "c"], ["a", "[...]", "c"]))
        XCTAssertTrue(Self.matches(["a", "c"], ["a", "[...]", "c"]))
        XCTAssertTrue(Self.matches(["a", "b"], ["a", "[...]"]))
        XCTAssertFalse(Self.matches(["a", "b", "d"], ["a", "[...]", "c"]))
        XCTAssertFalse(Self.matches(["a", "b"], ["a"]))
        XCTAssertFalse(Self.matches(["a"], ["a", "b"]))
    }

    /// A copy of the repository's tracked inputs, so examples may write;
    /// with `kernel`, the kernel tree's folders beside them (links).
    static func scratchCopy(kernel: URL?) throws -> String {
        let folder = try ChildProcess.temporaryFolder("docs")
        let entries = try FileManager.default.contentsOfDirectory(atPath: Repository.root.path)
        for entry in entries where !entry.hasPrefix(".build") && entry != ".git" && entry != "fuzz" {
            try FileManager.default.copyItem(atPath: Repository.path(entry), toPath: folder + "/" + entry)
        }
        if let kernel {
            for entry in ["drivers", "samples", "include"] {
                try FileManager.default.createSymbolicLink(
                    atPath: folder + "/" + entry, withDestinationPath: kernel.appendingPathComponent(entry).path)
            }
        }
        return folder
    }

    func run(_ pages: [String]) throws {
        let migfsm = try ChildProcess.migfsm()
        let bin = URL(fileURLWithPath: migfsm).deletingLastPathComponent().path
        let examples = try pages.flatMap(Self.examples(in:))
        let kernel = examples.contains(where: \.inKernelTree) ? KernelTree.root : nil
        let scratch = try Self.scratchCopy(kernel: kernel)
        defer {
            // The links first, by unlink(2), so removing the copy can never
            // reach into the kernel tree.
            for entry in ["drivers", "samples", "include"] { unlink(scratch + "/" + entry) }
            try? FileManager.default.removeItem(atPath: scratch)
        }
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = bin + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        environment["LC_ALL"] = "C"
        environment["COLUMNS"] = "80"
        var ran = 0
        for example in examples {
            if example.inKernelTree && kernel == nil { continue }
            let result = try ChildProcess.shell("exec 2>&1; " + example.command, in: scratch, environment: environment)
            ran += 1
            var actual = result.out.components(separatedBy: "\n")
            if actual.last == "" { actual.removeLast() }
            var expected = example.expected
            while expected.last == "" { expected.removeLast() }
            XCTAssertTrue(Self.matches(actual[...], expected[...]),
                "\(example.file):\(example.line): `\(example.command)` printed:\n\(actual.joined(separator: "\n"))\n"
                + "but the page shows:\n\(expected.joined(separator: "\n"))")
        }
        XCTAssertGreaterThan(ran, 0, "no runnable example in \(pages)")
    }

    func testREADMEExamples() throws {
        try run(["README.md"])
    }

    func testManualExamples() throws {
        let pages = try FileManager.default.contentsOfDirectory(atPath: Repository.path("docs"))
            .filter { $0.hasSuffix(".md") }.sorted().map { "docs/" + $0 }
        let runnable = try pages.filter { try !Self.examples(in: $0).isEmpty }
        try XCTSkipIf(runnable.isEmpty, "no docs page has a console example yet")
        try run(runnable)
    }
}
