/// Reads a driver file (`Specs/drivers/*.driver`) into a
/// `DriverDescription` for one protocol.
///
/// The language is line-oriented like the spec language, with `#` comments,
/// and shares its lexer and token cursor, so every error is reported as
/// `path:line:column: error: message`, one per bad line, all lines read:
///
///     driver nvme-rfc
///     protocol vfio-v2
///     flags STOP_COPY
///     lookup kernel
///     arc STOP -> RUNNING
///     fault STOP -> RUNNING stays
///     fault reset-while-locked
///     quirk STOP -> RUNNING ignores-hardware-failure
///     quirk reset-keeps-state for STOP_COPY | PRE_COPY
///     effect STOP -> STOP_COPY disables-device
public enum DriverReader {
    /// The statement keywords, for "did you mean" suggestions.
    public static let keywords = ["driver", "protocol", "flags", "lookup", "arc", "fault", "quirk", "effect"]

    public static func load(path: String, model: MigrationProtocol) throws(DiagnosticList) -> DriverDescription {
        try read(try SourceText.read(path: path), model: model)
    }

    /// Reads text as if from `path`.
    public static func read(text: String, path: String, model: MigrationProtocol) throws(DiagnosticList) -> DriverDescription {
        try read(try SourceText.read(text: text, path: path), model: model)
    }

    public static func read(_ source: SourceText, model: MigrationProtocol) throws(DiagnosticList) -> DriverDescription {
        var reader = Reader(model: model, path: source.path)
        let lineErrors = LineOrientedReader.statements(in: source) { cursor throws(Diagnostic) in
            try reader.statement(&cursor)
        }
        reader.diagnostics += lineErrors
        let driver = reader.finish()
        guard reader.diagnostics.isEmpty else {
            throw LineOrientedReader.failure(reader.diagnostics, in: source)
        }
        return driver
    }

    /// The state of a read in progress: what the lines said so far.
    struct Reader {
        let model: MigrationProtocol
        let path: String
        var diagnostics: [Diagnostic] = []
        var name: Name?
        var protocolName: Name?
        var lookup: (LookupSource, Name)?
        var flags: [(FeatureSet, SourceLocation)] = []
        var arcs: [(Arc, SourceLocation)] = []
        var required: SourceLocation?
        var faults: [(Arc, FaultKinds, SourceLocation, SourceLocation?)] = []
        var faultsOfAll: FaultKinds = []
        var resetWhileLocked = false
        var resetMayFail = false
        var faultAllLines: [(kinds: FaultKinds, location: SourceLocation)] = []
        var resetWhileLockedLine: SourceLocation?
        var resetMayFailLine: SourceLocation?
        var effects: [(Arc, ArcEffects, SourceLocation)] = []
        var arcQuirks: [(Arc, ArcQuirk, SourceLocation)] = []
        var quirks: [(DriverQuirk, SourceLocation)] = []
        /// `quirk Q for A | B`: a quirk on one feature set only.
        var scopedQuirks: [(DriverQuirk, FeatureSet, SourceLocation)] = []

        init(model: MigrationProtocol, path: String) {
            self.model = model
            self.path = path
        }

        mutating func statement(_ cursor: inout LineCursor) throws(Diagnostic) {
            let keyword = try cursor.name("a statement keyword")
            switch keyword.text {
            case "driver":
                let value = try cursor.name("a driver name")
                try once(&name, value, keyword)
            case "protocol":
                let value = try cursor.name("a protocol name")
                if !model.accepts(protocolNamed: value.text) {
                    throw Diagnostic.error(at: value.location,
                        "the driver is written for protocol '\(value.text)', but the spec is '\(model.name)'")
                }
                try once(&protocolName, value, keyword)
            case "flags":
                try flagsLine(&cursor)
            case "lookup":
                let value = try cursor.name("'spec', 'kernel', 'kernel-unguarded' or 'generated'")
                guard let source = LookupSource(rawValue: value.text) else {
                    throw Diagnostic.error(at: value.location,
                        "unknown lookup '\(value.text)'; expected 'spec', 'kernel', 'kernel-unguarded' or 'generated'")
                }
                if let first = lookup {
                    throw Diagnostic.error(at: keyword.location, "duplicate 'lookup' line",
                        notes: [.init(first.1.location, "the first 'lookup' line is here")])
                }
                lookup = (source, value)
            case "arc":
                if isArc(cursor) {
                    let location = cursor.here
                    arcs.append((try arc(&cursor), location))
                } else {
                    let word = try cursor.name("'required' or an arc 'A -> B'")
                    guard word.text == "required" else {
                        throw Diagnostic.error(at: word.location, "expected 'required' or an arc 'A -> B', found '\(word.text)'")
                    }
                    if let first = required {
                        throw Diagnostic.error(at: keyword.location, "duplicate 'arc required' line",
                            notes: [.init(first, "the first 'arc required' line is here")])
                    }
                    required = keyword.location
                }
            case "fault":
                try faultLine(&cursor)
            case "quirk":
                try quirkLine(&cursor)
            case "effect":
                try effectLine(&cursor)
            default:
                var message = "unknown keyword '\(keyword.text)'"
                if let suggestion = Suggestion.closest(to: keyword.text, among: DriverReader.keywords) {
                    message += "; did you mean '\(suggestion)'?"
                } else {
                    message += "; expected one of: " + DriverReader.keywords.joined(separator: ", ")
                }
                throw Diagnostic.error(at: keyword.location, message)
            }
        }

