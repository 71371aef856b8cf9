import Foundation

/// What `migfsm import-c` found: the lookup a C file holds, proven against
/// the spec with the same code as `check` (terminates, agrees with every
/// feature set's paths, yields only required arcs, refuses exactly what
/// the spec refuses), every divergence as (feature set, current,
/// requested, entries walked, what the spec says).
///
/// When the file holds the lookup function (`vfio_mig_get_next_state()`),
/// that function is run as written, statement by statement
/// (`LookupInterpreter`), for every flags value of the declared bits, each
/// also with a bit the spec does not declare (the kernel must ignore it),
/// and every (current, requested) pair including out-of-range values. A
/// file with only the tables is proven under the skip loop without the
/// error guard, as before the lookup function was read.
public struct ImportReport: Sendable {
    public let code: KernelCodeImport
    public let paths: ProtocolPaths
    /// The flags values of the declared bits looked up with.
    public let flags: [UInt32]
    /// Bits the spec does not declare, each added to every flags value.
    public let undeclaredBits: [UInt32]
    public let divergences: [LookupDivergence]
    public let lookups: Int
    /// How the lookup was proven.
    public let method: Method
    /// Located findings about the code beyond the divergences: reads past a
    /// table, warnings a user can trigger, what could not be interpreted.
    public let findings: [Finding]

    /// Which code the proof ran.
    public enum Method: Sendable {
        /// The file's lookup function, as written.
        case function(CLookupFunction)
        /// The tables alone, under the skip loop without the error guard.
        case tablesOnly
    }

    /// Proves `code` against the spec; `features` limits the proof to one
    /// feature set (a view of the spec), otherwise every flags value.
    public init(code: KernelCodeImport, model: MigrationProtocol, features: FeatureSet? = nil) {
        self.code = code
        let paths = ProtocolPaths(model: model)
        self.paths = paths
        let flags = features.map { [$0.rawValue] } ?? Checker.flagValues(model)
        self.flags = flags
        var findings = code.notes.map { Finding(kind: "lookup-not-read", severity: .note, location: $0.location, message: $0.message) }
        if let function = code.function,
           let proof = Self.prove(function, code, paths, flags: flags) {
            switch proof {
            case .success(let result):
                method = .function(function)
                undeclaredBits = result.undeclared
                divergences = result.divergences
                lookups = result.lookups
                findings += result.findings
                self.findings = findings
                return
            case .failure(let note):
                findings.append(Finding(kind: "lookup-not-read", severity: .note, location: note.location,
                    message: note.message + "; the tables are proven under the skip loop without the error guard"))
            }
        }
        method = .tablesOnly
        undeclaredBits = []
        let kernel = code.kernel
        (divergences, lookups) = Checker.lookupDivergences(
            paths, kernel, { kernel.lookup(flags: $0, current: $1, requested: $2, loop: .unguarded) }, flags: flags)
        self.findings = findings
    }

    struct Proof {
        var undeclared: [UInt32]
        var divergences: [LookupDivergence]
        var lookups: Int
        var findings: [Finding]
    }

