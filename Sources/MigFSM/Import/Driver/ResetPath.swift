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
    /// A path that records the reset state, or ends a session, after it
    /// released the state mutex (xe's `reset_done` resets again once
    /// `xe_vfio_pci_state_mutex_unlock()` has returned).
    public var outsideLock: OutsideLock?

    /// Where a reset touches the migration state without the state mutex.
    public struct OutsideLock: Hashable, Sendable {
        /// The statement of the reset handler that does it.
        public var location: SourceLocation
        /// The function that statement calls, when the write is inside it.
        public var callee: String?
        /// Whether it records the reset state / ends a session.
        public var recordsState: Bool
        public var endsSession: Bool
        /// The `mutex_unlock()` that released the state mutex before it, and
        /// the reset handler's call that reached it.
        public var unlock: SourceLocation
        public var unlockedThrough: String?
    }

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
        let mutex = stateMutex(entries, code: code)
        var outsideLock: OutsideLock?
        for path in walk.paths {
            if outsideLock == nil, let mutex {
                outsideLock = Self.outsideLock(path, mutex: mutex, resetValue: resetValue, summaries: &summaries)
            }
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
                              skippedBecause: restoresState ? [] : skipped?.decisions ?? [], incomplete: incomplete || walker.budget.remaining < 0,
                              outsideLock: outsideLock)
    }

    /// The field of the mutex `set_state` takes: its first `mutex_lock()`,
    /// or the first one of a driver function it calls
    /// (`xe_vfio_pci_state_mutex_lock()`).
    static func stateMutex(_ entries: DriverEntryPoints, code: DriverCode) -> String? {
        guard let setState = entries.setState, let body = code.file(setState.located).body(of: setState.located.function) else { return nil }
        func firstLock(_ body: CStatement) -> String? {
            for call in CalleeSummaries.calls(in: body) where call.name.hasPrefix("mutex_lock") {
                return lockField(call.token, in: body)
            }
            return nil
        }
        if let field = firstLock(body) { return field }
        for call in CalleeSummaries.calls(in: body) {
            guard let located = code.definition(call.name), let inner = code.file(located).body(of: located.function) else { continue }
            if let field = firstLock(inner) { return field }
        }
        return nil
    }

    /// The field named by the first argument of the call at `token`.
    static func lockField(_ token: CToken, in body: CStatement) -> String? {
        var found: String?
        body.forEach { statement in
            guard found == nil else { return }
            for expression in statement.expressions {
                _ = expression.contains { node in
                    guard case .call(_, let arguments, _) = node, node.firstToken == token else { return false }
                    found = CPathWalker.Context.field(arguments.first)
                    return true
                }
            }
        }
        return found
    }

    /// The first statement of the reset handler that records the reset
    /// state or ends a session after a `mutex_unlock()` of `mutex`, with no
    /// lock taken again in between (a statement that calls a function doing
    /// both is one place, both said).
    static func outsideLock(_ path: PathState, mutex: String, resetValue: UInt64,
                            summaries: inout CalleeSummaries) -> OutsideLock? {
        // The handler's own statement an event at `index` belongs to.
        func statement(_ index: Int, depth: Int) -> (location: SourceLocation, callee: String?)? {
            guard depth > 0 else { return nil }
            guard let outer = path.calls[..<min(index, path.calls.count)].lastIndex(where: { $0.depth == 0 }) else { return nil }
            return (path.calls[outer].location, path.calls[outer].name)
        }
        var released: Int?
        var found: OutsideLock?
        var writes = path.stateWrites.filter { $0.value == .known(resetValue) }[...]
        func record(_ place: (location: SourceLocation, callee: String?), state: Bool, unlock: Int) {
            if found == nil {
                let through = path.calls[unlock].depth > 0 ? statement(unlock + 1, depth: path.calls[unlock].depth)?.callee : nil
                found = OutsideLock(location: place.location, callee: place.callee, recordsState: false, endsSession: false,
                                    unlock: path.calls[unlock].location, unlockedThrough: through)
            }
            guard found?.location == place.location else { return }
            if state { found?.recordsState = true } else { found?.endsSession = true }
        }
        for index in 0...path.calls.count {
            while let write = writes.first, write.callsBefore <= index {
                writes.removeFirst()
                if let released {
                    record(statement(write.callsBefore, depth: write.depth) ?? (write.location, nil), state: true, unlock: released)
                }
            }
            guard index < path.calls.count, let name = path.calls[index].name else { continue }
            let call = path.calls[index]
            if call.target == mutex, name.hasPrefix("mutex_lock") || name == "mutex_trylock" {
                if found != nil { break }
                released = nil
            } else if call.target == mutex, name == "mutex_unlock" {
                if found != nil { break }
                released = index
            } else if let released, summaries.summary(name).releasesSession {
                let own = KernelAPI.role(name) == nil ? name : nil
                record(statement(index + 1, depth: call.depth) ?? (call.location, own), state: false, unlock: released)
            }
        }
        return found
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