        func once(_ slot: inout Name?, _ value: Name, _ keyword: Name) throws(Diagnostic) {
            if let first = slot {
                throw Diagnostic.error(at: keyword.location, "duplicate '\(keyword.text)' line",
                    notes: [.init(first.location, "the first '\(keyword.text)' line is here")])
            }
            slot = value
        }

        func isArc(_ cursor: LineCursor) -> Bool {
            let index = cursor.index
            return index + 1 < cursor.tokens.count && cursor.tokens[index + 1].kind == .arrow
        }

        func state(_ name: Name) throws(Diagnostic) -> StateID {
            if let id = model.stateID(named: name.text) { return id }
            var message = "unknown state '\(name.text)'"
            if let suggestion = Suggestion.closest(to: name.text, among: model.states.map(\.name)) {
                message += "; did you mean '\(suggestion)'?"
            }
            throw Diagnostic.error(at: name.location, message)
        }

        /// `A -> B`, both states resolved, neither the error state.
        func arc(_ cursor: inout LineCursor) throws(Diagnostic) -> Arc {
            let fromName = try cursor.name("a state name")
            try cursor.expect(.arrow, "'->'")
            let toName = try cursor.name("a state name")
            if cursor.peek?.kind == .arrow {
                throw cursor.error("an arc joins exactly two states; write each arc on its own line")
            }
            let from = try state(fromName)
            let to = try state(toName)
            for (id, name) in [(from, fromName), (to, toName)] where model.states[id].isError {
                throw Diagnostic.error(at: name.location,
                    "the error state '\(name.text)' is no arc's end: a driver reaches it only by failing and leaves it only by reset")
            }
            if from == to {
                throw Diagnostic.error(at: fromName.location, "an arc joins two different states")
            }
            return Arc(from, to)
        }

        mutating func flagsLine(_ cursor: inout LineCursor) throws(Diagnostic) {
            let location = cursor.here
            let set = try featureSet(&cursor)
            if let first = flags.first(where: { $0.0 == set }) {
                throw Diagnostic.error(at: location, "duplicate flags \(model.describe(set))",
                    notes: [.init(first.1, "first reported here")])
            }
            flags.append((set, location))
        }

        mutating func faultLine(_ cursor: inout LineCursor) throws(Diagnostic) {
            if isArc(cursor) {
                let location = cursor.here
                let arc = try arc(&cursor)
                let (kinds, afterSession) = try faultKinds(&cursor)
                faults.append((arc, kinds, location, afterSession))
                return
            }
            let word = try cursor.name("'all', 'reset-while-locked', 'reset-may-fail' or an arc 'A -> B'")
            switch word.text {
            case "all":
                let kinds = try faultKinds(&cursor).0
                faultsOfAll.formUnion(kinds)
                faultAllLines.append((kinds, word.location))
            case "reset-while-locked":
                resetWhileLocked = true
                if resetWhileLockedLine == nil { resetWhileLockedLine = word.location }
            case "reset-may-fail":
                resetMayFail = true
                if resetMayFailLine == nil { resetMayFailLine = word.location }
            default:
                var message = "expected 'all', 'reset-while-locked', 'reset-may-fail' or an arc 'A -> B', found '\(word.text)'"
                if let suggestion = Suggestion.closest(to: word.text, among: ["all", "reset-while-locked", "reset-may-fail"]) {
                    message += "; did you mean '\(suggestion)'?"
                }
                throw Diagnostic.error(at: word.location, message)
            }
        }

