/// The comment the kernel keeps above its next-state table
/// (`vfio_mig_get_next_state()`), generated from the model in the uAPI
/// header's notation: the arcs a driver must implement per feature set, the
/// combination transitions of the full feature set, the blocked requests.
///
/// Lines come without a comment prefix, so the C emitter can write them as
/// ` * LINE` and the docs emitter as plain text; an empty string is a blank
/// comment line. Fixed phrases keep the kernel's words and line breaks byte
/// for byte; sentences naming features are wrapped at `width` columns.
public struct UAPIComment: Sendable {
    /// Text columns a line may use: 80, minus a tab and ` * `.
    public static let width = 69
    /// What precedes an arc or a path: the kernel's 8 spaces.
    public static let itemIndent = "        "

    /// One block of the comment: its lead-in and its `A -> B` items.
    public struct Block: Hashable, Sendable {
        public var heading: [String]
        public var items: [String]
        /// Whether a blank line separates this block from the previous one
        /// (the kernel glues "Without P2P ..." to the P2P block).
        public var separated: Bool
    }

    public let blocks: [Block]

    public init(paths: ProtocolPaths) {
        blocks = Self.arcBlocks(paths) + Self.combinationBlock(paths) + Self.blockedBlock(paths)
    }

    /// The comment's lines, blocks separated as the kernel separates them.
    public var lines: [String] {
        var lines: [String] = []
        for block in blocks {
            if block.separated && !lines.isEmpty { lines.append("") }
            lines += block.heading
            lines += block.items.map { Self.itemIndent + $0 }
        }
        return lines
    }

    /// As a C comment: `/*`, ` * LINE`... ` */`, each line after `indent`.
    public func cComment(indent: String = "") -> String {
        var text = indent + "/*\n"
        for line in lines {
            text += indent + (line.isEmpty ? " *" : " * " + line) + "\n"
        }
        return text + indent + " */\n"
    }

    // MARK: - Blocks

    /// The arcs every feature set needs, then per optional feature set what
    /// it adds, then what sets without a feature need instead, in the
    /// kernel's words and order: "If P2P is supported then the driver must
    /// also implement these FSM arcs:", "However, if PRE_COPY and P2P are
    /// supported together then ...", "Without P2P the driver must implement:".
    static func arcBlocks(_ paths: ProtocolPaths) -> [Block] {
        let model = paths.model
        let tables = paths.tables
        guard let base = tables.first else { return [] }
        let arcsBySet = tables.map { Set($0.requiredArcs) }
        let common = arcsBySet.dropFirst().reduce(arcsBySet[0]) { $0.intersection($1) }
        // Seed 000 counts the arcs of a protocol with one feature set; the
        // kernel's multi-feature comment says "the following".
        // Both with the kernel's line breaks.
        let lead = tables.count == 1
            ? ["The coding in this table requires the driver to implement \(common.count)", "FSM arcs:"]
            : ["The coding in this table requires the driver to implement the", "following FSM arcs:"]
        var blocks = [Block(heading: lead, items: sorted(common, model), separated: true)]
        var without: [Block] = []
        let mandatory = base.features
        for (index, table) in tables.enumerated().dropFirst() {
            let set = table.features
            let predecessor = predecessorIndex(of: index, tables, model)
            let before = arcsBySet[predecessor]
            let added = arcsBySet[index].subtracting(before)
            let removed = before.subtracting(arcsBySet[index]).subtracting(common)
            let optional = model.featureNames(set.subtracting(mandatory))
            let previous = model.featureNames(tables[predecessor].features.subtracting(mandatory))
            let new = model.featureNames(set.subtracting(tables[predecessor].features))
            var lead: String
            if previous.isEmpty {
                lead = "If \(list(optional)) \(optional.count == 1 ? "is" : "are") supported then the driver must also implement these FSM arcs:"
            } else {
                lead = "However, if \(list(new + previous)) are supported together then the driver must support these additional arcs beyond the \(list(previous)) arcs above:"
            }
            if added.isEmpty {
                lead = "If \(list(optional)) \(optional.count == 1 ? "is" : "are") supported the driver needs no further FSM arcs."
            }
            // The kernel glues "However, if ... together" to the block above.
            blocks.append(Block(heading: wrap(lead), items: sorted(added, model), separated: previous.isEmpty))
            if !removed.isEmpty {
                without.append(Block(
                    heading: wrap("Without \(list(new)) the driver must implement:"),
                    items: sorted(removed, model), separated: true))
            }
        }
        return blocks + without
    }

    /// The feature set a set's arcs are listed against: the set without its
    /// last declared optional feature, if that is valid, else the base set.
    static func predecessorIndex(of index: Int, _ tables: [PathTable], _ model: MigrationProtocol) -> Int {
        let set = tables[index].features
        for feature in model.features.reversed() where !feature.isMandatory && set.covers(feature.flag) {
            let smaller = set.subtracting(feature.flag)
            if let found = tables.firstIndex(where: { $0.features == smaller }) { return found }
        }
        return 0
    }

    static func combinationBlock(_ paths: ProtocolPaths) -> [Block] {
        guard let full = paths.full else { return [] }
        let combinations = full.combinationPaths
        guard !combinations.isEmpty else { return [] }
        let heading = paths.tables.count > 1
            ? wrap("The coding will step through multiple states for some combination transitions; if all optional features are supported, this means the following ones:")
            : ["The coding will step through multiple states for these combination",
               "transitions:"]
        return [Block(heading: heading, items: combinations.map { full.model.describe(path: $0) }, separated: true)]
    }

    static func blockedBlock(_ paths: ProtocolPaths) -> [Block] {
        let model = paths.model
        guard !model.blockedInOrder.isEmpty else { return [] }
        // The kernel's line has two spaces after the `*`; kept byte for byte.
        return [Block(heading: [" The following transitions are blocked:"],
                      items: model.blockedInOrder.map { arc in
                          model.describe(arc) + (model.blockedGates[arc].map {
                              " unless the device has " + model.featureNames($0).joined(separator: " and ")
                          } ?? "")
                      }, separated: true)]
    }

    // MARK: - Helpers

    /// Arcs as `A -> B`, sorted by state names as the kernel lists them.
    static func sorted(_ arcs: Set<Arc>, _ model: MigrationProtocol) -> [String] {
        let names = model.states.map(\.name)
        return arcs.sorted {
            [names[$0.from], names[$0.to]].lexicographicallyPrecedes([names[$1.from], names[$1.to]])
        }.map { model.describe($0) }
    }

    /// `A`, `A and B`, `A, B and C`.
    static func list(_ names: [String]) -> String {
        guard names.count > 1 else { return names.first ?? "" }
        return names.dropLast().joined(separator: ", ") + " and " + names[names.count - 1]
    }

    /// Greedy word wrap at `width` columns.
    static func wrap(_ text: String, width: Int = UAPIComment.width) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if line.isEmpty {
                line = String(word)
            } else if line.count + 1 + word.count <= width {
                line += " " + word
            } else {
                lines.append(line)
                line = String(word)
            }
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }
}
