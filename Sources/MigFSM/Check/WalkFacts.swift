/// What `path-consistency` and `session-safety` need to know about every
/// walk toward one requested state, derived on its `NextStateTree` from
/// the walk of each state's next state, never by walking: a walk is one arc
/// longer than its next state's; it has a ruled group's member inside it
/// when its next state is one (and is not the target) or the next state's
/// walk has one; its states all lie in one group when its first state and
/// its next state's walk do; it opens a session before its last arc as
/// often as its first arc does (unless that is the last) plus its next
/// state's walk. Time: linear per requested state.
struct WalkFacts {
    /// One walk's facts.
    struct Facts {
        /// The walk has as many arcs as the shortest allowed path.
        var shortest: Bool
        /// The walk obeys the group rule: no ruled member inside it, or the
        /// whole walk inside one `contained` group.
        var obeysRule: Bool
        /// The arcs before its last that open a data session.
        var earlyOpenings: Int
    }

    private var length: [Int32]
    private var ruledInside: [Bool]
    /// The ruled group every state of the walk is in, or -1.
    private var wholeWalkIn: [Int32]
    private var early: [Int32]

    init(count: Int) {
        length = [Int32](repeating: 0, count: count)
        ruledInside = [Bool](repeating: false, count: count)
        wholeWalkIn = [Int32](repeating: -1, count: count)
        early = [Int32](repeating: 0, count: count)
    }

    /// Calls `body` with the facts of every walk that reaches the tree's
    /// target, the target's own excepted.
    mutating func derive(_ tree: NextStateTree, _ opensSession: SessionOpenings, _ body: (StateID, Facts) -> Void) {
        let table = tree.table
        let graph = table.graph
        let target = tree.target
        length[target] = 0
        ruledInside[target] = false
        wholeWalkIn[target] = graph.ruledGroup[target]
        early[target] = 0
        for node in tree.rootFirst.dropFirst() {
            let state = Int(node)
            guard let next = tree.parent(of: state) else { continue }
            length[state] = length[next] + 1
            ruledInside[state] = next != target && (graph.ruledGroup[next] >= 0 || ruledInside[next])
            let group = graph.ruledGroup[state]
            wholeWalkIn[state] = group >= 0 && wholeWalkIn[next] == group ? group : -1
            early[state] = early[next] + (next != target && opensSession(state, next) ? 1 : 0)
            let obeysRule = !ruledInside[state]
                || (wholeWalkIn[state] >= 0 && graph.groupIsContained[Int(wholeWalkIn[state])])
            body(state, Facts(
                shortest: table.length(from: state, to: target) == Int(length[state]),
                obeysRule: obeysRule, earlyOpenings: Int(early[state])))
        }
    }
}