        func arcQuirksWritten(_ arc: Arc) -> [ArcQuirk] {
            arcQuirks.filter { $0.0 == arc }.map(\.1)
        }

        /// `stays, error, after-session`; also where `after-session` is written.
        func faultKinds(_ cursor: inout LineCursor) throws(Diagnostic) -> (FaultKinds, SourceLocation?) {
            let names = try cursor.names("a fault: 'stays', 'error', 'after-session' or 'swallowed'", separatedBy: .comma)
            var kinds: FaultKinds = []
            var afterSession: SourceLocation?
            for name in names {
                guard let kind = FaultKinds.spellings.first(where: { $0.0 == name.text })?.1 else {
                    var message = "unknown fault '\(name.text)'"
                    if let suggestion = Suggestion.closest(to: name.text, among: FaultKinds.spellings.map(\.0)) {
                        message += "; did you mean '\(suggestion)'?"
                    } else {
                        message += "; expected 'stays', 'error', 'after-session' or 'swallowed'"
                    }
                    throw Diagnostic.error(at: name.location, message)
                }
                if kinds.contains(kind) {
                    throw Diagnostic.error(at: name.location, "fault '\(name.text)' is named twice")
                }
                if kind == .afterSession { afterSession = name.location }
                kinds.insert(kind)
            }
            return (kinds, afterSession)
        }

        mutating func quirkLine(_ cursor: inout LineCursor) throws(Diagnostic) {
            if isArc(cursor) {
                let arc = try arc(&cursor)
                let word = try cursor.name("a quirk of the arc")
                let quirk: ArcQuirk
                switch word.text {
                case "ignores-hardware-failure": quirk = .ignoresHardwareFailure
                case "keeps-session": quirk = .keepsSession
                case "returns-no-session":
                    guard model.opensSession(arc) else {
                        throw Diagnostic.error(at: word.location,
                            "'returns-no-session' needs an arc that opens a session; \(model.describe(arc)) opens none")
                    }
                    quirk = .returnsNoSession
                case "returns-session":
                    guard model.states[arc.to].session != nil else {
                        throw Diagnostic.error(at: word.location,
                            "'returns-session' needs an arc into a state with a session; \(model.states[arc.to].name) has none")
                    }
                    quirk = .returnsSession
                case "leaks-session-on-failure": quirk = .leaksSessionOnFailure
                case "ends-session-early":
                    guard model.endsSession(arc), model.states[arc.from].session != nil else {
                        throw Diagnostic.error(at: word.location,
                            "'ends-session-early' needs an arc that ends a session; \(model.describe(arc)) ends none")
                    }
                    quirk = .endsSessionEarly
                case "always-fails": quirk = .alwaysFails
                case "accepts-truncated-stream", "accepts-invalid-stream":
                    guard model.endsSession(arc), model.states[arc.from].session == .resuming else {
                        throw Diagnostic.error(at: word.location,
                            "'\(word.text)' needs an arc that leaves a resuming session, where the data written is validated; \(model.describe(arc)) leaves none")
                    }
                    quirk = word.text == "accepts-truncated-stream" ? .acceptsTruncatedStream : .acceptsInvalidStream
                case "records": quirk = .records(try state(try cursor.name("the state the driver records")))
                case "rolls-back-to": quirk = .rollsBackTo(try state(try cursor.name("the state the driver rolls back to")))
                default:
                    var message = "unknown arc quirk '\(word.text)'"
                    if DriverQuirk(rawValue: word.text) != nil {
                        message = "'\(word.text)' is a quirk of the whole driver: write 'quirk \(word.text)'"
                    } else if let suggestion = Suggestion.closest(to: word.text, among: ArcQuirk.keywords) {
                        message += "; did you mean '\(suggestion)'?"
                    } else {
                        message += "; expected one of: " + ArcQuirk.keywords.joined(separator: ", ")
                    }
                    throw Diagnostic.error(at: word.location, message)
                }
                if let first = arcQuirks.first(where: { $0.0 == arc && sameKind($0.1, quirk) }) {
                    throw Diagnostic.error(at: word.location,
                        "duplicate quirk '\(word.text)' of \(model.describe(arc))",
                        notes: [.init(first.2, "first given here")])
                }
                arcQuirks.append((arc, quirk, word.location))
                return
            }
            let word = try cursor.name("a quirk, or an arc 'A -> B' and its quirk")
            guard let quirk = DriverQuirk(rawValue: word.text) else {
                var message = "unknown quirk '\(word.text)'"
                if ArcQuirk.keywords.contains(word.text) {
                    message = "'\(word.text)' is a quirk of one arc: write 'quirk A -> B \(word.text)'"
                } else if let suggestion = Suggestion.closest(to: word.text, among: DriverQuirk.allCases.map(\.rawValue)) {
                    message += "; did you mean '\(suggestion)'?"
                } else {
                    message += "; expected one of: " + DriverQuirk.allCases.map(\.rawValue).joined(separator: ", ")
                }
                throw Diagnostic.error(at: word.location, message)
            }
            if cursor.take(keyword: "for") {
                let location = cursor.here
                let set = try featureSet(&cursor)
                if let first = scopedQuirks.first(where: { $0.0 == quirk && $0.1 == set }) {
                    throw Diagnostic.error(at: word.location, "duplicate quirk '\(word.text)' for \(model.describe(set))",
                        notes: [.init(first.2, "first given here")])
                }
                scopedQuirks.append((quirk, set, location))
                return
            }
            if let first = quirks.first(where: { $0.0 == quirk }) {
                throw Diagnostic.error(at: word.location, "duplicate quirk '\(word.text)'",
                    notes: [.init(first.1, "first given here")])
            }
            quirks.append((quirk, word.location))
        }

