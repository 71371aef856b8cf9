/// A position in an input file, as editors count it: 1-based line and column.
///
/// Columns count bytes of the line, like Clang and GCC do for ASCII text.
/// A location with `line == 0` names the whole file (`spec.fsm: error: ...`).
public struct SourceLocation: Hashable, Sendable, Comparable {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// A location that names a whole file rather than a position in it.
    public static func file(_ path: String) -> SourceLocation {
        SourceLocation(file: path, line: 0, column: 0)
    }

    public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
        (lhs.file, lhs.line, lhs.column) < (rhs.file, rhs.line, rhs.column)
    }

    /// `path:line:column`, or just `path` for a whole-file location.
    public var description: String {
        line == 0 ? file : "\(file):\(line):\(column)"
    }
}
