/// Where a driver's migration code starts, found the way a reader of the
/// driver finds it:
///
/// - `set_state`: the function named by `.migration_set_state = ...`; its
///   call `vfio_mig_get_next_state(vdev, X->mig_state, new, &next)` names
///   the field that records the state (`mig_state`);
/// - the step function: the driver function `set_state` calls with `next`
///   (`mlx5vf_pci_step_device_state_locked(mvdev, next_state)`), whose
///   parameter in that place is the requested state and whose local copy
///   of the field is the current state;
/// - the reset path: `.reset_done = ...` (PCI error handlers), or the
///   function called for `case VFIO_DEVICE_RESET:`; and the helper that
///   applies a deferred reset (the one that tests `deferred_reset`).
///
/// A file or patch without the op (an excerpt, a driver in another style)
/// falls back to the function with the most state comparisons, its
/// variables told apart by their names (`cur`, `old`, `from` against
/// `new`, `next`, `target`), and says so in a note.
public struct DriverEntryPoints: Sendable {
    /// One function of the driver: its name, where it is, and its definition.
    public struct Function: Sendable {
        public var name: String
        public var location: SourceLocation
        public var located: DriverCode.Located
    }

    public var setState: Function?
    public var step: Function
    public var roles: StateRoles
    public var resets: [(kind: String, function: Function)]
    /// The helper applying a deferred reset, if the driver has one.
    public var deferredReset: Function?
    public var notes: [Diagnostic]

    /// One entry per `migration_set_state` op of `code` (several drivers may
    /// share a folder); the fallback when there is none; empty when `code`
    /// has no step function at all.
    public static func find(in code: DriverCode, names: CNames) -> [DriverEntryPoints] {
        var found: [DriverEntryPoints] = []
        var notes: [Diagnostic] = []
        var seen: Set<String> = []
        for (fileIndex, token) in code.operations("migration_set_state") where seen.insert(token.text).inserted {
            guard let setState = code.definition(token.text) else {
                notes.append(.note(at: code.files[fileIndex].location(token),
                    "migration_set_state = \(token.text), which is not defined in the files read"))
                continue
            }
            if let entry = fromSetState(setState, code: code, names: names) {
                found.append(entry)
            } else {
                notes.append(.note(at: code.file(setState).location(setState.function.name),
                    "\(token.text)() calls no step function of the driver with the next state (no call passing the state vfio_mig_get_next_state() gives)"))
            }
        }
        if found.isEmpty, let fallback = fallback(code: code, names: names) {
            var fallback = fallback
            fallback.notes = notes + fallback.notes
            return [fallback]
        }
        if found.isEmpty, !notes.isEmpty {
            // Keep the notes: the caller reports "no driver" with them.
            return []
        }
        return found.map { entry in
            var entry = entry
            entry.notes = notes + entry.notes
            return entry
        }
    }

    static func function(_ located: DriverCode.Located, _ code: DriverCode) -> Function {
        Function(name: located.function.name.text, location: code.file(located).location(located.function.name), located: located)
    }

    static func fromSetState(_ setState: DriverCode.Located, code: DriverCode, names: CNames) -> DriverEntryPoints? {
        guard let body = code.file(setState).body(of: setState.function) else { return nil }
        var stateField: String?
        var nextVariable: String?
        var calls: [CExpression] = []
        body.forEach { statement in
            for expression in statement.expressions {
                _ = expression.contains { node in
                    guard case .call(_, let arguments, _) = node, let name = node.calleeName else { return false }
                    if name == "vfio_mig_get_next_state", arguments.count == 4 {
                        if case .member(_, let field, _) = arguments[1].withoutCasts { stateField = field.text }
                        if case .unary(let op, let operand) = arguments[3].withoutCasts, op.text == "&",
                           case .identifier(let variable) = operand.ungrouped {
                            nextVariable = variable.text
                        }
                    } else {
                        calls.append(node)
                    }
                    return false
                }
            }
        }
        guard let nextVariable else { return nil }
        for call in calls {
            guard case .call(_, let arguments, _) = call, let name = call.calleeName, name != setState.function.name.text,
                  let step = code.definition(name),
                  let position = arguments.firstIndex(where: {
                      if case .identifier(let variable) = $0.withoutCasts { return variable.text == nextVariable }
                      return false
                  }),
                  position < step.function.parameters.count,
                  let requested = step.function.parameters[position].name?.text else { continue }
            var roles = StateRoles(stateField: stateField, requestedName: requested)
            // The current state: a parameter given the field, or a local copy of it.
            for (index, argument) in arguments.enumerated() where index < step.function.parameters.count {
                if case .member(_, let field, _) = argument.withoutCasts, field.text == stateField {
                    roles.currentName = step.function.parameters[index].name?.text
                }
            }
            if roles.currentName == nil, let stepBody = code.file(step).body(of: step.function) {
                stepBody.forEach { statement in
                    guard roles.currentName == nil, case .declaration(_, let declarators) = statement else { return }
                    for declarator in declarators {
                        if let value = declarator.value, case .member(_, let field, _) = value.withoutCasts, field.text == stateField {
                            roles.currentName = declarator.name.text
                        }
                    }
                }
            }
            var entry = DriverEntryPoints(setState: function(setState, code), step: function(step, code), roles: roles,
                                          resets: [], deferredReset: nil, notes: [])
            entry.findResets(code)
            return entry
        }
        return nil
    }