    /// Runs the function for every case; a case it cannot interpret ends
    /// the proof with a note (the caller falls back to the tables).
    static func prove(_ function: CLookupFunction, _ code: KernelCodeImport, _ paths: ProtocolPaths,
                      flags: [UInt32]) -> Result<Proof, Diagnostic>? {
        let model = paths.model
        let interpreter = LookupInterpreter(function: function, table: code.table, masks: code.masks,
                                            names: CNames(model: model, path: code.path))
        let declared = model.allFeatures.rawValue
        // The lowest bit the spec does not declare, and the top bit.
        var undeclared: [UInt32] = []
        if let low = (0..<32).map({ UInt32(1) << $0 }).first(where: { $0 & declared == 0 }) { undeclared.append(low) }
        if declared & 0x8000_0000 == 0, !undeclared.contains(0x8000_0000) { undeclared.append(0x8000_0000) }
        var byValue: [UInt32: StateID] = [:]
        for (id, state) in model.states.enumerated() { byValue[state.value] = id }
        /// The value a divergence's label names: a state, or `value N`.
        func value(_ label: String) -> UInt32? {
            if let id = model.stateID(named: label) { return model.states[id].value }
            return label.hasPrefix("value ") ? UInt32(label.dropFirst(6)) : nil
        }
        var failure: Diagnostic?
        var pastTable: [SourceLocation: (count: Int, example: String)] = [:]
        var undefined: Set<[UInt32]> = []
        var warnings: [SourceLocation: String] = [:]
        func lookup(_ flags: UInt32, _ current: UInt32, _ requested: UInt32) -> KernelTable.Outcome {
            if failure != nil { return .refused(visited: []) }
            let run = interpreter.run(flags: flags, current: current, requested: requested)
            switch run {
            case .cannotEvaluate(let note):
                failure = note
            case .readsPastTable(let location, let what):
                let entry = pastTable[location]
                pastTable[location] = ((entry?.count ?? 0) + 1, entry?.example ?? "flags 0x\(String(flags, radix: 16)), request \(current) -> \(requested): \(what)")
                undefined.insert([flags, current, requested])
            case .returned(_, _, _, let warned):
                let known = FeatureSet(rawValue: flags & declared)
                if warned, model.isValid(known), let table = paths.table(for: known),
                   let from = byValue[current], table.supportedStates.contains(from), warnings[function.location] == nil {
                    warnings[function.location] = "\(function.name)() warns (WARN_ON) on request \(model.states[from].name) -> value \(requested) with \(model.describe(known)): a user can trigger the warning"
                }
            case .neverEnds:
                break
            }
            return interpreter.outcome(run) ?? .refused(visited: [])
        }
        var known: [[UInt32]: KernelTable.Outcome] = [:]
        var (divergences, lookups) = Checker.lookupDivergences(paths, code.kernel, { flags, current, requested in
            let outcome = lookup(flags, current, requested)
            known[[flags, current, requested]] = outcome
            return outcome
        }, flags: flags)
        // With a bit the spec does not declare, the kernel must answer as
        // for the declared bits alone: only a different answer diverges.
        let values = (0...UInt32(code.table.size)).map { $0 } + [UInt32.max]
        func label(_ value: UInt32) -> String { byValue[value].map { model.states[$0].name } ?? "value \(value)" }
        func describe(_ outcome: KernelTable.Outcome) -> String {
            switch outcome {
            case .next(let value, _): return "gives \(label(value))"
            case .refused: return "refuses it"
            case .cycle: return "never ends"
            }
        }
        for bit in undeclared {
            for base in flags {
                let features = FeatureSet(rawValue: base)
                let subject = (model.isValid(features) ? model.describe(features) : "flags 0x" + String(base, radix: 16))
                    + " + undeclared bit 0x" + String(bit, radix: 16)
                for current in values {
                    for requested in values {
                        lookups += 1
                        let outcome = lookup(base | bit, current, requested)
                        guard let expected = known[[base, current, requested]], outcome != expected,
                              !undefined.contains([base, current, requested]) else { continue }
                        var walked: [UInt32] = []
                        var result: UInt32?
                        switch outcome {
                        case .next(let value, let visited): walked = visited; result = value
                        case .refused(let visited), .cycle(let visited): walked = visited
                        }
                        let request = "\(label(current)) -> \(label(requested))"
                        divergences.append(LookupDivergence(
                            kind: .undefinedFlags, flags: base | bit, features: nil, subject: subject,
                            current: label(current), requested: label(requested), walked: walked.map(label),
                            result: result.map(label), spec: "answers as without the undeclared bit: \(describe(expected))",
                            message: "\(subject) \(request): \(describe(outcome)); without the undeclared bit it \(describe(expected)), and the kernel must ignore bits it does not know"))
                    }
                }
            }
        }
        if let failure { return .failure(failure) }
        // A case that read past a table has no defined answer: the finding
        // says so, and no divergence is made up for it.
        if !undefined.isEmpty {
            divergences.removeAll { divergence in
                guard let current = value(divergence.current), let requested = value(divergence.requested) else { return false }
                return undefined.contains([divergence.flags, current, requested])
            }
        }
        var findings: [Finding] = pastTable.sorted { $0.key < $1.key }.map { location, entry in
            Finding(kind: "reads-past-table", severity: .error, location: location,
                message: "the lookup reads past a table in \(entry.count) case\(entry.count == 1 ? "" : "s") (undefined behaviour), such as \(entry.example)")
        }
        findings += warnings.sorted { $0.key < $1.key }.map { location, message in
            Finding(kind: "user-triggerable-warning", severity: .warning, location: location, message: message)
        }
        return .success(Proof(undeclared: undeclared, divergences: divergences, lookups: lookups, findings: findings))
    }