        /// `effect A -> B disables-device, enables-device`: what the arc's
        /// hardware command does besides moving the device.
        mutating func effectLine(_ cursor: inout LineCursor) throws(Diagnostic) {
            let location = cursor.here
            guard isArc(cursor) else {
                throw cursor.expected("an arc 'A -> B'")
            }
            let arc = try arc(&cursor)
            let names = try cursor.names("an effect: 'disables-device' or 'enables-device'", separatedBy: .comma)
            var kinds: ArcEffects = []
            for name in names {
                guard let kind = ArcEffects.spellings.first(where: { $0.0 == name.text })?.1 else {
                    var message = "unknown effect '\(name.text)'"
                    if let suggestion = Suggestion.closest(to: name.text, among: ArcEffects.spellings.map(\.0)) {
                        message += "; did you mean '\(suggestion)'?"
                    } else {
                        message += "; expected 'disables-device' or 'enables-device'"
                    }
                    throw Diagnostic.error(at: name.location, message)
                }
                if kinds.contains(kind) {
                    throw Diagnostic.error(at: name.location, "effect '\(name.text)' is named twice")
                }
                kinds.insert(kind)
            }
            if kinds == [.disablesDevice, .enablesDevice] {
                throw Diagnostic.error(at: names[0].location, "an arc cannot both disable and enable the device")
            }
            if let first = effects.first(where: { $0.0 == arc }) {
                throw Diagnostic.error(at: location, "duplicate effect line for \(model.describe(arc))",
                    notes: [.init(first.2, "first given here")])
            }
            effects.append((arc, kinds, location))
        }

        /// `STOP_COPY | P2P`: a valid feature set of the spec.
        func featureSet(_ cursor: inout LineCursor) throws(Diagnostic) -> FeatureSet {
            let location = cursor.here
            let names = try cursor.names("a feature name", separatedBy: .bar)
            var set = FeatureSet()
            for name in names {
                guard let feature = model.features.first(where: { $0.name == name.text }) else {
                    var message = "unknown feature '\(name.text)'"
                    if let suggestion = Suggestion.closest(to: name.text, among: model.features.map(\.name)) {
                        message += "; did you mean '\(suggestion)'?"
                    }
                    throw Diagnostic.error(at: name.location, message)
                }
                if set.covers(feature.flag) {
                    throw Diagnostic.error(at: name.location, "feature '\(name.text)' is named twice")
                }
                set.formUnion(feature.flag)
            }
            guard model.isValid(set) else {
                let valid = model.validFeatureSets.map(model.describe).joined(separator: ", ")
                throw Diagnostic.error(at: location,
                    "\(model.describe(set)) is not a valid feature set; valid sets: \(valid)")
            }
            return set
        }

        func sameKind(_ a: ArcQuirk, _ b: ArcQuirk) -> Bool {
            switch (a, b) {
            case (.records, .records), (.rollsBackTo, .rollsBackTo): return true
            default: return a == b
            }
        }