    /// The reset entries and the deferred-reset helper of `code`.
    mutating func findResets(_ code: DriverCode) {
        var resets: [(String, Function)] = []
        for (_, token) in code.operations("reset_done") {
            if let located = code.definition(token.text), !resets.contains(where: { $0.1.name == token.text }) {
                resets.append(("reset_done", Self.function(located, code)))
            }
        }
        // `case VFIO_DEVICE_RESET: return mtty_reset(mdev_state);`
        for file in code.files {
            let tokens = file.tokens
            var index = 0
            while index + 2 < tokens.count {
                defer { index += 1 }
                guard tokens[index].text == "case", tokens[index + 1].text == "VFIO_DEVICE_RESET", tokens[index + 2].isPunctuator(":") else { continue }
                var position = index + 3
                while position + 1 < tokens.count, !["case", "default", "break"].contains(tokens[position].text), !tokens[position].isPunctuator("}") {
                    if tokens[position].kind == .identifier, tokens[position + 1].isPunctuator("("),
                       let located = code.definition(tokens[position].text) {
                        if !resets.contains(where: { $0.1.name == tokens[position].text }) {
                            resets.append(("VFIO_DEVICE_RESET", Self.function(located, code)))
                        }
                        break
                    }
                    position += 1
                }
            }
        }
        self.resets = resets
        // The helper that tests `deferred_reset` and is not an entry itself.
        for file in code.files {
            for function in file.functions where function.isDefinition && !resets.contains(where: { $0.1.name == function.name.text }) {
                guard let open = function.bodyOpen, let end = function.bodyEnd else { continue }
                let body = file.tokens[open..<end]
                if body.contains(where: { $0.text == "deferred_reset" }),
                   body.contains(where: { $0.text == "if" }),
                   let located = code.definition(function.name.text), located.function.bodyOpen == open {
                    deferredReset = Self.function(located, code)
                    return
                }
            }
        }
    }

    static let currentWords: Set<String> = ["cur", "curr", "current", "old", "from", "prev", "previous", "src", "state"]
    static let requestedWords: Set<String> = ["new", "next", "target", "to", "req", "request", "requested", "dst", "dest"]

    /// The function with the most comparisons of a variable with a state
    /// enumerator, its variables' roles read from their names.
    static func fallback(code: DriverCode, names: CNames) -> DriverEntryPoints? {
        let prefix = names.model.naming.cStatePrefix
        var best: (located: DriverCode.Located, count: Int, variables: [String], members: [String])?
        for (fileIndex, file) in code.files.enumerated() {
            for function in file.functions where function.isDefinition {
                guard let open = function.bodyOpen, let end = function.bodyEnd else { continue }
                var count = 0
                var variables: [String] = []
                var members: [String] = []
                var index = open
                while index + 1 < end {
                    defer { index += 1 }
                    guard file.tokens[index].isPunctuator("==") else { continue }
                    let left = file.tokens[index - 1]
                    let right = file.tokens[index + 1]
                    let variable = right.text.hasPrefix(prefix) ? left : right
                    let constant = right.text.hasPrefix(prefix) ? right : left
                    guard constant.text.hasPrefix(prefix), variable.kind == .identifier, !variable.text.hasPrefix(prefix) else { continue }
                    count += 1
                    let isMember = index >= 2 && (file.tokens[index - 2].isPunctuator("->") || file.tokens[index - 2].isPunctuator("."))
                        && variable == left
                    if isMember {
                        if !members.contains(variable.text) { members.append(variable.text) }
                    } else if !variables.contains(variable.text) {
                        variables.append(variable.text)
                    }
                }
                if count >= 2, count > (best?.count ?? 0) {
                    best = (DriverCode.Located(file: fileIndex, header: false, function: function), count, variables, members)
                }
            }
        }
        guard let best else { return nil }
        func role(_ name: String) -> Int {
            let words = name.lowercased().split(separator: "_").map(String.init)
            if words.contains(where: { requestedWords.contains($0) }) { return 1 }
            if words.contains(where: { currentWords.contains($0) }) { return -1 }
            return 0
        }
        var roles = StateRoles()
        let candidates = best.variables
        roles.requestedName = candidates.first { role($0) > 0 }
        roles.currentName = candidates.first { role($0) < 0 && $0 != roles.requestedName }
        if roles.currentName == nil, let member = best.members.first { roles.stateField = member }
        // By order when the names say nothing: the first compared is the current state.
        let rest = candidates.filter { $0 != roles.requestedName && $0 != roles.currentName }
        if roles.currentName == nil && roles.stateField == nil, let first = rest.first { roles.currentName = first }
        if roles.requestedName == nil, let next = rest.first(where: { $0 != roles.currentName }) { roles.requestedName = next }
        guard roles.requestedName != nil, roles.currentName != nil || roles.stateField != nil else { return nil }
        let step = function(best.located, code)
        var entry = DriverEntryPoints(setState: nil, step: step, roles: roles, resets: [], deferredReset: nil,
            notes: [.note(at: step.location,
                "no '.migration_set_state = ...' op in the files read: \(step.name)() is taken as the step function, '\(roles.currentName ?? "->" + (roles.stateField ?? "?"))' as the current state and '\(roles.requestedName ?? "?")' as the requested one")])
        entry.findResets(code)
        return entry
    }
}
