/// What `migfsm audit-driver` found in drivers as they stand: each driver
/// read into a `DriverModel` (flags wherever they are set, the step
/// function's branches, the reset path), audited for every feature set its
/// code can set (or the one claimed), every departure a located `Finding`.
///
/// Each defect is also run through the fault-injection explorer on its own
/// (the driver with only that defect), and the shortest trace that breaks
/// a property is attached to the finding, so a reader sees both the C line
/// and what it does to a user.
public struct DriverAudit: Sendable {
    public let paths: [String]
    public let model: MigrationProtocol
    /// The feature set `--features` claims, if given.
    public let claimed: FeatureSet?
    public let isPatch: Bool
    public let drivers: [Driver]
    /// Findings not tied to one driver (unreadable files, no driver found).
    public let general: [Finding]

    /// One driver's audit.
    public struct Driver: Sendable {
        public var model: DriverModel
        /// The feature sets audited: the claimed one, or every valid one the code sets.
        public var audited: [FeatureSet]
        public var findings: [Finding]
        /// Per audited set: the required arcs the driver lacks.
        public var missing: [FeatureSet: [Arc]]
    }

    /// Every finding, drivers' in order, each list by severity then place.
    public var findings: [Finding] { general + drivers.flatMap(\.findings) }

    /// No error found (warnings and notes allowed).
    public var passes: Bool { !findings.contains { $0.severity == .error } }

    /// Reads `paths` (files, folders, patches) and audits every driver in them.
    public static func run(paths: [String], model: MigrationProtocol, features: FeatureSet? = nil) -> DriverAudit {
        audit(DriverSources.read(paths), paths: paths, model: model, features: features)
    }

    /// Audits one text in memory (a C file or a patch).
    public static func read(_ text: SourceText, model: MigrationProtocol, features: FeatureSet? = nil) -> DriverAudit {
        audit(DriverSources.read(text: text), paths: [text.path], model: model, features: features)
    }

    static func audit(_ sources: DriverSources, paths: [String], model: MigrationProtocol, features: FeatureSet?) -> DriverAudit {
        var general = sources.errors.map { Finding(kind: "unreadable", severity: .error, location: $0.location, message: $0.message, related: $0.notes.map { .init($0.location, $0.message) }) }
        general += sources.skipped.map { Finding(kind: "skipped", severity: .note, location: $0.location, message: $0.message) }
        var drivers: [Driver] = []
        for code in sources.groups {
            let names = CNames(model: model, path: code.files.first?.path ?? "")
            var scoped = names
            for file in code.files { _ = scoped.declareEnums(file.tokens, source: file.source) }
            let models = DriverModel.extract(code, names: scoped)
            for driver in models {
                drivers.append(audit(driver, claimed: features))
            }
            if models.isEmpty {
                let place = code.files.count == 1 ? code.files[0].path : code.directory
                general.append(Finding(kind: "no-driver", severity: .note, location: .file(place.isEmpty ? "." : place),
                    message: "no migration driver here: no '.migration_set_state = ...' op and no step function"))
            }
        }
        if drivers.isEmpty, general.contains(where: { $0.kind == "no-driver" }) {
            // Nothing to audit at all: every folder without a driver is an error.
            general = general.map { finding in
                var finding = finding
                if finding.kind == "no-driver" { finding.severity = .error }
                return finding
            }
        } else if drivers.isEmpty, !general.contains(where: { $0.severity == .error }) {
            let prefix = model.naming.cStatePrefix
            let place = paths.first.map { SourceLocation.file($0) } ?? .file("")
            general.append(Finding(kind: "no-driver", severity: .error, location: place,
                message: "no migration driver: no '.migration_set_state = ...' op and no step function with conditions like 'cur == \(prefix)STOP && new == \(prefix)RUNNING'"))
        }
        return DriverAudit(paths: paths, model: model, claimed: features, isPatch: sources.isPatch, drivers: drivers,
                           general: general.sorted(by: Self.order))
    }

    static func order(_ a: Finding, _ b: Finding) -> Bool {
        (a.severity, a.location, a.kind, a.message) < (b.severity, b.location, b.kind, b.message)
    }

