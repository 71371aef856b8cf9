/// Reads a policy file (`Specs/policies/*.policy`) into a `Policy` for one
/// protocol. Line-oriented like spec and driver files, `#` comments, the
/// shared lexer and cursor, so each bad line gets one
/// `path:line:column: error: message` and every line is read:
///
///     policy qemu-source
///     protocol vfio-v2
///     assume RUNNING
///     reset-assumes RUNNING
///     event vm-stop
///     prepare RUNNING_P2P with P2P recover ERROR
///     main STOP recover ERROR
///     event restart on-failure
///     main RUNNING recover ERROR
public enum PolicyReader {
    /// The statement keywords, for "did you mean" suggestions.
    public static let keywords = ["policy", "protocol", "assume", "reset-assumes", "event", "prepare", "main"]

    public static func load(path: String, model: MigrationProtocol) throws(DiagnosticList) -> Policy {
        try read(try SourceText.read(path: path), model: model)
    }

    /// Reads text as if from `path`.
    public static func read(text: String, path: String, model: MigrationProtocol) throws(DiagnosticList) -> Policy {
        try read(try SourceText.read(text: text, path: path), model: model)
    }

    public static func read(_ source: SourceText, model: MigrationProtocol) throws(DiagnosticList) -> Policy {
        var reader = Reader(model: model, path: source.path)
        let lineErrors = LineOrientedReader.statements(in: source) { cursor throws(Diagnostic) in
            try reader.statement(&cursor)
        }
        reader.diagnostics += lineErrors
        let policy = reader.finish()
        guard reader.diagnostics.isEmpty else {
            throw LineOrientedReader.failure(reader.diagnostics, in: source)
        }
        return policy
    }

    /// A read in progress: what the lines said so far.
    struct Reader {
        let model: MigrationProtocol
        let path: String
        var diagnostics: [Diagnostic] = []
        var name: Name?
        var protocolName: Name?
        var assume: Name?
        var resetAssumes: Name?
        var assumed: StateID?
        var resetBelief: StateID?
        var events: [PolicyEvent] = []
        var eventNames: [String: SourceLocation] = [:]
        var failureEvent: SourceLocation?
        /// The current event is broken: its steps are not checked further.
        var eventBroken = false

        init(model: MigrationProtocol, path: String) {
            self.model = model
            self.path = path
        }

