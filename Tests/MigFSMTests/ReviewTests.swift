import Foundation
import XCTest
@testable import MigFSM

/// The reviewer workflow: the semantic diff and the diagrams.
final class ReviewTests: XCTestCase {
    let vfio = Repository.path("Specs/vfio-v2.fsm")
    let unblock = Repository.path("Specs/proposals/stop-copy-to-pre-copy.fsm")

    func testAReformattedAndRecommentedSpecDiffsAsIdentical() throws {
        let text = try String(contentsOfFile: vfio, encoding: .utf8)
        let reformatted = text
            .replacingOccurrences(of: "# ", with: "#  ")
            .replacingOccurrences(of: "\nRUNNING -> RUNNING_P2P\n", with: "\nRUNNING->RUNNING_P2P   # moved comment\n")
            .replacingOccurrences(of: "\n\n", with: "\n\n\n")
        let old = try SpecReader.read(text: text, path: "old.fsm")
        let new = try SpecReader.read(text: reformatted, path: "new.fsm")
        let diff = BehaviourDiff(old: old, new: new)
        XCTAssertTrue(diff.isIdentical)
        XCTAssertEqual(diff.rendered, "migfsm diff old.fsm new.fsm\n\nBehaviour is identical: every feature set, request, arc and check.\n")
    }

    func testGatedUnblockingKeepsTodaysSetsAndShowsTheNewOnesAgainstTheirBase() {
        let result = runCLI("diff", vfio, unblock)
        XCTAssertEqual(result.status, .failure)
        XCTAssertEqual(result.out, """
            migfsm diff \(vfio) \(unblock)

            New feature set {STOP_COPY, PRE_COPY, PRE_COPY_RETURN}, against {STOP_COPY, PRE_COPY}:
              now allowed: STOP_COPY -> PRE_COPY, walking STOP_COPY -> PRE_COPY
              a driver adding PRE_COPY_RETURN must also implement STOP_COPY -> PRE_COPY

            New feature set {STOP_COPY, P2P, PRE_COPY, PRE_COPY_RETURN}, against {STOP_COPY, P2P, PRE_COPY}:
              now allowed: STOP_COPY -> PRE_COPY, walking STOP_COPY -> PRE_COPY_P2P -> PRE_COPY
              now allowed: STOP_COPY -> PRE_COPY_P2P, walking STOP_COPY -> PRE_COPY_P2P
              a driver adding PRE_COPY_RETURN must also implement STOP_COPY -> PRE_COPY_P2P

            Unchanged: {STOP_COPY}, {STOP_COPY, P2P}, {STOP_COPY, PRE_COPY}, {STOP_COPY, P2P, PRE_COPY}

            Checks
              one-table: holds -> fails
              kernel-lookup: holds -> fails
              unguarded-kernel-lookup: note -> holds
              invalid-flags: holds -> note
              invariant refused STOP_COPY -> PRE_COPY: holds -> absent
              invariant refused STOP_COPY -> PRE_COPY_P2P: holds -> absent
              invariant refused STOP_COPY -> PRE_COPY unless PRE_COPY_RETURN: absent -> holds
              invariant refused STOP_COPY -> PRE_COPY_P2P unless PRE_COPY_RETURN: absent -> holds
              invariant path STOP_COPY -> PRE_COPY_P2P -> PRE_COPY: absent -> holds
              invariant path STOP_COPY -> PRE_COPY with STOP_COPY | PRE_COPY | PRE_COPY_RETURN: absent -> holds

            Behaviour differs on 0 of 4 shared feature sets; 2 feature sets are new; 10 checks change.

            """)
    }

