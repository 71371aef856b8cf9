/// How generated code spells the protocol's identifiers.
public struct Naming: Hashable, Sendable {
    /// The C enum type: `vfio_device_mig_state`.
    public var cEnum: String
    /// Prefix of the state enumerators: `VFIO_DEVICE_STATE_`.
    public var cStatePrefix: String
    /// Prefix of the feature flags: `VFIO_MIGRATION_`.
    public var cFlagPrefix: String
    /// Prefix of generated C identifiers and the header's name: `vfio_mig_fsm`.
    public var cPrefix: String
    /// The generated Swift module: `VFIOMigrationFSM`.
    public var swiftModule: String

    /// Names derived from the protocol name where the spec states none.
    public static func defaults(protocolName: String) -> Naming {
        let identifier = String(protocolName.map { $0.isLetter || $0.isNumber ? $0 : "_" })
        let upper = identifier.uppercased()
        let camel = protocolName.split(whereSeparator: { !$0.isLetter && !$0.isNumber })
            .map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        return Naming(
            cEnum: "\(identifier)_state", cStatePrefix: "\(upper)_STATE_",
            cFlagPrefix: "\(upper)_FEATURE_", cPrefix: "\(identifier)_fsm",
            swiftModule: "\(camel)FSM")
    }

    public func cState(_ state: State) -> String { cStatePrefix + state.name }
    public func cFlag(_ feature: Feature) -> String { cFlagPrefix + feature.name }
}
