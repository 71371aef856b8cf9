/// One arc a driver's step function handles: a condition
/// `cur == VFIO_DEVICE_STATE_X && new == VFIO_DEVICE_STATE_Y` (also one
/// side of an `||`), with where it is and the function it is in.
public struct HandledArc: Hashable, Sendable {
    public var arc: Arc
    public var location: SourceLocation
    public var function: String?
    /// The file a patch adds it to, if read from a patch.
    public var file: String?
}

/// Extracts the arcs a step function handles from C tokens: pairs of
/// comparisons of two different variables with state enumerators, joined
/// by `&&`. Which variable is the current state is read from its name
/// (`cur`, `old`, `from` / `new`, `next`, `target`, `to`), else from the order.
public enum StepFunctionArcs {
    struct Comparison {
        var first: Int
        var last: Int
        var variable: String
        var state: StateID
        var location: SourceLocation
    }

    public static func extract(_ tokens: [CToken], source: CSource, names: CNames, diagnostics: inout [Diagnostic]) -> [HandledArc] {
        let prefix = names.model.naming.cStatePrefix
        var comparisons: [Comparison] = []
        for index in tokens.indices where tokens[index].isPunctuator("==") && index > 0 && index + 1 < tokens.count {
            let left = tokens[index - 1]
            let right = tokens[index + 1]
            guard left.kind == .identifier, right.kind == .identifier else { continue }
            let (variable, constant) = right.text.hasPrefix(prefix) ? (left, right) : (right, left)
            guard constant.text.hasPrefix(prefix), !variable.text.hasPrefix(prefix) else { continue }
            guard let state = names.state(constant.text) else {
                do throws(Diagnostic) {
                    _ = try names.resolve(constant)
                } catch {
                    diagnostics.append(error)
                }
                continue
            }
            comparisons.append(Comparison(first: index - 1, last: index + 1, variable: variable.text, state: state,
                                          location: left.location(in: source.path)))
        }
        let functions = functionBodies(tokens)
        var arcs: [HandledArc] = []
        var functionCursor = 0
        for (position, first) in comparisons.enumerated() where position + 1 < comparisons.count {
            let second = comparisons[position + 1]
            guard first.variable != second.variable, joinedByAnd(tokens, first.last + 1, second.first) else { continue }
            let (from, to) = roles(first, second)
            while functionCursor < functions.count, functions[functionCursor].end <= first.first { functionCursor += 1 }
            var function: String?
            if functionCursor < functions.count, functions[functionCursor].start <= first.first {
                function = functions[functionCursor].name
            }
            arcs.append(HandledArc(arc: Arc(from.state, to.state), location: first.location, function: function, file: source.label))
        }
        return arcs
    }

    /// Only parentheses and exactly one `&&` between two comparisons.
    static func joinedByAnd(_ tokens: [CToken], _ start: Int, _ end: Int) -> Bool {
        guard start < end, end - start <= 16 else { return false }
        var ands = 0
        for token in tokens[start..<end] {
            if token.isPunctuator("&&") { ands += 1 } else if !(token.isPunctuator("(") || token.isPunctuator(")")) { return false }
        }
        return ands == 1
    }

    static let currentWords: Set<String> = ["cur", "curr", "current", "old", "from", "prev", "previous", "src"]
    static let requestedWords: Set<String> = ["new", "next", "target", "to", "req", "request", "requested", "dst", "dest"]

    static func roles(_ first: Comparison, _ second: Comparison) -> (from: Comparison, to: Comparison) {
        func role(_ variable: String) -> Int {
            let words = variable.lowercased().split(separator: "_").map(String.init)
            if words.contains(where: { requestedWords.contains($0) }) { return 1 }
            if words.contains(where: { currentWords.contains($0) }) { return -1 }
            return 0
        }
        let a = role(first.variable)
        let b = role(second.variable)
        if a > 0 && b <= 0 || b < 0 && a >= 0 { return (second, first) }
        return (first, second)
    }

    /// Top-level function bodies: `name ( ... ) {` at brace depth 0, as
    /// token ranges, in order. One linear pass.
    static func functionBodies(_ tokens: [CToken]) -> [(name: String, start: Int, end: Int)] {
        var bodies: [(name: String, start: Int, end: Int)] = []
        var depth = 0
        var parenthesisDepth = 0
        var lastCallee: String?
        var pending: (name: String, start: Int)?
        for (index, token) in tokens.enumerated() where token.kind == .punctuator || token.kind == .identifier {
            if token.kind == .identifier {
                continue
            }
            switch token.text {
            case "(":
                if depth == 0 && parenthesisDepth == 0, index > 0, tokens[index - 1].kind == .identifier {
                    lastCallee = tokens[index - 1].text
                }
                parenthesisDepth += 1
            case ")":
                parenthesisDepth = max(0, parenthesisDepth - 1)
            case "{":
                if depth == 0, parenthesisDepth == 0, index > 0, tokens[index - 1].isPunctuator(")"), let name = lastCallee {
                    pending = (name, index)
                }
                depth += 1
            case "}":
                depth = max(0, depth - 1)
                if depth == 0, let open = pending {
                    bodies.append((open.name, open.start, index + 1))
                    pending = nil
                }
            case ";":
                if depth == 0 { lastCallee = nil }
            default:
                break
            }
        }
        return bodies
    }
}
