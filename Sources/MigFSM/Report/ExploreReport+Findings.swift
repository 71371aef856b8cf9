/// The violations `explore` found as located findings, for `--format json`
/// and `--format sarif`: one per violated property (per feature set), of
/// kind the property's name, placed where a reader fixes it.
///
/// The place: the driver file's line behind the trace (a quirk, found
/// walking the trace from its last step back; else an effect; else the
/// injected fault of the last step that has one); else, under a policy, the
/// policy file's line of the last step; else the acting device's driver
/// file's `flags` line; else the spec's declaration of the state the acting
/// device records at the end. For the VM's properties (p2p-safety,
/// loaded-before-run, belief-consistency) the policy line comes first. The
/// other driver lines and the policy line go in `related`.
public enum ExploreFindings {
    /// What one trace step contributes to placing a finding.
    struct Step {
        var device: Int?
        var events: [TraceEvent]
        var policyLine: Int
        var recorded: StateID?
    }

    /// The place and related places of a violation.
    static func place(
        _ steps: [Step], driverLines: (Int) -> DriverLines?, policyPath: String?, specFallback: SourceLocation,
        preferPolicy: Bool
    ) -> (SourceLocation, [Diagnostic.Note]) {
        var quirk: SourceLocation?
        var effect: SourceLocation?
        var fault: SourceLocation?
        var notes: [Diagnostic.Note] = []
        for step in steps.reversed() {
            guard let device = step.device, let lines = driverLines(device) else { continue }
            for event in step.events.reversed() {
                guard let cause = event.cause, let location = lines.location(of: cause) else { continue }
                switch cause {
                case .arcQuirk, .driverQuirk:
                    if quirk == nil { quirk = location } else { notes.append(.init(location, "quirk")) }
                case .effect:
                    if effect == nil { effect = location } else { notes.append(.init(location, "effect")) }
                case .fault, .resetWhileLocked, .resetMayFail:
                    if fault == nil { fault = location } else { notes.append(.init(location, "injected fault")) }
                }
            }
        }
        var policyPlace: SourceLocation?
        if let path = policyPath, let line = steps.last?.policyLine, line > 0 {
            policyPlace = SourceLocation(file: path, line: line, column: 1)
        }
        var candidates: [(SourceLocation, String)] = []
        if preferPolicy, let policyPlace { candidates.append((policyPlace, "the policy's step")) }
        if let quirk { candidates.append((quirk, "the driver's quirk")) }
        if let effect { candidates.append((effect, "the hardware effect")) }
        if let fault { candidates.append((fault, "the injected fault")) }
        if !preferPolicy, let policyPlace { candidates.append((policyPlace, "the policy's step")) }
        guard let primary = candidates.first else { return (specFallback, notes) }
        let related = candidates.dropFirst().map { Diagnostic.Note($0.0, $0.1) }
        return (primary.0, related + notes.filter { note in !candidates.contains { $0.0 == note.location } })
    }

    /// The counterexample's trace as lines, its steps and what they did.
    static func traceLines(_ rendered: String) -> [String] {
        rendered.split(separator: "\n").dropFirst(2).map { String($0.dropFirst(2)) }
    }

    /// The spec's line for `state`.
    static func specPlace(_ model: MigrationProtocol, _ state: StateID?) -> SourceLocation {
        guard let state, model.states.indices.contains(state) else { return .file(model.sourcePath) }
        return model.states[state].location
    }
}

extension ExploreReport {
    /// One finding per counterexample, in report order.
    public var findings: [Finding] {
        var found: [Finding] = []
        for exploration in explorations {
            for counterexample in exploration.counterexamples {
                let steps = counterexample.steps.map { step in
                    ExploreFindings.Step(device: step.device, events: step.events, policyLine: 0,
                                         recorded: step.after?[step.device].recorded)
                }
                let fallback = ExploreFindings.specPlace(model, steps.last?.recorded ?? model.resetState)
                let (location, related) = ExploreFindings.place(
                    steps, driverLines: { _ in driverPath == nil ? nil : driver.lines }, policyPath: nil,
                    specFallback: driverPath == nil ? fallback : (driver.lines.flags ?? fallback), preferPolicy: false)
                found.append(Finding(
                    kind: counterexample.property.name, severity: .error, location: location,
                    message: "\(model.describe(counterexample.features)): \(counterexample.message)", related: related,
                    trace: ExploreFindings.traceLines(Self.render(counterexample, model))))
            }
        }
        return found
    }
}

extension MultiReport {
    /// One finding per counterexample; a note when the policy refuses the VM.
    public var findings: [Finding] {
        let model = explorer.model
        if let reason = refusalReason, let policy = explorer.policy {
            let location = SourceLocation(file: policyPath ?? policy.name, line: policy.severalDevicesLine, column: 1)
            return [Finding(kind: "vm-refused", severity: .note, location: location,
                            message: "\(policy.vmm) refuses this VM before any migration step: \(reason)")]
        }
        var incomplete: [Finding] = []
        if exploration.incomplete, let maxStates {
            incomplete.append(Finding(
                kind: "search-incomplete", severity: .warning,
                location: ExploreFindings.specPlace(model, nil),
                message: "the search stopped at --max-states \(maxStates) with \(exploration.queue) states queued: "
                    + "properties not reported may still be violated; raise --max-states to finish it"))
        }
        return incomplete + exploration.counterexamples.map { counterexample in
            let steps = counterexample.steps.map { step in
                ExploreFindings.Step(device: step.device, events: step.events, policyLine: step.policyLine,
                                     recorded: step.device.flatMap { step.after?[$0].state.recorded })
            }
            var preferPolicy = false
            if case .device = counterexample.property {} else { preferPolicy = true }
            var fallback = ExploreFindings.specPlace(model, steps.last?.recorded ?? model.resetState)
            if let device = steps.last?.device, explorer.devices[device].driverPath != nil,
               let flags = explorer.devices[device].driver.lines.flags {
                fallback = flags
            }
            let (location, related) = ExploreFindings.place(
                steps,
                driverLines: { device in
                    explorer.devices[device].driverPath == nil ? nil : explorer.devices[device].driver.lines
                },
                policyPath: explorer.policy == nil ? nil : (policyPath ?? explorer.policy?.name),
                specFallback: fallback, preferPolicy: preferPolicy)
            return Finding(kind: counterexample.property.name, severity: .error, location: location,
                           message: counterexample.message, related: related,
                           trace: ExploreFindings.traceLines(Self.render(counterexample, model)))
        }
    }
}

extension FindingRule {
    /// One rule per property `explore` checks, and the refusal of a VM.
    public static var exploreRules: [FindingRule] {
        ExploreProperty.allCases.map { property in
            FindingRule(id: property.name, summary: property.summary, help: property.help)
        } + [MultiProperty.p2pSafety, .loadedBeforeRun, .beliefConsistency].map { property in
            FindingRule(id: property.name, summary: property.summary, help: property.help)
        } + [
            FindingRule(id: "search-incomplete", summary: "The search stopped before it explored every state",
                        help: "explore --max-states stopped the search: every violation reported is real, but a property not reported may still be violated in the states not reached. Raise --max-states (or drop it) to finish the search.",
                        severity: .warning),
            FindingRule(id: "vm-refused", summary: "The policy refuses to migrate this VM",
                        help: "The policy's several-devices-need statement refuses a VM of two or more devices of which one lacks the features named (QEMU: vfio_multiple_devices_migration_is_supported()). No migration starts, so nothing is explored; this is no violation.",
                        severity: .note),
        ]
    }
}
