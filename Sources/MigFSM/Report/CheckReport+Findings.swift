/// `migfsm check`'s failing checks and notes as findings, for SARIF: one
/// finding per counterexample (or per check, when it has none), of the
/// check's kind, located where the spec asks for it (invariants) or at the
/// spec itself.
///
///     Specs/vfio-v2.fsm:71:1: error: {STOP_COPY} RUNNING -> STOP_COPY walks ... [invariant-path]
extension CheckReport {
    /// Every check that fails (errors) or notes something (notes); checks
    /// that hold give none.
    public var findings: [Finding] {
        let model = self.model
        var findings: [Finding] = []
        for result in results where result.verdict != .holds {
            let severity: Finding.Severity = result.verdict == .fails ? .error : .note
            let kind = Self.kind(of: result.name)
            let location = result.location ?? .file(model.sourcePath)
            let messages = result.findings.isEmpty
                ? ["\(result.name): \(result.summary)"]
                : result.findings.map { finding in
                    (finding.features.map { model.describe($0) + " " } ?? "") + finding.message
                }
            for message in messages {
                findings.append(Finding(kind: kind, severity: severity, location: location, message: message))
            }
        }
        return findings
    }

    /// `invariant path A -> B` is of kind `invariant-path`; built-in checks
    /// are their own kind.
    static func kind(of checkName: String) -> String {
        let words = checkName.split(separator: " ")
        guard words.first == "invariant", words.count > 1 else { return checkName }
        return "invariant-" + words[1]
    }
}

extension FindingRule {
    /// The rules of `migfsm check`, one per check.
    public static let checkRules: [FindingRule] = [
        FindingRule(id: "ties", summary: "Two shortest paths tie for a request.",
            help: "The path rule does not decide which of two equally short paths a request walks, so the single next-state table cannot be derived. Add an arc preference or a rule to the spec."),
        FindingRule(id: "required-arcs", summary: "A feature set's paths use arcs other than its contracted arcs.",
            help: "Each feature set's requests must walk only the arcs of the full graph contracted over the states the set lacks; the finding names the feature set and the arc."),
        FindingRule(id: "path-consistency", summary: "The next-state table does not walk a request along its shortest allowed path.",
            help: "Stepping through next[][] from the current state must follow the shortest path the path rule allows; the finding names the request and both paths."),
        FindingRule(id: "session-safety", summary: "A data session would be opened by an arc that is not a path's last.",
            help: "The FD of a data session is handed back when the ioctl returns, so only the final arc of a request may open one. The finding names the request and the arc."),
        FindingRule(id: "kernel-lookup", summary: "The kernel's one-table lookup departs from the spec.",
            help: "vfio_mig_get_next_state() reads one table for all features and skips the states a device lacks. The finding names the flags, the request, the table entries walked and what the spec says instead."),
        FindingRule(id: "unguarded-kernel-lookup", summary: "Kernels without the error guard on the skip loop never return on these requests.",
            help: "From v6.2 until the June 2026 fix the skip loop had no '!= ERROR' guard: a request the table refuses reads ERROR's entry, whose mask is never within the flags, and loops forever. Informational: it is about kernels, not the spec.",
            severity: .note),
        FindingRule(id: "generated-lookup", summary: "The lookup migfsm emits departs from the spec.",
            help: "The emitted lookup (C headers, Swift module) is the kernel's guarded lookup; it must end and agree with every feature set's paths for every flags value. Nothing is generated while this fails."),
        FindingRule(id: "group-readings", summary: "The literal and contained readings of a group rule differ.",
            help: "The uAPI's saving-group rule can be read literally (no group state inside a path) or as 'contained' (inside only when the whole path stays in the group). Informational: the finding names the requests whose paths differ.",
            severity: .note),
        FindingRule(id: "invariant-no-interior", summary: "A path has a group member as an interior state.",
            help: "The spec's 'invariant no-interior GROUP' fails: the finding names the path and the state."),
        FindingRule(id: "invariant-refused", summary: "A request the spec says is refused is served.",
            help: "The spec's 'invariant refused A -> B' fails on the named feature set."),
        FindingRule(id: "invariant-sink", summary: "A state that must be a sink has an arc or a served request.",
            help: "The spec's 'invariant sink STATE' fails: the finding names the arc or request."),
        FindingRule(id: "invariant-reachable", summary: "A supported state cannot be requested from another.",
            help: "The spec's 'invariant reachable' fails: the finding names the request that is refused although neither state is blocked."),
        FindingRule(id: "invariant-path", summary: "A request does not walk the path the spec states.",
            help: "The spec's 'invariant path A -> ... -> B' fails: the finding gives the path walked instead."),
    ]
}