    // MARK: - One driver

    static func audit(_ driver: DriverModel, claimed: FeatureSet?) -> Driver {
        let model = driver.model
        var findings: [Finding] = driver.notes.map {
            $0.severity == .error ? Finding(kind: "unknown-name", severity: .error, location: $0.location, message: $0.message)
                : Finding(kind: "not-read", severity: .note, location: $0.location, message: $0.message)
        }
        // A state enumerator the spec does not know, in the step function.
        let stepFile = driver.code.file(driver.entry.step.located)
        if let open = driver.entry.step.located.function.bodyOpen, let end = driver.entry.step.located.function.bodyEnd {
            for token in stepFile.tokens[open..<end] where token.kind == .identifier && token.text.hasPrefix(model.naming.cStatePrefix) {
                do throws(Diagnostic) {
                    _ = try driver.names.resolve(token)
                } catch {
                    findings.append(Finding(kind: "unknown-name", severity: .error, location: stepFile.location(token), message: error.message))
                }
            }
        }
        let stepPlace = driver.entry.step.location
        // Flags.
        let valid = driver.featureSets
        let firstAssignment = driver.configurations.first?.assignments.first ?? stepPlace
        for configuration in driver.configurations where !model.isValid(FeatureSet(rawValue: configuration.flags)) {
            findings.append(Finding(kind: "invalid-flags", severity: .error, location: configuration.assignments.first ?? stepPlace,
                message: "the driver reports \(describe(configuration.flags, model)), which is not a valid feature set of \(model.name)"))
        }
        var audited = valid
        if let claimed {
            if driver.configurations.isEmpty {
                findings.append(Finding(kind: "no-flags", severity: .note, location: stepPlace,
                    message: "no 'migration_flags =' assignment found; auditing the claimed \(model.describe(claimed))"))
            } else if !valid.contains(claimed) {
                findings.append(Finding(kind: "flags-mismatch", severity: .error, location: firstAssignment,
                    message: "the code sets \(valid.map(model.describe).joined(separator: " or ")), not the claimed \(model.describe(claimed))"))
            }
            audited = [claimed]
        } else if driver.configurations.isEmpty {
            findings.append(Finding(kind: "no-flags", severity: .error, location: stepPlace,
                message: "no 'migration_flags =' assignment found in the files read; give the folder with the probe code, or --features"))
        }
        // Arcs: what the core asks for, per audited set.
        let handled = Set(driver.branches.map(\.arc))
        var missing: [FeatureSet: [Arc]] = [:]
        var missingSets: [Arc: [FeatureSet]] = [:]
        var missingOrder: [Arc] = []
        for set in audited {
            let required = PathTable(model: model, features: set).requiredArcs
            let lacking = required.filter { !handled.contains($0) || driver.branch($0)?.alwaysFails == true }
            missing[set] = lacking
            for arc in lacking where driver.branch(arc)?.alwaysFails != true {
                if missingSets[arc] == nil { missingOrder.append(arc) }
                missingSets[arc, default: []].append(set)
            }
        }
        let auditedModel = audited.isEmpty ? driver : driverRestricted(driver, to: audited)
        var traces: [DriverModel.Defect: [String]] = [:]
        let defects = auditedModel.defects
        for defect in defects {
            var together: Set<DriverModel.Defect> = [defect]
            // A reset that keeps the state keeps the sessions too.
            if case .resetKeepsState(let set) = defect { together.insert(.resetKeepsSession(set)) }
            traces[defect] = trace(auditedModel, together, audited)
        }
        for arc in missingOrder {
            let sets = missingSets[arc] ?? []
            let example = missingExample(arc, sets[0], model)
            findings.append(Finding(kind: "missing-arc", severity: .error, location: stepPlace,
                message: "\(driver.entry.step.name)() does not handle \(model.describe(arc)), which \(sets.map(model.describe).joined(separator: " and ")) require\(sets.count == 1 ? "s" : ""): \(example)",
                trace: traces[.missing(arc)] ?? []))
        }
        // Arcs handled that no audited set asks for.
        var requiredAny: Set<Arc> = []
        for set in audited { requiredAny.formUnion(PathTable(model: model, features: set).requiredArcs) }
        let tables = ProtocolPaths(model: model).tables
        for branch in driver.branches where !requiredAny.contains(branch.arc) && !branch.alwaysFails {
            findings.append(Finding(kind: "dead-code", severity: .warning, location: branch.location,
                message: "\(model.describe(branch.arc)) is handled but never asked for: " + deadReason(branch.arc, audited, tables, model)))
        }
        for repeated in repeatedConditions(driver) {
            findings.append(Finding(kind: "dead-code", severity: .warning, location: repeated.location,
                message: "\(model.describe(repeated.arc)) repeats the condition at \(repeated.first.description); never reached"))
        }
        // Branch defects; one finding per C place, naming every arc it affects.
        var grouped: [(key: String, finding: Finding, arcs: [Arc], text: (String) -> String)] = []
        func add(_ kind: String, _ severity: Finding.Severity, _ location: SourceLocation, _ arc: Arc,
                 related: [Diagnostic.Note] = [], trace: [String] = [], _ text: @escaping (String) -> String) {
            let key = "\(kind) \(location.description)"
            if let index = grouped.firstIndex(where: { $0.key == key }) {
                if !grouped[index].arcs.contains(arc) { grouped[index].arcs.append(arc) }
                for note in related where !grouped[index].finding.related.contains(note) { grouped[index].finding.related.append(note) }
                return
            }
            grouped.append((key, Finding(kind: kind, severity: severity, location: location, message: "", related: related, trace: trace), [arc], text))
        }
        for branch in auditedModel.branches {
            let from = model.states[branch.arc.from].name
            let to = model.states[branch.arc.to].name
            for call in branch.dropped {
                let declared = driver.code.location(of: call.name ?? "").map { [Diagnostic.Note($0, "\(call.name ?? "it")() returns int here")] } ?? []
                let name = call.name ?? "a call"
                add("dropped-result", .error, call.location, branch.arc, related: declared, trace: traces[.swallows(branch.arc)] ?? []) { arcs in
                    arcs.contains(",") ? "\(arcs) drop the result of \(name)(): when it fails, the step still succeeds and the driver records the new state while the device stays in the old one"
                        : "\(arcs) drops the result of \(name)(): when it fails, the step still succeeds and the driver records \(to) while the device stays in \(from)"
                }
            }
            for (call, swallow) in branch.swallowed {
                let how = swallow.logged ? "only logs the failure of" : "drops the result of"
                let chain = swallow.through.count > 1 ? " (in \(swallow.through.dropFirst().map { $0 + "()" }.joined(separator: ", ")))" : ""
                let name = call.name ?? "a void function"
                add("swallowed-failure", .warning, call.location, branch.arc,
                    related: [.init(swallow.location, "\(swallow.callee)() is called here; \(swallow.logged ? "its failure is only logged" : "its result is dropped")\(chain)")],
                    trace: traces[.swallows(branch.arc)] ?? []) { arcs in
                    "\(arcs): \(name)() is a void function that \(how) a command (see the notes), so the arc reports success whatever the device did"
                }
            }
            for call in branch.unseen {
                let name = call.name ?? "a function"
                add("cannot-see", .note, call.location, branch.arc) { arcs in
                    "\(arcs): \(name)() is called as a statement and is not declared in the files read; whether it returns a failure migfsm cannot tell"
                }
            }
            if let early = branch.endsSessionEarly, defects.contains(.endsSessionEarly(branch.arc)) {
                let session = model.states[branch.arc.from].session?.rawValue ?? "data"
                let cause = early.command.map { ", then \($0.name ?? "a command")() at \($0.location.description) can fail" } ?? ", and the step can still fail after it"
                let release = early.release.name ?? "a release"
                add("session-ended-before-failure", early.command == nil ? .warning : .error, early.release.location, branch.arc,
                    related: [.init(early.failure, "the step fails here after the session ended")],
                    trace: traces[.endsSessionEarly(branch.arc)] ?? []) { arcs in
                    "\(arcs): \(release)() ends the \(session) session\(cause); on that failure the device stays in \(arcs.contains(",") ? "the state it was leaving" : from) with its session gone"
                }
            }
            for leak in branch.leaks where defects.contains(.leaksSession(branch.arc)) {
                let create = leak.create.name ?? "a call"
                let failing = leak.within.map { "\($0)() fails" } ?? "the step fails"
                let partly = leak.partial.isEmpty ? "without releasing it" : "and releases only part of its references"
                var related: [Diagnostic.Note] = [.init(leak.create.location, leak.taken > 1
                    ? "the session is created here, with \(leak.taken) references" : "the session is created here")]
                for release in leak.partial {
                    let name = release.call.name ?? "the release"
                    related.append(.init(release.call.location, release.balancesGetFile
                        ? "\(name)() here drops only the reference get_file() took"
                        : "\(name)() here drops \(release.dropped) of the \(release.before) references"))
                }
                add("session-leak", .error, leak.failure, branch.arc, related: related,
                    trace: traces[.leaksSession(branch.arc)] ?? []) { arcs in
                    "\(arcs): \(failing) here after \(create)() created its session, \(partly): the file keeps a reference after the failure"
                }
            }
            if defects.contains(.alwaysFails(branch.arc)) {
                let sets = requiringSets(branch.arc, audited, model)
                add("always-fails", .error, branch.location, branch.arc, trace: traces[.alwaysFails(branch.arc)] ?? []) { arcs in
                    "\(arcs): every path of the branch returns an error, so the driver does not really implement it (required with \(sets))"
                }
            }
            if defects.contains(.keepsSession(branch.arc)) {
                let session = model.states[branch.arc.from].session?.rawValue ?? ""
                add("session-not-ended", .error, branch.location, branch.arc, trace: traces[.keepsSession(branch.arc)] ?? []) { arcs in
                    "\(arcs): the branch leaves \(from) without ending its \(session) session (no successful path releases it)"
                }
            }
            if defects.contains(.returnsNoSession(branch.arc)) {
                add("no-session-returned", .error, branch.location, branch.arc, trace: traces[.returnsNoSession(branch.arc)] ?? []) { arcs in
                    "\(arcs): the arc opens a session but no successful path returns its file"
                }
            }
            if defects.contains(.returnsSession(branch.arc)) {
                add("extra-session-returned", .error, branch.location, branch.arc, trace: traces[.returnsSession(branch.arc)] ?? []) { arcs in
                    "\(arcs): the arc opens no session, yet every successful path returns a file"
                }
            }
        }
        for entry in grouped {
            var finding = entry.finding
            finding.message = entry.text(entry.arcs.map(model.describe).joined(separator: ", "))
            findings.append(finding)
        }
        // Resets.
        for set in audited {
            let resets = driver.resets[set] ?? []
            if resets.isEmpty {
                continue
            }
            if let unfinished = resets.first(where: { $0.incomplete && !$0.restores }) {
                findings.append(Finding(kind: "not-read", severity: .note, location: unfinished.entryLocation,
                    message: "with \(model.describe(set)), \(unfinished.entry)() has paths migfsm cannot follow to their end (too many, or a statement it cannot read); whether a reset restores \(model.states[model.resetState].name) and ends the sessions it cannot tell"))
                continue
            }
            if defects.contains(.resetKeepsState(set)), let reset = resets.first {
                let why = reset.skippedBecause.isEmpty ? "" : " (" + reset.skippedBecause.map { ($0.taken ? "" : "not ") + $0.spelling }.joined(separator: ", ") + ")"
                findings.append(Finding(kind: "reset-not-restoring", severity: .error, location: reset.skippedAt ?? reset.entryLocation,
                    message: "with \(model.describe(set)), \(reset.entry)() returns here\(why) before recording \(model.states[model.resetState].name) and ending the sessions: after a reset the driver still records the state it had",
                    related: [.init(reset.entryLocation, "the reset handler")],
                    trace: traces[.resetKeepsState(set)] ?? []))
            } else if defects.contains(.resetKeepsSession(set)), let reset = resets.first {
                findings.append(Finding(kind: "reset-keeps-session", severity: .error, location: reset.entryLocation,
                    message: "with \(model.describe(set)), \(reset.entry)() records \(model.states[model.resetState].name) but ends no session",
                    trace: traces[.resetKeepsSession(set)] ?? []))
            }
        }
        // set_state acting on the device when the core refuses a request.
        if let setState = driver.entry.setState {
            for call in driver.refused.calls {
                findings.append(Finding(kind: "refusal-side-effect", severity: .warning, location: call.location,
                    message: "\(setState.name)() calls \(call.name)() when vfio_mig_get_next_state() refuses the request: a request the kernel refuses must leave the device as it was, and the recorded state does not change"))
            }
        }
        // A reset that touches the state after letting the state mutex go.
        var unlocked: [SourceLocation] = []
        for set in audited {
            for reset in driver.resets[set] ?? [] {
                guard let outside = reset.outsideLock, !unlocked.contains(outside.location) else { continue }
                unlocked.append(outside.location)
                let state = model.states[model.resetState].name
                let effects = [outside.recordsState ? "records \(state)" : nil, outside.endsSession ? "ends a session" : nil].compactMap { $0 }
                    .joined(separator: " and ")
                let what = outside.callee.map { "calls \($0)(), which \(effects)," } ?? effects
                let through = outside.unlockedThrough.map { " (in \($0)())" } ?? ""
                findings.append(Finding(kind: "reset-outside-lock", severity: .warning, location: outside.location,
                    message: "\(reset.entry)() \(what) here after the state mutex was released\(through): a migration step running on another thread in between has the recorded state and its session changed under it",
                    related: [.init(outside.unlock, "the state mutex is released here")]))
            }
        }
        if driver.entry.resets.isEmpty, driver.entry.setState != nil {
            findings.append(Finding(kind: "no-reset-handler", severity: .note, location: driver.entry.setState?.location ?? stepPlace,
                message: "no reset_done handler or VFIO_DEVICE_RESET case in the files read: what a reset does to the recorded state migfsm cannot tell"))
        }
        // The model without any defect must satisfy every property; if not,
        // migfsm's reading is incomplete, and says so.
        if !audited.isEmpty, let violation = firstViolation(auditedModel.description(keeping: []), audited, model) {
            findings.append(Finding(kind: "model-check", severity: .note, location: stepPlace,
                message: "with every defect above removed, the explorer still finds: \(violation.message)",
                trace: render(violation, model)))
        }
        var unique: [Finding] = []
        for finding in findings.sorted(by: order) where !unique.contains(finding) { unique.append(finding) }
        return Driver(model: driver, audited: audited, findings: unique, missing: missing)
    }

