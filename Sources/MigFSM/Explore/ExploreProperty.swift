/// A named promise of the uAPI (DOMAIN.md sections 6 and 7) that `explore`
/// checks on every transition of every reachable state.
public enum ExploreProperty: String, Hashable, Sendable, CaseIterable, Comparable {
    case successReachesTarget = "success-reaches-target"
    case failureStaysOnPath = "failure-stays-on-path"
    case sessionHandback = "session-handback"
    case sessionEndsOnLeave = "session-ends-on-leave"
    case noSessionLeak = "no-session-leak"
    case resetRestores = "reset-restores"
    case errorExitOnlyByReset = "error-exit-only-by-reset"
    case refusedChangesNothing = "refused-changes-nothing"
    case driverArcsImplemented = "driver-arcs-implemented"
    case requestBounded = "request-bounded"
    case noIntermediateSession = "no-intermediate-session"
    case hardwareMatchesRecorded = "hardware-matches-recorded"
    case sessionLivesInState = "session-lives-in-state"
    case streamComplete = "stream-complete"
    case precopyEnomsg = "precopy-enomsg"
    case resumeValidates = "resume-validates"
    case singleSavingFD = "single-saving-fd"
    case closeEndsSessions = "close-ends-sessions"

    public var name: String { rawValue }

    /// One sentence: what holds when the property does.
    public var summary: String {
        switch self {
        case .successReachesTarget:
            return "a successful request leaves the device in the requested state"
        case .failureStaysOnPath:
            return "a failed request leaves the device in the original state, a state on the path, or the error state"
        case .sessionHandback:
            return "a request hands back a new FD exactly when it starts a session; moving inside a group keeps the session and hands back none"
        case .sessionEndsOnLeave:
            return "leaving RESUMING or the saving group ends that session"
        case .noSessionLeak:
            return "no session stays live once the driver lets go of it, failures included"
        case .resetRestores:
            return "a reset gives the reset state with no live session"
        case .errorExitOnlyByReset:
            return "the error state is left only by a reset"
        case .refusedChangesNothing:
            return "blocked, unsupported, out-of-range and error-state requests fail and change nothing"
        case .driverArcsImplemented:
            return "the driver is only asked for arcs it implements"
        case .requestBounded:
            return "every request finishes within as many arcs as there are states"
        case .noIntermediateSession:
            return "no intermediate step of a request opens a session"
        case .hardwareMatchesRecorded:
            return "the driver's recorded state is the hardware's state"
        case .sessionLivesInState:
            return "a device in RESUMING or the saving group keeps its session live (a failed step does not end it)"
        case .streamComplete:
            return "a STOP_COPY stream reads end of stream only once all device state was read, and leaving RESUMING succeeds only after a complete stream"
        case .precopyEnomsg:
            return "a read fails with ENOMSG (no data for now) only in the pre-copy states, never in STOP_COPY"
        case .resumeValidates:
            return "leaving RESUMING validates the data written: it succeeds only after a valid stream (a resume is aborted by reset only)"
        case .singleSavingFD:
            return "one saving session at a time: no saving FD is handed back while a saving session is live"
        case .closeEndsSessions:
            return "closing the device ends every session; it opens again in the reset state with no session"
        }
    }

    /// What a violation means and where to look: the help a reviewer reads
    /// with a finding (SARIF's rule help).
    public var help: String {
        switch self {
        case .successReachesTarget:
            return "SET_STATE returned 0 but the driver does not record the requested state. Look at the loop's exits: a refused lookup or a failed step must set an error."
        case .failureStaysOnPath:
            return "A failed request must leave the device in its original state, a state on the request's path, or ERROR (the uAPI comment). Look at what the failing step records or rolls back to."
        case .sessionHandback:
            return "A request hands back a new data FD exactly when it starts a session (entering RESUMING, or the saving group from outside); moving inside the group keeps the FD. Look at what the step returns."
        case .sessionEndsOnLeave:
            return "The driver must make the FD reach end of stream or error whenever the FSM leaves a data transfer state (the uAPI comment of migration_set_state). Look for the missing disable_fds on the arc."
        case .noSessionLeak:
            return "A session the driver no longer references stays live (an overwritten saving_migf/resuming_migf, or a file not released on an error path)."
        case .resetRestores:
            return "After VFIO_DEVICE_RESET (or the deferred reset at the unlock) the device must record RUNNING with every session ended. Look at reset_done and the deferred-reset helper."
        case .errorExitOnlyByReset:
            return "From ERROR only a device reset leads out (the uAPI comment). Look for a request path that reinitialises the device instead."
        case .refusedChangesNothing:
            return "Blocked, unsupported, out-of-range and ERROR requests must fail without moving the device or touching its sessions. Look at the driver's next-state table."
        case .driverArcsImplemented:
            return "The set_state loop asks the step function for an arc it does not implement (WARN_ON and -EINVAL). Implement the arc, or fix the table that asks for it."
        case .requestBounded:
            return "A request never returns: the lookup loops or the step keeps recording a state that is not the target. The state mutex stays held."
        case .noIntermediateSession:
            return "Only the last step of a request may return an FD; an FD from an intermediate step is a kernel warning and fails the request."
        case .hardwareMatchesRecorded:
            return "GET would report a state the device is not in: a hardware command failed and the driver recorded the target anyway, a save disabled the device and nothing enabled it again, or a failed reset was recorded as RUNNING."
        case .sessionLivesInState:
            return "A device recorded in RESUMING or the saving group has lost its session: a step ended it before a command that could still fail."
        case .streamComplete:
            return "\"End of stream on the FD indicates the entire device state has been transferred\" [000]: a STOP_COPY read must not return 0 before that, and leaving RESUMING must fail on an incomplete stream. Look at the read handler's end-of-stream test and the resume validation."
        case .precopyEnomsg:
            return "\"ENOMSG may not be returned in STOP_COPY\" [001]: QEMU treats ENOMSG as no data and would end the stream early. Return 0 at the end, or wait for data."
        case .resumeValidates:
            return "\"If the user provided data is found to be incomplete, inconsistent, or otherwise invalid, the migration driver must fail the SET_STATE ioctl\" [000]. Validate before loading."
        case .singleSavingFD:
            return "One saving session per pass through the saving group: a second saving FD while one is live breaks the stream in two (QEMU fails with EBADF, \"data_fd out of sync\")."
        case .closeEndsSessions:
            return "The driver must end every session \"before close_device() returns\" [000], and a device opened again starts in RUNNING."
        }
    }

