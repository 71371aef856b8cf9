/// `MigrationProtocol.opensSession` as two arrays, for loops that ask it
/// once per request of every feature set.
struct SessionOpenings {
    let carriesSession: [Bool]
    let domains: [Int]

    init(_ model: MigrationProtocol) {
        carriesSession = model.states.map { $0.session != nil }
        domains = model.sessionDomains
    }

    /// Whether the arc `from -> to` opens a new data session.
    func callAsFunction(_ from: StateID, _ to: StateID) -> Bool {
        carriesSession[to] && domains[from] != domains[to]
    }
}
