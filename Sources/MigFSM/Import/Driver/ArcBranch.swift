/// What a step function's branch for one arc does, read from every path
/// the branch can take:
///
///     if (cur == VFIO_DEVICE_STATE_RUNNING_P2P && new == VFIO_DEVICE_STATE_RUNNING) {
///         qat_vfmig_resume(qat_vdev->mdev);     // int result dropped
///         return NULL;                          // success, no file
///     }
///
/// which calls it makes and whether each result decides success; whether
/// it can fail, or always fails; whether it returns a session file;
/// whether a failure after creating a session releases it; and whether it
/// ends the session it leaves before a command that can still fail.
public struct ArcBranch: Sendable {
    public var arc: Arc
    /// The comparison that selects the arc (`cur == ...`).
    public var location: SourceLocation
    /// Every path through the branch and how each ended.
    public var paths: [PathState]

    /// A call whose `int` result the branch throws away.
    public var dropped: [CallRecord] = []
    /// A `void` function of the driver the branch calls that swallows a
    /// failing command.
    public var swallowed: [(call: CallRecord, swallow: CalleeSummaries.Swallow)] = []
    /// Calls as statements of functions migfsm cannot see (results unknown).
    public var unseen: [CallRecord] = []
    /// A path that ends the session and then fails: the release, and where it fails.
    public var endsSessionEarly: (release: CallRecord, failure: SourceLocation, command: CallRecord?)?
    /// Failures that keep a session's file the branch, or a driver
    /// function it calls, created: one per place that fails.
    public var leaks: [SessionReferences.Leak] = []

    /// Some path fails / every path fails.
    public var canFail: Bool { paths.contains { $0.outcomes.contains(.error) } }
    public var alwaysFails: Bool { !paths.isEmpty && paths.allSatisfy { $0.outcomes == [.error] } }
    /// Some path fails after a session was created (and a later command failed).
    public var failsAfterSession = false
    /// Whether success paths return a file: some / every one.
    public var returnsFileSometimes: Bool {
        paths.contains { $0.outcomes.contains(.success(file: true)) }
    }
    public var returnsFileAlways: Bool {
        let successes = paths.flatMap { $0.outcomes.filter { $0 != .error } }
        return !successes.isEmpty && successes.allSatisfy { $0 == .success(file: true) }
    }
    /// Some success path releases a session.
    public var releasesOnSuccess = false
    /// Some success path calls a function migfsm cannot see into (which
    /// might release a session or do anything else).
    public var successCallsUnseen = false
    /// Where the first failing path returns (for locations).
    public var firstFailure: SourceLocation? {
        paths.first { $0.outcomes.contains(.error) }?.returnLocation
    }
}

/// Reads a step function arc by arc: the path walker runs it once per
/// (current, requested) pair with both bound, and the paths that enter a
/// branch on the state variables without reaching the default warning are
/// that arc's branch.
public struct StepFunctionReader {
    public let code: DriverCode
    public let entry: DriverEntryPoints
    public let names: CNames
    public var summaries: CalleeSummaries
    public var references: SessionReferences

    public init(code: DriverCode, entry: DriverEntryPoints, names: CNames) {
        self.code = code
        self.entry = entry
        self.names = names
        summaries = CalleeSummaries(code: code)
        references = SessionReferences(code: code, names: names, stateField: entry.roles.stateField)
    }

    /// What the reader found: the arcs handled, and what it could not follow.
    public struct Result: Sendable {
        public var branches: [ArcBranch]
        public var notes: [Diagnostic]
    }

