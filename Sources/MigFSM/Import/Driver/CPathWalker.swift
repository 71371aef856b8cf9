/// Follows every path through a driver function with the state variables
/// bound: the current state, the requested state and the device's flags
/// are known numbers, everything else (a command's result, a capability
/// bit) is unknown and splits the path in two. Conditions on the state
/// variables are decided, so for the arc STOP -> RUNNING only that arc's
/// branch of a step function is walked.
///
///     if (cur == VFIO_DEVICE_STATE_STOP && new == VFIO_DEVICE_STATE_RUNNING) {   // decided: taken
///         ret = start(dev);                                                        // call 0: result unknown
///         if (ret)                                                                 // splits
///             return ERR_PTR(ret);                                                 // path 1: error
///         return NULL;                                                             // path 2: success
///     }
///
/// Every path records its calls (and whether each result is used), the
/// branches it entered, what it wrote to the device's fields, and how it
/// returned. Paths are capped at `maximumPaths`, steps per path at
/// `maximumSteps`; jumps (`goto`) go to labels of the function's outer
/// block, backwards too (a retry loop), within the step budget.
public struct CPathWalker {
    public let code: DriverCode
    public let roles: StateRoles
    /// The bound values; `nil` when unknown.
    public var current: UInt64?
    public var requested: UInt64?
    public var flags: UInt64?
    /// Whether calls of the driver's own functions made as statements are
    /// followed into (reset paths), or only recorded (step functions).
    public var inline = false
    /// When inlining: only functions whose body names one of these fields
    /// (the recorded state, the deferred-reset flag) are followed; the
    /// others are recorded as calls, which is all a reset path needs.
    public var inlineFields: Set<String> = []
    let names: CNames
    var depth = 0
    /// Statements left for this walk and every walk it follows calls into:
    /// shared, so nested calls cannot multiply the work without bound.
    let budget = Budget()

    public static let maximumPaths = 64
    public static let maximumSteps = 4000
    public static let maximumInlineDepth = 4
    /// Statements one walk may execute over all its paths and calls.
    public static let maximumWork = 200_000

    /// The work left to a walk and the walks inside it.
    final class Budget {
        var remaining = CPathWalker.maximumWork
    }

    public init(code: DriverCode, roles: StateRoles, names: CNames) {
        self.code = code
        self.roles = roles
        self.names = names
    }

    /// What a walk found: the finished paths, and whether some were cut.
    public struct Walk: Sendable {
        public var paths: [PathState]
        public var truncated: Bool
    }

    /// Walks `function` of `file` from a fresh path whose parameters are
    /// bound to `arguments` (missing ones unknown).
    public func walk(_ function: CFunction, in file: CFile, arguments: [String: AbstractValue] = [:],
                     from start: PathState = PathState(), body parsed: CStatement? = nil) -> Walk {
        guard let body = parsed ?? file.body(of: function) else { return Walk(paths: [], truncated: false) }
        var state = start
        state.status = .running
        for parameter in function.parameters {
            if let name = parameter.name?.text { state.locals[name] = arguments[name] ?? .unknown }
        }
        var context = Context(walker: self, file: file, function: function)
        var states = context.execute(body, [state])
        // Jumps to labels of the outer block, forwards or backwards.
        var rounds = 0
        while states.contains(where: { if case .jumped = $0.status { return true } else { return false } }), rounds < 64 {
            rounds += 1
            var next: [PathState] = []
            for var state in states {
                guard case .jumped(let label) = state.status else {
                    next.append(state)
                    continue
                }
                guard case .block(let statements, _) = body,
                      let index = statements.firstIndex(where: { if case .label(let token) = $0 { return token.text == label } else { return false } })
                else {
                    state.status = .stopped("goto \(label): the label is not in the function's outer block")
                    next.append(state)
                    continue
                }
                state.status = .running
                next += context.run(Array(statements[(index + 1)...]), [state])
            }
            states = next
        }
        return Walk(paths: states.map { state in
            var state = state
            if case .jumped(let label) = state.status { state.status = .stopped("goto \(label) keeps jumping back") }
            if state.status == .running {
                // Fell off the end: a void function returns.
                state.status = .returned
                state.returnLocation = state.returnLocation ?? file.location(function.name)
                if function.returns == .void { state.outcomes = [.success(file: false)] }
            }
            return state
        }, truncated: context.truncated)
    }

