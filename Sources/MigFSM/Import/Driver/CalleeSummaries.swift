/// What calling a function means to a migration step, read from the
/// driver's files, the headers, or `KernelAPI`:
///
/// - what it returns (`int`: its result says whether the command failed);
/// - whether it releases or creates a session's file, itself or through
///   the driver's functions it calls (up to `sessionDepth` levels);
/// - for a `void` function of the driver: which failing commands it
///   swallows (an `int` result dropped, or tested only to log), itself or
///   through the `void` functions it calls (up to `swallowDepth` levels),
///   which tells a void function that swallows a failure from one that
///   cannot fail.
///
/// Summaries are computed on demand and kept, one per name.
public struct CalleeSummaries: Sendable {
    public let code: DriverCode
    var cache: [String: Summary] = [:]

    public static let sessionDepth = 3
    public static let swallowDepth = 2

    public init(code: DriverCode) {
        self.code = code
    }

    /// Where a function comes from.
    public enum Origin: Hashable, Sendable {
        /// Defined in the driver's files.
        case defined
        /// Only declared (a prototype in the driver's files or a header).
        case declared
        /// A kernel function migfsm knows.
        case kernel(KernelAPI.Role)
        /// Neither: migfsm cannot see what it does.
        case unknown
    }

    /// One failing command a `void` function lets pass without telling its caller.
    public struct Swallow: Hashable, Sendable {
        /// The command whose failure is lost.
        public var callee: String
        public var location: SourceLocation
        /// `dropped` (result thrown away) or `logged` (tested, then only logged).
        public var logged: Bool
        /// The void functions it is reached through, outermost first.
        public var through: [String]
    }

    /// What one function is to a step: its origin, what it returns, its
    /// session effects, and what it swallows.
    public struct Summary: Hashable, Sendable {
        public var origin: Origin
        public var returns: CReturnKind?
        public var releasesSession: Bool
        public var createsSession: Bool
        public var swallows: [Swallow]
        /// Functions called (results dropped) inside, that migfsm cannot see.
        public var unseen: [String]
    }

    public mutating func summary(_ name: String) -> Summary {
        if let known = cache[name] { return known }
        let result = compute(name, depth: 0)
        cache[name] = result
        return result
    }

    func origin(_ name: String) -> Origin {
        if code.definition(name) != nil { return .defined }
        if code.returns(name) != nil { return .declared }
        if let role = KernelAPI.role(name) { return .kernel(role) }
        return .unknown
    }

    func compute(_ name: String, depth: Int) -> Summary {
        let origin = origin(name)
        var summary = Summary(origin: origin, returns: code.returns(name), releasesSession: false, createsSession: false,
                              swallows: [], unseen: [])
        switch origin {
        case .kernel(.releasesSession): summary.releasesSession = true
        case .kernel(.createsSession): summary.createsSession = true
        default: break
        }
        guard origin == .defined, let located = code.definition(name),
              let body = code.file(located).body(of: located.function) else { return summary }
        let file = code.file(located)
        let calls = Self.calls(in: body)
        // `fput()` of a file the same function took with `get_file()`
        // balances a reference; it does not end a session.
        let names = Set(calls.map(\.name))
        if names.contains(where: { KernelAPI.role($0) == .releasesSession }), !names.contains("get_file") {
            summary.releasesSession = true
        }
        if names.contains(where: { KernelAPI.role($0) == .createsSession }) { summary.createsSession = true }
        if depth < Self.sessionDepth {
            for call in calls where KernelAPI.role(call.name) == nil {
                let inner = compute(call.name, depth: depth + 1)
                if inner.releasesSession { summary.releasesSession = true }
                if inner.createsSession { summary.createsSession = true }
                if summary.releasesSession && summary.createsSession { break }
            }
        }
        if located.function.returns == .void && depth < Self.swallowDepth {
            summary.swallows = swallows(body, file: file, depth: depth, through: [name], unseen: &summary.unseen)
        }
        return summary
    }

    /// The failing commands a void function's body lets pass.
    func swallows(_ body: CStatement, file: CFile, depth: Int, through: [String], unseen: inout [String]) -> [Swallow] {
        var found: [Swallow] = []
        var results: [String: (String, CToken)] = [:]
        func isCommand(_ name: String) -> Bool {
            guard origin(name) == .defined || origin(name) == .declared else { return false }
            return code.returns(name) == .integer
        }
        body.forEach { statement in
            switch statement {
            case .expression(let expression):
                let bare = expression.withoutCasts
                if case .assignment(let op, let target, let value) = bare, op.text == "=",
                   case .identifier(let variable) = target.ungrouped, let callee = value.withoutCasts.calleeName {
                    results[variable.text] = (callee, value.withoutCasts.firstToken)
                    return
                }
                guard let callee = bare.calleeName else { return }
                switch origin(callee) {
                case .defined, .declared:
                    if isCommand(callee) {
                        found.append(Swallow(callee: callee, location: file.location(bare.firstToken), logged: false, through: through))
                    } else if code.returns(callee) == .void, origin(callee) == .defined, depth + 1 < Self.swallowDepth,
                              let located = code.definition(callee),
                              let inner = code.file(located).body(of: located.function) {
                        found += swallows(inner, file: code.file(located), depth: depth + 1, through: through + [callee], unseen: &unseen)
                    }
                case .unknown:
                    if !unseen.contains(callee) { unseen.append(callee) }
                case .kernel:
                    break
                }
            case .declaration(_, let declarators):
                for declarator in declarators {
                    if let value = declarator.value, let callee = value.withoutCasts.calleeName {
                        results[declarator.name.text] = (callee, value.withoutCasts.firstToken)
                    }
                }
            case .ifStatement(let condition, let then, _, _):
                // `if (err) dev_warn(...)`: a failure tested only to log it.
                var tested: (String, CToken)?
                if let callee = condition.withoutCasts.calleeName, isCommand(callee) {
                    tested = (callee, condition.withoutCasts.firstToken)
                } else {
                    _ = condition.contains { node in
                        if case .identifier(let name) = node, let result = results[name.text], isCommand(result.0) {
                            tested = result
                            return true
                        }
                        return false
                    }
                }
                if let (callee, token) = tested, Self.onlyLogs(then) {
                    found.append(Swallow(callee: callee, location: file.location(token), logged: true, through: through))
                }
            default:
                break
            }
        }
        var unique: [Swallow] = []
        for swallow in found where !unique.contains(where: { $0.location == swallow.location }) { unique.append(swallow) }
        return unique
    }

    /// Whether a branch does nothing but log and leave.
    static func onlyLogs(_ statement: CStatement) -> Bool {
        var logs = true
        statement.forEach { inner in
            switch inner {
            case .block, .empty, .breakStatement, .gotoStatement, .label: break
            case .returnStatement(let value, _): if value != nil { logs = false }
            case .expression(let expression):
                guard let callee = expression.withoutCasts.calleeName, KernelAPI.role(callee) == .logs || KernelAPI.role(callee) == .warns
                else { logs = false; return }
            default: logs = false
            }
        }
        return logs
    }

    /// Every call in a body, by name, in source order.
    static func calls(in body: CStatement) -> [(name: String, token: CToken)] {
        var calls: [(String, CToken)] = []
        body.forEach { statement in
            for expression in statement.expressions {
                var work = [expression]
                while let node = work.popLast() {
                    if let name = node.calleeName { calls.append((name, node.firstToken)) }
                    work += node.children.reversed()
                }
            }
        }
        return calls
    }
}
