import XCTest
@testable import MigFSM

/// `check` proves its path properties once per requested state on the
/// next-state tree, and the lookups over the declared values plus one value
/// no state has. The oracle here is the direct way: walk every request
/// along next[][], and look up every value of the table, on hundreds of
/// small seeded random specs (valid ones only), failing ones included.
final class CheckProofTests: XCTestCase {
    /// Spec text for seed `seed`: 3 to 8 live states with values that may
    /// leave holes, up to 3 features, random arcs, a session group under a
    /// random reading, random blocked requests.
    static func randomSpec(_ seed: UInt64) -> String {
        var random = SplitMix(seed: seed)
        func pick(_ bound: Int) -> Int { Int(random.next() % UInt64(bound)) }
        let live = 3 + pick(6)
        let featureCount = pick(4)
        var lines = ["protocol random"]
        for index in 0..<featureCount {
            lines.append("feature F\(index) = 1 << \(index)" + (index == 0 && pick(2) == 0 ? " mandatory" : ""))
        }
        var value = pick(2)
        lines.append("state ERROR = \(value) error")
        var sessions: [String] = []
        for index in 1...live {
            value += 1 + (pick(4) == 0 ? pick(3) : 0)
            var line = "state S\(index) = \(value)"
            if featureCount > 0 && index > 1 && pick(2) == 0 { line += " needs F\(pick(featureCount))" }
            if index == 1 { line += " reset" }
            if index > 1 && pick(3) == 0 {
                line += " session saving"
                sessions.append("S\(index)")
            } else if index > 1 && pick(6) == 0 {
                line += " session resuming"
            }
            lines.append(line)
        }
        if !sessions.isEmpty {
            lines.append("group saving = " + sessions.joined(separator: ", "))
            if pick(3) > 0 {
                lines.append("path group-interior saving " + (pick(2) == 0 ? "contained" : "literal"))
            }
            lines.append("invariant no-interior saving")
        }
        if pick(2) == 0 { lines.append("path tie-break lowest-value") }
        var arcs: Set<[Int]> = []
        for index in 1...live { arcs.insert([index, index % live + 1]) }
        for _ in 0..<(live * 2) {
            let from = 1 + pick(live), to = 1 + pick(live)
            if from != to { arcs.insert([from, to]) }
        }
        for arc in arcs.sorted(by: { $0.lexicographicallyPrecedes($1) }) { lines.append("S\(arc[0]) -> S\(arc[1])") }
        var blocked: Set<[Int]> = []
        for _ in 0..<pick(3) {
            let from = 1 + pick(live), to = 1 + pick(live)
            if from != to && !arcs.contains([from, to]) { blocked.insert([from, to]) }
        }
        for arc in blocked.sorted(by: { $0.lexicographicallyPrecedes($1) }) { lines.append("blocked S\(arc[0]) -> S\(arc[1])") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The valid random specs of seeds 0..<count.
    static func randomModels(_ count: UInt64) -> [MigrationProtocol] {
        (0..<count).compactMap { try? SpecReader.read(text: randomSpec($0), path: "random-\($0).fsm") }
    }

    func finding(_ result: CheckResult?) -> [String] {
        (result?.findings ?? []).map { ($0.features.map { "\($0.rawValue) " } ?? "") + $0.message }
    }

    func testPathPropertiesAgreeWithWalkingEveryRequest() throws {
        let models = Self.randomModels(400)
        XCTAssertGreaterThan(models.count, 150, "too few valid random specs")
        var failing: [String: Int] = [:]
        for model in models {
            let paths = ProtocolPaths(model: model)
            let report = Checker.check(paths)
            func result(_ name: String) -> CheckResult? { report.results.first { $0.name == name } }

            // path-consistency: walk each request, at most |states| arcs.
            var broken: [String] = []
            for table in paths.tables {
                for from in table.supportedStates {
                    for to in table.supportedStates where to != from && table.nextState(from: from, to: to) != nil {
                        var walk = [from]
                        while walk.last! != to, walk.count <= model.states.count,
                              let step = table.nextState(from: walk.last!, to: to) { walk.append(step) }
                        if walk.last! != to || walk.count - 1 != table.length(from: from, to: to)! || !table.graph.obeysGroupRule(walk) {
                            broken.append("\(table.features.rawValue) \(model.describe(Arc(from, to)))")
                        }
                    }
                }
            }
            let consistency = result("path-consistency")
            XCTAssertEqual(consistency?.findingCount, broken.count, model.sourcePath)
            XCTAssertEqual(finding(consistency).map { String($0.prefix { $0 != ":" }) }, broken, model.sourcePath)
            failing["path-consistency", default: 0] += broken.isEmpty ? 0 : 1

            // session-safety: every served walk, every early opening.
            var early: [String] = []
            for table in paths.tables {
                for from in table.supportedStates {
                    for to in table.supportedStates where to != from {
                        guard let path = table.path(from: from, to: to), path.count > 2 else { continue }
                        for index in 0..<(path.count - 2) where model.opensSession(Arc(path[index], path[index + 1])) {
                            early.append("\(table.features.rawValue) \(model.describe(path: path)) opens a session at \(model.describe(Arc(path[index], path[index + 1]))), before its final arc")
                        }
                    }
                }
            }
            XCTAssertEqual(finding(result("session-safety")), early, model.sourcePath)
            failing["session-safety", default: 0] += early.isEmpty ? 0 : 1

            // no-interior: every combination path with a member inside.
            if let invariant = model.invariants.first(where: { if case .noInterior = $0.kind { true } else { false } }),
               case .noInterior(let group) = invariant.kind {
                let members = Set(model.groups[group].members)
                let reading = paths.rule.groupInterior.first { $0.group == group }?.reading ?? .literal
                var inside: [String] = []
                for table in paths.tables {
                    for from in table.supportedStates {
                        for to in table.supportedStates where to != from {
                            guard let path = table.path(from: from, to: to), path.count > 2,
                                  let first = path.dropFirst().dropLast().first(where: members.contains) else { continue }
                            if reading == .contained && path.allSatisfy(members.contains) { continue }
                            inside.append("\(table.features.rawValue) \(model.describe(path: path)) has \(model.states[first].name) inside it")
                        }
                    }
                }
                XCTAssertEqual(finding(result("invariant no-interior saving")), inside, model.sourcePath)
                failing["no-interior", default: 0] += inside.isEmpty ? 0 : 1

                // group-readings: compare the two readings' walks.
                let other: GroupReading = reading == .contained ? .literal : .contained
                let alternative = ProtocolPaths(model: model, rule: paths.rule.reading(other))
                var departs: [String] = []
                for (table, otherTable) in zip(paths.tables, alternative.tables) {
                    for from in table.supportedStates {
                        for to in table.supportedStates where to != from {
                            let mine = table.path(from: from, to: to), theirs = otherTable.path(from: from, to: to)
                            if mine != theirs {
                                let describe = { (path: [StateID]?) in path.map { model.describe(path: $0) } ?? "refused" }
                                departs.append("\(table.features.rawValue) \(model.describe(Arc(from, to))): the spec's reading walks \(describe(mine)); \(other.rawValue) walks \(describe(theirs))")
                            }
                        }
                    }
                }
                XCTAssertEqual(finding(result("group-readings")), departs, model.sourcePath)
                failing["group-readings", default: 0] += departs.isEmpty ? 0 : 1
            }
        }
        // The random specs must exercise the failures, not only the passes.
        for name in ["path-consistency", "session-safety", "no-interior", "group-readings"] {
            XCTAssertGreaterThan(failing[name] ?? 0, 3, "\(name) fails on too few random specs: \(failing)")
        }
    }

    /// The lookups over the declared values and one hole count exactly what
    /// looking up every value of the table finds, and list the same words.
    func testLookupProofsAgreeWithLookingUpEveryValue() throws {
        var withHoles = 0, failing = 0
        for model in Self.randomModels(400) {
            let paths = ProtocolPaths(model: model)
            let report = Checker.check(paths)
            let kernel = try XCTUnwrap(KernelTable(paths: try XCTUnwrap(paths.full)))
            if kernel.size > model.states.count { withHoles += 1 }
            // The kernel's loops on the declared bits, the emitted lookup on
            // every flags class; answers on flags no valid set has are not
            // divergences (invalid-flags counts them).
            let declared = Checker.flagValues(model), classes = Checker.everyFlagsClass(model)
            let lookups: [(String, (UInt32, UInt32, UInt32) -> KernelTable.Outcome, Set<LookupDivergence.Kind>?, [UInt32])] = [
                ("kernel-lookup", { kernel.lookup(flags: $0, current: $1, requested: $2) }, nil, declared),
                ("unguarded-kernel-lookup", { kernel.lookup(flags: $0, current: $1, requested: $2, loop: .unguarded) }, [.neverEnds], declared),
                ("generated-lookup", kernel.generatedLookup, nil, classes),
            ]
            for (name, lookup, kinds, flags) in lookups {
                let every = Checker.lookupDivergences(paths, kernel, lookup, flags: flags).divergences
                    .filter { kinds?.contains($0.kind) ?? ($0.kind != .undefinedFlags) }
                let result = try XCTUnwrap(report.results.first { $0.name == name })
                XCTAssertEqual(result.findingCount, every.count, "\(model.sourcePath) \(name)")
                // Every listed finding is one the full enumeration makes.
                let messages = Set(every.map(\.message))
                for listed in result.findings {
                    let message = listed.message.components(separatedBy: " (and ").first ?? listed.message
                    XCTAssertTrue(messages.contains(message), "\(model.sourcePath) \(name): \(listed.message)")
                }
                if name == "kernel-lookup" && !every.isEmpty { failing += 1 }
            }
            // invalid-flags: one finding per invalid flags value the emitted
            // lookup serves, with the number of requests served.
            let invalid = declared.filter { !model.isValid(FeatureSet(rawValue: $0)) }
            let served = Dictionary(grouping: Checker.lookupDivergences(paths, kernel, kernel.generatedLookup, flags: invalid)
                .divergences.filter { $0.kind == .undefinedFlags }, by: \.flags)
            let note = try XCTUnwrap(report.results.first { $0.name == "invalid-flags" })
            XCTAssertEqual(note.findingCount, served.count, "\(model.sourcePath) invalid-flags")
            for (flags, requests) in served where note.findingCount <= FindingList.limit {
                let count = Count.grouped(requests.count)
                XCTAssert(note.findings.contains { $0.message.hasPrefix("flags 0x\(String(flags, radix: 16)) ") && $0.message.contains(" serves \(count) request") },
                          "\(model.sourcePath) invalid-flags: flags 0x\(String(flags, radix: 16)) serves \(count)")
            }
        }
        XCTAssertGreaterThan(withHoles, 50)
        XCTAssertGreaterThan(failing, 3, "kernel-lookup fails on too few random specs")
    }

    /// A sparse spec: three states, values 0, 1 and 4095. `check` looks up
    /// 6 values, not 4,098, and counts the holes' findings.
    func testSparseValuesAreCheckedOverTheDeclaredStates() throws {
        let model = try SpecReader.read(text: """
            protocol x
            state ERROR = 0 error
            state A = 1 reset
            state B = 4095
            A -> B
            B -> A

            """, path: "sparse.fsm")
        let report = Checker.check(model)
        XCTAssertTrue(report.allHold, report.rendered)
        XCTAssertTrue(report.rendered.contains("holds  kernel-lookup: terminates and agrees with every feature set's paths (36 lookups)\n"), report.rendered)
        // Without the guard, a request for any value no state has reads
        // ERROR, whose mask is never within the flags, forever.
        XCTAssertTrue(report.rendered.contains("""
            note   unguarded-kernel-lookup: kernels whose skip loop lacks the '!= ERROR' guard hang on 16,769,021 requests (vfio_mig_get_next_state() never returns)
                   {} A -> value 2: the skip loop never ends: reads ERROR -> ERROR -> ... (ERROR's mask ~0 is never within the flags) (and 4,092 more like it: the values no state has behave alike)
                   {} B -> value 2: the skip loop never ends: reads ERROR -> ERROR -> ... (ERROR's mask ~0 is never within the flags) (and 4,092 more like it: the values no state has behave alike)
                   {} value 2 -> A: the skip loop never ends: reads ERROR -> ERROR -> ... (ERROR's mask ~0 is never within the flags) (and 4,092 more like it: the values no state has behave alike)
                   {} value 2 -> B: the skip loop never ends: reads ERROR -> ERROR -> ... (ERROR's mask ~0 is never within the flags) (and 4,092 more like it: the values no state has behave alike)
                   {} value 2 -> value 2: the skip loop never ends: reads ERROR -> ERROR -> ... (ERROR's mask ~0 is never within the flags) (and 16,752,648 more like it: the values no state has behave alike)
            holds  generated-lookup
            """), report.rendered)
    }

    /// `diff` compares walks per requested state too: against comparing
    /// every request's path by names, on pairs of random specs (a spec and
    /// the next seed's, and a spec and itself with one arc less).
    func testDiffAgreesWithComparingEveryPath() throws {
        var changed = 0
        for seed in UInt64(0)..<200 {
            let text = Self.randomSpec(seed)
            guard let old = try? SpecReader.read(text: text, path: "old.fsm") else { continue }
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            let dropped = lines.enumerated().filter { $0.offset != lines.lastIndex { $0.contains(" -> ") && !$0.hasPrefix("blocked") } ?? -1 }
            let candidates = [Self.randomSpec(seed + 1), dropped.map(\.element).joined(separator: "\n")]
            for candidate in candidates {
                guard let new = try? SpecReader.read(text: candidate, path: "new.fsm") else { continue }
                let diff = BehaviourDiff(old: old, new: new)
                let oldPaths = ProtocolPaths(model: old), newPaths = ProtocolPaths(model: new)
                for changes in diff.featureSets {
                    let names = Set(changes.features)
                    let oldTable = try XCTUnwrap(oldPaths.tables.first { Set(old.featureNames($0.features)) == names })
                    let newTable = try XCTUnwrap(newPaths.tables.first { Set(new.featureNames($0.features)) == names })
                    var expected: [String] = []
                    for from in oldTable.supportedStates {
                        for to in oldTable.supportedStates where to != from {
                            guard let newFrom = new.stateID(named: old.states[from].name),
                                  let newTo = new.stateID(named: old.states[to].name),
                                  newTable.isSupported[newFrom], newTable.isSupported[newTo] else { continue }
                            let before = oldTable.path(from: from, to: to).map { $0.map { old.states[$0].name } }
                            let after = newTable.path(from: newFrom, to: newTo).map { $0.map { new.states[$0].name } }
                            if before != after { expected.append("\(old.states[from].name)>\(old.states[to].name) \(before ?? []) \(after ?? [])") }
                        }
                    }
                    let reported = (changes.pathChanges + changes.nowRefused + changes.nowAllowed)
                        .map { "\($0.from)>\($0.to) \($0.old ?? []) \($0.new ?? [])" }
                    XCTAssertEqual(reported.sorted(), expected.sorted(), "seed \(seed)")
                    if !expected.isEmpty { changed += 1 }
                }
            }
        }
        XCTAssertGreaterThan(changed, 50, "too few random pairs change behaviour")
    }
}