    /// The walk inside one function.
    struct Context {
        let walker: CPathWalker
        let file: CFile
        let function: CFunction
        var truncated = false

        func location(_ token: CToken) -> SourceLocation { file.location(token) }

        mutating func cap(_ states: [PathState]) -> [PathState] {
            guard states.count > CPathWalker.maximumPaths else { return states }
            truncated = true
            return Array(states.prefix(CPathWalker.maximumPaths))
        }

        mutating func run(_ statements: [CStatement], _ states: [PathState]) -> [PathState] {
            var states = states
            for statement in statements where states.contains(where: \.isRunning) {
                var next: [PathState] = []
                var running: [PathState] = []
                for state in states {
                    if state.isRunning { running.append(state) } else { next.append(state) }
                }
                next += execute(statement, running)
                states = cap(next)
            }
            return states
        }

        /// Executes `statement` on every running state.
        mutating func execute(_ statement: CStatement, _ states: [PathState]) -> [PathState] {
            var result: [PathState] = []
            for var state in states {
                guard state.isRunning else {
                    result.append(state)
                    continue
                }
                state.steps += 1
                walker.budget.remaining -= 1
                if state.steps > CPathWalker.maximumSteps || walker.budget.remaining < 0 {
                    state.status = .stopped(state.steps > CPathWalker.maximumSteps
                        ? "more than \(CPathWalker.maximumSteps) steps" : "more than \(CPathWalker.maximumWork) statements in all")
                    result.append(state)
                    continue
                }
                result += executeOne(statement, state)
            }
            return cap(result)
        }

        mutating func executeOne(_ statement: CStatement, _ state: PathState) -> [PathState] {
            var state = state
            switch statement {
            case .block(let statements, _):
                return run(statements, [state])
            case .expression(let expression):
                return expressionStatement(expression, state)
            case .declaration(_, let declarators):
                var states = [state]
                for declarator in declarators {
                    guard let value = declarator.value else {
                        states = states.map { var state = $0; state.locals[declarator.name.text] = .unknown; return state }
                        continue
                    }
                    states = states.flatMap { state -> [PathState] in
                        assignLocal(declarator.name.text, value, state)
                    }
                }
                return states
            case .ifStatement(let condition, let then, let otherwise, let keyword):
                var (value, readsState) = evaluateCondition(condition, &state)
                let branch = readsState ? BranchEntry(location: location(keyword), armLocation: armLocation(condition)) : nil
                var outcomes: [(Bool, PathState)] = []
                if let truth = value?.truth {
                    outcomes = [(truth, state)]
                } else {
                    var yes = state
                    var no = state
                    yes.decisions.append(Decision(spelling: condition.spelling, taken: true, location: location(keyword)))
                    no.decisions.append(Decision(spelling: condition.spelling, taken: false, location: location(keyword)))
                    if let (index, failsWhenTrue) = testedCall(condition.ungrouped, state) {
                        if failsWhenTrue {
                            yes.failedCalls.insert(index)
                            no.succeededCalls.insert(index)
                        } else {
                            yes.succeededCalls.insert(index)
                            no.failedCalls.insert(index)
                        }
                    }
                    outcomes = [(true, yes), (false, no)]
                    value = nil
                }
                var result: [PathState] = []
                for (taken, var branchState) in outcomes {
                    if taken {
                        if let branch {
                            branchState.open.append(branch)
                            branchState.lastEntered = branch
                        }
                        var after = execute(then, [branchState])
                        if branch != nil { after = after.map { var state = $0; if !state.open.isEmpty { state.open.removeLast() }; return state } }
                        result += after
                    } else if let otherwise {
                        result += execute(otherwise, [branchState])
                    } else {
                        result.append(branchState)
                    }
                }
                return result
            case .whileLoop(let condition, let body, let keyword):
                return loop(condition, body, nil, keyword, state, testFirst: true)
            case .doWhile(let body, let condition, let keyword):
                return loop(condition, body, nil, keyword, state, testFirst: false)
            case .forLoop(let initial, let condition, let step, let body, let keyword):
                var states = [state]
                if let initial { states = execute(initial, states) }
                return states.flatMap { loop(condition, body, step, keyword, $0, testFirst: true) }
            case .switchStatement(let value, let body, let keyword):
                return switchStatement(value, body, keyword, state)
            case .caseLabel, .label, .empty:
                return [state]
            case .breakStatement:
                state.status = .broke
                return [state]
            case .continueStatement:
                state.status = .continued
                return [state]
            case .gotoStatement(let label):
                state.status = .jumped(label.text)
                return [state]
            case .returnStatement(let value, let keyword):
                state.returnLocation = location(keyword)
                if let value {
                    let result = evaluate(value, &state)
                    state.use(result)
                    state.returnValue = result
                    state.outcomes = outcomes(result)
                } else {
                    state.outcomes = [.success(file: false)]
                }
                state.status = .returned
                return [state]
            case .unreadable(let token, let reason):
                state.status = .stopped("cannot read the statement at \(location(token).description): \(reason)")
                return [state]
            }
        }

