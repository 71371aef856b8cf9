extension BehaviourDiff {
    /// The diff as a reviewer reads it in a terminal or quotes it in a
    /// mailing-list reply: plain text, 80 columns where it can.
    public var rendered: String {
        var text = "migfsm diff \(oldPath) \(newPath)\n"
        if isIdentical {
            return text + "\nBehaviour is identical: every feature set, request, arc and check.\n"
        }
        for change in valueChanges {
            text += "\nState \(change.name) changes value: \(change.old) -> \(change.new) (the uAPI enum changes).\n"
        }
        for set in newFeatureSets {
            let title = Self.title(set.features)
            guard let base = set.comparedWith else {
                text += "\nNew feature set \(title): see 'migfsm paths \(newPath)'.\n"
                continue
            }
            if set.changes.isEmpty {
                text += "\nNew feature set \(title): behaves as \(Self.title(base)).\n"
                continue
            }
            text += "\nNew feature set \(title), against \(Self.title(base)):\n"
            let driver = "a driver adding " + Self.conjunction(set.added)
            text += body(set.changes, mustImplement: "\(driver) must also implement", noLongerNeeds: "\(driver) no longer needs")
        }
        for names in featureSetsRemoved {
            text += "\nFeature set \(Self.title(names)) is no longer valid.\n"
        }
        for set in featureSets where !set.isEmpty {
            text += "\n\(Self.title(set.features))\n"
            let drivers = "every driver with " + Self.conjunction(set.features)
            text += body(set, mustImplement: "\(drivers) must now implement", noLongerNeeds: "\(drivers) no longer needs")
        }
        let unchanged = featureSets.filter(\.isEmpty)
        if !unchanged.isEmpty {
            text += "\nUnchanged: " + unchanged.map { Self.title($0.features) }.joined(separator: ", ") + "\n"
        }
        if !checks.isEmpty {
            text += "\nChecks\n"
            for change in checks {
                text += "  \(change.name): \(change.old?.rawValue ?? "absent") -> \(change.new?.rawValue ?? "absent")\n"
            }
        }
        let changed = featureSets.filter { !$0.isEmpty }.count
        text += "\nBehaviour differs on \(changed) of \(featureSets.count) shared feature sets"
        if !newFeatureSets.isEmpty {
            text += "; \(newFeatureSets.count) feature set\(newFeatureSets.count == 1 ? " is" : "s are") new"
        }
        text += checks.isEmpty ? ".\n" : "; \(checks.count) check\(checks.count == 1 ? "" : "s") change.\n"
        return text
    }

    /// The lines of one feature set's changes, indented.
    private func body(_ set: FeatureSetChanges, mustImplement: String, noLongerNeeds: String) -> String {
        var text = ""
        for name in set.statesAdded { text += "  new state \(name)\n" }
        for name in set.statesRemoved { text += "  state \(name) is gone\n" }
        for change in set.nowAllowed {
            text += "  now allowed: \(change.from) -> \(change.to), walking \(join(change.new))\n"
        }
        for change in set.nowRefused {
            text += "  now refused: \(change.from) -> \(change.to) (walked \(join(change.old)))\n"
        }
        for change in set.pathChanges {
            text += "  path changes: \(change.from) -> \(change.to)\n"
            text += "      was \(join(change.old))\n"
            text += "      now \(join(change.new))\n"
        }
        for arc in set.arcsAdded { text += "  \(mustImplement) \(arc[0]) -> \(arc[1])\n" }
        for arc in set.arcsRemoved { text += "  \(noLongerNeeds) \(arc[0]) -> \(arc[1])\n" }
        return text
    }

    /// `{STOP_COPY, P2P}`
    static func title(_ names: [String]) -> String {
        "{" + names.joined(separator: ", ") + "}"
    }

    private func join(_ path: [String]?) -> String {
        path?.joined(separator: " -> ") ?? "refused"
    }

    /// `STOP_COPY, P2P and PRE_COPY`
    static func conjunction(_ names: [String]) -> String {
        guard names.count > 1 else { return names.first ?? "no features" }
        return names.dropLast().joined(separator: ", ") + " and " + names.last!
    }

    /// The version of the `--json` document's shape
    /// (`schemas/diff.schema.json`); a change that can break a reader bumps it.
    public static let jsonFormatVersion = 1

    /// The diff as JSON for tools: every field of the human form.
    public var json: JSONValue {
        let strings = { (names: [String]) in JSONValue.array(names.map(JSONValue.string)) }
        let path = { (names: [String]?) in names.map(strings) ?? .null }
        let request = { (change: RequestChange) in
            JSONValue.object([("from", .string(change.from)), ("to", .string(change.to)), ("old", path(change.old)), ("new", path(change.new))])
        }
        let changes = { (set: FeatureSetChanges) -> [(String, JSONValue)] in
            [
                ("statesAdded", strings(set.statesAdded)),
                ("statesRemoved", strings(set.statesRemoved)),
                ("pathChanges", .array(set.pathChanges.map(request))),
                ("nowRefused", .array(set.nowRefused.map(request))),
                ("nowAllowed", .array(set.nowAllowed.map(request))),
                ("arcsAdded", .array(set.arcsAdded.map(strings))),
                ("arcsRemoved", .array(set.arcsRemoved.map(strings))),
            ]
        }
        return .object([
            ("formatVersion", .number(Self.jsonFormatVersion)),
            ("old", .string(oldPath)),
            ("new", .string(newPath)),
            ("identical", .bool(isIdentical)),
            ("valueChanges", .array(valueChanges.map {
                .object([("state", .string($0.name)), ("old", .number(Int($0.old))), ("new", .number(Int($0.new)))])
            })),
            ("featureSetsAdded", .array(featureSetsAdded.map(strings))),
            ("featureSetsRemoved", .array(featureSetsRemoved.map(strings))),
            ("featureSets", .array(featureSets.map { set in
                .object([("features", strings(set.features))] + changes(set))
            })),
            ("newFeatureSets", .array(newFeatureSets.map { set in
                .object([
                    ("features", strings(set.features)),
                    ("comparedWith", set.comparedWith.map(strings) ?? .null),
                    ("added", strings(set.added)),
                ] + changes(set.changes))
            })),
            ("checks", .array(checks.map {
                .object([("name", .string($0.name)), ("old", $0.old.map { .string($0.rawValue) } ?? .null),
                         ("new", $0.new.map { .string($0.rawValue) } ?? .null)])
            })),
        ])
    }
}
