import Foundation
import XCTest
@testable import MigFSM

/// The one search engine: the same outcome (numbering of every state,
/// traces, counts) on one thread and on two, keys of every width, the
/// visited set, the state limit, and the memory it reports.
final class ExploreEngineTests: XCTestCase {
    let model = Repository.vfio
    let all = Repository.vfio.set("STOP_COPY", "P2P", "PRE_COPY")

    func policy(_ name: String) throws -> Policy {
        try PolicyReader.load(path: Repository.path("Specs/policies/\(name).policy"), model: model)
    }

    func explorer(_ count: Int, policy: Policy? = nil, driver: DriverDescription? = nil, symmetry: Bool = true,
                  features: [FeatureSet]? = nil) throws -> MultiExplorer {
        let driver = driver ?? .standard(featureSets: model.validFeatureSets)
        let setups = (0..<count).map { index in
            DeviceSetup(driver: driver, driverPath: nil, features: features?[index] ?? all)
        }
        return try XCTUnwrap(MultiExplorer(model: model, devices: setups, policy: policy, symmetry: symmetry))
    }

    /// Everything a search reports, timings aside.
    func signature(_ run: MultiExploration) -> String {
        var text = "\(run.states) \(run.transitions) \(run.depth) \(run.incomplete) \(run.queue)\n"
        for counterexample in run.counterexamples {
            text += MultiReport.render(counterexample, model)
        }
        return text
    }

    /// Every level expanded by two threads (the threshold lowered to one
    /// state) numbers the states exactly as one thread does.
    func testTwoThreadsNumberEveryStateAsOneDoes() throws {
        let cases: [(String, MultiExplorer)] = [
            ("free user, 3 devices", try explorer(3, symmetry: false)),
            ("free user, 4 devices, symmetry", try explorer(4)),
            ("qemu-source, 3 devices, in order", try explorer(3, policy: policy("qemu-source"), symmetry: false)),
            ("qemu-source, 3 devices, symmetry", try explorer(3, policy: policy("qemu-source"))),
            ("naive-stop, 3 devices, symmetry", try explorer(3, policy: policy("naive-stop"))),
        ]
        for (name, explorer) in cases {
            // A free user's reduced search runs on merged tables.
            let tables = DeviceTables(tables: explorer.policy == nil && explorer.symmetry
                                        ? explorer.tables.map { $0.merged().table } : explorer.tables,
                                      tableOf: explorer.tableOf)
            var one = SearchOptions(threads: 1)
            one.parallelThreshold = 1
            var two = SearchOptions(threads: 2)
            two.parallelThreshold = 1
            two.adaptive = false
            let first = explorer.run(options: one)
            let second = explorer.run(options: two)
            XCTAssertEqual(signature(first), signature(second), name)
            XCTAssertEqual(second.statistics.threads, 2, name)
            // The raw search: the same parent and edge for every state.
            if explorer.policy == nil {
                var layout = KeyLayout()
                for _ in explorer.devices { _ = layout.add(width: explorer.tables.map(\.idBits).max() ?? 1) }
                let system = FreeUserSystem<Key64>(
                    tables: tables, layout: layout.fields, classes: explorer.classes, symmetric: explorer.reducesBySymmetry)
                let a = BreadthFirstSearch(system: system, options: one).run()
                let b = BreadthFirstSearch(system: system, options: two).run()
                XCTAssertEqual(a.orderDigest, b.orderDigest, name)
                XCTAssertEqual(a.states, first.states, name)
            }
        }
    }

    /// The state limit cuts after the same state with one thread or two.
    func testStateLimitCutsAtTheSameStateOnAnyThreadCount() throws {
        for limit in [1, 100, 1_000, 5_000] {
            let explorer = try explorer(4, symmetry: false)
            var one = SearchOptions(threads: 1, maxStates: limit)
            one.parallelThreshold = 1
            var two = SearchOptions(threads: 2, maxStates: limit)
            two.parallelThreshold = 1
            two.adaptive = false
            let first = explorer.run(options: one)
            XCTAssertEqual(first.states, limit)
            XCTAssertTrue(first.incomplete)
            // Stored but not expanded (with a limit of 1, nothing is).
            XCTAssertEqual(first.queue > 0, limit > 1)
            XCTAssertEqual(signature(first), signature(explorer.run(options: two)), "limit \(limit)")
        }
        // A limit the space fits is no limit.
        let whole = try explorer(2).run(options: SearchOptions(maxStates: 153))
        XCTAssertEqual(whole.states, 153)
        XCTAssertFalse(whole.incomplete)
    }

    /// The engine on a free user of N = 1 is single-device exploration: the
    /// same counts as `explore` prints per feature set.
    func testOneDeviceIsSingleDeviceExploration() throws {
        for (set, states, transitions) in [
            (model.set("STOP_COPY"), 21, 746), (model.set("STOP_COPY", "P2P"), 24, 1044),
            (model.set("STOP_COPY", "PRE_COPY"), 25, 1039), (all, 32, 1854),
        ] {
            let run = try explorer(1, symmetry: false, features: [set]).run()
            XCTAssertEqual([run.states, run.transitions], [states, transitions], model.describe(set))
        }
    }

