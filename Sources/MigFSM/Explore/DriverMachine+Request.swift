/// The set_state loop of DOMAIN.md section 6: while the recorded state is
/// not the target, look the next state up, perform that one arc (with its
/// faults, quirks, effects and, leaving RESUMING, the validation of the
/// data written), record it; stop at the first failure; unlock, applying a
/// deferred reset.
extension DriverMachine {
    struct Request {
        var value: UInt32
        var target: StateID?
        var origin: DeviceState
        var resetArrives: Bool
        var record: Bool
    }

    /// One branch of a request in progress.
    struct Run {
        var device: DeviceState
        var steps = 0
        /// The FD the last step returned.
        var fd: SessionKind?
        var failed = false
        var hung = false
        /// Whether a step put a new session in a driver slot.
        var replaced = false
        /// Whether a step left RESUMING with the data taken.
        var loaded = false
        var events: [TraceEvent] = []
        var violations: [Violation] = []
    }

    enum Lookup {
        case next(StateID)
        case refused(String)
        case hangs(String)
    }

    func lookup(_ current: StateID, _ request: Request) -> Lookup {
        if let kernel {
            let flags = features.rawValue, value = model.states[current].value
            let outcome: KernelTable.Outcome
            switch driver.lookup {
            case .kernelUnguarded:
                outcome = kernel.lookup(flags: flags, current: value, requested: request.value, loop: .unguarded)
            case .kernel:
                outcome = kernel.lookup(flags: flags, current: value, requested: request.value)
            case .spec, .generated:
                outcome = kernel.generatedLookup(flags: flags, current: value, requested: request.value)
            }
            switch outcome {
            case .next(let value, _):
                guard let state = stateByValue[value] else { return .refused("the table names value \(value)") }
                return .next(state)
            case .refused:
                return .refused("vfio_mig_get_next_state() returns -EINVAL")
            case .cycle(let visited):
                let names = visited.map { stateByValue[$0].map(name) ?? "value \($0)" }
                return .hangs("its skip loop reads " + names.joined(separator: " -> ") + " -> ... forever")
            }
        }
        guard let target = request.target else { return .refused("the value is out of range") }
        switch driverTable.next(from: current, to: target) {
        case .success(let next): return .next(next)
        case .failure(let refusal): return .refused(refusal.explanation)
        }
    }

    /// `while (new_state != mig_state)`: one iteration, branching on the
    /// arc's outcomes. Text is built only when recording or on a violation.
    func step(_ start: Run, _ request: Request, _ body: (Branch) -> Void) {
        var run = start
        if let target = request.target, run.device.recorded == target {
            finish(run, request, body)
            return
        }
        let current = run.device.recorded
        if has(.errorRecoversOnRequest) && current == errorState {
            if request.record {
                run.events.append(TraceEvent(.quirk,
                    "error-recovers-on-request: the driver reinitialises the device to \(name(resetState)) without a reset",
                    cause: .driverQuirk(.errorRecoversOnRequest)))
            }
            run.device.recorded = resetState
            run.device.hardware = resetState
            step(run, request, body)
            return
        }
        func asked() -> String { request.target.map(name) ?? "value \(request.value)" }
        switch lookup(current, request) {
        case .refused(let why):
            if request.record { run.events.append(TraceEvent(.refusal, "the lookup refuses \(name(current)) -> \(asked()): \(why)")) }
            if has(.refusalReturnsSuccess) {
                if request.record {
                    run.events.append(TraceEvent(.quirk,
                        "refusal-returns-success: the loop breaks out without setting an error",
                        cause: .driverQuirk(.refusalReturnsSuccess)))
                }
            } else {
                run.failed = true
            }
            finish(run, request, body)
        case .hangs(let why):
            run.violations.append(Violation(.requestBounded,
                "the lookup for \(name(current)) -> \(asked()) never returns"))
            if request.record {
                run.events.append(TraceEvent(.warning, "the lookup for \(name(current)) -> \(asked()) never returns: \(why)"))
            }
            run.hung = true
            finish(run, request, body)
        case .next(let next):
            if run.steps >= count {
                run.violations.append(Violation(.requestBounded,
                    "request \(asked()) from \(name(request.origin.recorded)) has performed \(run.steps) arcs and is in \(name(current)), not done"))
                run.hung = true
                finish(run, request, body)
                return
            }
            run.steps += 1
            let index = current * count + next
            guard implemented[index] else {
                let arc = model.describe(Arc(current, next))
                run.violations.append(Violation(.driverArcsImplemented,
                    "the driver is asked for \(arc), which its step function does not implement"))
                if request.record {
                    run.events.append(TraceEvent(.warning,
                        "\(arc): WARN_ON: the step function does not implement the arc; -EINVAL"))
                }
                run.failed = true
                finish(run, request, body)
                return
            }
            let arc = Arc(current, next)
            if arcFlags[index].contains(.alwaysFails) {
                let text = model.describe(arc)
                run.violations.append(Violation(.driverArcsImplemented,
                    "the driver is asked for \(text), which its step function always fails"))
                if request.record {
                    run.events.append(TraceEvent(.quirk, "always-fails: every path of the step for \(text) returns an error",
                                                 cause: .arcQuirk(arc, "always-fails")))
                }
                run.failed = true
                finish(run, request, body)
                return
            }
            if validates[index] && !validate(arc, index, &run, request) {
                finish(run, request, body)
                return
            }
            if run.device.hardware == errorState {
                if perform(.stuck, arc, index, &run, request) { step(run, request, body) } else { finish(run, request, body) }
                return
            }
            let kinds = faults[index]
            var branch = run
            if perform(.ok, arc, index, &branch, request) { step(branch, request, body) } else { finish(branch, request, body) }
            if kinds.contains(.stays) {
                branch = run
                if perform(.stays, arc, index, &branch, request) { step(branch, request, body) } else { finish(branch, request, body) }
            }
            if kinds.contains(.error) {
                branch = run
                if perform(.error, arc, index, &branch, request) { step(branch, request, body) } else { finish(branch, request, body) }
            }
            if kinds.contains(.afterSession) && creates(index) {
                branch = run
                if perform(.afterSession, arc, index, &branch, request) { step(branch, request, body) } else { finish(branch, request, body) }
            }
            if kinds.contains(.swallowed) {
                branch = run
                if perform(.swallowed, arc, index, &branch, request) { step(branch, request, body) } else { finish(branch, request, body) }
            }
        }
    }