    /// The driver with only `sets` as its configurations.
    static func driverRestricted(_ driver: DriverModel, to sets: [FeatureSet]) -> DriverModel {
        var restricted = driver
        restricted.configurations = sets.map { set in
            driver.configurations.first { $0.flags == set.rawValue } ?? FlagConfiguration(flags: set.rawValue, assignments: [], conditions: [])
        }
        return restricted
    }

    /// The shortest trace of the explorer on the driver with only `defect`.
    static func trace(_ driver: DriverModel, _ defects: Set<DriverModel.Defect>, _ sets: [FeatureSet]) -> [String] {
        guard let counterexample = firstViolation(driver.description(keeping: defects), sets, driver.model) else { return [] }
        return render(counterexample, driver.model)
    }

    static func firstViolation(_ description: DriverDescription, _ sets: [FeatureSet], _ model: MigrationProtocol) -> Counterexample? {
        for set in sets.sorted() {
            guard let machine = DriverMachine(model: model, features: set, driver: description),
                  let explorer = Explorer(machine: machine) else { continue }
            let found = explorer.run().counterexamples
            // The shortest trace; among equals, the first property.
            if let first = found.min(by: { $0.steps.count < $1.steps.count }) { return first }
        }
        return nil
    }

    static func render(_ counterexample: Counterexample, _ model: MigrationProtocol) -> [String] {
        ExploreReport.render(counterexample, model).split(separator: "\n", omittingEmptySubsequences: false)
            .map(String.init).filter { !$0.isEmpty }
    }