        /// The call whose result `condition` tests, and whether the condition
        /// holding means that call failed: `IS_ERR(migf)`, `!lm_file` and
        /// `ret` (an `int` result) hold on failure; `migf` (a pointer) and
        /// `!ret` hold on success.
        func testedCall(_ condition: CExpression, _ state: PathState) -> (Int, Bool)? {
            switch condition {
            case .call(_, let arguments, _):
                guard let name = condition.calleeName, let first = arguments.first else { return nil }
                switch name {
                case "likely", "unlikely": return testedCall(first.ungrouped, state)
                case "IS_ERR", "IS_ERR_OR_NULL": return resultIndex(first, state).map { ($0, true) }
                default: return nil
                }
            case .unary(let op, let operand) where op.text == "!":
                return testedCall(operand.ungrouped, state).map { ($0.0, !$0.1) }
            case .binary(let op, let left, let right) where op.text == "==" || op.text == "!=":
                guard case .identifier(let null) = right.ungrouped, null.text == "NULL" || null.text == "0",
                      let (index, failsWhenTrue) = testedCall(left.ungrouped, state) else { return nil }
                // `x == NULL` is `!x`.
                return op.text == "==" ? (index, !failsWhenTrue) : (index, failsWhenTrue)
            default:
                guard let index = resultIndex(condition, state), index < state.calls.count,
                      let name = state.calls[index].name else { return nil }
                switch walker.code.returns(name) {
                case .pointer: return (index, false)
                case .integer: return (index, true)
                default: return nil
                }
            }
        }

        /// The call whose result a variable or field holds, read without side effects.
        func resultIndex(_ expression: CExpression, _ state: PathState) -> Int? {
            let value: AbstractValue?
            switch expression.withoutCasts {
            case .identifier(let token): value = state.locals[token.text]
            case .member(_, let name, _): value = state.members[name.text]
            default: value = nil
            }
            if case .result(let index) = value { return index }
            return nil
        }

        /// The field an argument names: `state_mutex` of `&dev->state_mutex`.
        static func field(_ expression: CExpression?) -> String? {
            var node = expression
            while let current = node {
                switch current {
                case .member(_, let name, _): return name.text
                case .unary(_, let operand), .cast(_, let operand, _), .group(let operand, _): node = operand
                default: return nil
                }
            }
            return nil
        }

        /// What a returned value means to the caller.
        func outcomes(_ value: AbstractValue) -> [ReturnOutcome] {
            switch value {
            case .errorPointer: return [.error]
            case .known(let number):
                if number == 0 { return [.success(file: false)] }
                if function.returns == .integer && number >= 1 << 63 { return [.error] }
                return [.success(file: function.returns == .pointer)]
            case .either(let values):
                var all: [ReturnOutcome] = []
                for outcome in values.flatMap(outcomes) where !all.contains(outcome) { all.append(outcome) }
                return all
            case .result, .unknown:
                switch function.returns {
                case .pointer: return [.success(file: true)]
                case .integer: return [.error, .success(file: false)]
                default: return [.success(file: false)]
                }
            }
        }