    /// Leaving RESUMING: the driver checks the data written before it
    /// loads it. Returns whether the step goes on (a complete stream, or a
    /// quirk that accepts what there is); otherwise the step fails and the
    /// device stays in RESUMING with its session.
    func validate(_ arc: Arc, _ index: Int, _ run: inout Run, _ request: Request) -> Bool {
        let stream = run.device.resumingSession ? run.device.resumingStream : .empty
        let what: String
        switch stream {
        case .complete: return true
        case .empty: what = run.device.resumingSession ? "nothing was written" : "its session has ended"
        case .partial: what = "only part of a stream was written"
        case .invalid: what = "the data written is no valid stream"
        }
        let flags = arcFlags[index]
        if (stream == .empty || stream == .partial) && flags.contains(.acceptsTruncated) {
            if request.record {
                run.events.append(TraceEvent(.quirk,
                    "accepts-truncated-stream: \(what), and the driver loads it all the same",
                    cause: .arcQuirk(arc, "accepts-truncated-stream")))
            }
            return true
        }
        if stream == .invalid && flags.contains(.acceptsInvalid) {
            if request.record {
                run.events.append(TraceEvent(.quirk,
                    "accepts-invalid-stream: \(what), and the driver loads it all the same",
                    cause: .arcQuirk(arc, "accepts-invalid-stream")))
            }
            return true
        }
        if request.record {
            run.events.append(TraceEvent(.refusal,
                "\(model.describe(arc)): the driver validates the data written: \(what); the step fails, the device stays in \(name(arc.from))"))
        }
        run.failed = true
        return false
    }

    func quirks(of arc: Arc) -> [ArcQuirk] { quirks[arc.from * count + arc.to] }

    func creates(_ index: Int) -> Bool {
        opens[index] || arcFlags[index].contains(.returnsSession)
    }

