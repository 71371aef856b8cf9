import Foundation

/// What `migfsm import-c` found: the kernel lookup of imported C tables run
/// through the same proof as `check` (terminates, agrees with every feature
/// set's paths, yields only required arcs, refuses exactly what the spec
/// refuses), every divergence as (feature set, current, requested, entries
/// walked, what the spec says).
public struct ImportReport: Sendable {
    public let code: KernelCodeImport
    public let paths: ProtocolPaths
    /// The flags values looked up with.
    public let flags: [UInt32]
    public let divergences: [LookupDivergence]
    public let lookups: Int

    /// Proves `code` against the spec; `features` limits the proof to one
    /// feature set (a view of the spec), otherwise every flags value.
    public init(code: KernelCodeImport, model: MigrationProtocol, features: FeatureSet? = nil) {
        self.code = code
        let paths = ProtocolPaths(model: model)
        self.paths = paths
        let flags = features.map { [$0.rawValue] } ?? Checker.flagValues(model)
        self.flags = flags
        let kernel = code.kernel
        // The loop as it was before the June 2026 fix, until the function
        // itself is read from the file.
        (divergences, lookups) = Checker.lookupDivergences(
            paths, kernel, { kernel.lookup(flags: $0, current: $1, requested: $2, loop: .unguarded) }, flags: flags)
    }

    public var agrees: Bool { divergences.isEmpty }
    var model: MigrationProtocol { paths.model }

    /// What the code did, in words.
    func outcome(_ divergence: LookupDivergence) -> String {
        let walked = divergence.walked.joined(separator: " -> ")
        switch divergence.kind {
        case .neverEnds:
            var text = "the skip loop never ends: reads \(walked) -> ..."
            if let last = divergence.walked.last, let id = model.stateID(named: last),
               code.kernel.masks[Int(model.states[id].value)] == ~0 {
                text += " (\(last)'s mask ~0 is never within the flags)"
            }
            return text
        case .refused:
            return "refused after reading \(walked.isEmpty ? "nothing" : walked)"
        case .undefinedFlags, .servesRefused, .wrongNext:
            return "gives \(divergence.result ?? "?") (read \(walked))"
        case .notRequiredArc:
            return "gives \(divergence.result ?? "?") (read \(walked)), asking the driver for \(divergence.current) -> \(divergence.result ?? "?"), not a required arc"
        }
    }

    public var rendered: String {
        var text = "import \(code.path) against \(model.name) (\(model.sourcePath))\n"
        text += "  next-state table \(code.table.name)[\(code.table.size)][\(code.table.size)] at \(code.table.location.description)\n"
        let label = { (value: Int) -> String in
            self.model.states.first { $0.value == UInt32(value) }?.name ?? String(value)
        }
        if let masks = code.masks {
            text += "  feature masks \(masks.name)[\(masks.masks.count)] at \(masks.location.description): "
            text += masks.spellings.indices.compactMap { index in
                masks.spellings[index].map { "\(label(index)) \(shorten($0))" }
            }.joined(separator: ", ") + "\n"
        } else {
            text += "  no feature-mask table: every state counts as present (mask 0), as in the 5-state code\n"
        }
        let valid = flags.filter { model.isValid(FeatureSet(rawValue: $0)) }.map { model.describe(FeatureSet(rawValue: $0)) }
        if flags.count == 1 {
            text += "  flags: 0x\(String(flags[0], radix: 16)) only: \(valid.first ?? "not a valid feature set")\n\n"
        } else {
            text += "  flags: every value 0x0...0x\(String(flags.max() ?? 0, radix: 16)); valid: \(valid.joined(separator: ", "))\n\n"
        }
        let verdict = agrees ? "holds  " : "FAILS  "
        text += verdict + "kernel-lookup: "
        text += agrees ? "terminates and agrees with every feature set's paths (\(lookups) lookups)\n"
            : "\(divergences.count) violation\(divergences.count == 1 ? "" : "s") in \(lookups) lookups\n"
        for divergence in divergences {
            text += "       \(divergence.request): \(outcome(divergence)); the spec \(divergence.spec)\n"
        }
        text += "\n" + (agrees ? "the C code agrees with the spec in every case\n"
            : "the C code departs from the spec in \(divergences.count) case\(divergences.count == 1 ? "" : "s")\n")
        return text
    }

    /// `VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P` as `STOP_COPY | P2P`.
    func shorten(_ spelling: String) -> String {
        spelling.replacingOccurrences(of: model.naming.cFlagPrefix, with: "")
    }

    public var json: JSONValue {
        func location(_ location: SourceLocation) -> [(String, JSONValue)] {
            [("file", .string(location.file)), ("line", .number(location.line)), ("column", .number(location.column))]
        }
        var table: [(String, JSONValue)] = [("name", .string(code.table.name))]
        table += location(code.table.location)
        table.append(("size", .number(code.table.size)))
        var masks: JSONValue = .null
        if let mask = code.masks {
            var members: [(String, JSONValue)] = [("name", .string(mask.name))]
            members += location(mask.location)
            members.append(("masks", .object(mask.masks.indices.map { index in
                let name = model.states.first { $0.value == UInt32(index) }?.name ?? String(index)
                return (name, .number(Int(mask.masks[index])))
            })))
            masks = .object(members)
        }
        let items: [JSONValue] = divergences.map { divergence in
            .object([
                ("kind", .string(divergence.kind.rawValue)),
                ("flags", .number(Int(divergence.flags))),
                ("features", divergence.features.map { .array(model.featureNames($0).map(JSONValue.string)) } ?? .null),
                ("current", .string(divergence.current)),
                ("requested", .string(divergence.requested)),
                ("walked", .array(divergence.walked.map(JSONValue.string))),
                ("result", divergence.result.map(JSONValue.string) ?? .null),
                ("spec", .string(divergence.spec)),
                ("message", .string(divergence.message)),
            ])
        }
        return .object([
            ("file", .string(code.path)),
            ("protocol", .string(model.name)),
            ("spec", .string(model.sourcePath)),
            ("nextStateTable", .object(table)),
            ("maskTable", masks),
            ("flags", .array(flags.map { .number(Int($0)) })),
            ("lookups", .number(lookups)),
            ("agrees", .bool(agrees)),
            ("divergences", .array(items)),
        ])
    }
}