        /// The comparison in `condition` that tests the current state, for
        /// the arc's location (`cur == VFIO_DEVICE_STATE_STOP`).
        func armLocation(_ condition: CExpression) -> SourceLocation {
            // `cur == FROM && new == TO` names the arc exactly.
            var pairs = [condition]
            while let node = pairs.popLast() {
                if case .binary(let op, let left, let right) = node.ungrouped, op.text == "&&",
                   matches(left, current: true) && matches(right, current: false) || matches(right, current: true) && matches(left, current: false) {
                    return location(node.ungrouped.firstToken)
                }
                pairs += node.children.reversed()
            }
            var work = [condition]
            var first: CToken?
            while let node = work.popLast() {
                if case .binary(let op, let left, let right) = node, op.text == "==" {
                    for (side, other) in [(left, right), (right, left)] where walker.roles.isCurrent(side.ungrouped) {
                        if first == nil { first = left.firstToken }
                        if let current = walker.current, constant(other) == current { return location(left.firstToken) }
                    }
                }
                work += node.children.reversed()
            }
            return location(first ?? condition.firstToken)
        }

        /// Whether `expression` is `cur == FROM` (or `new == TO`) of the bound arc.
        func matches(_ expression: CExpression, current: Bool) -> Bool {
            guard case .binary(let op, let left, let right) = expression.ungrouped, op.text == "==" else { return false }
            for (side, other) in [(left, right), (right, left)] {
                let bound = current ? walker.current : walker.requested
                let isRole: Bool
                if current {
                    isRole = walker.roles.isCurrent(side.ungrouped)
                } else if case .identifier(let name) = side.ungrouped {
                    isRole = name.text == walker.roles.requestedName
                } else {
                    isRole = false
                }
                if isRole, let bound, constant(other) == bound { return true }
            }
            return false
        }

        /// The value of a state enumerator or number, for locations.
        func constant(_ expression: CExpression) -> UInt64? {
            switch expression.ungrouped {
            case .number(let value, _): return value
            case .identifier(let token): return try? walker.names.resolve(token)
            default: return nil
            }
        }

        mutating func loop(_ condition: CExpression?, _ body: CStatement, _ step: CExpression?, _ keyword: CToken,
                           _ start: PathState, testFirst: Bool) -> [PathState] {
            var finished: [PathState] = []
            var active = [start]
            for iteration in 0..<8 {
                var entering: [PathState] = []
                for var state in active {
                    if testFirst || iteration > 0, let condition {
                        let (value, _) = evaluateCondition(condition, &state)
                        switch value?.truth {
                        case .some(false):
                            finished.append(state)
                            continue
                        case .some(true):
                            entering.append(state)
                        case .none:
                            // Unknown: leave now, or go round once more.
                            finished.append(state)
                            if iteration == 0 { entering.append(state) }
                        }
                    } else {
                        entering.append(state)
                    }
                }
                if entering.isEmpty { break }
                var next: [PathState] = []
                for var state in execute(body, entering) {
                    switch state.status {
                    case .broke:
                        state.status = .running
                        finished.append(state)
                    case .continued, .running:
                        state.status = .running
                        if let step { _ = evaluate(step, &state) }
                        next.append(state)
                    default:
                        finished.append(state)
                    }
                }
                active = cap(next)
                if iteration == 7 { finished += active }
            }
            return cap(finished)
        }

