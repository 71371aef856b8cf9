/// What a device reset does to a driver's migration state, for one feature
/// set: the reset entry (`reset_done`, or the `VFIO_DEVICE_RESET` handler)
/// is walked with the driver's own functions followed into, and the device
/// flags bound, so
///
///     if (hisi_acc_vdev->core_device.vdev.migration_flags != VFIO_MIGRATION_STOP_COPY)
///         return;
///
/// is decided for each feature set the probe can set. The reset restores
/// when some path records the reset state and ends the sessions (a path
/// that stops at an unknown guard, such as `if (!mvdev->migrate_cap)`, is
/// a device without migration, not a failure to restore). A path that sets
/// a flag the deferred-reset helper tests (`deferred_reset = true`) and
/// leaves hands the reset to that helper.
public struct ResetBehaviour: Hashable, Sendable {
    public var entry: String
    public var entryLocation: SourceLocation
    /// Whether some path records the reset state / ends the sessions too.
    public var restoresState: Bool
    public var endsSessions: Bool
    /// The helper that applies a reset arriving while the state mutex is held.
    public var deferredTo: String?
    /// Where a path leaves without restoring, when none restores.
    public var skippedAt: SourceLocation?
    /// The conditions that path took.
    public var skippedBecause: [Decision]
    /// Whether some path could not be followed to its end (too many paths
    /// or statements, a statement it cannot read): then a reset that seems
    /// not to restore is not reported, only noted.
    public var incomplete: Bool

    public var restores: Bool { restoresState && endsSessions }

    public static func read(_ entry: DriverEntryPoints.Function, entries: DriverEntryPoints, code: DriverCode,
                            names: CNames, flags: UInt32) -> ResetBehaviour {
        let model = names.model
        var walker = CPathWalker(code: code, roles: StateRoles(stateField: entries.roles.stateField), names: names)
        walker.inline = true
        walker.flags = UInt64(flags)
        walker.inlineFields = deferredFlags(entries.deferredReset, code: code)
            .union(entries.roles.stateField.map { [$0] } ?? []).union(["deferred_reset"])
        let walk = walker.walk(entry.located.function, in: code.file(entry.located))
        var summaries = CalleeSummaries(code: code)
        let resetValue = UInt64(model.states[model.resetState].value)
        var restoresState = false
        var endsSessions = false
        var deferred: String?
        var skipped: PathState?
        var incomplete = walk.truncated
        let deferredFields = deferredFlags(entries.deferredReset, code: code)
        for path in walk.paths {
            if case .stopped = path.status { incomplete = true }
            let restored = path.stateWrites.contains { $0.value == .known(resetValue) }
            let releases = path.calls.contains { call in
                guard let name = call.name else { return false }
                return summaries.summary(name).releasesSession
            }
            if restored {
                restoresState = true
                if releases { endsSessions = true }
                continue
            }
            if path.memberWrites.contains(where: { deferredFields.contains($0.field) && $0.value.truth == true }) {
                deferred = entries.deferredReset?.name
                continue
            }
            if skipped == nil { skipped = path }
        }
        return ResetBehaviour(entry: entry.name, entryLocation: entry.location, restoresState: restoresState,
                              endsSessions: endsSessions, deferredTo: deferred,
                              skippedAt: restoresState ? nil : skipped?.returnLocation ?? entry.location,
                              skippedBecause: restoresState ? [] : skipped?.decisions ?? [], incomplete: incomplete || walker.budget.remaining < 0)
    }

    /// The fields the deferred-reset helper tests (`deferred_reset`).
    static func deferredFlags(_ helper: DriverEntryPoints.Function?, code: DriverCode) -> Set<String> {
        guard let helper, let body = code.file(helper.located).body(of: helper.located.function) else { return [] }
        var fields: Set<String> = []
        body.forEach { statement in
            if case .ifStatement(let condition, _, _, _) = statement {
                _ = condition.contains { node in
                    if case .member(_, let name, _) = node { fields.insert(name.text) }
                    return false
                }
            }
        }
        return fields
    }
}
