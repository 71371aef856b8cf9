import Foundation

extension Commands {
    static let devicesOption = CommandDefinition.Option.value(
        "--devices", "N", "explore N devices in one VM (1 to \(MultiExplorer.maximumDevices))")
    static let multiDriver = CommandDefinition.Option.repeated(
        "--driver", "[D:]FILE",
        "a driver file; with --devices, for every device or, prefixed 'D:' or 'D-E:', for those (repeatable)")
    static let multiFeatures = CommandDefinition.Option.repeated(
        "--features", "[D:]A,B",
        "one feature set; with --devices, for every device or for 'D:'/'D-E:' (default: the driver's largest)")
    static let policyOption = CommandDefinition.Option.value(
        "--policy", "FILE", "a VMM policy file drives the devices (one without --devices; default: a free user)")

    static let threadsOption = CommandDefinition.Option.value(
        "--threads", "N", "search with N threads (default: one per processor); the output is the same")
    static let statsOption = CommandDefinition.Option.flag(
        "--stats", "print the search's time, rates, lookups, threads and memory on standard error")

    /// `--threads` and `--max-states` as search options.
    static func searchOptions(_ arguments: ParsedArguments, maxStates: Int?) throws(ParsedArguments.UsageError) -> SearchOptions {
        var threads = min(max(1, ProcessInfo.processInfo.activeProcessorCount), 64)
        if let raw = arguments["--threads"] {
            guard let value = Int(raw), value >= 1, value <= 64 else {
                throw .init("--threads takes a number from 1 to 64; got '\(raw)'")
            }
            threads = value
        }
        return SearchOptions(threads: threads, maxStates: maxStates)
    }

    /// `2:FILE`, `1-3:A,B` or `FILE`: the devices (0-based) a value is for, and the value.
    static func deviceSelector(_ raw: String, option: String, devices: Int) throws(ParsedArguments.UsageError) -> (Range<Int>, String) {
        guard let colon = raw.firstIndex(of: ":") else { return (0..<devices, raw) }
        let prefix = raw[..<colon]
        let value = String(raw[raw.index(after: colon)...])
        guard !prefix.isEmpty, prefix.allSatisfy({ $0.isNumber || $0 == "-" }) else { return (0..<devices, raw) }
        let bounds = prefix.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
        guard bounds.count <= 2, let low = bounds.first ?? nil, let high = bounds.last ?? nil,
              low >= 1, high >= low, high <= devices
        else {
            throw .init("'\(prefix)' in \(option) '\(raw)' is not a device or range between 1 and \(devices)")
        }
        return ((low - 1)..<high, value)
    }

    /// The devices `--devices`, `--driver` and `--features` describe.
    static func deviceSetups(
        _ arguments: ParsedArguments, _ model: MigrationProtocol, count: Int, _ output: inout CommandOutput
    ) throws(ParsedArguments.UsageError) -> [DeviceSetup]? {
        let standard = DriverDescription.standard(featureSets: model.validFeatureSets)
        var drivers = [(DriverDescription, String?)](repeating: (standard, nil), count: count)
        var loaded: [String: DriverDescription] = [:]
        for raw in arguments.all("--driver") {
            let (range, path) = try deviceSelector(raw, option: "--driver", devices: count)
            var driver: DriverDescription
            if let known = loaded[path] {
                driver = known
            } else {
                do throws(DiagnosticList) {
                    driver = try DriverReader.load(path: path, model: model)
                } catch {
                    output.error(error.rendered)
                    return nil
                }
                loaded[path] = driver
            }
            for device in range { drivers[device] = (driver, path) }
        }
        var chosen = [FeatureSet?](repeating: nil, count: count)
        for raw in arguments.all("--features") {
            let (range, list) = try deviceSelector(raw, option: "--features", devices: count)
            var single = arguments
            single.values["--features"] = list
            guard let set = try featureSets(single, model).first else { continue }
            for device in range { chosen[device] = set }
        }
        var setups: [DeviceSetup] = []
        for device in 0..<count {
            let (driver, path) = drivers[device]
            let set = chosen[device] ?? driver.featureSets.max { model.featureNames($0).count < model.featureNames($1).count || ($0.rawValue < $1.rawValue && model.featureNames($0).count == model.featureNames($1).count) } ?? model.validFeatureSets.last!
            if !driver.featureSets.contains(set) {
                throw .init("driver \(driver.name) of device \(device + 1) does not report \(model.describe(set)); it reports "
                    + driver.featureSets.sorted().map(model.describe).joined(separator: ", "))
            }
            setups.append(DeviceSetup(driver: driver, driverPath: path, features: set))
        }
        return setups
    }

    /// `--devices N`, checked.
    static func deviceCount(_ arguments: ParsedArguments) throws(ParsedArguments.UsageError) -> Int? {
        guard let raw = arguments["--devices"] else { return nil }
        guard let count = Int(raw), count >= 1, count <= MultiExplorer.maximumDevices else {
            throw .init("--devices takes a number from 1 to \(MultiExplorer.maximumDevices); got '\(raw)'")
        }
        return count
    }

    /// `--policy FILE`, read; `nil` policy for a free user; `false` on a bad file.
    static func policy(_ arguments: ParsedArguments, _ model: MigrationProtocol, _ output: inout CommandOutput) -> (ok: Bool, policy: Policy?) {
        guard let path = arguments["--policy"] else { return (true, nil) }
        do throws(DiagnosticList) {
            return (true, try PolicyReader.load(path: path, model: model))
        } catch {
            output.error(error.rendered)
            return (false, nil)
        }
    }

    /// Several devices: build the explorer from the arguments, or say why not.
    static func multiExplorer(
        _ arguments: ParsedArguments, _ model: MigrationProtocol, count: Int, symmetry: Bool, _ output: inout CommandOutput
    ) throws(ParsedArguments.UsageError) -> MultiExplorer? {
        guard let setups = try deviceSetups(arguments, model, count: count, &output) else { return nil }
        let (ok, policy) = Commands.policy(arguments, model, &output)
        guard ok else { return nil }
        guard let explorer = MultiExplorer(model: model, devices: setups, policy: policy, symmetry: symmetry) else {
            output.error("migfsm: error: the devices do not fit a search key, or a driver's kernel lookup cannot be built for \(model.name)")
            return nil
        }
        return explorer
    }

    /// A progress line on standard error, only when it is a terminal.
    static var terminalProgress: SearchProgress? {
        guard isatty(STDERR_FILENO) != 0 else { return nil }
        return { states, perSecond, queue in
            let line = "\r\u{1B}[Kexplore: \(states) states, \(Int(perSecond)) states/s, queue \(queue)"
            // Progress only: a failed write to the terminal is not worth stopping for.
            _ = StandardStreams.writeAll(Array(line.utf8), to: STDERR_FILENO)
        }
    }
}