        mutating func switchStatement(_ value: CExpression, _ body: CStatement, _ keyword: CToken, _ start: PathState) -> [PathState] {
            var state = start
            let (subject, readsState) = evaluateCondition(value, &state)
            guard case .block(let statements, _) = body else { return execute(body, [state]) }
            var labels: [(index: Int, value: AbstractValue?, token: CToken)] = []
            for (index, statement) in statements.enumerated() {
                if case .caseLabel(let label, let token) = statement {
                    var scratch = state
                    labels.append((index, label.map { evaluate($0, &scratch) }, token))
                }
            }
            var starts: [(Int, PathState)] = []
            if let subject, case .known(let number) = subject {
                let match = labels.first { if case .known(let value) = $0.value { return value == number } else { return false } }
                    ?? labels.first { $0.value == nil }
                if let match {
                    var entered = state
                    if readsState {
                        let branch = BranchEntry(location: location(match.token), armLocation: location(match.token))
                        entered.open.append(branch)
                        entered.lastEntered = branch
                    }
                    starts.append((match.index, entered))
                } else {
                    return [state]
                }
            } else {
                for label in labels {
                    var entered = state
                    entered.decisions.append(Decision(spelling: "\(value.spelling) == \(label.value.map { _ in "case" } ?? "default")",
                                                      taken: true, location: location(label.token)))
                    starts.append((label.index, entered))
                }
                if !labels.contains(where: { $0.value == nil }) { starts.append((statements.count, state)) }
            }
            var result: [PathState] = []
            for (index, entered) in starts {
                let after = run(Array(statements[min(index, statements.count)...]), [entered])
                result += after.map { state in
                    var state = state
                    if state.status == .broke { state.status = .running }
                    if readsState, !state.open.isEmpty, state.isRunning { state.open.removeLast() }
                    return state
                }
            }
            return cap(result)
        }

        // MARK: - Statements with calls

        mutating func expressionStatement(_ expression: CExpression, _ start: PathState) -> [PathState] {
            var state = start
            let bare = expression.ungrouped
            // `x = f(...)`: inline the driver's function on reset paths.
            if case .assignment(let op, let target, let value) = bare, op.text == "=",
               case .identifier(let name) = target.ungrouped {
                return assignLocal(name.text, value, state)
            }
            if walker.inline, let inlined = inlineCall(bare, state, statement: true) {
                return inlined.map(\.0)
            }
            let discarded: Bool
            if case .cast(let type, _, _) = expression.ungrouped, type.map(\.text) == ["void"] { discarded = true } else { discarded = false }
            let before = state.calls.count
            _ = evaluate(expression, &state)
            // The outermost call of a statement has its result thrown away.
            if case .call = expression.withoutCasts, state.calls.count > before {
                let top = lastTopCall(expression.withoutCasts, state, from: before)
                if let top {
                    state.calls[top].statement = true
                    state.calls[top].discardedExplicitly = discarded
                }
            }
            return [state]
        }

        /// The index of the call record of `call` itself (recorded after its arguments' calls).
        func lastTopCall(_ call: CExpression, _ state: PathState, from: Int) -> Int? {
            let target = location(call.firstToken)
            return state.calls.indices.last { $0 >= from && state.calls[$0].location == target && state.calls[$0].depth == walker.depth }
        }

        mutating func assignLocal(_ name: String, _ value: CExpression, _ start: PathState) -> [PathState] {
            if walker.inline, let inlined = inlineCall(value.ungrouped, start, statement: false) {
                return inlined.map { state, result in
                    var state = state
                    state.locals[name] = result
                    return state
                }
            }
            var state = start
            let before = state.calls.count
            let result = evaluate(value, &state)
            if case .call = value.withoutCasts, let top = lastTopCall(value.withoutCasts, state, from: before) {
                state.calls[top].assigned = true
            }
            state.locals[name] = result
            return [state]
        }

