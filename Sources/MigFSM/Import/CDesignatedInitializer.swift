/// Reads one brace-enclosed C array initializer, designated
/// (`{ [VFIO_DEVICE_STATE_STOP] = X, ... }`) or positional (`{ X, Y }`),
/// trailing comma allowed, as C does: a positional element follows the
/// previous index. Out-of-range designators and duplicate initializers are
/// collected as diagnostics (C silently drops or overrides them); syntax
/// errors end the read.
public struct CDesignatedInitializer<Element> {
    /// One initialized element.
    public struct Item {
        public var index: Int
        public var location: SourceLocation
        public var element: Element
    }

    public var items: [Item]
    /// Indices whose element had an error (already reported).
    public var failed: Set<Int>
    /// The `{` and `}` of the list.
    public var open: SourceLocation
    public var close: SourceLocation

    /// Whether `index` was initialized (even if its element had an error).
    public func covers(_ index: Int) -> Bool {
        failed.contains(index) || items.contains { $0.index == index }
    }

    /// The element at `index`, if initialized.
    public func element(at index: Int) -> Element? {
        items.first { $0.index == index }?.element
    }

    /// Reads the list at the stream's `{`. `dimension` bounds the indices;
    /// `describe` names an index in messages (`vfio_from_fsm_table[VFIO_DEVICE_STATE_STOP]`),
    /// and the list itself for -1 (`'vfio_from_fsm_table', which has 5 rows`);
    /// `element` reads one element, given its index (-1 when invalid).
    public static func read(
        _ stream: inout CTokenStream, dimension: Int, names: CNames, describe: (Int) -> String,
        diagnostics: inout [Diagnostic],
        element: (inout CTokenStream, inout [Diagnostic], Int) throws(Diagnostic) -> Element
    ) throws(Diagnostic) -> CDesignatedInitializer {
        let open = stream.here
        try stream.expect("{")
        var items: [Item] = []
        var failed: Set<Int> = []
        var seen = [SourceLocation?](repeating: nil, count: dimension)
        var next = 0
        while !stream.take("}") {
            let itemStart = stream.here
            guard !stream.atEnd else {
                throw Diagnostic.error(at: stream.here, "expected '}' to close the initializer, found end of file",
                                       notes: [.init(open, "the initializer opens here")])
            }
            var index = next
            var valid = true
            var designated = false
            do throws(Diagnostic) {
                if stream.take("[") {
                    let value = try CConstantExpression.evaluate(&stream, resolve: names.resolve)
                    if stream.peek?.isPunctuator("...") == true {
                        throw Diagnostic.error(at: stream.here, "range designators ('[A ... B]') are not supported")
                    }
                    try stream.expect("]", "']' after the designator")
                    try stream.expect("=", "'=' after the designator")
                    if value.value >= UInt64(dimension) {
                        diagnostics.append(.error(at: itemStart,
                            "designator '\(value.spelling)' (\(value.value)) is out of range for \(describe(-1))"))
                        valid = false
                    } else {
                        index = Int(value.value)
                    }
                } else if index >= dimension {
                    diagnostics.append(.error(at: itemStart, "excess element in \(describe(-1))"))
                    valid = false
                }
                designated = true
                let value = try element(&stream, &diagnostics, valid ? index : -1)
                if valid {
                    if let first = seen[index] {
                        diagnostics.append(.error(at: itemStart, "duplicate initializer for \(describe(index))",
                                                  notes: [.init(first, "first initialized here")]))
                    } else {
                        seen[index] = itemStart
                        items.append(Item(index: index, location: itemStart, element: value))
                    }
                }
            } catch {
                // Report it, then resume at the next element of this list.
                if stream.atEnd {
                    throw error.notes.isEmpty && error.message.hasSuffix("found end of file")
                        ? Diagnostic.error(at: error.location, error.message, notes: [.init(open, "the initializer opens here")])
                        : error
                }
                diagnostics.append(error)
                if designated && valid && index < dimension { failed.insert(index) }
                skipElement(&stream)
            }
            next = index + 1
            if stream.take(",") { continue }
            guard stream.peek?.isPunctuator("}") == true else {
                if stream.atEnd {
                    throw Diagnostic.error(at: stream.here, "expected ',' or '}', found end of file",
                                           notes: [.init(open, "the initializer opens here")])
                }
                throw stream.expected("',' or '}'")
            }
        }
        let close = stream.location(stream.tokens[stream.index - 1])
        return CDesignatedInitializer(items: items, failed: failed, open: open, close: close)
    }

    /// Skips to the `,` or `}` that ends the current element.
    static func skipElement(_ stream: inout CTokenStream) {
        while let token = stream.peek {
            if token.isPunctuator(",") || token.isPunctuator("}") { return }
            if token.isPunctuator("{") || token.isPunctuator("(") || token.isPunctuator("[") {
                stream.index = stream.indexPastClosing(from: stream.index)
            } else {
                stream.index += 1
            }
        }
    }
}
