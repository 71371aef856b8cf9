/// One assignment of a driver's feature flags: `vdev->migration_flags =
/// VFIO_MIGRATION_STOP_COPY;`, `... |= VFIO_MIGRATION_PRE_COPY;`, or the
/// designated `.migration_flags = ...`.
public struct DriverFlagsAssignment: Hashable, Sendable {
    /// `=` or `|=`.
    public var operation: String
    public var value: UInt32
    public var spelling: String
    public var location: SourceLocation

    /// Every assignment to `migration_flags` in the tokens, evaluated with
    /// the spec's flag names; unknown names are diagnostics.
    public static func extract(_ tokens: [CToken], source: CSource, names: CNames, diagnostics: inout [Diagnostic]) -> [DriverFlagsAssignment] {
        var found: [DriverFlagsAssignment] = []
        for index in tokens.indices where index + 2 < tokens.count
            && tokens[index].kind == .identifier && tokens[index].text == "migration_flags"
            && (tokens[index + 1].isPunctuator("=") || tokens[index + 1].isPunctuator("|=")) {
            var stream = CTokenStream(tokens: tokens, source: source, index: index + 2)
            do throws(Diagnostic) {
                let value = try CConstantExpression.evaluate(&stream, resolve: names.resolve)
                found.append(DriverFlagsAssignment(
                    operation: tokens[index + 1].text, value: UInt32(truncatingIfNeeded: value.value),
                    spelling: value.spelling, location: tokens[index].location(in: source.path)))
            } catch {
                diagnostics.append(error)
            }
        }
        return found
    }
}