    static func describe(_ flags: UInt32, _ model: MigrationProtocol) -> String {
        let known = model.describe(FeatureSet(rawValue: flags & model.allFeatures.rawValue))
        let unknown = flags & ~model.allFeatures.rawValue
        return unknown == 0 ? known : known + " + unknown bits 0x" + String(unknown, radix: 16)
    }

    static func requiringSets(_ arc: Arc, _ sets: [FeatureSet], _ model: MigrationProtocol) -> String {
        sets.filter { PathTable(model: model, features: $0).requiredArcs.contains(arc) }.map(model.describe).joined(separator: " and ")
    }

    /// A request that makes the core ask for `arc`: from the reset state
    /// first, then a combination transition through it, shortest first.
    static func missingExample(_ arc: Arc, _ set: FeatureSet, _ model: MigrationProtocol) -> String {
        let table = PathTable(model: model, features: set)
        var walks: [(request: Arc, path: [StateID])] = []
        for from in table.supportedStates {
            for to in table.supportedStates where to != from {
                guard let path = table.path(from: from, to: to) else { continue }
                if zip(path, path.dropFirst()).contains(where: { Arc($0.0, $0.1) == arc }) { walks.append((Arc(from, to), path)) }
            }
        }
        let reset = model.resetState
        func rank(_ walk: (request: Arc, path: [StateID])) -> (Int, Int, UInt32, UInt32) {
            let tier = walk.request.from == reset ? 0 : walk.path.count > 2 ? 1 : 2
            return (tier, walk.path.count, model.states[walk.request.from].value, model.states[walk.request.to].value)
        }
        guard let best = walks.min(by: { rank($0) < rank($1) }) else { return "no request reaches it" }
        var text = "the core asks for it on \(model.describe(best.request))"
        if best.path.count > 2 { text += " (walks \(model.describe(path: best.path)))" }
        if walks.count > 1 { text += " and \(walks.count - 1) other request\(walks.count == 2 ? "" : "s")" }
        return text
    }