        mutating func statement(_ cursor: inout LineCursor) throws(Diagnostic) {
            let keyword = try cursor.name("a statement keyword")
            switch keyword.text {
            case "policy":
                try once(&name, try cursor.name("a policy name"), keyword)
            case "protocol":
                let value = try cursor.name("a protocol name")
                if !model.accepts(protocolNamed: value.text) {
                    throw Diagnostic.error(at: value.location,
                        "the policy is written for protocol '\(value.text)', but the spec is '\(model.name)'")
                }
                try once(&protocolName, value, keyword)
            case "assume":
                let value = try cursor.name("a state name")
                let id = try requestable(value)
                try once(&assume, value, keyword)
                assumed = id
            case "reset-assumes":
                let value = try cursor.name("a state name")
                let id = try requestable(value)
                try once(&resetAssumes, value, keyword)
                resetBelief = id
            case "event":
                let value = try cursor.name("an event name")
                let onFailure = cursor.take(keyword: "on-failure")
                if let first = eventNames[value.text] {
                    throw Diagnostic.error(at: value.location, "duplicate event '\(value.text)'",
                        notes: [.init(first, "'\(value.text)' is first declared here")])
                }
                if onFailure, let first = failureEvent {
                    throw Diagnostic.error(at: value.location, "a second 'on-failure' event",
                        notes: [.init(first, "the 'on-failure' event is declared here")])
                }
                eventNames[value.text] = value.location
                if onFailure { failureEvent = value.location }
                events.append(PolicyEvent(name: value.text, onFailure: onFailure, steps: []))
            case "prepare", "main":
                guard !events.isEmpty else {
                    throw Diagnostic.error(at: keyword.location,
                        "'\(keyword.text)' outside an event; start one with 'event NAME'")
                }
                let phase = PolicyStep.Phase(rawValue: keyword.text) ?? .main
                events[events.count - 1].steps.append(try step(phase, &cursor, line: keyword.location.line))
            default:
                var message = "unknown keyword '\(keyword.text)'"
                if let suggestion = Suggestion.closest(to: keyword.text, among: PolicyReader.keywords) {
                    message += "; did you mean '\(suggestion)'?"
                } else {
                    message += "; expected one of: " + PolicyReader.keywords.joined(separator: ", ")
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

        func state(_ name: Name) throws(Diagnostic) -> StateID {
            if let id = model.stateID(named: name.text) { return id }
            var message = "unknown state '\(name.text)'"
            if let suggestion = Suggestion.closest(to: name.text, among: model.states.map(\.name)) {
                message += "; did you mean '\(suggestion)'?"
            }
            throw Diagnostic.error(at: name.location, message)
        }

        func requestable(_ name: Name) throws(Diagnostic) -> StateID {
            let id = try state(name)
            if model.states[id].isError {
                throw Diagnostic.error(at: name.location,
                    "the error state '\(name.text)' can never be requested or assumed")
            }
            return id
        }

        func features(_ cursor: inout LineCursor) throws(Diagnostic) -> FeatureSet {
            var set = FeatureSet()
            for name in try cursor.names("a feature name", separatedBy: .bar) {
                guard let feature = model.features.first(where: { $0.name == name.text }) else {
                    var message = "unknown feature '\(name.text)'"
                    if let suggestion = Suggestion.closest(to: name.text, among: model.features.map(\.name)) {
                        message += "; did you mean '\(suggestion)'?"
                    }
                    throw Diagnostic.error(at: name.location, message)
                }
                set.formUnion(feature.flag)
            }
            return set
        }

        /// `TARGET|write|read [with F] [without F] [from A, B] [recover R]`
        func step(_ phase: PolicyStep.Phase, _ cursor: inout LineCursor, line: Int) throws(Diagnostic) -> PolicyStep {
            let what = try cursor.name("a state to request, 'write' or 'read'")
            var step = PolicyStep(phase: phase, action: .write, line: line)
            var target: StateID?
            switch what.text {
            case "write": step.action = .write
            case "read": step.action = .read
            default: target = try requestable(what)
            }
            var recover: StateID?
            var seen: Set<String> = []
            while let token = cursor.peek {
                let options = target == nil ? "'with', 'without' or 'from'" : "'with', 'without', 'from' or 'recover'"
                guard token.kind == .word, seen.insert(token.text).inserted else { throw cursor.expected(options) }
                switch token.text {
                case "with":
                    _ = cursor.advance()
                    step.with = try features(&cursor)
                case "without":
                    _ = cursor.advance()
                    step.without = try features(&cursor)
                case "from":
                    _ = cursor.advance()
                    for name in try cursor.names("a state name", separatedBy: .comma) {
                        step.from.append(try requestable(name))
                    }
                case "recover" where target != nil:
                    _ = cursor.advance()
                    recover = try state(try cursor.name("a state name (ERROR: reset at once)"))
                default:
                    throw cursor.expected(options)
                }
            }
            if let target {
                guard let recover else {
                    throw cursor.error("a request needs 'recover STATE' (QEMU's recover state; 'recover \(model.states[model.errorState].name)' resets at once)")
                }
                step.action = .request(target, recover: recover)
            }
            if !step.with.intersection(step.without).isEmpty {
                throw Diagnostic.error(at: what.location,
                    "the step needs and excludes \(model.describe(step.with.intersection(step.without)))")
            }
            return step
        }

        mutating func finish() -> Policy {
            if events.isEmpty && diagnostics.isEmpty {
                diagnostics.append(.error(at: .file(path), "no 'event' line: a policy runs at least one VM event"))
            }
            let fallback = path.split(separator: "/").last.map { String($0.split(separator: ".").first ?? $0) } ?? path
            return Policy(
                name: name?.text ?? fallback, assumed: assumed ?? model.resetState,
                resetAssumes: resetBelief ?? model.resetState, events: events)
        }
    }
}