    /// Performs one arc with `outcome`; returns whether the loop goes on.
    func perform(_ outcome: StepOutcome, _ arc: Arc, _ index: Int, _ run: inout Run, _ request: Request) -> Bool {
        let flags = arcFlags[index]
        let record = request.record
        switch outcome {
        case .ok:
            if record { run.events.append(TraceEvent(.arc, model.describe(arc))) }
            return complete(arc, index, &run, request, hardware: arc.to)
        case .stays, .stuck:
            if record {
                run.events.append(TraceEvent(.fault, outcome == .stuck
                    ? "\(model.describe(arc)): the hardware is in \(name(errorState)) and fails the command"
                    : "\(model.describe(arc)): injected fault: the hardware command fails; the device stays in \(name(arc.from))",
                    cause: outcome == .stuck ? nil : .fault(arc, .stays)))
            }
            if flags.contains(.ignores) {
                if record {
                    run.events.append(TraceEvent(.quirk,
                        "ignores-hardware-failure: the step returns success; the driver records \(name(arc.to))",
                        cause: .arcQuirk(arc, "ignores-hardware-failure")))
                }
                return complete(arc, index, &run, request, hardware: run.device.hardware)
            }
            if flags.contains(.endsSessionEarly), ends[index], let kind = sessionOf[arc.from] {
                if record {
                    run.events.append(TraceEvent(.quirk,
                        "ends-session-early: the step ended the \(kind.rawValue) session before the command that failed",
                        cause: .arcQuirk(arc, "ends-session-early")))
                }
                endSession(kind, &run.device, &run.events, record: record)
            }
            if rollbackState[index] >= 0 {
                let state = Int(rollbackState[index])
                if record {
                    run.events.append(TraceEvent(.quirk, "rolls-back-to \(name(state)): the driver moves the device to \(name(state))",
                                                 cause: .arcQuirk(arc, "rolls-back-to")))
                }
                run.device.recorded = state
                if run.device.hardware != errorState { run.device.hardware = state }
                for kind in SessionKind.allCases where sessionOf[state] != kind {
                    endSession(kind, &run.device, &run.events, record: record)
                }
            }
            run.failed = true
            return false
        case .error:
            if record {
                run.events.append(TraceEvent(.fault,
                    "\(model.describe(arc)): injected fault: the arc fails and leaves the device in \(name(errorState))",
                    cause: .fault(arc, .error)))
            }
            run.device.hardware = errorState
            if flags.contains(.ignores) {
                if record {
                    run.events.append(TraceEvent(.quirk,
                        "ignores-hardware-failure: the step returns success; the driver records \(name(arc.to))",
                        cause: .arcQuirk(arc, "ignores-hardware-failure")))
                }
                return complete(arc, index, &run, request, hardware: errorState)
            }
            run.device.recorded = errorState
            if flags.contains(.keepsSession) {
                if record {
                    run.events.append(TraceEvent(.quirk, "keeps-session: the driver does not end the sessions",
                                                 cause: .arcQuirk(arc, "keeps-session")))
                }
            } else {
                for kind in SessionKind.allCases { endSession(kind, &run.device, &run.events, record: record) }
            }
            run.failed = true
            return false
        case .swallowed:
            if record {
                run.events.append(TraceEvent(.fault,
                    "\(model.describe(arc)): injected fault: a command of the step fails, and the step never learns it; it returns success, the driver records \(name(arc.to)), the device stays in \(name(arc.from))",
                    cause: .fault(arc, .swallowed)))
            }
            return complete(arc, index, &run, request, hardware: run.device.hardware)
        case .afterSession:
            let kind = sessionOf[arc.to] ?? .saving
            if record {
                run.events.append(TraceEvent(.fault,
                    "\(model.describe(arc)): injected fault: the step creates its \(kind.rawValue) session, then fails",
                    cause: .fault(arc, .afterSession)))
            }
            if flags.contains(.leaks) {
                if record {
                    run.events.append(TraceEvent(.quirk,
                        "leaks-session-on-failure: the driver does not release the new session",
                        cause: .arcQuirk(arc, "leaks-session-on-failure")))
                }
                run.violations.append(Violation(.noSessionLeak,
                    "the \(kind.rawValue) session created by \(model.describe(arc)) stays live after the step failed"))
            } else if record {
                run.events.append(TraceEvent(.session, "the driver releases the new \(kind.rawValue) session"))
            }
            run.failed = true
            return false
        }
    }