    public var agrees: Bool { divergences.isEmpty && !findings.contains { $0.severity == .error } }

    /// Every divergence as a located finding (`kernel-lookup`, an error, at
    /// the skip loop for a loop that never ends, else at the lookup
    /// function, or the table for a file of tables), then the other findings:
    /// what `--json` lists and SARIF renders.
    public var allFindings: [Finding] {
        var place = code.table.location
        var loop: SourceLocation?
        if case .function(let function) = method {
            place = function.location
            loop = function.loop?.keyword
        }
        return divergences.map { divergence in
            Finding(kind: "kernel-lookup", severity: .error,
                    location: divergence.kind == .neverEnds ? loop ?? place : place,
                    message: "\(divergence.request): \(outcome(divergence)); the spec \(divergence.spec)")
        } + findings
    }
    var model: MigrationProtocol { paths.model }

    /// What the code did, in words.
    func outcome(_ divergence: LookupDivergence) -> String {
        let walked = divergence.walked.joined(separator: " -> ")
        switch divergence.kind {
        case .neverEnds:
            var text = "the skip loop never ends: reads \(walked) -> ..."
            if let last = divergence.walked.last, let id = model.stateID(named: last),
               code.kernel.masks[Int(model.states[id].value)] == ~0 {
                text += " (\(last)'s mask ~0 is never within the flags)"
            }
            return text
        case .refused:
            return "refused after reading \(walked.isEmpty ? "nothing" : walked)"
        case .undefinedFlags, .servesRefused, .wrongNext:
            return "gives \(divergence.result ?? "?") (read \(walked))"
        case .notRequiredArc:
            return "gives \(divergence.result ?? "?") (read \(walked)), asking the driver for \(divergence.current) -> \(divergence.result ?? "?"), not a required arc"
        }
    }

    /// `the skip loop at FILE:854:2 (stops at ERROR)`, or why there is none.
    var lookupLine: String {
        switch method {
        case .tablesOnly:
            return "  no lookup function read: the tables are proven under the skip loop without the ERROR guard (kernels from v6.2 until the June 2026 fix)\n"
        case .function(let function):
            var text = "  lookup function \(function.name)() at \(function.location.description), proven as written"
            if !function.checks.isEmpty {
                text += "; range checks at line" + (function.checks.count == 1 ? " " : "s ")
                    + function.checks.map { String($0.line) }.joined(separator: ", ")
            }
            if let loop = function.loop {
                let error = model.states[model.errorState]
                let guarded = loop.condition.contains { node in
                    guard case .binary(let op, let left, let right) = node, op.text == "!=" else { return false }
                    return [left, right].contains { side in
                        if case .identifier(let name) = side.ungrouped { return name.text == model.naming.cState(error) }
                        return false
                    }
                }
                text += "; skip loop at line \(loop.keyword.line) " + (guarded ? "(stops at \(error.name))" : "(no \(error.name) guard)")
            } else {
                text += "; no skip loop: the table's entry is the answer"
            }
            return text + "\n"
        }
    }