    /// The property's place in `allCases`: its bit in a search.
    var index: Int { Self.allCases.firstIndex(of: self) ?? 0 }

    public static func < (lhs: ExploreProperty, rhs: ExploreProperty) -> Bool {
        lhs.index < rhs.index
    }
}

/// One property broken by one transition, with what went wrong.
public struct Violation: Hashable, Sendable {
    public var property: ExploreProperty
    public var message: String

    public init(_ property: ExploreProperty, _ message: String) {
        self.property = property
        self.message = message
    }
}

/// The checks made after an action, on the device before and after it.
/// The set_state loop itself reports `driver-arcs-implemented`,
/// `request-bounded`, `no-intermediate-session` and `no-session-leak` as they
/// happen; everything observable afterwards is checked here. Messages are
/// built only for violations.
struct PropertyChecks: Sendable {
    let model: MigrationProtocol
    /// The spec's table for the device's feature set: the paths the uAPI
    /// promises, whatever lookup the driver uses.
    let table: PathTable
    let count: Int
    /// Per request `from * count + to`: whether the spec serves it.
    let served: [Bool]
    /// Per request: the states on its path as bits (protocols of at most
    /// 64 states; larger ones walk the path).
    let onPath: [UInt64]
    /// Per request: whether it starts a session; whether it moves inside
    /// the session domain of `from`.
    let starts: [Bool]
    let inside: [Bool]
    let sessionOf: [SessionKind?]
    let errorState: StateID
    let resetState: StateID
    /// Per state: a saving state whose stream has a temporary end (pre-copy:
    /// a saving state the spec does not declare `frozen`, when it declares
    /// any); the others' end is permanent (STOP_COPY).
    let temporaryEnd: [Bool]
    /// Per state: the device runs there (declared neither `frozen` nor the
    /// error state), so a disabled device cannot be in it; all false when
    /// the spec declares no `frozen` states (nothing to tell them by).
    let runs: [Bool]

    init(model: MigrationProtocol, table: PathTable) {
        self.model = model
        self.table = table
        let count = model.states.count
        self.count = count
        var served = [Bool](repeating: false, count: count * count)
        var onPath = [UInt64](repeating: 0, count: count <= 64 ? count * count : 0)
        var starts = served
        var inside = served
        for from in 0..<count {
            for to in 0..<count {
                let index = from * count + to
                served[index] = from == to || table.nextState(from: from, to: to) != nil
                if count <= 64, let path = table.path(from: from, to: to) {
                    for state in path { onPath[index] |= 1 << UInt64(state) }
                }
                starts[index] = from != to && model.opensSession(Arc(from, to))
                inside[index] = from != to && model.states[from].session != nil
                    && model.sessionDomain(of: from) == model.sessionDomain(of: to)
            }
        }
        self.served = served
        self.onPath = onPath
        self.starts = starts
        self.inside = inside
        sessionOf = model.states.map(\.session)
        errorState = model.errorState
        resetState = model.resetState
        temporaryEnd = Self.temporaryEnds(model)
        let frozen = Set(model.frozen.map(\.state))
        runs = model.states.indices.map { !frozen.isEmpty && !frozen.contains($0) && $0 != model.errorState }
    }

    /// Per state: a saving state whose stream ends for now (pre-copy), not
    /// for good (STOP_COPY): one the spec does not declare `frozen`, when it
    /// declares any.
    static func temporaryEnds(_ model: MigrationProtocol) -> [Bool] {
        let frozen = Set(model.frozen.map(\.state))
        return model.states.indices.map { model.states[$0].session == .saving && !frozen.isEmpty && !frozen.contains($0) }
    }

