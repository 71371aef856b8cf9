extension Finding {
    /// The finding as JSON: `kind`, `severity`, `file`, `line`, `column`
    /// (0 when unknown), `message`, `related` places and the `trace`.
    public var json: JSONValue {
        .object([
            ("kind", .string(kind)),
            ("severity", .string(severity.rawValue)),
            ("file", .string(location.file)),
            ("line", .number(location.line)),
            ("column", .number(location.column)),
            ("message", .string(message)),
            ("related", .array(related.map { note in
                .object([
                    ("file", .string(note.location.file)),
                    ("line", .number(note.location.line)),
                    ("column", .number(note.location.column)),
                    ("message", .string(note.message)),
                ])
            })),
            ("trace", .array(trace.map(JSONValue.string))),
        ])
    }
}