        /// Follows a call of one of the driver's functions into its body,
        /// when inlining; `nil` when the call is not one.
        mutating func inlineCall(_ expression: CExpression, _ start: PathState, statement: Bool) -> [(PathState, AbstractValue)]? {
            guard case .call(_, let arguments, _) = expression, let name = expression.calleeName,
                  walker.depth < CPathWalker.maximumInlineDepth,
                  let located = walker.code.definition(name), let open = located.function.bodyOpen,
                  let end = located.function.bodyEnd else { return nil }
            if !walker.inlineFields.isEmpty {
                let tokens = walker.code.file(located).tokens[open..<end]
                guard tokens.contains(where: { $0.kind == .identifier && walker.inlineFields.contains($0.text) }) else { return nil }
            }
            var state = start
            var bound: [String: AbstractValue] = [:]
            for (parameter, argument) in zip(located.function.parameters, arguments) {
                let value = evaluate(argument, &state)
                if let parameter = parameter.name?.text { bound[parameter] = value }
            }
            state.calls.append(CallRecord(name: name, location: location(expression.firstToken),
                                          statement: statement, discardedExplicitly: false, assigned: !statement, used: true,
                                          depth: walker.depth))
            var inner = walker
            inner.depth += 1
            let callerLocals = state.locals
            let walk = inner.walk(located.function, in: walker.code.file(located), arguments: bound, from: state)
            if walk.truncated { truncated = true }
            // Paths of the callee it could not follow are dropped; if none
            // is left, the call is taken as an opaque call.
            let followed = walk.paths.filter { if case .stopped = $0.status { return false } else { return true } }
            if followed.count < walk.paths.count { truncated = true }
            if followed.isEmpty { return nil }
            return followed.map { path in
                var path = path
                let value = path.returnValue ?? .unknown
                path.locals = callerLocals
                path.status = .running
                path.outcomes = []
                path.returnValue = nil
                path.open = start.open
                return (path, value)
            }
        }

        // MARK: - Expressions

        /// Evaluates a condition, telling whether it read a state variable.
        mutating func evaluateCondition(_ condition: CExpression, _ state: inout PathState) -> (AbstractValue?, Bool) {
            var reads = false
            let value = evaluate(condition, &state, readsState: &reads)
            state.use(value)
            return (value.truth != nil ? value : nil, reads)
        }

        mutating func evaluate(_ expression: CExpression, _ state: inout PathState) -> AbstractValue {
            var reads = false
            return evaluate(expression, &state, readsState: &reads)
        }

