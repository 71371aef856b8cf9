/// What a diagram of one feature set shows, independent of notation: the
/// supported states (grouped), the error state apart, the required arcs, and
/// the blocked requests. The DOT and Mermaid emitters print this.
public struct StateDiagram: Sendable {
    public struct Cluster: Sendable {
        public var name: String
        public var states: [String]
    }

    public var title: String
    /// Supported states outside any group, by uAPI value.
    public var states: [String]
    /// Groups with their supported members, by uAPI value.
    public var clusters: [Cluster]
    public var errorState: String
    public var arcs: [(String, String)]
    public var blocked: [(String, String)]

    public init(_ table: PathTable) {
        let model = table.model
        let supported = table.supportedStates
        title = "\(model.name) \(model.describe(table.features))"
        clusters = model.groups.compactMap { group in
            let members = supported.filter { group.members.contains($0) }.map { model.states[$0].name }
            return members.isEmpty ? nil : Cluster(name: group.name, states: members)
        }
        let grouped = Set(model.groups.flatMap(\.members))
        states = supported.filter { !grouped.contains($0) }.map { model.states[$0].name }
        errorState = model.states[model.errorState].name
        arcs = table.requiredArcs.map { (model.states[$0.from].name, model.states[$0.to].name) }
        blocked = model.blockedInOrder
            .filter { table.graph.isSupported[$0.from] && table.graph.isSupported[$0.to] && model.isBlocked($0, on: table.features) }
            .map { (model.states[$0.from].name, model.states[$0.to].name) }
    }
}

/// Graphviz DOT for one feature set; renders with `dot -Tsvg`.
public enum DOTGraph {
    public static func render(_ table: PathTable) -> String {
        let diagram = StateDiagram(table)
        var text = "digraph \(quote(table.model.name)) {\n"
        text += "\tlabel=\(quote(diagram.title));\n"
        text += "\tlabelloc=t;\n\trankdir=LR;\n"
        text += "\tnode [shape=box, style=rounded, fontname=\"Helvetica\"];\n"
        text += "\tedge [fontname=\"Helvetica\", fontsize=10];\n"
        for state in diagram.states { text += "\t\(quote(state));\n" }
        for cluster in diagram.clusters {
            text += "\tsubgraph \(quote("cluster_" + cluster.name)) {\n"
            text += "\t\tlabel=\(quote(cluster.name + " group (one data session)"));\n\t\tstyle=dashed;\n"
            for state in cluster.states { text += "\t\t\(quote(state));\n" }
            text += "\t}\n"
        }
        text += "\tsubgraph \(quote("cluster_error")) {\n"
        text += "\t\tlabel=\(quote("reached only by a failed arc; left only by reset"));\n\t\tstyle=dotted;\n"
        text += "\t\t\(quote(diagram.errorState)) [style=\"rounded,filled\", fillcolor=lightgray];\n\t}\n"
        for (from, to) in diagram.arcs { text += "\t\(quote(from)) -> \(quote(to));\n" }
        for (from, to) in diagram.blocked {
            text += "\t\(quote(from)) -> \(quote(to)) [style=dashed, color=red, fontcolor=red, label=\"blocked\"];\n"
        }
        return text + "}\n"
    }

    static func quote(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}

/// A Mermaid flowchart for one feature set; renders on GitHub.
public enum MermaidGraph {
    public static func render(_ table: PathTable) -> String {
        let diagram = StateDiagram(table)
        var text = "flowchart LR\n"
        for state in diagram.states { text += "    \(state)([\(state)])\n" }
        for cluster in diagram.clusters {
            text += "    subgraph \(cluster.name)_group [\"\(cluster.name) group: one data session\"]\n"
            for state in cluster.states { text += "        \(state)([\(state)])\n" }
            text += "    end\n"
        }
        text += "    \(diagram.errorState)[[\(diagram.errorState): reset only]]\n"
        for (from, to) in diagram.arcs { text += "    \(from) --> \(to)\n" }
        for (from, to) in diagram.blocked { text += "    \(from) -. blocked .-> \(to)\n" }
        if !diagram.blocked.isEmpty {
            let first = diagram.arcs.count
            let indexes = (first..<(first + diagram.blocked.count)).map(String.init).joined(separator: ",")
            text += "    linkStyle \(indexes) stroke:red,color:red\n"
        }
        return text
    }
}