        /// The checks that need every line: flags given, arcs possible,
        /// faults and quirks only on implemented arcs.
        mutating func finish() -> DriverDescription {
            let sets = flags.map(\.0)
            // Reported only on an otherwise clean file: a misspelt or invalid
            // flags line has already said it.
            if flags.isEmpty && diagnostics.isEmpty {
                diagnostics.append(.error(at: .file(path),
                    "no 'flags' line: a driver reports at least one feature set, such as 'flags STOP_COPY'"))
            }
            var firstArc: [Arc: SourceLocation] = [:]
            for (arc, location) in arcs {
                if let first = firstArc[arc] {
                    diagnostics.append(.error(at: location, "duplicate arc '\(model.describe(arc))'",
                        notes: [.init(first, "first implemented here")]))
                    continue
                }
                firstArc[arc] = location
                guard !sets.isEmpty else { continue }
                for id in [arc.from, arc.to] where !sets.contains(where: { model.supports(id, in: $0) }) {
                    let state = model.states[id]
                    diagnostics.append(.error(at: location,
                        "no reported feature set has \(state.name), which needs \(model.describe(state.needs))"))
                    break
                }
            }
            var implemented = Set(firstArc.keys)
            if required != nil {
                for set in sets { implemented.formUnion(PathTable(model: model, features: set).requiredArcs) }
            }
            func unimplemented(_ arc: Arc, _ location: SourceLocation, _ what: String) {
                diagnostics.append(.error(at: location,
                    "\(what) of \(model.describe(arc)), which the driver does not implement (no 'arc' line\(required == nil ? "" : " and no feature set requires it"))"))
            }
            var faultTable: [Arc: FaultKinds] = [:]
            for (arc, kinds, location, afterSession) in faults {
                if !implemented.contains(arc) {
                    unimplemented(arc, location, "fault")
                    continue
                }
                if let afterSession, !model.opensSession(arc),
                   !arcQuirksWritten(arc).contains(.returnsSession) {
                    diagnostics.append(.error(at: afterSession,
                        "'after-session' needs an arc that opens a session; \(model.describe(arc)) opens none"))
                    continue
                }
                faultTable[arc, default: []].formUnion(kinds)
            }
            var quirkTable: [Arc: [ArcQuirk]] = [:]
            for (arc, quirk, location) in arcQuirks {
                if !implemented.contains(arc) {
                    unimplemented(arc, location, "quirk '\(quirk.spelling(model))'")
                    continue
                }
                quirkTable[arc, default: []].append(quirk)
            }
            var effectTable: [Arc: ArcEffects] = [:]
            for (arc, kinds, location) in effects {
                if !implemented.contains(arc) {
                    unimplemented(arc, location, "effect")
                    continue
                }
                effectTable[arc] = kinds
            }
            var scoped: [FeatureSet: Set<DriverQuirk>] = [:]
            for (quirk, set, location) in scopedQuirks {
                guard sets.contains(set) else {
                    if !sets.isEmpty {
                        diagnostics.append(.error(at: location,
                            "the driver reports no flags \(model.describe(set)); quirk '\(quirk.rawValue)' for it applies to nothing"))
                    }
                    continue
                }
                scoped[set, default: []].insert(quirk)
            }
            let fallback = path.split(separator: "/").last.map { String($0.split(separator: ".").first ?? $0) } ?? path
            var lines = DriverLines()
            lines.file = .file(path)
            lines.flags = flags.first?.1
            lines.arcs = firstArc
            lines.required = required
            for (arc, kinds, location, _) in faults { lines.faults[arc, default: []].append((kinds, location)) }
            lines.faultAll = faultAllLines
            lines.resetWhileLocked = resetWhileLockedLine
            lines.resetMayFail = resetMayFailLine
            for (arc, quirk, location) in arcQuirks {
                let keyword = quirk.spelling(model).split(separator: " ").first.map(String.init) ?? ""
                if lines.arcQuirks[arc]?[keyword] == nil { lines.arcQuirks[arc, default: [:]][keyword] = location }
            }
            for (quirk, location) in quirks where lines.quirks[quirk] == nil { lines.quirks[quirk] = location }
            for (quirk, _, location) in scopedQuirks where lines.quirks[quirk] == nil { lines.quirks[quirk] = location }
            for (arc, _, location) in effects { lines.effects[arc] = location }
            var description = DriverDescription(
                name: name?.text ?? fallback, featureSets: sets, lookup: lookup?.0 ?? .spec,
                arcs: Set(firstArc.keys), implementsRequired: required != nil, faults: faultTable,
                faultsOfAllArcs: faultsOfAll, resetWhileLocked: resetWhileLocked, resetMayFail: resetMayFail,
                effects: effectTable,
                arcQuirks: quirkTable, quirks: Set(quirks.map(\.0)), quirksByFeatures: scoped)
            description.lines = lines
            return description
        }
    }
}