        mutating func evaluate(_ expression: CExpression, _ state: inout PathState, readsState: inout Bool) -> AbstractValue {
            switch expression {
            case .number(let value, _):
                return value.map(AbstractValue.known) ?? .unknown
            case .literal, .opaque:
                return .unknown
            case .identifier(let token):
                if walker.roles.currentName == token.text, let current = walker.current {
                    readsState = true
                    return .known(current)
                }
                if walker.roles.requestedName == token.text, let requested = walker.requested {
                    readsState = true
                    return .known(requested)
                }
                if let value = state.locals[token.text] { return value }
                switch token.text {
                case "NULL", "false": return .known(0)
                case "true": return .known(1)
                default: break
                }
                if token.text.hasPrefix(walker.names.model.naming.cStatePrefix) || token.text.hasPrefix(walker.names.model.naming.cFlagPrefix)
                    || walker.names.constants[token.text] != nil {
                    if let value = try? walker.names.resolve(token) { return .known(value) }
                }
                if let errno = LookupInterpreter.Machine.errno(token.text) { return .known(errno) }
                return .unknown
            case .group(let inner, _), .cast(_, let inner, _):
                return evaluate(inner, &state, readsState: &readsState)
            case .member(let base, let name, _):
                let baseValue = evaluate(base, &state, readsState: &readsState)
                state.use(baseValue)
                if let written = state.members[name.text] { return written }
                if name.text == walker.roles.stateField {
                    readsState = true
                    return walker.current.map(AbstractValue.known) ?? .unknown
                }
                if name.text == "migration_flags" { return walker.flags.map(AbstractValue.known) ?? .unknown }
                return .unknown
            case .index(let base, let index, _):
                let values = [evaluate(base, &state, readsState: &readsState), evaluate(index, &state, readsState: &readsState)]
                values.forEach { state.use($0) }
                return .unknown
            case .unary(let op, let operand):
                let value = evaluate(operand, &state, readsState: &readsState)
                state.use(value)
                switch (op.text, value) {
                case ("!", _): return value.truth.map { .known($0 ? 0 : 1) } ?? .unknown
                case ("-", .known(let number)): return .known(0 &- number)
                case ("~", .known(let number)): return .known(~number & 0xFFFF_FFFF)
                case ("+", _): return value
                case ("++", _), ("--", _):
                    if case .identifier(let name) = operand.ungrouped { state.locals[name.text] = .unknown }
                    return .unknown
                default: return .unknown
                }
            case .postfix(_, let operand):
                if case .identifier(let name) = operand.ungrouped { state.locals[name.text] = .unknown }
                return .unknown
            case .binary(let op, let left, let right):
                let a = evaluate(left, &state, readsState: &readsState)
                state.use(a)
                if op.text == "&&" || op.text == "||" {
                    let isOr = op.text == "||"
                    if let truth = a.truth, truth == isOr { return .known(isOr ? 1 : 0) }
                    let b = evaluate(right, &state, readsState: &readsState)
                    state.use(b)
                    if let truth = b.truth {
                        if truth == isOr { return .known(isOr ? 1 : 0) }
                        if let first = a.truth { return .known(first ? 1 : 0) }
                    }
                    return .unknown
                }
                let b = evaluate(right, &state, readsState: &readsState)
                state.use(b)
                guard case .known(let x) = a, case .known(let y) = b else {
                    // An error pointer is never NULL.
                    if op.text == "==" || op.text == "!=", case .errorPointer = a, case .known(0) = b { return .known(op.text == "!=" ? 1 : 0) }
                    return .unknown
                }
                switch op.text {
                case "==": return .known(x == y ? 1 : 0)
                case "!=": return .known(x != y ? 1 : 0)
                case "<": return .known(x < y ? 1 : 0)
                case ">": return .known(x > y ? 1 : 0)
                case "<=": return .known(x <= y ? 1 : 0)
                case ">=": return .known(x >= y ? 1 : 0)
                case "&": return .known(x & y)
                case "|": return .known(x | y)
                case "^": return .known(x ^ y)
                case "+": return .known(x &+ y)
                case "-": return .known(x &- y)
                case "*": return .known(x &* y)
                case "<<": return y < 64 ? .known(x << y) : .unknown
                case ">>": return y < 64 ? .known(x >> y) : .unknown
                case "/": return y == 0 ? .unknown : .known(x / y)
                case "%": return y == 0 ? .unknown : .known(x % y)
                default: return .unknown
                }
            case .conditional(let condition, let then, let otherwise):
                let test = evaluate(condition, &state, readsState: &readsState)
                state.use(test)
                if let truth = test.truth {
                    return evaluate(truth ? then : otherwise, &state, readsState: &readsState)
                }
                let a = evaluate(then, &state, readsState: &readsState)
                let b = evaluate(otherwise, &state, readsState: &readsState)
                return a == b ? a : .either([a, b])
            case .comma(let left, let right):
                _ = evaluate(left, &state, readsState: &readsState)
                return evaluate(right, &state, readsState: &readsState)
            case .assignment(let op, let target, let value):
                var result = evaluate(value, &state, readsState: &readsState)
                if op.text != "=" { result = .unknown }
                switch target.ungrouped {
                case .identifier(let name):
                    state.locals[name.text] = result
                case .member(let base, let name, _):
                    _ = evaluate(base, &state, readsState: &readsState)
                    state.use(result)
                    state.members[name.text] = result
                    if name.text == walker.roles.stateField {
                        state.stateWrites.append((result, location(name), state.calls.count, walker.depth))
                    }
                    state.memberWrites.append((name.text, result, location(name)))
                default:
                    state.use(result)
                    _ = evaluate(target, &state, readsState: &readsState)
                }
                return result
            case .call(let callee, let arguments, let open):
                return call(expression, callee, arguments, open, &state, &readsState)
            }
        }