    /// The software side of an arc that the driver counts as done: end the
    /// old session, open the new one, carry the saving stream on, take a
    /// validated stream, apply the command's effects, record the new state,
    /// and check the FD against the loop's rule. `hardware` is where the
    /// hardware ends up (the arc's target when its command ran). Returns
    /// whether the loop goes on.
    func complete(_ arc: Arc, _ index: Int, _ run: inout Run, _ request: Request, hardware: StateID) -> Bool {
        let flags = arcFlags[index]
        let record = request.record
        let commandRan = hardware == arc.to
        if validates[index] {
            let stream = run.device.resumingSession ? run.device.resumingStream : .empty
            switch stream {
            case .empty, .partial:
                run.violations.append(Violation(.streamComplete,
                    "\(model.describe(arc)) succeeded although \(stream == .empty ? "nothing" : "only part of a stream") was written"))
            case .invalid:
                run.violations.append(Violation(.resumeValidates,
                    "\(model.describe(arc)) succeeded although the data written is no valid stream"))
            case .complete:
                break
            }
            if commandRan {
                run.loaded = true
                if run.device.disabled {
                    if record { run.events.append(TraceEvent(.effect, "the loaded state enables the device again")) }
                    run.device.disabled = false
                }
            }
        }
        if ends[index], let kind = sessionOf[arc.from] {
            if flags.contains(.keepsSession) {
                if record {
                    run.events.append(TraceEvent(.quirk, "keeps-session: the \(kind.rawValue) session stays live",
                                                 cause: .arcQuirk(arc, "keeps-session")))
                }
            } else {
                endSession(kind, &run.device, &run.events, record: record)
            }
        }
        var returned: SessionKind?
        if creates(index), let kind = sessionOf[arc.to] {
            if kind == .saving && run.device.hasLiveSavingSession {
                run.violations.append(Violation(.singleSavingFD,
                    "\(model.describe(arc)) opens a second saving session while one is live"))
            }
            if run.device.hasSession(kind) {
                run.violations.append(Violation(.noSessionLeak,
                    "\(model.describe(arc)) replaces the driver's live \(kind.rawValue) session without ending it"))
                if run.device.userFD == .driver(kind) { run.device.userFD = .detached(kind, live: true) }
            }
            run.device.setSession(kind, true)
            if kind == .saving { run.device.savingStream = .unread } else { run.device.resumingStream = .empty }
            run.replaced = true
            if flags.contains(.returnsNoSession) {
                if record {
                    run.events.append(TraceEvent(.quirk,
                        "returns-no-session: the step creates a \(kind.rawValue) session but returns no FD",
                        cause: .arcQuirk(arc, "returns-no-session")))
                }
            } else {
                returned = kind
                if record && !opens[index] {
                    run.events.append(TraceEvent(.quirk,
                        "returns-session: the step opens a new \(kind.rawValue) session and returns its FD",
                        cause: .arcQuirk(arc, "returns-session")))
                }
            }
        } else if checks.temporaryEnd[arc.from] && sessionOf[arc.to] == .saving && !checks.temporaryEnd[arc.to]
                    && run.device.savingStream == .drained {
            // Pre-copy read to its temporary end; STOP_COPY adds the rest
            // of the device state.
            run.device.savingStream = .partial
        }
        if commandRan {
            let effect = effects[index]
            if effect.contains(.disablesDevice) && !run.device.disabled {
                if record {
                    run.events.append(TraceEvent(.effect, "the command disables the device (effect disables-device)",
                                                 cause: .effect(arc)))
                }
                run.device.disabled = true
            }
            if effect.contains(.enablesDevice) && run.device.disabled {
                if record {
                    run.events.append(TraceEvent(.effect, "the command enables the device again (effect enables-device)",
                                                 cause: .effect(arc)))
                }
                run.device.disabled = false
            }
        }
        run.device.hardware = hardware
        run.device.recorded = arc.to
        if recordsState[index] >= 0 {
            let state = Int(recordsState[index])
            if record {
                run.events.append(TraceEvent(.quirk, "records \(name(state)): the driver records \(name(state))",
                                             cause: .arcQuirk(arc, "records")))
            }
            run.device.recorded = state
        }
        run.fd = returned
        if let kind = returned, request.target != run.device.recorded {
            let asked = request.target.map(name) ?? "value \(request.value)"
            run.violations.append(Violation(.noIntermediateSession,
                "\(model.describe(arc)) returns a new \(kind.rawValue) FD, but the request goes on to \(asked)"))
            if record {
                run.events.append(TraceEvent(.warning,
                    "WARN_ON: an FD from an intermediate step; the loop drops it and fails with -EINVAL"))
            }
            run.fd = nil
            run.failed = true
            return false
        }
        return true
    }

    /// The end of set_state: hand the FD back, unlock (applying a deferred
    /// reset), return.
    func finish(_ start: Run, _ request: Request, _ body: (Branch) -> Void) {
        var run = start
        if run.hung {
            body(Branch(after: nil, result: .hang, violations: run.violations, events: run.events))
            return
        }
        let succeeded = !run.failed
        var flags: OutcomeFlags = succeeded ? .succeeded : []
        if run.loaded { flags.insert(.loaded) }
        if succeeded, let kind = run.fd {
            if holding == .keepsFirst && request.origin.userFD != .none {
                flags.insert(.refusedFD)
                if request.record {
                    run.events.append(TraceEvent(.session,
                        "the user already holds an FD: it closes the new \(kind.rawValue) FD at once (QEMU: \"data_fd out of sync\", -EBADF)"))
                }
            } else {
                run.device.userFD = .driver(kind)
            }
        }
        run.device = run.device.normalized()
        let result: ActionResult = succeeded ? .success(run.fd) : .failure
        var violations = run.violations
        violations += checks.request(
            value: request.value, target: request.target, origin: request.origin, after: run.device,
            succeeded: succeeded, fd: succeeded ? run.fd : nil, sessionReplaced: run.replaced)
        if request.resetArrives {
            if request.record { run.events.append(TraceEvent(.reset, "unlock: the deferred reset is applied")) }
            applyReset(&run.device, &run.events, record: request.record)
            violations += checks.reset(run.device)
            flags.insert(.reset)
        }
        body(Branch(after: run.device, result: result, violations: violations, events: run.events, flags: flags))
    }
}