    static func deadReason(_ arc: Arc, _ audited: [FeatureSet], _ tables: [PathTable], _ model: MigrationProtocol) -> String {
        let from = model.states[arc.from]
        let to = model.states[arc.to]
        let sets = audited.map(model.describe).joined(separator: ", ")
        var reason: String
        if from.isError || to.isError {
            reason = "\(from.isError ? from.name : to.name) is never requested or left by a request"
        } else if let lacking = [from, to].first(where: { state in !audited.contains { $0.covers(state.needs) } }) {
            reason = "\(lacking.name) does not exist with \(sets)"
        } else {
            reason = "the core never asks for it with \(sets)"
        }
        let elsewhere = tables.filter { $0.requiredArcs.contains(arc) }.map { model.describe($0.features) }
        if !elsewhere.isEmpty { reason += " (required with \(elsewhere.joined(separator: ", ")))" }
        return reason
    }

    /// Conditions of the step function for an arc whose branch is elsewhere:
    /// the walk never reaches them.
    static func repeatedConditions(_ driver: DriverModel) -> [(arc: Arc, location: SourceLocation, first: SourceLocation)] {
        let located = driver.entry.step.located
        let file = driver.code.file(located)
        guard let open = located.function.bodyOpen, let end = located.function.bodyEnd else { return [] }
        var diagnostics: [Diagnostic] = []
        let tokens = Array(file.tokens[open..<end])
        let arcs = StepFunctionArcs.extract(tokens, source: file.source, names: driver.names, diagnostics: &diagnostics)
        var found: [(Arc, SourceLocation, SourceLocation)] = []
        var seen: [Arc: SourceLocation] = [:]
        for arc in arcs {
            if let first = seen[arc.arc] {
                if driver.branch(arc.arc)?.location != arc.location { found.append((arc.arc, arc.location, first)) }
            } else {
                seen[arc.arc] = arc.location
            }
        }
        return found
    }
}
