/// The Swift source of the Codable types that decode `migfsm table --json`
/// (format version 1), appended to every generated Swift module: the same
/// for every protocol, since the document names states and features by
/// string. `schemas/table.schema.json` is the document's schema.
enum SwiftTableDocument {
    static let source = #"""
    /// The document `migfsm table --json` prints (`formatVersion` 1), for
    /// tools that read the tables without the spec:
    ///
    ///     let document = try JSONDecoder().decode(MigrationTableDocument.self, from: data)
    public struct MigrationTableDocument: Codable, Hashable, Sendable {
        /// One state: its uAPI value, the features it needs and the kernel's
        /// mask for it (all ones for the error state), its roles.
        public struct State: Codable, Hashable, Sendable {
            /// The uAPI name without prefix: `RUNNING_P2P`.
            public var name: String
            /// The uAPI value.
            public var value: UInt32
            /// The features a device needs for the state to exist.
            public var needs: [String]
            /// The kernel's mask: the flags of `needs`, all ones for the error state.
            public var mask: UInt32
            /// Whether this is the error state.
            public var error: Bool
            /// Whether a reset and a fresh open give this state.
            public var reset: Bool
            /// `saving` or `resuming` for a state that carries a data session.
            public var session: String?
        }

        /// One feature: its flag bit and what it needs.
        public struct Feature: Codable, Hashable, Sendable {
            /// `P2P`
            public var name: String
            /// The bit number: the flag is `1 << bit`.
            public var bit: Int
            /// `1 << bit`.
            public var flag: UInt32
            /// Whether every valid feature set has it.
            public var mandatory: Bool
            /// Features that must be present whenever this one is.
            public var needs: [String]
        }

        /// States that share one data session.
        public struct Group: Codable, Hashable, Sendable {
            /// `saving`
            public var name: String
            /// The member states.
            public var states: [String]
        }

        /// The tables of one valid feature set.
        public struct FeatureSet: Codable, Hashable, Sendable {
            /// The features, by name.
            public var features: [String]
            /// The flags value.
            public var flags: UInt32
            /// The states that exist with these features.
            public var states: [String]
            /// The arcs a driver must implement, as `[from, to]`.
            public var arcs: [[String]]
            /// `next[current][requested]`: the next state, `nil` where refused.
            public var next: [String: [String: String?]]
            /// `paths[current][requested]`: the states walked, `nil` where refused.
            public var paths: [String: [String: [String]?]]
        }

        /// The document's format version: 1.
        public var formatVersion: Int
        /// The protocol's name: `vfio-v2`.
        public var protocolName: String
        /// Every state, by value.
        public var states: [State]
        /// Every feature, by bit.
        public var features: [Feature]
        /// The error state's name.
        public var errorState: String
        /// The name of the state a reset gives.
        public var resetState: String
        /// The session groups.
        public var groups: [Group]
        /// Requests refused although both states exist, as `[from, to]`.
        public var blocked: [[String]]
        /// Per valid feature set, ascending by flags: its tables.
        public var featureSets: [FeatureSet]

        enum CodingKeys: String, CodingKey {
            case formatVersion
            case protocolName = "protocol"
            case states, features, errorState, resetState, groups, blocked, featureSets
        }
    }

    """#
}
