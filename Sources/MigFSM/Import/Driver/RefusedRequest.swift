/// What `set_state` does when the kernel's lookup refuses a request: the
/// driver functions it calls on that path, before it returns the error.
///
///     ret = vfio_mig_get_next_state(core_vdev, xe_vdev->mig_state, new_state, &next_state);
///     if (ret) {
///             xe_sriov_vfio_error(xe_vdev->xe, xe_vdev->vfid);    // acts on the device
///             f = ERR_PTR(ret);
///             break;
///     }
///
/// A refused request (a state the device lacks, a blocked arc) must leave
/// the device as it was: the recorded state does not change, so a call
/// that changes the device there makes the two disagree. Logging, error
/// pointers and the other kernel helpers migfsm knows are not counted.
public struct RefusedRequest: Sendable {
    /// The calls of the refusal path, in source order.
    public var calls: [(name: String, location: SourceLocation)]

    /// Reads `set_state`'s refusal path; empty when the function, its
    /// lookup call or the test of its result cannot be found.
    public static func read(_ setState: DriverEntryPoints.Function?, code: DriverCode) -> RefusedRequest {
        guard let setState, let body = code.file(setState.located).body(of: setState.located.function) else {
            return RefusedRequest(calls: [])
        }
        let file = code.file(setState.located)
        // The variable the lookup's result goes to.
        var result: String?
        body.forEach { statement in
            guard result == nil else { return }
            switch statement {
            case .expression(let expression):
                if case .assignment(let op, let target, let value) = expression.ungrouped, op.text == "=",
                   case .identifier(let name) = target.ungrouped, value.withoutCasts.calleeName == "vfio_mig_get_next_state" {
                    result = name.text
                }
            case .declaration(_, let declarators):
                for declarator in declarators where declarator.value?.withoutCasts.calleeName == "vfio_mig_get_next_state" {
                    result = declarator.name.text
                }
            default:
                break
            }
        }
        guard let result else { return RefusedRequest(calls: []) }
        var calls: [(name: String, location: SourceLocation)] = []
        var found = false
        body.forEach { statement in
            guard !found, case .ifStatement(let condition, let then, _, _) = statement, tests(condition.ungrouped, result) else { return }
            found = true
            for call in CalleeSummaries.calls(in: then) where KernelAPI.role(call.name) == nil {
                calls.append((call.name, file.location(call.token)))
            }
        }
        return RefusedRequest(calls: calls)
    }

    /// Whether `condition` holds when `variable` (a result) is an error:
    /// `ret`, `ret != 0`, `ret < 0`, `unlikely(ret)`.
    static func tests(_ condition: CExpression, _ variable: String) -> Bool {
        switch condition {
        case .identifier(let name):
            return name.text == variable
        case .call(_, let arguments, _):
            guard ["likely", "unlikely"].contains(condition.calleeName ?? ""), let first = arguments.first else { return false }
            return tests(first.ungrouped, variable)
        case .binary(let op, let left, let right):
            guard op.text == "!=" || op.text == "<", case .identifier(let name) = left.ungrouped, name.text == variable,
                  case .number(let value, _) = right.ungrouped, value == 0 else { return false }
            return true
        default:
            return false
        }
    }
}