        mutating func call(_ expression: CExpression, _ callee: CExpression, _ arguments: [CExpression], _ open: CToken,
                           _ state: inout PathState, _ readsState: inout Bool) -> AbstractValue {
            let name = expression.calleeName
            var values: [AbstractValue] = []
            var argumentReadsState = false
            let firstInner = state.calls.count
            if name == nil { _ = evaluate(callee, &state, readsState: &readsState) }
            for argument in arguments {
                values.append(evaluate(argument, &state, readsState: &argumentReadsState))
            }
            if argumentReadsState { readsState = true }
            let here = location(expression.firstToken)
            if let name {
                switch KernelAPI.role(name) {
                case .makesError:
                    values.forEach { state.use($0) }
                    return .errorPointer
                case .testsError:
                    values.forEach { state.use($0) }
                    guard let first = values.first else { return .unknown }
                    switch (name, first) {
                    case ("IS_ERR", .errorPointer), ("IS_ERR_OR_NULL", .errorPointer), ("IS_ERR_OR_NULL", .known(0)): return .known(1)
                    case ("IS_ERR", .known), ("IS_ERR_OR_NULL", .known): return .known(0)
                    case ("PTR_ERR_OR_ZERO", .known(0)): return .known(0)
                    default: return .unknown
                    }
                case .warns:
                    values.forEach { state.use($0) }
                    let always = ["BUG", "dev_WARN"].contains(name) || (values.first?.truth == true)
                    if always, state.warned == nil { state.warned = here }
                    return values.first ?? .unknown
                case .logs:
                    // What is only logged decides nothing: calls made for a
                    // message's arguments (`vfio_dev_state_str(cur)`) are no
                    // commands of the step.
                    for index in firstInner..<state.calls.count { state.calls[index].used = false }
                    for value in values {
                        if case .result(let index) = value, index >= firstInner { continue }
                        state.use(value)
                    }
                    state.calls.append(CallRecord(name: name, location: here, statement: false, discardedExplicitly: false,
                                                  assigned: false, used: false, depth: walker.depth, arguments: values))
                    return .result(state.calls.count - 1)
                default:
                    break
                }
                if ["likely", "unlikely", "READ_ONCE"].contains(name), let first = values.first { return first }
                if name == "get_file", let first = values.first {
                    state.calls.append(CallRecord(name: name, location: here, statement: false, discardedExplicitly: false,
                                                  assigned: false, used: true, depth: walker.depth))
                    return first
                }
                // A predicate of the state variables: evaluated.
                if argumentReadsState, let located = walker.code.definition(name), walker.depth < CPathWalker.maximumInlineDepth {
                    values.forEach { state.use($0) }
                    var bound: [String: AbstractValue] = [:]
                    for (parameter, value) in zip(located.function.parameters, values) {
                        if let parameter = parameter.name?.text { bound[parameter] = value }
                    }
                    var inner = walker
                    inner.depth += 1
                    inner.inline = false
                    let walk = inner.walk(located.function, in: walker.code.file(located), arguments: bound, from: PathState())
                    state.calls.append(CallRecord(name: name, location: here, statement: false, discardedExplicitly: false,
                                                  assigned: false, used: true, depth: walker.depth))
                    let returned = walk.paths.map { $0.returnValue ?? .unknown }
                    if let first = returned.first, first.isKnown, returned.allSatisfy({ $0 == first }) { return first }
                    return .unknown
                }
            }
            values.forEach { state.use($0) }
            state.calls.append(CallRecord(name: name, location: here, statement: false, discardedExplicitly: false,
                                          assigned: false, used: false, depth: walker.depth,
                                          arguments: values, target: Self.field(arguments.first)))
            return .result(state.calls.count - 1)
        }
    }
}

/// Which variables of a driver's code hold the current and requested
/// states: the field the set_state loop records (`mig_state`), the step
/// function's parameter for the next state (`new`), and a local copy of the
/// field (`cur`), by name.
public struct StateRoles: Hashable, Sendable {
    /// The device field that records the state (`mvdev->mig_state`).
    public var stateField: String?
    public var currentName: String?
    public var requestedName: String?

    public init(stateField: String? = nil, currentName: String? = nil, requestedName: String? = nil) {
        self.stateField = stateField
        self.currentName = currentName
        self.requestedName = requestedName
    }

    /// Whether `expression` reads the current state.
    func isCurrent(_ expression: CExpression) -> Bool {
        switch expression {
        case .identifier(let token): return token.text == currentName
        case .member(_, let name, _): return name.text == stateField
        default: return false
        }
    }
}
