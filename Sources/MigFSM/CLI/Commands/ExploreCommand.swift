extension Commands {
    /// `migfsm explore SPEC [--driver FILE] [--features A,B] [--json]`:
    /// exhaustive fault-injection model checking of a driver and its user;
    /// with `--devices N`, of several devices in one VM under a free user or
    /// a `--policy`.
    public static let explore = CommandDefinition(
        name: "explore",
        summary: "Explore every user action and injected fault against a driver model.",
        discussion: """
            Breadth-first search over every state one device can reach: the user
            requests every state value, reads the state, resets, closes, reads and
            writes the data FD; every arc the driver performs may fail as the driver
            declares. Prints a summary per feature set and, per violated property,
            a shortest trace. Without --driver, a correct driver implementing each
            feature set's required arcs with every fault. Exit status: 0 when every
            property holds, 1 on a violation or a bad spec or driver file, 2 for
            usage errors.

            With --devices N: N devices in one VM, each with its driver and feature
            set, driven by a free user (any action on any device) or by a --policy;
            checks every single-device property on every device and, with a policy,
            p2p-safety, belief-consistency and (on a destination)
            loaded-before-run; a policy that refuses the VM (QEMU without P2P on
            every device) is reported, exit 0. Devices with the same driver and
            feature set are interchangeable: under a free user the search merges
            device states it cannot tell apart and sorts the devices (symmetry
            reduction); under a policy, which orders the devices, it
            searches the policy taking them in any order and replays each trace in
            the policy's own order (off with --no-symmetry). A progress line goes to
            standard error when it is a terminal.

            Output is the same on every run and with any --threads; --stats adds
            the search's time, rates, memory and threads on standard error.
            --format json prints the report as a document (schemas/explore.schema.json,
            with --devices schemas/explore-devices.schema.json); --format sarif one
            SARIF result per violated property, placed at the driver file's line
            behind the trace (its quirk, effect or injected fault), else the policy's
            step line, else the driver file's 'flags' line, else the spec's state.

            EXAMPLE: migfsm explore Specs/vfio-v2.fsm --driver Specs/drivers/nvme-rfc.driver
            EXAMPLE: migfsm explore Specs/vfio-v2.fsm --devices 3 --policy Specs/policies/qemu-source.policy
            """,
        positionals: [spec],
        options: [
            multiDriver, multiFeatures, outputFormat, .flag("--json", "print JSON (as --format json)"),
            devicesOption, policyOption,
            .value("--max-states", "N", "with --devices: store at most N states (the verdict is then incomplete)"),
            .flag("--no-symmetry", "with --devices: keep interchangeable devices apart"),
            threadsOption, statsOption,
        ],
        run: { arguments, output in
            if arguments["--devices"] != nil || arguments["--policy"] != nil {
                return exploreDevices(arguments, &output)
            }
            for option in ["--driver", "--features"] where arguments.all(option).count > 1 {
                output.error("migfsm explore: error: option '\(option)' is given twice (several values need --devices)\nhint: run 'migfsm explore --help'")
                return .usage
            }
            let options: SearchOptions
            let format: OutputFormat
            do throws(ParsedArguments.UsageError) {
                options = try searchOptions(arguments, maxStates: nil)
                format = try OutputFormat(arguments)
            } catch {
                output.error("migfsm explore: error: \(error.message)\nhint: run 'migfsm explore --help'")
                return .usage
            }
            for option in ["--max-states", "--no-symmetry"] where arguments[option] != nil || arguments.has(option) {
                output.error("migfsm explore: error: \(option) needs --devices\nhint: run 'migfsm explore --help'")
                return .usage
            }
            return withSpec("explore", arguments, &output) { model, sets, output throws(ParsedArguments.UsageError) in
                var driver = DriverDescription.standard(featureSets: sets)
                var selected = sets
                let path = arguments["--driver"]
                if let path {
                    do throws(DiagnosticList) {
                        driver = try DriverReader.load(path: path, model: model)
                    } catch {
                        output.error(error.rendered)
                        return .failure
                    }
                    if arguments["--features"] == nil {
                        selected = driver.featureSets
                    } else if let set = sets.first, !driver.featureSets.contains(set) {
                        throw .init("driver \(driver.name) does not report \(model.describe(set)); it reports "
                            + driver.featureSets.sorted().map(model.describe).joined(separator: ", "))
                    }
                }
                if driver.lookup != .spec,
                   let tooLarge = KernelTable.valueRangeError(model, purpose: "the driver's 'lookup \(driver.lookup.rawValue)'") {
                    output.error(tooLarge.rendered)
                    return .failure
                }
                guard let report = ExploreReport.explore(
                    model: model, driver: driver, driverPath: path, featureSets: selected, options: options)
                else {
                    output.error("migfsm explore: error: \(model.states.count) states are too many to explore")
                    return .failure
                }
                format.print(text: { report.rendered }, json: { ExploreJSON.render(report) },
                             findings: { report.findings }, rules: FindingRule.exploreRules, to: &output)
                if arguments.has("--stats") {
                    for exploration in report.explorations {
                        output.error("explore \(model.describe(exploration.features)): "
                            + exploration.statistics.line(states: exploration.states, transitions: exploration.transitions))
                    }
                }
                return report.holds ? .success : .failure
            }
        })

    /// `explore --devices N`: the several-device search.
    static func exploreDevices(_ arguments: ParsedArguments, _ output: inout CommandOutput) -> ExitStatus {
        guard let model = load(arguments.positionals[0], &output) else { return .failure }
        do throws(ParsedArguments.UsageError) {
            let count = try deviceCount(arguments) ?? 1
            let format = try OutputFormat(arguments)
            var maxStates: Int?
            if let raw = arguments["--max-states"] {
                guard let value = Int(raw), value >= 1 else {
                    throw .init("--max-states takes a positive number; got '\(raw)'")
                }
                maxStates = value
            }
            var options = try searchOptions(arguments, maxStates: maxStates)
            guard let explorer = try multiExplorer(
                arguments, model, count: count, symmetry: !arguments.has("--no-symmetry"), &output)
            else { return .failure }
            options.progress = terminalProgress
            let exploration = explorer.run(options: options)
            if options.progress != nil { output.error("\r\u{1B}[K", terminator: false) }
            let report = MultiReport(
                explorer: explorer, policyPath: arguments["--policy"], maxStates: maxStates, exploration: exploration)
            format.print(text: { report.rendered }, json: { ExploreJSON.render(report) },
                         findings: { report.findings }, rules: FindingRule.exploreRules, to: &output)
            if arguments.has("--stats") {
                output.error("explore: " + exploration.statistics.line(
                    states: exploration.states, transitions: exploration.transitions))
            }
            if exploration.incomplete, let maxStates {
                output.error("migfsm explore: error: the search hit --max-states \(maxStates) with \(exploration.queue) states still queued; it is incomplete")
            }
            return report.holds ? .success : .failure
        } catch {
            output.error("migfsm explore: error: \(error.message)\nhint: run 'migfsm explore --help'")
            return .usage
        }
    }
}