    func name(_ state: StateID) -> String { model.states[state].name }

    func isOnPath(_ state: StateID, from: StateID, to: StateID) -> Bool {
        if count <= 64 { return onPath[from * count + to] & (1 << UInt64(state)) != 0 }
        return table.path(from: from, to: to)?.contains(state) ?? false
    }

    /// What a finished request must satisfy (before a deferred reset,
    /// which is ordered after the request).
    func request(
        value: UInt32, target: StateID?, origin: DeviceState, after: DeviceState,
        succeeded: Bool, fd: SessionKind?, sessionReplaced: Bool
    ) -> [Violation] {
        var found: [Violation] = []
        func asked() -> String { target.map(name) ?? "value \(value)" }
        let from = origin.recorded
        let index = target.map { from * count + $0 } ?? -1
        let refusable = index < 0 || !served[index]
        if succeeded {
            if target != after.recorded {
                found.append(Violation(.successReachesTarget,
                    "request \(asked()) succeeded but the device records \(name(after.recorded))"))
            }
            if !refusable {
                if starts[index] && fd == nil {
                    found.append(Violation(.sessionHandback,
                        "request \(asked()) from \(name(from)) starts a session but handed back no FD"))
                } else if !starts[index] && fd != nil {
                    found.append(Violation(.sessionHandback,
                        "request \(asked()) from \(name(from)) starts no session but handed back a new FD"))
                }
                if inside[index], let kind = sessionOf[from], sessionReplaced || !after.hasSession(kind) {
                    found.append(Violation(.sessionHandback,
                        "request \(asked()) from \(name(from)) moves inside the session's group but replaced the \(kind.rawValue) session"))
                }
            }
        } else {
            if fd != nil {
                found.append(Violation(.sessionHandback, "request \(asked()) failed but handed back an FD"))
            }
            let state = after.recorded
            if state != from && state != errorState && !(target.map { isOnPath(state, from: from, to: $0) } ?? false) {
                found.append(Violation(.failureStaysOnPath,
                    "request \(asked()) from \(name(from)) failed and left the device in \(name(state)), off the path"))
            }
        }
        if refusable && (succeeded || after != origin) {
            var what = "request \(asked()) from \(name(from)) must be refused"
            if succeeded { what += ", yet it succeeded" }
            if after.recorded != origin.recorded { what += (succeeded ? " and" : ", yet it") + " moved the device to \(name(after.recorded))" }
            else if after != origin { what += (succeeded ? " and" : ", yet it") + " changed the sessions" }
            found.append(Violation(.refusedChangesNothing, what))
        }
        if origin.recorded == errorState || origin.hardware == errorState {
            found += errorExit(origin: origin, after: after, action: "request \(asked())")
        }
        if after.recorded != after.hardware || after.savingSession || after.resumingSession
            || sessionOf[after.recorded] != nil || after.disabled {
            found += steady(after)
        }
        return found
    }

    /// The error state is kept by every action but a reset.
    func errorExit(origin: DeviceState, after: DeviceState, action: String) -> [Violation] {
        if origin.recorded == errorState && after.recorded != errorState {
            return [Violation(.errorExitOnlyByReset,
                "\(action) took the device from \(name(errorState)) to \(name(after.recorded)) without a reset")]
        }
        if origin.hardware == errorState && after.hardware != errorState {
            return [Violation(.errorExitOnlyByReset,
                "\(action) took the hardware from \(name(errorState)) to \(name(after.hardware)) without a reset")]
        }
        return []
    }

    /// What must hold after a reset, deferred or not.
    func reset(_ after: DeviceState) -> [Violation] {
        var found: [Violation] = []
        if after.recorded != resetState || after.hardware != resetState {
            found.append(Violation(.resetRestores,
                "after a reset the device records \(name(after.recorded)), not \(name(resetState))"))
        } else if after.hasLiveSession {
            found.append(Violation(.resetRestores, "after a reset a session is still live"))
        }
        return found + steady(after)
    }

    /// What must hold whenever the state mutex is free.
    func steady(_ device: DeviceState) -> [Violation] {
        var found: [Violation] = []
        for kind in SessionKind.allCases where device.hasSession(kind) && sessionOf[device.recorded] != kind {
            found.append(Violation(.sessionEndsOnLeave,
                "the \(kind.rawValue) session is still live in \(name(device.recorded))"))
        }
        if device.recorded != device.hardware {
            found.append(Violation(.hardwareMatchesRecorded,
                "the driver records \(name(device.recorded)) but the hardware is in \(name(device.hardware))"))
        } else if device.disabled && runs[device.recorded] {
            found.append(Violation(.hardwareMatchesRecorded,
                "the driver records \(name(device.recorded)) but the device is disabled and does not run"))
        }
        if let kind = sessionOf[device.recorded], !device.hasSession(kind) {
            found.append(Violation(.sessionLivesInState,
                "the driver records \(name(device.recorded)) but its \(kind.rawValue) session has ended"))
        }
        return found
    }
}
