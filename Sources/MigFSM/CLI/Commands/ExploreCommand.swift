extension Commands {
    /// `migfsm explore SPEC [--driver FILE] [--features A,B] [--json]`:
    /// exhaustive fault-injection model checking of a driver and its user.
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

            EXAMPLE: migfsm explore Specs/vfio-v2.fsm --driver Specs/drivers/nvme-rfc.driver
            """,
        positionals: [spec],
        options: [
            .value("--driver", "FILE", "a driver file (default: a correct driver with every fault)"),
            features, .flag("--json", "print JSON"),
        ],
        run: { arguments, output in
            withSpec("explore", arguments, &output) { model, sets, output throws(ParsedArguments.UsageError) in
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
                guard let report = ExploreReport.explore(
                    model: model, driver: driver, driverPath: path, featureSets: selected)
                else {
                    output.error("migfsm explore: error: state values exceed \(KernelTable.maximumSize - 1): no kernel table for 'lookup kernel'")
                    return .failure
                }
                if arguments.has("--json") {
                    output.standardOutput += ExploreJSON.render(report)
                } else {
                    output.standardOutput += report.rendered
                }
                return report.holds ? .success : .failure
            }
        })
}