    /// Four devices without symmetry: the space SPIN stores, 32^4 states,
    /// every one of a device's 1,854 outcomes (over its 32 states) on each
    /// device.
    func testFourDevicesWithoutSymmetryAreTheProductSpace() throws {
        let run = try explorer(4, symmetry: false).run()
        XCTAssertEqual(run.states, 1_048_576)
        XCTAssertEqual(run.transitions, 1_048_576 * 4 * 1854 / 32)
        XCTAssertEqual(run.depth, 12)
        XCTAssertEqual(run.violations, 0)
        // Looked up: only distinct successors one level further, 5.4 M
        // for 244 M transitions.
        XCTAssertEqual(run.statistics.lookups, 5_373_952)
    }

    /// The policies in QEMU's order (2 and 3 devices, every fault): the
    /// sizes pinned.
    func testPoliciesInOrderKeepTheirCounts() throws {
        let expected: [(String, Int, Int, Int, Int)] = [
            ("naive-stop", 2, 171, 548, 10), ("qemu-source", 2, 2332, 4988, 27),
            ("qemu-destination", 2, 170, 261, 14), ("qemu-source", 3, 8925, 19167, 37),
        ]
        for (name, count, states, transitions, depth) in expected {
            let run = try explorer(count, policy: policy(name), symmetry: false).run()
            XCTAssertEqual([run.states, run.transitions, run.depth], [states, transitions, depth], "\(name), \(count)")
            XCTAssertFalse(run.reduced)
        }
    }

    /// Memory: a key of one word, its slot in a table at most half full,
    /// and a parent and an edge: under 64 bytes per state, frontiers included.
    func testBytesPerState() throws {
        let run = try explorer(3, symmetry: false).run()
        XCTAssertEqual(run.states, 32_768)
        let perState = Double(run.statistics.peakBytes) / Double(run.states)
        XCTAssertGreaterThan(perState, 8 + 8)
        XCTAssertLessThan(perState, 64)
    }

    // MARK: - Keys and the visited set

    func testKeyLayoutKeepsTheTopBitFree() {
        var layout = KeyLayout()
        for _ in 0..<9 { _ = layout.add(width: 7) }
        XCTAssertEqual(layout.words, 1, "63 bits fit one word")
        _ = layout.add(width: 1)
        XCTAssertEqual(layout.words, 2, "the 64th bit would be the top bit")
        var split = KeyLayout()
        _ = split.add(width: 40)
        let second = split.add(width: 30)
        XCTAssertEqual(split.fields[second].word, 1, "a field never straddles two words")
        XCTAssertEqual(split.words, 2)
    }

    func testVisitedSetGrowsAndKeepsEveryKey() {
        func exercise<Key: SearchKey>(_ type: Key.Type) {
            var set = VisitedSet<Key>(expected: 1)
            defer { set.release() }
            var keys: [Key] = []
            for value in 0..<5000 {
                var key = Key()
                for word in 0..<Key.words { key[word: word] = UInt64(value) &* 0x1_0000_0001 >> UInt64(word) }
                keys.append(key)
                XCTAssertTrue(set.insert(key))
            }
            XCTAssertEqual(set.count, 5000)
            XCTAssertGreaterThanOrEqual(set.capacity, 10_000)
            for key in keys {
                XCTAssertTrue(set.contains(key))
                XCTAssertFalse(set.insert(key))
            }
            var absent = Key()
            absent[word: 0] = 1 << 62
            XCTAssertFalse(set.contains(absent))
        }
        exercise(Key64.self)
        exercise(Key128.self)
        exercise(Key192.self)
        exercise(Key256.self)
    }

    /// Eight devices under a policy take a two-word key; the search is
    /// the same. Without faults and interrupts QEMU's destination walks one
    /// line: every device takes RESUMING, is written, then prepare, main
    /// and the close of its FD, 5 steps each, and no state breaks a
    /// property (peers leave RESUMING through RUNNING_P2P before any
    /// device runs).
    func testWideKeysSearchTheSame() throws {
        var driver = DriverDescription.standard(featureSets: model.validFeatureSets)
        driver.faultsOfAllArcs = []
        driver.resetWhileLocked = false
        driver.resetMayFail = false
        var destination = try policy("qemu-destination")
        destination.events.removeAll { $0.kind == .interrupt }
        func explorer(_ count: Int, symmetry: Bool) throws -> MultiExplorer {
            let setups = [DeviceSetup](repeating: DeviceSetup(driver: driver, driverPath: nil, features: all), count: count)
            return try XCTUnwrap(MultiExplorer(model: model, devices: setups, policy: destination, symmetry: symmetry))
        }
        let wide = try explorer(8, symmetry: false)
        XCTAssertEqual(OrderedPolicySearch.plan(wide)?.words, 2)
        let run = wide.run()
        XCTAssertEqual(run.states, 8 * 5 + 1)
        XCTAssertEqual(run.transitions, 8 * 5)
        XCTAssertEqual(run.violations, 0)
        // Ten devices of the reduced search (a mark per slot) take three
        // words; symmetry collapses the line to one device at a time.
        let ten = try explorer(10, symmetry: true)
        XCTAssertEqual(SymmetricPolicySearch.plan(ten)?.words, 3)
        let reduced = ten.run()
        XCTAssertTrue(reduced.reduced)
        XCTAssertEqual([reduced.states, reduced.transitions, reduced.violations], [10 * 5 + 1, 10 * 5, 0])
    }
}
