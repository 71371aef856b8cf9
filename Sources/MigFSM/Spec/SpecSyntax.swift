/// A name as written in a spec, with where it was written.
public struct Name: Hashable, Sendable {
    public var text: String
    public var location: SourceLocation

    public init(_ text: String, at location: SourceLocation) {
        self.text = text
        self.location = location
    }
}

/// A number as written in a spec: `5`, `0x5` or `1 << 2`.
public struct NumberLiteral: Hashable, Sendable {
    public enum Form: Hashable, Sendable {
        /// A plain value; `nil` when it overflowed 64 bits.
        case plain(UInt64?)
        /// `1 << bit`; `nil` bit when the shift overflowed.
        case shift(UInt64?)
    }

    public var form: Form
    public var location: SourceLocation
    /// The number as written, for values too large to print from `form`.
    public var spelling: String

    /// The value, or `nil` when it does not fit in 64 bits.
    public var value: UInt64? {
        switch form {
        case .plain(let value): return value
        case .shift(let bit?) where bit < 64: return 1 << bit
        case .shift: return nil
        }
    }
}

/// `A -> B` as written, with the features that gate it, if any.
public struct ArcSyntax: Hashable, Sendable {
    public var from: Name
    public var to: Name
    /// The features that enable what the statement names: an arc that
    /// exists only on devices with all of them (`A -> B needs F`), a request
    /// refused only on devices without them (`blocked A -> B unless F`,
    /// `invariant refused A -> B unless F`). Empty: not gated.
    public var gate: [Name] = []
}

/// The parsed form of one spec line, before names are resolved.
///
/// Spec files are line-oriented: each non-blank, non-comment line is exactly
/// one statement. The `Validator` turns statements into a `MigrationProtocol`.
public enum Statement: Hashable, Sendable {
    /// `extends ../vfio-v2.fsm`: the spec this one amends, its path relative
    /// to this file's folder (the name's text is the path as written).
    case extends(Name)
    /// `drop blocked STOP_COPY -> PRE_COPY`: a statement of the spec this one
    /// extends that it goes without (arcs, blocked requests, path rules and
    /// invariants only).
    indirect case drop(Statement)
    /// `protocol vfio-v2`
    case protocolName(Name)
    /// `c-enum vfio_device_mig_state`, `c-state-prefix VFIO_DEVICE_STATE_`, ...
    case naming(NamingKey, Name)
    /// `feature P2P = 1 << 1 needs STOP_COPY`
    case feature(FeatureSyntax)
    /// `state RUNNING_P2P = 5 needs STOP_COPY | P2P`
    case state(StateSyntax)
    /// `group saving = PRE_COPY, PRE_COPY_P2P, STOP_COPY`
    case group(name: Name, members: [Name])
    /// `RUNNING -> RUNNING_P2P`, `STOP_COPY -> PRE_COPY_P2P needs F`
    case arc(ArcSyntax)
    /// `blocked STOP_COPY -> PRE_COPY`, `blocked STOP_COPY -> PRE_COPY unless F`
    case blocked(ArcSyntax)
    /// `path shortest`, `path group-interior saving contained`, ...
    case pathRule(PathRuleSyntax)
    /// `invariant sink ERROR`, ...
    case invariant(InvariantSyntax)
    /// `p2p-initiator RUNNING, PRE_COPY`: the states in which a device may
    /// still initiate peer-to-peer DMA.
    case p2pInitiator([Name])
    /// `frozen STOP, STOP_COPY, RESUMING after-write`: the states whose
    /// internal state must not change (no DMA into the device), a member
    /// marked `after-write` only once data was written to its session.
    case frozen([FrozenSyntax])
}

/// One member of a `frozen` statement: `STOP`, or `RESUMING after-write`.
public struct FrozenSyntax: Hashable, Sendable {
    public var state: Name
    public var afterWrite: Bool

    public init(state: Name, afterWrite: Bool) {
        self.state = state
        self.afterWrite = afterWrite
    }
}

/// The naming statements: how generated code spells the protocol.
public enum NamingKey: String, CaseIterable, Hashable, Sendable {
    /// The C enum type name: `vfio_device_mig_state`.
    case cEnum = "c-enum"
    /// The prefix of the state enumerators: `VFIO_DEVICE_STATE_`.
    case cStatePrefix = "c-state-prefix"
    /// The prefix of the feature flag macros: `VFIO_MIGRATION_`.
    case cFlagPrefix = "c-flag-prefix"
    /// The prefix of generated C identifiers and the header name: `vfio_mig_fsm`.
    case cPrefix = "c-prefix"
    /// The generated Swift module and file name: `VFIOMigrationFSM`.
    case swiftModule = "swift-module"
}

/// `feature NAME = 1 << BIT [mandatory] [needs A | B]`
public struct FeatureSyntax: Hashable, Sendable {
    public var name: Name
    public var value: NumberLiteral
    public var mandatory: Bool
    public var needs: [Name]
}

/// `state NAME = VALUE [needs A | B] [error] [reset] [session saving|resuming]`
public struct StateSyntax: Hashable, Sendable {
    public var name: Name
    public var value: NumberLiteral
    public var needs: [Name]
    public var isError: Bool
    public var isReset: Bool
    public var session: Name?
}

/// The rules that choose a path for a combination transition.
public enum PathRuleSyntax: Hashable, Sendable {
    /// `path shortest`
    case shortest
    /// `path group-interior GROUP literal|contained`
    case groupInterior(group: Name, reading: Name)
    /// `path tie-break lowest-value`
    case tieBreak(Name)
}

/// A named property to prove: `invariant KIND ARGUMENTS`.
public enum InvariantSyntax: Hashable, Sendable {
    /// `invariant no-interior GROUP`
    case noInterior(group: Name)
    /// `invariant refused A -> B [unless F | G]`
    case refused(ArcSyntax)
    /// `invariant sink STATE`
    case sink(Name)
    /// `invariant reachable`
    case reachable
    /// `invariant path A -> B -> C [with F | G]`
    case path(states: [Name], features: [Name]?)
}

/// One line of a spec file: a statement, a comment, both, or neither.
public struct SpecLine: Hashable, Sendable {
    public var line: Int
    public var statement: Statement?
    /// Where the statement's first token is.
    public var location: SourceLocation
    /// The text after `#`, without the `#`.
    public var comment: String?
}

/// A spec file as parsed: every line in order, comments kept, so that `fmt`
/// can print it back canonically without losing a word.
public struct SpecSyntax: Hashable, Sendable {
    public var path: String
    public var lines: [SpecLine]
    /// Names that a line which failed to parse was declaring
    /// (`state STOP = oops`): not reported again as unknown where used.
    public var brokenDeclarations: Set<String> = []
    /// An `extends` line failed to parse: what the spec builds on is
    /// unknown, so it is not validated (every name of the base would be
    /// reported unknown).
    public var extendsIsBroken = false
    /// After `extends` is resolved: the protocol names of the specs this one
    /// extends, nearest first (empty for a spec that extends none).
    public var ancestors: [String] = []
    /// The first words of the lines that failed to parse (`state`,
    /// `protocol`): what the file meant to say is unknown, so nothing is
    /// reported as missing on their account (no "no state is marked
    /// 'reset'" for a broken `state ... reset` line).
    public var brokenStatementKeywords: Set<String> = []
    /// The numbers of the lines that failed to lex or parse.
    public var brokenLines: [Int] = []

    public var statements: [(statement: Statement, location: SourceLocation)] {
        lines.compactMap { line in line.statement.map { ($0, line.location) } }
    }
}
