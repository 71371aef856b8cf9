/// `migfsm import-c`'s divergences as findings, for SARIF: one per
/// (feature set, request) the kernel lookup of the C tables gets wrong, of
/// the divergence's kind, located at the next-state table.
///
///     drivers/vfio/vfio_main.c:740:19: error: {STOP_COPY, PRE_COPY} STOP_COPY -> PRE_COPY: the skip loop never ends ... [never-ends]
extension ImportReport {
    /// One finding per divergence, at the next-state table.
    public var findings: [Finding] {
        divergences.map { divergence in
            Finding(kind: divergence.kind.rawValue, severity: .error, location: code.table.location,
                    message: "\(divergence.request): \(outcome(divergence)); the spec \(divergence.spec)")
        }
    }
}

extension FindingRule {
    /// The rules of `migfsm import-c`, one per kind of divergence.
    public static let importRules: [FindingRule] = [
        FindingRule(id: LookupDivergence.Kind.neverEnds.rawValue, summary: "The skip loop never ends on this request.",
            help: "The lookup keeps reading table entries of states the device lacks and comes back to one it read: vfio_mig_get_next_state() never returns, with the device's state mutex held. Guard the loop at the error state."),
        FindingRule(id: LookupDivergence.Kind.refused.rawValue, summary: "The lookup refuses a request the spec serves.",
            help: "The table, walked with the device's flags, reaches the error state where the spec has a path: the user gets -EINVAL for a valid request."),
        FindingRule(id: LookupDivergence.Kind.undefinedFlags.rawValue, summary: "The lookup serves flags the spec does not define.",
            help: "A device reporting these flags gets answers, although no feature set of the spec has them."),
        FindingRule(id: LookupDivergence.Kind.servesRefused.rawValue, summary: "The lookup serves a request the spec refuses.",
            help: "The table gives a next state where the spec refuses the request (blocked, or a state the device lacks)."),
        FindingRule(id: LookupDivergence.Kind.wrongNext.rawValue, summary: "The lookup gives another next state than the spec.",
            help: "The request walks another path than the shortest one the spec allows: the finding names the entries read and the spec's path."),
        FindingRule(id: LookupDivergence.Kind.notRequiredArc.rawValue, summary: "The lookup asks the driver for an arc it need not implement.",
            help: "The next state is the spec's, but reached by an arc outside the feature set's required arcs: a driver that implements exactly the required arcs fails the request."),
    ]
}