    public mutating func read() -> Result {
        let model = names.model
        let file = code.file(entry.step.located)
        var branches: [ArcBranch] = []
        var notes: [Diagnostic] = []
        var stopped: Set<String> = []
        var truncated = false
        let states = model.statesByValue
        let body = file.body(of: entry.step.located.function)
        for from in states {
            for to in states where to != from {
                var walker = CPathWalker(code: code, roles: entry.roles, names: names)
                walker.current = UInt64(model.states[from].value)
                walker.requested = UInt64(model.states[to].value)
                let walk = walker.walk(entry.step.located.function, in: file, body: body)
                if walk.truncated { truncated = true }
                for path in walk.paths {
                    if case .stopped(let why) = path.status, stopped.insert(why).inserted {
                        notes.append(.note(at: path.returnLocation ?? entry.step.location, "a path of \(entry.step.name)() is not followed: \(why)"))
                    }
                }
                let handled = walk.paths.filter { path in
                    guard path.warned == nil, path.lastEntered != nil else { return false }
                    if case .stopped = path.status { return false }
                    return true
                }
                guard let first = handled.first, let entered = first.lastEntered else { continue }
                var branch = ArcBranch(arc: Arc(from, to), location: entered.armLocation, paths: handled)
                analyse(&branch)
                branches.append(branch)
            }
        }
        if truncated {
            notes.append(.note(at: entry.step.location,
                "\(entry.step.name)() has more than \(CPathWalker.maximumPaths) paths for some arc; the first ones are read"))
        }
        branches.sort { ($0.location, $0.arc.from, $0.arc.to) < ($1.location, $1.arc.from, $1.arc.to) }
        return Result(branches: branches, notes: notes)
    }

    /// Classifies every call of every path of the branch.
    mutating func analyse(_ branch: inout ArcBranch) {
        let model = names.model
        let endsSession = model.endsSession(branch.arc)
        for path in branch.paths {
            let failed = path.outcomes.contains(.error)
            let succeeded = path.outcomes.contains { $0 != .error }
            var releaseSeen: CallRecord?
            var createSeen: (record: CallRecord, index: Int)?
            var commandAfterRelease: CallRecord?
            var laterCommand = false
            for (index, call) in path.calls.enumerated() where call.depth == 0 {
                guard let name = call.name else {
                    if succeeded { branch.successCallsUnseen = true }
                    continue
                }
                let summary = summaries.summary(name)
                if summary.releasesSession {
                    if releaseSeen == nil { releaseSeen = call }
                    if succeeded { branch.releasesOnSuccess = true }
                } else if releaseSeen != nil, call.used, commandAfterRelease == nil,
                          summary.returns == .integer || summary.returns == .pointer || summary.origin == .unknown {
                    commandAfterRelease = call
                }
                if succeeded, summary.origin == .unknown { branch.successCallsUnseen = true }
                if summary.createsSession, createSeen == nil { createSeen = (call, index) }
                else if let create = createSeen, index > create.index, call.used,
                        summary.returns == .integer || summary.returns == .pointer || summary.origin == .unknown {
                    laterCommand = true
                }
                // Results thrown away.
                let thrownAway = call.statement || (call.assigned && !call.used)
                if thrownAway, summary.returns == .integer, !branch.dropped.contains(where: { $0.location == call.location }) {
                    branch.dropped.append(call)
                }
                if call.statement, summary.origin == .unknown, !branch.unseen.contains(where: { $0.location == call.location }) {
                    branch.unseen.append(call)
                }
                for swallow in summary.swallows where !branch.swallowed.contains(where: { $0.swallow.location == swallow.location }) {
                    branch.swallowed.append((call, swallow))
                }
            }
            if failed, let release = releaseSeen, endsSession, branch.endsSessionEarly == nil,
               let failure = path.returnLocation {
                branch.endsSessionEarly = (release, failure, commandAfterRelease)
            }
            if failed, createSeen != nil, laterCommand { branch.failsAfterSession = true }
            // A failure that keeps a file the branch, or a driver function
            // it calls, created.
            if failed, let failure = path.returnLocation {
                var found: SessionReferences.Leak?
                if let count = references.count(path), count.held > 0 {
                    found = SessionReferences.Leak(create: count.create, failure: failure, within: nil, taken: count.taken, partial: count.partial)
                } else {
                    for (index, call) in path.calls.enumerated() where call.depth == 0 && !path.succeededCalls.contains(index) {
                        if let inside = references.leak(inside: call) {
                            found = inside
                            break
                        }
                    }
                }
                if let found, !branch.leaks.contains(where: { $0.failure == found.failure }) {
                    branch.failsAfterSession = true
                    branch.leaks.append(found)
                }
            }
        }
    }
}
