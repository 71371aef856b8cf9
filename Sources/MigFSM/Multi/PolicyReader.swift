/// Reads a policy file (`Specs/policies/*.policy`) into a `Policy` for one
/// protocol. Line-oriented like spec and driver files, `#` comments, the
/// shared lexer and cursor, so each bad line gets one
/// `path:line:column: error: message` and every line is read:
///
///     policy qemu-source
///     protocol vfio-v2
///     several-devices-need P2P
///     holds-fd
///     assume RUNNING
///     reset-assumes RUNNING
///     event vm-stop reverse when-vm running vm-becomes stopped
///     prepare RUNNING_P2P with P2P recover ERROR
///     main STOP recover ERROR
///     event save-complete stops-at-failure
///     main STOP_COPY recover STOP then read
///     event restart on-failure when-vm stopped vm-becomes running
///     main RUNNING recover ERROR
public enum PolicyReader {
    /// The statement keywords, for "did you mean" suggestions.
    public static let keywords = [
        "policy", "protocol", "vmm", "assume", "reset-assumes", "several-devices-need", "holds-fd", "skip-believed",
        "on-reset-failure", "vm", "role", "event", "prepare", "main",
    ]
    /// What may follow `event NAME`.
    public static let eventOptions = ["on-failure", "interrupt", "stops-at-failure", "after-completion", "reverse",
                                      "uninterrupted", "when-vm", "vm-becomes"]

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
        var vmm: Name?
        var protocolName: Name?
        var assume: Name?
        var resetAssumes: Name?
        var assumed: StateID?
        var resetBelief: StateID?
        var events: [PolicyEvent] = []
        var eventNames: [String: SourceLocation] = [:]
        var several: (FeatureSet, Name)?
        var holdsFD: Name?
        var skipsBelieved: Name?
        var aborts: Name?
        var vm: (VMRunState, Name)?
        var role: (PolicyRole, Name)?

        init(model: MigrationProtocol, path: String) {
            self.model = model
            self.path = path
        }

