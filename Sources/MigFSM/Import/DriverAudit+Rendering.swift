extension DriverAudit {
    /// The report: per driver, what was read (entry points, flags with
    /// their conditions, reset, arcs), a verdict per feature set, and the
    /// findings in compiler style, each explorer trace indented under its
    /// finding; then one summary line.
    public var rendered: String {
        var text = "audit \(paths.joined(separator: " "))\(isPatch ? " (the lines the patch adds)" : "") against \(model.name) (\(model.sourcePath))"
        if let claimed { text += " for \(model.describe(claimed))" }
        text += "\n"
        for finding in general { text += "\n" + Self.render(finding) }
        for driver in drivers { text += "\n" + render(driver) }
        let all = findings
        let count = { (severity: Finding.Severity) in all.filter { $0.severity == severity }.count }
        func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
        text += "\naudit: \(plural(drivers.count, "driver")), \(plural(count(.error), "error")), \(plural(count(.warning), "warning")), \(plural(count(.note), "note"))\n"
        return text
    }

    func render(_ driver: Driver) -> String {
        let read = driver.model
        var text = "driver \(read.name): \(read.code.files.map(\.path).joined(separator: ", "))\n"
        if !read.code.headers.isEmpty {
            text += "  declarations from \(read.code.headers.map(\.path).joined(separator: ", "))\n"
        }
        if let setState = read.entry.setState {
            text += "  set_state \(setState.name)() at \(setState.location.description)\n"
        }
        text += "  step function \(read.entry.step.name)() at \(read.entry.step.location.description)\n"
        if read.configurations.isEmpty {
            text += "  flags: none found\n"
        }
        for configuration in read.configurations {
            text += "  flags \(Self.describe(configuration.flags, model))"
            if !configuration.conditions.isEmpty { text += " " + configuration.condition }
            text += " at " + configuration.assignments.map(\.description).joined(separator: ", ") + "\n"
        }
        for reset in read.entry.resets {
            text += "  reset: \(reset.function.name)() (\(reset.kind)) at \(reset.function.location.description)"
            if let helper = read.entry.deferredReset, read.deferredReset {
                text += "; deferred to \(helper.name)() at \(helper.location.description) while the state mutex is held"
            }
            text += "\n"
        }
        let width = read.branches.map { model.describe($0.arc).count }.max() ?? 0
        text += "  handles \(read.branches.count) arc\(read.branches.count == 1 ? "" : "s"):\n"
        for branch in read.branches {
            var line = "    " + model.describe(branch.arc).padding(toLength: width + 2) + branch.location.description
            if branch.alwaysFails { line += "  (always fails)" }
            text += line + "\n"
        }
        for set in driver.audited {
            let required = PathTable(model: model, features: set).requiredArcs.count
            let lacking = driver.missing[set]?.count ?? 0
            var verdict = "  \(model.describe(set)): "
            verdict += lacking == 0 ? "handles all \(required) required arcs" : "lacks \(lacking) of the \(required) required arcs"
            if let resets = read.resets[set], !resets.isEmpty {
                verdict += resets.contains(where: \.restores) ? "; a reset restores \(model.states[model.resetState].name) and ends the sessions"
                    : "; a reset does not restore \(model.states[model.resetState].name)"
            }
            text += verdict + "\n"
        }
        for finding in driver.findings { text += Self.render(finding) }
        return text
    }

    /// A finding in compiler style, its trace indented below.
    static func render(_ finding: Finding) -> String {
        var text = finding.rendered
        for line in finding.trace { text += "    " + line + "\n" }
        return text
    }

    /// `{"formatVersion": 1, "findings": [...], "drivers": [...]}`.
    public var json: JSONValue {
        func place(_ location: SourceLocation) -> [(String, JSONValue)] {
            [("file", .string(location.file)), ("line", .number(location.line)), ("column", .number(location.column))]
        }
        let drivers: [JSONValue] = self.drivers.map { driver in
            let read = driver.model
            var members: [(String, JSONValue)] = [
                ("name", .string(read.name)),
                ("files", .array(read.code.files.map { .string($0.path) })),
                ("headers", .array(read.code.headers.map { .string($0.path) })),
            ]
            members.append(("setState", read.entry.setState.map { .object([("name", .string($0.name))] + place($0.location)) } ?? .null))
            members.append(("stepFunction", .object([("name", .string(read.entry.step.name))] + place(read.entry.step.location))))
            members.append(("configurations", .array(read.configurations.map { configuration in
                .object([
                    ("flags", .number(Int(configuration.flags))),
                    ("features", .array(model.featureNames(FeatureSet(rawValue: configuration.flags)).map(JSONValue.string))),
                    ("valid", .bool(model.isValid(FeatureSet(rawValue: configuration.flags)))),
                    ("condition", .string(configuration.condition)),
                    ("assignments", .array(configuration.assignments.map { .object(place($0)) })),
                ])
            })))
            members.append(("audited", .array(driver.audited.map { .array(model.featureNames($0).map(JSONValue.string)) })))
            members.append(("arcs", .array(read.branches.map { branch in
                .object([
                    ("from", .string(model.states[branch.arc.from].name)),
                    ("to", .string(model.states[branch.arc.to].name)),
                ] + place(branch.location) + [
                    ("canFail", .bool(branch.canFail)),
                    ("alwaysFails", .bool(branch.alwaysFails)),
                    ("returnsFile", .bool(branch.returnsFileSometimes)),
                ])
            })))
            members.append(("resets", .array(driver.audited.flatMap { set in
                (read.resets[set] ?? []).map { reset in
                    .object([
                        ("features", .array(model.featureNames(set).map(JSONValue.string))),
                        ("entry", .string(reset.entry)),
                        ("restores", .bool(reset.restores)),
                        ("deferredTo", reset.deferredTo.map(JSONValue.string) ?? .null),
                    ] + place(reset.entryLocation))
                }
            })))
            return .object(members)
        }
        return .object([
            ("formatVersion", .number(1)),
            ("protocol", .string(model.name)),
            ("spec", .string(model.sourcePath)),
            ("paths", .array(paths.map(JSONValue.string))),
            ("passes", .bool(passes)),
            ("findings", .array(findings.map(\.json))),
            ("drivers", .array(drivers)),
        ])
    }
}