    /// A new feature set whose features the old spec lacks entirely, or
    /// that adds nothing observable, reads as such.
    func testNewFeatureSetsWithoutABaseOrWithoutChanges() throws {
        let text = try String(contentsOfFile: vfio, encoding: .utf8)
        let old = try SpecReader.read(text: text, path: "old.fsm")
        let withInert = try SpecReader.read(text: text + "feature INERT = 1 << 5 needs STOP_COPY\n", path: "inert.fsm")
        let inert = BehaviourDiff(old: old, new: withInert)
        XCTAssertEqual(inert.newFeatureSets.map(\.comparedWith), [["STOP_COPY"], ["STOP_COPY", "P2P"], ["STOP_COPY", "PRE_COPY"], ["STOP_COPY", "P2P", "PRE_COPY"]])
        XCTAssertTrue(inert.newFeatureSets.allSatisfy { $0.changes.isEmpty && $0.added == ["INERT"] })
        XCTAssertTrue(inert.rendered.contains("\nNew feature set {STOP_COPY, INERT}: behaves as {STOP_COPY}.\n"), inert.rendered)
        XCTAssertTrue(inert.rendered.hasSuffix("\nBehaviour differs on 0 of 4 shared feature sets; 4 feature sets are new.\n"), inert.rendered)
        // Renaming the mandatory feature leaves no old set to compare with.
        let renamed = try SpecReader.read(text: text.replacingOccurrences(of: "STOP_COPY", with: "SAVE"), path: "renamed.fsm")
        let diff = BehaviourDiff(old: old, new: renamed)
        XCTAssertEqual(diff.newFeatureSets.count, 4)
        XCTAssertTrue(diff.newFeatureSets.allSatisfy { $0.comparedWith == nil })
        XCTAssertTrue(diff.rendered.contains("\nNew feature set {SAVE}: see 'migfsm paths renamed.fsm'.\n"), diff.rendered)
    }

    func testPathChangesAndArcsNoLongerNeeded() throws {
        let literal = try SpecReader.load(path: Repository.path("Specs/proposals/literal-group-rule.fsm"))
        let diff = BehaviourDiff(old: Repository.vfio, new: literal)
        let preCopy = try XCTUnwrap(diff.featureSets.first { $0.features == ["STOP_COPY", "PRE_COPY"] })
        XCTAssertEqual(preCopy.pathChanges, [.init(from: "PRE_COPY", to: "STOP_COPY",
            old: ["PRE_COPY", "STOP_COPY"], new: ["PRE_COPY", "RUNNING", "STOP", "STOP_COPY"])])
        XCTAssertEqual(preCopy.arcsRemoved, [["PRE_COPY", "STOP_COPY"]])
        XCTAssertEqual(preCopy.arcsAdded, [])
        XCTAssertTrue(diff.rendered.contains("  every driver with STOP_COPY and PRE_COPY no longer needs PRE_COPY -> STOP_COPY\n"))
    }

    func testFeatureSetsThatAppearOrVanish() throws {
        let text = try String(contentsOfFile: vfio, encoding: .utf8)
        let noPreCopy = text
            .components(separatedBy: "\n")
            .filter { !$0.contains("PRE_COPY") || $0.hasPrefix("#") || $0.hasPrefix("state STOP_COPY") || $0.hasPrefix("feature STOP_COPY") || $0.hasPrefix("group") }
            .map { $0.hasPrefix("group") ? "group saving = STOP_COPY" : $0 }
            .joined(separator: "\n")
        let smaller = try SpecReader.read(text: noPreCopy, path: "small.fsm")
        let diff = BehaviourDiff(old: Repository.vfio, new: smaller)
        XCTAssertEqual(diff.featureSetsRemoved, [["STOP_COPY", "PRE_COPY"], ["STOP_COPY", "P2P", "PRE_COPY"]])
        XCTAssertEqual(diff.featureSetsAdded, [])
        XCTAssertTrue(diff.rendered.contains("\nFeature set {STOP_COPY, PRE_COPY} is no longer valid.\n"), diff.rendered)
        let back = BehaviourDiff(old: smaller, new: Repository.vfio)
        XCTAssertEqual(back.featureSetsAdded, [["STOP_COPY", "PRE_COPY"], ["STOP_COPY", "P2P", "PRE_COPY"]])
    }

    func testDiffExitsZeroOnIdenticalAndTwoOnErrors() {
        XCTAssertEqual(runCLI("diff", vfio, vfio).status, .success)
        let broken = runCLI("diff", vfio, "missing.fsm")
        XCTAssertEqual(broken.status, .usage)
        XCTAssertEqual(broken.err, "missing.fsm: error: no such file\n")
    }