        mutating func statement(_ cursor: inout LineCursor) throws(Diagnostic) {
            let keyword = try cursor.name("a statement keyword")
            switch keyword.text {
            case "policy":
                try once(&name, try cursor.name("a policy name"), keyword)
            case "vmm":
                try once(&vmm, try cursor.name("the VMM's name"), keyword)
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
            case "several-devices-need":
                let location = cursor.here
                let set = try features(&cursor)
                if let first = several {
                    throw Diagnostic.error(at: keyword.location, "duplicate 'several-devices-need' line",
                        notes: [.init(first.1.location, "the first 'several-devices-need' line is here")])
                }
                several = (set, Name(keyword.text, at: location))
            case "holds-fd":
                try once(&holdsFD, keyword, keyword)
            case "skip-believed":
                try once(&skipsBelieved, keyword, keyword)
            case "on-reset-failure":
                let value = try cursor.name("'abort'")
                guard value.text == "abort" else {
                    throw Diagnostic.error(at: value.location, "expected 'abort', found '\(value.text)'")
                }
                try once(&aborts, keyword, keyword)
            case "vm":
                let value = try cursor.name("'running' or 'paused'")
                guard let state = VMRunState(rawValue: value.text), state != .stopped else {
                    throw Diagnostic.error(at: value.location,
                        "expected 'running' or 'paused', found '\(value.text)' (a VM is 'stopped' only by the policy's own events)")
                }
                if let first = vm {
                    throw Diagnostic.error(at: keyword.location, "duplicate 'vm' line",
                        notes: [.init(first.1.location, "the first 'vm' line is here")])
                }
                vm = (state, value)
            case "role":
                let value = try cursor.name("'source' or 'destination'")
                guard let side = PolicyRole(rawValue: value.text) else {
                    throw Diagnostic.error(at: value.location, "expected 'source' or 'destination', found '\(value.text)'")
                }
                if let first = role {
                    throw Diagnostic.error(at: keyword.location, "duplicate 'role' line",
                        notes: [.init(first.1.location, "the first 'role' line is here")])
                }
                role = (side, value)
            case "event":
                let value = try cursor.name("an event name")
                if let first = eventNames[value.text] {
                    throw Diagnostic.error(at: value.location, "duplicate event '\(value.text)'",
                        notes: [.init(first, "'\(value.text)' is first declared here")])
                }
                var event = PolicyEvent(name: value.text, steps: [], line: keyword.location.line)
                try eventOptions(&event, &cursor)
                eventNames[value.text] = value.location
                events.append(event)
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

        /// `on-failure`, `interrupt`, `stops-at-failure`, `after-completion`,
        /// `reverse`, `uninterrupted`, `when-vm S, S`, `vm-becomes S`, each
        /// at most once.
        func eventOptions(_ event: inout PolicyEvent, _ cursor: inout LineCursor) throws(Diagnostic) {
            var seen: [String: SourceLocation] = [:]
            while cursor.peek != nil {
                let option = try cursor.name("an event option")
                guard PolicyReader.eventOptions.contains(option.text) else {
                    var message = "unknown event option '\(option.text)'"
                    if let suggestion = Suggestion.closest(to: option.text, among: PolicyReader.eventOptions) {
                        message += "; did you mean '\(suggestion)'?"
                    } else {
                        message += "; expected one of: " + PolicyReader.eventOptions.joined(separator: ", ")
                    }
                    throw Diagnostic.error(at: option.location, message)
                }
                if let first = seen[option.text] {
                    throw Diagnostic.error(at: option.location, "'\(option.text)' is given twice",
                        notes: [.init(first, "first given here")])
                }
                seen[option.text] = option.location
                switch option.text {
                case "on-failure", "interrupt":
                    let other = option.text == "on-failure" ? "interrupt" : "on-failure"
                    if let first = seen[other] {
                        throw Diagnostic.error(at: option.location, "an event is either 'on-failure' or 'interrupt', not both",
                            notes: [.init(first, "'\(other)' is given here")])
                    }
                    event.kind = option.text == "on-failure" ? .onFailure : .interrupt
                case "stops-at-failure": event.stopsAtFailure = true
                case "after-completion": event.afterCompletion = true
                case "reverse": event.reverse = true
                case "uninterrupted": event.uninterrupted = true
                case "when-vm":
                    for name in try cursor.names("a run state: 'running', 'stopped' or 'paused'", separatedBy: .comma) {
                        event.whenVM.append(try runState(name))
                    }
                default:
                    event.vmBecomes = try runState(try cursor.name("a run state: 'running', 'stopped' or 'paused'"))
                }
            }
        }

        func runState(_ name: Name) throws(Diagnostic) -> VMRunState {
            if let state = VMRunState(rawValue: name.text) { return state }
            var message = "unknown run state '\(name.text)'"
            if let suggestion = Suggestion.closest(to: name.text, among: VMRunState.allCases.map(\.rawValue)) {
                message += "; did you mean '\(suggestion)'?"
            } else {
                message += "; expected 'running', 'stopped' or 'paused'"
            }
            throw Diagnostic.error(at: name.location, message)
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

        /// `WHAT [with F] [without F] [from A, B] [recover R] [then|and WHAT [recover R]]...`,
        /// WHAT a state to request, `write`, `read`, `close`, `fail` or `reset`.
        func step(_ phase: PolicyStep.Phase, _ cursor: inout LineCursor, line: Int) throws(Diagnostic) -> PolicyStep {
            let what = try cursor.name("a state to request, 'write', 'read', 'close', 'fail' or 'reset'")
            var step = PolicyStep(phase: phase, action: .write, line: line)
            var target = try actionWord(what)
            var recover: StateID?
            var seen: Set<String> = []
            var parts: [PolicyStep.Part] = []
            /// Closes the action read so far into a part.
            func close(_ target: Target, _ recover: StateID?, onlyAfterSuccess: Bool, _ cursor: LineCursor) throws(Diagnostic) -> PolicyStep.Part {
                switch target {
                case .action(let action): return PolicyStep.Part(action, onlyAfterSuccess: onlyAfterSuccess)
                case .request(let state):
                    guard let recover else {
                        throw cursor.error("a request needs 'recover STATE' (QEMU's recover state; 'recover \(model.states[model.errorState].name)' resets at once)")
                    }
                    return PolicyStep.Part(.request(state, recover: recover), onlyAfterSuccess: onlyAfterSuccess)
                }
            }
            var onlyAfterSuccess = true
            while let token = cursor.peek {
                let isRequest: Bool = { if case .request = target { return true } else { return false } }()
                let conditions = parts.isEmpty ? "'with', 'without', 'from', " : ""
                let options = "\(conditions)\(isRequest ? "'recover', " : "")'then' or 'and'"
                guard token.kind == .word else { throw cursor.expected(options) }
                switch token.text {
                case "with", "without", "from":
                    guard parts.isEmpty, seen.insert(token.text).inserted else { throw cursor.expected(options) }
                    _ = cursor.advance()
                    switch token.text {
                    case "with": step.with = try features(&cursor)
                    case "without": step.without = try features(&cursor)
                    default:
                        for name in try cursor.names("a state name", separatedBy: .comma) {
                            step.from.append(try requestable(name))
                        }
                    }
                case "recover" where isRequest && recover == nil:
                    _ = cursor.advance()
                    recover = try state(try cursor.name("a state name (ERROR: reset at once)"))
                case "recover" where !isRequest:
                    // Only a request has a recover state; say so rather
                    // than list what may follow.
                    throw cursor.error("only a request takes 'recover STATE'; 'write', 'read', 'close', 'fail' and 'reset' take none")
                case "then", "and":
                    let connector = cursor.advance()
                    parts.append(try close(target, recover, onlyAfterSuccess: onlyAfterSuccess, cursor))
                    onlyAfterSuccess = connector.text == "then"
                    target = try actionWord(try cursor.name("a state to request, 'write', 'read', 'close', 'fail' or 'reset'"))
                    recover = nil
                default:
                    throw cursor.expected(options)
                }
            }
            parts.append(try close(target, recover, onlyAfterSuccess: onlyAfterSuccess, cursor))
            step.parts = parts
            if !step.with.intersection(step.without).isEmpty {
                throw Diagnostic.error(at: what.location,
                    "the step needs and excludes \(model.describe(step.with.intersection(step.without)))")
            }
            return step
        }

        enum Target {
            case action(PolicyStep.Action)
            case request(StateID)
        }

        func actionWord(_ word: Name) throws(Diagnostic) -> Target {
            switch word.text {
            case "write": return .action(.write)
            case "read": return .action(.read)
            case "close": return .action(.close)
            case "fail": return .action(.fail)
            case "reset": return .action(.reset)
            default: return .request(try requestable(word))
            }
        }

        mutating func finish() -> Policy {
            if events.isEmpty && diagnostics.isEmpty {
                diagnostics.append(.error(at: .file(path), "no 'event' line: a policy runs at least one VM event"))
            }
            let fallback = path.split(separator: "/").last.map { String($0.split(separator: ".").first ?? $0) } ?? path
            var policy = Policy(
                name: name?.text ?? fallback, assumed: assumed ?? model.resetState,
                resetAssumes: resetBelief ?? model.resetState, events: events,
                severalDevicesNeed: several?.0, severalDevicesLine: several?.1.location.line ?? 0,
                holdsFD: holdsFD != nil, skipsBelieved: skipsBelieved != nil, abortsOnResetFailure: aborts != nil,
                vm: vm?.0 ?? .running, role: role?.0 ?? .source)
            if let vmm { policy.vmm = vmm.text }
            return policy
        }
    }
}
