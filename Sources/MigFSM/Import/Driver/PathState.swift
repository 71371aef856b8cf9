/// A value as the path walker knows it: a number, an error pointer, the
/// yet-unknown result of a call made on this path, one of several values,
/// or unknown.
public enum AbstractValue: Hashable, Sendable {
    case known(UInt64)
    case errorPointer
    /// The result of the path's call number `n` (`PathState.calls[n]`).
    case result(Int)
    /// One of these, depending on something unknown (`ret ? ERR_PTR(ret) : NULL`).
    case either([AbstractValue])
    case unknown

    var isKnown: Bool {
        if case .known = self { return true }
        return false
    }

    /// Whether the value is nonzero, when that is decided.
    var truth: Bool? {
        switch self {
        case .known(let value): return value != 0
        case .errorPointer: return true
        case .either(let values):
            let truths = values.map(\.truth)
            if truths.allSatisfy({ $0 == true }) { return true }
            if truths.allSatisfy({ $0 == false }) { return false }
            return nil
        case .result, .unknown: return nil
        }
    }
}

/// One call a path makes, and what the path does with its result.
public struct CallRecord: Hashable, Sendable {
    /// The callee's name; `nil` for a call through a function pointer.
    public var name: String?
    public var location: SourceLocation
    /// The call is a statement of its own: its result is thrown away.
    public var statement: Bool
    /// The statement casts the call to `(void)`.
    public var discardedExplicitly: Bool
    /// The result was stored in a variable.
    public var assigned: Bool
    /// The result was read afterwards (tested, returned, passed on).
    public var used: Bool
    /// Calls of a function inlined into the path (reset paths): nested one level deeper.
    public var depth: Int
    /// The values of the arguments, as the walker knew them at the call.
    public var arguments: [AbstractValue] = []
    /// The field the first argument names (`state_mutex` of
    /// `mutex_unlock(&dev->state_mutex)`), when it names one.
    public var target: String?
}

/// A condition of the state variables that a path took
/// (`cur == VFIO_DEVICE_STATE_STOP && new == VFIO_DEVICE_STATE_RUNNING`),
/// or a `case` of a `switch` on one.
public struct BranchEntry: Hashable, Sendable {
    public var location: SourceLocation
    /// Where the comparison that selects this arc's current state is, if found.
    public var armLocation: SourceLocation
}

/// An unknown condition a path decided, for reports ("when MLX5_CAP_GEN_2(...)").
public struct Decision: Hashable, Sendable {
    public var spelling: String
    public var taken: Bool
    public var location: SourceLocation
}

/// How a path ended.
public enum ReturnOutcome: Hashable, Sendable {
    case error
    /// Success; `file` when it returns a (session) file or nonzero pointer.
    case success(file: Bool)
}

/// One path through a function, as the walker follows it: the locals, the
/// device fields it wrote, the calls in order, the state-variable branches
/// it entered, and how it ended.
public struct PathState: Sendable {
    /// Whether a path goes on, and if not, why it stopped.
    public enum Status: Hashable, Sendable {
        case running
        case returned
        case broke
        case continued
        case jumped(String)
        /// Stopped: out of steps, or at something the walker cannot follow.
        case stopped(String)
    }

    public var locals: [String: AbstractValue] = [:]
    /// Fields written through any pointer, by member name (`deferred_reset`, `mig_state`).
    public var members: [String: AbstractValue] = [:]
    public var calls: [CallRecord] = []
    /// Branches on the state variables being executed, innermost last.
    public var open: [BranchEntry] = []
    /// The branch entered most recently, for the arc it handles.
    public var lastEntered: BranchEntry?
    /// An unconditional warning (`WARN_ON(true)`) was hit: the step's default.
    public var warned: SourceLocation?
    public var decisions: [Decision] = []
    /// Writes of the recorded state's field, in order, each with the number
    /// of calls the path had made before it (`calls[..<callsBefore]`) and
    /// how deep in inlined functions it is.
    public var stateWrites: [(value: AbstractValue, location: SourceLocation, callsBefore: Int, depth: Int)] = []
    /// Member fields set to a known value (`deferred_reset = true`), with where.
    public var memberWrites: [(field: String, value: AbstractValue, location: SourceLocation)] = []
    public var status: Status = .running
    public var steps = 0
    public var outcomes: [ReturnOutcome] = []
    public var returnValue: AbstractValue?
    public var returnLocation: SourceLocation?
    /// Calls whose result the path tested as a failure (`IS_ERR(migf)`,
    /// `!lm_file` taken) / as a success (the other side), by index.
    public var failedCalls: Set<Int> = []
    public var succeededCalls: Set<Int> = []

    public init() {}

    public var isRunning: Bool { status == .running }

    /// Marks the calls whose results `value` carries as used.
    mutating func use(_ value: AbstractValue) {
        switch value {
        case .result(let index): if index < calls.count { calls[index].used = true }
        case .either(let values): for value in values { use(value) }
        default: break
        }
    }
}