    func testDiffJSON() throws {
        let result = runCLI("diff", vfio, unblock, "--json")
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any])
        XCTAssertEqual(object["identical"] as? Bool, false)
        let sets = try XCTUnwrap(object["featureSets"] as? [[String: Any]])
        XCTAssertEqual(sets.count, 4)
        XCTAssertEqual(sets.map { $0["nowAllowed"] as? [Any] }.map { $0?.count }, [0, 0, 0, 0])
        XCTAssertEqual(object["featureSetsAdded"] as? [[String]],
                       [["STOP_COPY", "PRE_COPY", "PRE_COPY_RETURN"], ["STOP_COPY", "P2P", "PRE_COPY", "PRE_COPY_RETURN"]])
        let added = try XCTUnwrap(object["newFeatureSets"] as? [[String: Any]])
        XCTAssertEqual(added.map { $0["comparedWith"] as? [String] }, [["STOP_COPY", "PRE_COPY"], ["STOP_COPY", "P2P", "PRE_COPY"]])
        XCTAssertEqual(added.map { $0["added"] as? [String] }, [["PRE_COPY_RETURN"], ["PRE_COPY_RETURN"]])
        XCTAssertEqual(added[0]["arcsAdded"] as? [[String]], [["STOP_COPY", "PRE_COPY"]])
        let allowed = try XCTUnwrap(added[1]["nowAllowed"] as? [[String: Any]])
        XCTAssertEqual(allowed.first?["new"] as? [String], ["STOP_COPY", "PRE_COPY_P2P", "PRE_COPY"])
        XCTAssertTrue(allowed.first?["old"] is NSNull)
    }

    func testDOTHasClustersTheErrorStateApartAndRedBlockedEdges() {
        let dot = runCLI("graph", vfio).out
        XCTAssertTrue(dot.hasPrefix("digraph \"vfio-v2\" {\n\tlabel=\"vfio-v2 {STOP_COPY, P2P, PRE_COPY}\";\n"), dot)
        XCTAssertTrue(dot.contains("\tsubgraph \"cluster_saving\" {\n\t\tlabel=\"saving group (one data session)\";\n\t\tstyle=dashed;\n\t\t\"STOP_COPY\";\n\t\t\"PRE_COPY\";\n\t\t\"PRE_COPY_P2P\";\n\t}\n"), dot)
        XCTAssertTrue(dot.contains("\tsubgraph \"cluster_error\" {"))
        XCTAssertTrue(dot.contains("\t\"STOP_COPY\" -> \"PRE_COPY\" [style=dashed, color=red, fontcolor=red, label=\"blocked\"];\n"))
        XCTAssertEqual(dot.components(separatedBy: "\" -> \"").count - 1, 15 + 2)
        let small = runCLI("graph", vfio, "--features", "STOP_COPY").out
        XCTAssertFalse(small.contains("PRE_COPY"))
        XCTAssertFalse(small.contains("blocked"))
        XCTAssertTrue(small.contains("\t\"RUNNING\" -> \"STOP\";\n"))
    }

    func testDOTRendersWithGraphviz() throws {
        let dot = ["/usr/bin/dot", "/usr/local/bin/dot"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let dot else {
            return XCTFail("graphviz's 'dot' is not installed; .ci/run installs it (apt-get install graphviz)")
        }
        for features in ["STOP_COPY", "STOP_COPY,P2P", "STOP_COPY,PRE_COPY", "STOP_COPY,P2P,PRE_COPY"] {
            let source = runCLI("graph", vfio, "--features", features).out
            let process = Process()
            process.executableURL = URL(fileURLWithPath: dot)
            process.arguments = ["-Tsvg"]
            let input = Pipe(), output = Pipe(), error = Pipe()
            process.standardInput = input
            process.standardOutput = output
            process.standardError = error
            try process.run()
            input.fileHandleForWriting.write(Data(source.utf8))
            try input.fileHandleForWriting.close()
            let svg = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let complaints = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0, "\(features): \(complaints)")
            XCTAssertEqual(complaints, "", features)
            XCTAssertTrue(svg.contains("<svg"), features)
            XCTAssertTrue(svg.contains("RUNNING"), features)
        }
    }

    func testMermaidFlowchart() {
        let mermaid = runCLI("graph", vfio, "--format", "mermaid", "--features", "STOP_COPY,PRE_COPY").out
        XCTAssertEqual(mermaid, """
            flowchart LR
                STOP([STOP])
                RUNNING([RUNNING])
                RESUMING([RESUMING])
                subgraph saving_group ["saving group: one data session"]
                    STOP_COPY([STOP_COPY])
                    PRE_COPY([PRE_COPY])
                end
                ERROR[[ERROR: reset only]]
                STOP --> RUNNING
                STOP --> STOP_COPY
                STOP --> RESUMING
                RUNNING --> STOP
                RUNNING --> PRE_COPY
                STOP_COPY --> STOP
                RESUMING --> STOP
                PRE_COPY --> RUNNING
                PRE_COPY --> STOP_COPY
                STOP_COPY -. blocked .-> PRE_COPY
                linkStyle 9 stroke:red,color:red

            """)
    }

    func testDocPageHasEveryFeatureSetsTableDiagramAndEveryVerdict() throws {
        let paths = ProtocolPaths(model: Repository.vfio)
        let page = MarkdownDoc(paths: paths, specName: "vfio-v2.fsm").render()
        XCTAssertTrue(page.hasPrefix("<!-- Generated by migfsm from vfio-v2.fsm; regenerate it with 'migfsm generate vfio-v2.fsm' rather than editing it. -->\n# vfio-v2: the migration state machine\n"), page)
        XCTAssertEqual(page.components(separatedBy: "```mermaid\nflowchart LR\n").count - 1, 4)
        XCTAssertTrue(page.contains("\n## {STOP_COPY} (flags 0x1)\n"))
        XCTAssertTrue(page.contains("| cur \\ new | STOP | RUNNING | STOP_COPY | RESUMING |\n| --- | --- | --- | --- | --- |\n| **STOP** | STOP | RUNNING | STOP_COPY | RESUMING |\n"), page)
        XCTAssertTrue(page.contains("| holds | `kernel-lookup` | terminates and agrees with every feature set's paths (800 lookups) |\n"), page)
        XCTAssertTrue(page.contains("        PRE_COPY -> PRE_COPY_P2P -> STOP_COPY\n"))
        let report = Checker.check(paths)
        XCTAssertEqual(page.components(separatedBy: "\n| holds | ").count - 1, report.results.filter { $0.verdict == .holds }.count)
    }

    func testDocCommandWritesAndChecksThePage() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("migfsm-doc-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        XCTAssertEqual(runCLI("doc", vfio, "--out", directory, "--check").status, .failure)
        let written = runCLI("doc", vfio, "--out", directory)
        XCTAssertEqual(written.status, .success)
        XCTAssertEqual(written.out, "written   \(directory)/docs/vfio-v2.md\n")
        XCTAssertEqual(runCLI("doc", vfio, "--out", directory, "--check").status, .success)
        // The same page as Generated/'s, but for its link to the spec, which
        // goes from where the page is.
        let link = RelativeLink.path(from: directory + "/docs", to: vfio, currentDirectory: "/")
        let page = try XCTUnwrap(FileManager.default.contents(atPath: directory + "/docs/vfio-v2.md"))
        let committed = try XCTUnwrap(FileManager.default.contents(atPath: Repository.path("Generated/docs/vfio-v2.md")))
        XCTAssertEqual(String(decoding: page, as: UTF8.self),
                       String(decoding: committed, as: UTF8.self).replacingOccurrences(of: "(../../Specs/vfio-v2.fsm)", with: "(\(link))"))
        XCTAssert(FileManager.default.fileExists(atPath: URL(fileURLWithPath: directory + "/docs/" + link).standardizedFileURL.path))
    }
}
