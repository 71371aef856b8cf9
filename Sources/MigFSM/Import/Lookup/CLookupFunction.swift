/// The kernel's next-state lookup as a C file writes it
/// (`vfio_mig_get_next_state()`, or a function of its shape): the function
/// whose body declares the next-state table, with its current-state,
/// requested-state and out parameters, the range checks before the
/// table is read, and the skip loop, if there is one.
///
///     int vfio_mig_get_next_state(struct vfio_device *device,
///                                 enum vfio_device_mig_state cur_fsm,
///                                 enum vfio_device_mig_state new_fsm,
///                                 enum vfio_device_mig_state *next_fsm)
public struct CLookupFunction: Sendable {
    public var name: String
    public var location: SourceLocation
    public var body: CStatement
    /// The parameter names: current state, requested state, and the out
    /// pointer the next state is written through.
    public var current: String
    public var requested: String
    public var next: String
    /// The first loop that writes the next state (`while (...) *next_fsm = ...`).
    public var loop: (keyword: SourceLocation, condition: CExpression)?
    /// The `if (...) return ...;` statements before the loop: the range checks.
    public var checks: [SourceLocation]

    /// Finds the function in `file` whose body holds the table declared at
    /// token `tableToken`, or one named `vfio_mig_get_next_state`. `nil`
    /// when there is none (a file with only the tables); a function that is
    /// not of the lookup's shape is a note.
    public static func find(in file: CFile, tableToken: Int) throws(Diagnostic) -> CLookupFunction? {
        let candidates = file.functions.filter(\.isDefinition)
        guard let function = candidates.first(where: { function in
            guard let open = function.bodyOpen, let end = function.bodyEnd else { return false }
            return tableToken > open && tableToken < end
        }) ?? candidates.first(where: { $0.name.text == "vfio_mig_get_next_state" }) else { return nil }
        let location = file.location(function.name)
        let values = function.parameters.filter { !$0.isPointer }
        let pointers = function.parameters.filter(\.isPointer)
        guard values.count == 2, let current = values[0].name?.text, let requested = values[1].name?.text,
              let body = file.body(of: function) else {
            throw .note(at: location,
                "\(function.name.text)() is not of the lookup's shape (a current and a requested state, and a pointer for the next state); it is not proven as written")
        }
        // The out parameter: the pointer written through as `*name = ...`.
        var next: String?
        body.forEach { statement in
            for expression in statement.expressions {
                _ = expression.contains { node in
                    if case .assignment(_, let target, _) = node, case .unary(let op, let operand) = target.ungrouped,
                       op.text == "*", case .identifier(let name) = operand.ungrouped,
                       pointers.contains(where: { $0.name?.text == name.text }), next == nil {
                        next = name.text
                    }
                    return false
                }
            }
        }
        guard let next else {
            throw .note(at: location,
                "\(function.name.text)() never writes a next state through a pointer parameter; it is not proven as written")
        }
        var loop: (SourceLocation, CExpression)?
        var checks: [SourceLocation] = []
        body.forEach { statement in
            switch statement {
            case .whileLoop(let condition, _, let keyword), .doWhile(_, let condition, let keyword):
                if loop == nil { loop = (file.location(keyword), condition) }
            case .forLoop(_, let condition, _, _, let keyword):
                if loop == nil, let condition { loop = (file.location(keyword), condition) }
            case .ifStatement(_, let then, _, let keyword):
                var returns = false
                then.forEach { if case .returnStatement = $0 { returns = true } }
                if returns && loop == nil { checks.append(file.location(keyword)) }
            default:
                break
            }
        }
        return CLookupFunction(name: function.name.text, location: location, body: body, current: current,
                               requested: requested, next: next, loop: loop, checks: checks)
    }
}

extension Diagnostic {
    /// A note: what migfsm could not read or decide, at its place.
    static func note(at location: SourceLocation, _ message: String) -> Diagnostic {
        Diagnostic(.note, at: location, message)
    }
}
