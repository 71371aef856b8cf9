/// What `migfsm audit-driver` found in a driver (or the code a patch adds)
/// for the feature set it claims: the arcs its step function handles,
/// required arcs it lacks (each with a user request that reaches it), arcs
/// the core never asks for (dead code), and whether the flags it sets match.
public struct DriverAudit: Sendable {
    /// A required arc the driver lacks, and a request that makes the core ask for it.
    public struct MissingArc: Hashable, Sendable {
        public var arc: Arc
        /// The example request and the path it walks.
        public var request: Arc
        public var path: [StateID]
        /// How many requests walk the arc.
        public var requests: Int
    }

    /// A handled arc the core never asks for with this feature set.
    public struct DeadArc: Hashable, Sendable {
        public var handled: HandledArc
        public var reason: String
    }

    public let path: String
    public let model: MigrationProtocol
    public let features: FeatureSet
    public let isPatch: Bool
    public let handled: [HandledArc]
    public let required: [Arc]
    public let missing: [MissingArc]
    public let dead: [DeadArc]
    public let flags: [DriverFlagsAssignment]

    /// Reads a C file or a patch and audits it against `model` for `features`.
    public static func load(path: String, model: MigrationProtocol, features: FeatureSet) throws(DiagnosticList) -> DriverAudit {
        let text = try SourceText.read(path: path)
        return try read(text, model: model, features: features)
    }

    /// Audits a checked text (a C file or a patch) against `model` for `features`.
    public static func read(_ text: SourceText, model: MigrationProtocol, features: FeatureSet) throws(DiagnosticList) -> DriverAudit {
        let path = text.path
        let isPatch = PatchReader.isPatch(text)
        var sources: [CSource]
        if isPatch {
            do throws(Diagnostic) {
                sources = try PatchReader.addedCode(text).filter { ($0.label ?? "").hasSuffix(".c") || ($0.label ?? "").hasSuffix(".h") }
            } catch {
                throw DiagnosticList([error])
            }
            if sources.isEmpty {
                throw DiagnosticList([.error(at: SourceLocation(file: path, line: 1, column: 1), "the patch adds no C code (.c or .h lines)")])
            }
        } else {
            sources = [CSource(text)]
        }
        var diagnostics: [Diagnostic] = []
        var handled: [HandledArc] = []
        var flags: [DriverFlagsAssignment] = []
        for source in sources {
            let tokens: [CToken]
            do throws(Diagnostic) {
                tokens = try CTokenizer.tokenize(source)
            } catch {
                diagnostics.append(error)
                continue
            }
            let names = CNames(model: model, path: path)
            handled += StepFunctionArcs.extract(tokens, source: source, names: names, diagnostics: &diagnostics)
            flags += DriverFlagsAssignment.extract(tokens, source: source, names: names, diagnostics: &diagnostics)
        }
        if diagnostics.isEmpty && handled.isEmpty {
            let prefix = model.naming.cStatePrefix
            diagnostics.append(.error(at: SourceLocation(file: path, line: 1, column: 1),
                "no step function: found no condition like 'cur == \(prefix)STOP && new == \(prefix)RUNNING'"))
        }
        guard diagnostics.isEmpty else {
            throw DiagnosticList(Array(diagnostics.prefix(KernelCodeImport.maximumDiagnostics)))
        }
        return DriverAudit(path: path, model: model, features: features, isPatch: isPatch, handled: handled, flags: flags)
    }

