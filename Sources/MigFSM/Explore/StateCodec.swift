/// A search key: the packed states of every device explored together, in
/// 128 bits. One device of vfio-v2 takes 11 bits, so eleven fit; issue 8
/// (several devices in one VM) explores them with the same search.
public struct PackedState: Hashable, Sendable {
    public var low: UInt64 = 0
    public var high: UInt64 = 0
}

/// Packs `DeviceState`s into `PackedState` keys and back, with field widths
/// computed from the protocol: `recorded` and `hardware` take
/// ceil(log2(states)) bits each, the two driver sessions one bit each, the
/// user's FD three bits. Devices never straddle the two words.
public struct StateCodec: Sendable {
    /// Bits of one state ID.
    public let stateBits: Int
    /// Bits of one device.
    public let deviceBits: Int
    public let devicesPerWord: Int
    /// The most devices one key holds.
    public var maximumDevices: Int { devicesPerWord * 2 }
    let stateMask: UInt64
    let deviceMask: UInt64

    public init(model: MigrationProtocol) {
        var bits = 1
        while (1 << bits) < model.states.count { bits += 1 }
        stateBits = bits
        deviceBits = 2 * bits + 5
        devicesPerWord = max(0, 64 / deviceBits)
        stateMask = (1 << UInt64(bits)) - 1
        deviceMask = deviceBits >= 64 ? ~0 : (1 << UInt64(deviceBits)) - 1
    }

    /// One device's bits.
    public func encode(_ device: DeviceState) -> UInt64 {
        var bits = UInt64(device.recorded)
        bits |= UInt64(device.hardware) << UInt64(stateBits)
        var shift = UInt64(2 * stateBits)
        if device.savingSession { bits |= 1 << shift }
        shift += 1
        if device.resumingSession { bits |= 1 << shift }
        shift += 1
        bits |= Self.fdCode(device.userFD) << shift
        return bits
    }

    public func decode(_ bits: UInt64) -> DeviceState {
        let shift = UInt64(2 * stateBits)
        return DeviceState(
            recorded: Int(bits & stateMask),
            hardware: Int((bits >> UInt64(stateBits)) & stateMask),
            savingSession: (bits >> shift) & 1 == 1,
            resumingSession: (bits >> (shift + 1)) & 1 == 1,
            userFD: Self.fd((bits >> (shift + 2)) & 7))
    }

    /// The key of `devices` (at most `maximumDevices`).
    public func pack(_ devices: [DeviceState]) -> PackedState {
        var key = PackedState()
        for (index, device) in devices.enumerated() {
            let word = index / devicesPerWord
            let shift = UInt64((index % devicesPerWord) * deviceBits)
            if word == 0 { key.low |= encode(device) << shift } else { key.high |= encode(device) << shift }
        }
        return key
    }

    /// `key` with device `index` replaced by `device`.
    public func replacing(_ key: PackedState, device index: Int, with device: DeviceState) -> PackedState {
        var key = key
        let shift = UInt64((index % devicesPerWord) * deviceBits)
        let bits = encode(device) << shift
        let mask = ~(deviceMask << shift)
        if index / devicesPerWord == 0 { key.low = key.low & mask | bits } else { key.high = key.high & mask | bits }
        return key
    }

    public func unpack(_ key: PackedState, count: Int) -> [DeviceState] {
        (0..<count).map { index in
            let word = index / devicesPerWord == 0 ? key.low : key.high
            let shift = UInt64((index % devicesPerWord) * deviceBits)
            return decode((word >> shift) & deviceMask)
        }
    }

    static func fdCode(_ fd: UserFD) -> UInt64 {
        switch fd {
        case .none: return 0
        case .driver(.saving): return 1
        case .driver(.resuming): return 2
        case .detached(.saving, false): return 3
        case .detached(.resuming, false): return 4
        case .detached(.saving, true): return 5
        case .detached(.resuming, true): return 6
        }
    }

    static func fd(_ code: UInt64) -> UserFD {
        switch code {
        case 1: return .driver(.saving)
        case 2: return .driver(.resuming)
        case 3: return .detached(.saving, live: false)
        case 4: return .detached(.resuming, live: false)
        case 5: return .detached(.saving, live: true)
        case 6: return .detached(.resuming, live: true)
        default: return .none
        }
    }
}
