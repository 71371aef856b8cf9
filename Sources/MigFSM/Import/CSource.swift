/// C code to read: the lines of one file, or the lines a patch adds, each
/// mapped back to where it sits in the file the user named, so every
/// diagnostic points into that file.
public struct CSource: Sendable {
    /// One line of code: its bytes in `bytes`, and its place in `path`.
    public struct Line: Sendable {
        public var range: Range<Int>
        /// 1-based line number in `path`.
        public var number: Int
        /// Bytes before the code on that line (1 for a patch's `+`).
        public var columnOffset: Int
    }

    /// The file the user named (a .c file or a patch).
    public let path: String
    public let bytes: [UInt8]
    public let lines: [Line]
    /// For a patch: the file the lines are added to (`b/drivers/...`).
    public let label: String?

    public init(path: String, bytes: [UInt8], lines: [Line], label: String? = nil) {
        self.path = path
        self.bytes = bytes
        self.lines = lines
        self.label = label
    }

    /// Every line of a checked text file.
    public init(_ text: SourceText) {
        self.init(path: text.path, bytes: text.bytes,
                  lines: text.lines.enumerated().map { Line(range: $0.element, number: $0.offset + 1, columnOffset: 0) })
    }

    /// Just past the last byte of code: where "found end of file" points.
    public var endLocation: SourceLocation {
        guard let last = lines.last else { return SourceLocation(file: path, line: 1, column: 1) }
        return SourceLocation(file: path, line: last.number, column: last.columnOffset + last.range.count + 1)
    }
}