    public init(path: String, model: MigrationProtocol, features: FeatureSet, isPatch: Bool, handled: [HandledArc], flags: [DriverFlagsAssignment]) {
        self.path = path
        self.model = model
        self.features = features
        self.isPatch = isPatch
        self.handled = handled
        self.flags = flags
        let paths = ProtocolPaths(model: model)
        let table = paths.table(for: features) ?? PathTable(model: model, features: features)
        let required = table.requiredArcs
        self.required = required
        let handledArcs = Set(handled.map(\.arc))
        // Every served request's path, once, for the examples.
        var walks: [Arc: [(request: Arc, path: [StateID])]] = [:]
        for from in table.supportedStates {
            for to in table.supportedStates where to != from {
                guard let path = table.path(from: from, to: to) else { continue }
                for step in zip(path, path.dropFirst()) {
                    walks[Arc(step.0, step.1), default: []].append((Arc(from, to), path))
                }
            }
        }
        let reset = model.resetState
        missing = required.filter { !handledArcs.contains($0) }.map { arc in
            let candidates = walks[arc] ?? [(arc, [arc.from, arc.to])]
            // A fresh device (the reset state) first, then a combination
            // transition through the arc, then the arc itself; shortest first.
            func rank(_ walk: (request: Arc, path: [StateID])) -> (Int, Int, UInt32, UInt32) {
                let tier = walk.request.from == reset ? 0 : walk.path.count > 2 ? 1 : 2
                return (tier, walk.path.count, model.states[walk.request.from].value, model.states[walk.request.to].value)
            }
            let best = candidates.min { rank($0) < rank($1) }!
            return MissingArc(arc: arc, request: best.request, path: best.path, requests: candidates.count)
        }
        var dead: [DeadArc] = []
        var seen: [Arc: HandledArc] = [:]
        let requiredSet = Set(required)
        for arc in handled {
            if let first = seen[arc.arc] {
                dead.append(DeadArc(handled: arc, reason: "repeats the condition at \(first.location.description); never reached"))
                continue
            }
            seen[arc.arc] = arc
            guard !requiredSet.contains(arc.arc) else { continue }
            let from = model.states[arc.arc.from]
            let to = model.states[arc.arc.to]
            var reason: String
            if from.isError || to.isError {
                reason = "\(from.isError ? from.name : to.name) is never requested or left by a request"
            } else if arc.arc.from == arc.arc.to {
                reason = "the core never asks for a step to the current state"
            } else if let lacking = [from, to].first(where: { !features.covers($0.needs) }) {
                reason = "\(lacking.name) does not exist with \(model.describe(features))"
            } else {
                reason = "the core never asks for it with \(model.describe(features))"
            }
            let elsewhere = paths.tables.filter { $0.requiredArcs.contains(arc.arc) }.map { model.describe($0.features) }
            if !elsewhere.isEmpty { reason += " (required with \(elsewhere.joined(separator: ", ")))" }
            dead.append(DeadArc(handled: arc, reason: reason))
        }
        self.dead = dead
    }

    /// The flags the driver sets: the OR of every assignment, `nil` if none.
    public var flagsSet: FeatureSet? {
        flags.isEmpty ? nil : FeatureSet(rawValue: flags.reduce(0) { $0 | $1.value })
    }

    public var flagsMatch: Bool { flagsSet == features }

    /// No missing arc, no dead code, and matching flags.
    public var passes: Bool { missing.isEmpty && dead.isEmpty && flagsMatch }

    func describe(_ flags: UInt32) -> String {
        let set = FeatureSet(rawValue: flags)
        let known = model.describe(set)
        let unknown = flags & ~model.allFeatures.rawValue
        return unknown == 0 ? known : known + " + unknown bits 0x" + String(unknown, radix: 16)
    }

    public var rendered: String {
        var text = "audit \(path)\(isPatch ? " (the lines the patch adds)" : "") against \(model.name) (\(model.sourcePath)) for \(model.describe(features))\n"
        let functions = handled.compactMap(\.function).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        text += "  handles \(handled.count) arc\(handled.count == 1 ? "" : "s")"
        text += functions.isEmpty ? ":\n" : " in \(functions.joined(separator: ", ")):\n"
        let width = handled.map { model.describe($0.arc).count }.max() ?? 0
        for arc in handled {
            text += "    " + model.describe(arc.arc).padding(toLength: width + 2) + arc.location.description
            if let file = arc.file { text += " (\(file))" }
            text += "\n"
        }
        text += "\n"
        text += (missing.isEmpty ? "holds  " : "FAILS  ") + "required-arcs: "
        text += missing.isEmpty ? "handles all \(required.count) arcs \(model.describe(features)) requires\n"
            : "lacks \(missing.count) of the \(required.count) arcs \(model.describe(features)) requires\n"
        for arc in missing {
            let others = arc.requests - 1
            text += "       \(model.describe(arc.arc)): reached by \(model.describe(arc.request))"
            if arc.path.count > 2 { text += " (walks \(model.describe(path: arc.path)))" }
            if others > 0 { text += " and \(others) other request\(others == 1 ? "" : "s")" }
            text += "\n"
        }
        text += (dead.isEmpty ? "holds  " : "FAILS  ") + "dead-code: "
        text += dead.isEmpty ? "every handled arc is one the core asks for\n"
            : "\(dead.count) handled arc\(dead.count == 1 ? " is" : "s are") never asked for\n"
        for arc in dead {
            text += "       \(model.describe(arc.handled.arc)) at \(arc.handled.location.description): \(arc.reason)\n"
        }
        text += (flagsMatch ? "holds  " : "FAILS  ") + "flags: "
        if let set = flagsSet {
            text += "sets \(describe(set.rawValue))" + (flagsMatch ? ", as claimed\n" : "; claims \(model.describe(features))\n")
            for assignment in flags {
                text += "       migration_flags \(assignment.operation) \(assignment.spelling) at \(assignment.location.description)\n"
            }
        } else {
            text += "no 'migration_flags =' assignment found; cannot confirm \(model.describe(features))\n"
        }
        text += "\n" + (passes ? "the driver matches \(model.describe(features))\n" : "the driver does not match \(model.describe(features))\n")
        return text
    }
}