    public var rendered: String {
        var text = "import \(code.path) against \(model.name) (\(model.sourcePath))\n"
        text += "  next-state table \(code.table.name)[\(code.table.size)][\(code.table.size)] at \(code.table.location.description)\n"
        let label = { (value: Int) -> String in
            self.model.states.first { $0.value == UInt32(value) }?.name ?? String(value)
        }
        if let masks = code.masks {
            text += "  feature masks \(masks.name)[\(masks.masks.count)] at \(masks.location.description): "
            text += masks.spellings.indices.compactMap { index in
                masks.spellings[index].map { "\(label(index)) \(shorten($0))" }
            }.joined(separator: ", ") + "\n"
        } else {
            text += "  no feature-mask table: every state counts as present (mask 0), as in the 5-state code\n"
        }
        text += lookupLine
        let valid = flags.filter { model.isValid(FeatureSet(rawValue: $0)) }.map { model.describe(FeatureSet(rawValue: $0)) }
        let extra = undeclaredBits.isEmpty ? ""
            : ", each also with an undeclared bit (" + undeclaredBits.map { "0x" + String($0, radix: 16) }.joined(separator: ", ") + "), which the kernel must ignore"
        if flags.count == 1 {
            text += "  flags: 0x\(String(flags[0], radix: 16)) only\(extra): \(valid.first ?? "not a valid feature set")\n\n"
        } else {
            text += "  flags: every value 0x0...0x\(String(flags.max() ?? 0, radix: 16))\(extra); valid: \(valid.joined(separator: ", "))\n\n"
        }
        let holds = divergences.isEmpty
        text += (holds ? "holds  " : "FAILS  ") + "kernel-lookup: "
        text += holds ? "terminates and agrees with every feature set's paths (\(lookups) lookups)\n"
            : "\(divergences.count) violation\(divergences.count == 1 ? "" : "s") in \(lookups) lookups\n"
        for divergence in divergences {
            text += "       \(divergence.request): \(outcome(divergence)); the spec \(divergence.spec)\n"
        }
        for finding in findings {
            text += finding.rendered
        }
        text += "\n" + (agrees ? "the C code agrees with the spec in every case\n"
            : divergences.isEmpty ? "the C code has \(findings.filter { $0.severity == .error }.count) error(s)\n"
            : "the C code departs from the spec in \(divergences.count) case\(divergences.count == 1 ? "" : "s")\n")
        return text
    }

    /// `VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P` as `STOP_COPY | P2P`.
    func shorten(_ spelling: String) -> String {
        spelling.replacingOccurrences(of: model.naming.cFlagPrefix, with: "")
    }

    public var json: JSONValue {
        func location(_ location: SourceLocation) -> [(String, JSONValue)] {
            [("file", .string(location.file)), ("line", .number(location.line)), ("column", .number(location.column))]
        }
        var table: [(String, JSONValue)] = [("name", .string(code.table.name))]
        table += location(code.table.location)
        table.append(("size", .number(code.table.size)))
        var masks: JSONValue = .null
        if let mask = code.masks {
            var members: [(String, JSONValue)] = [("name", .string(mask.name))]
            members += location(mask.location)
            members.append(("masks", .object(mask.masks.indices.map { index in
                let name = model.states.first { $0.value == UInt32(index) }?.name ?? String(index)
                return (name, .number(Int(mask.masks[index])))
            })))
            masks = .object(members)
        }
        var function: JSONValue = .null
        if case .function(let read) = method {
            var members: [(String, JSONValue)] = [("name", .string(read.name))]
            members += location(read.location)
            members.append(("loop", read.loop.map { .object(location($0.keyword)) } ?? .null))
            function = .object(members)
        }
        let items: [JSONValue] = divergences.map { divergence in
            .object([
                ("kind", .string(divergence.kind.rawValue)),
                ("flags", .number(Int(divergence.flags))),
                ("features", divergence.features.map { .array(model.featureNames($0).map(JSONValue.string)) } ?? .null),
                ("current", .string(divergence.current)),
                ("requested", .string(divergence.requested)),
                ("walked", .array(divergence.walked.map(JSONValue.string))),
                ("result", divergence.result.map(JSONValue.string) ?? .null),
                ("spec", .string(divergence.spec)),
                ("message", .string(divergence.message)),
            ])
        }
        return .object([
            ("formatVersion", .number(1)),
            ("file", .string(code.path)),
            ("protocol", .string(model.name)),
            ("spec", .string(model.sourcePath)),
            ("nextStateTable", .object(table)),
            ("maskTable", masks),
            ("lookupFunction", function),
            ("flags", .array(flags.map { .number(Int($0)) })),
            ("undeclaredBits", .array(undeclaredBits.map { .number(Int($0)) })),
            ("lookups", .number(lookups)),
            ("agrees", .bool(agrees)),
            ("divergences", .array(items)),
            ("findings", .array(allFindings.map(\.json))),
        ])
    }
}
