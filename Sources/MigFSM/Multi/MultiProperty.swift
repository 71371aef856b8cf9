/// A property of several devices in one VM, checked by `MultiExplorer`.
public enum MultiProperty: Hashable, Sendable, Comparable {
    /// A single-device property, on any device.
    case device(ExploreProperty)
    /// No device is frozen while a peer may initiate P2P DMA (spec's
    /// `frozen` and `p2p-initiator`).
    case p2pSafety
    /// After every policy step the policy's belief is the device's state.
    case beliefConsistency
    /// On a destination, the VM runs only with devices that hold the
    /// migrated state (loaded, and not reset since).
    case loadedBeforeRun

    public var name: String {
        switch self {
        case .device(let property): return property.name
        case .p2pSafety: return "p2p-safety"
        case .beliefConsistency: return "belief-consistency"
        case .loadedBeforeRun: return "loaded-before-run"
        }
    }

    public var summary: String {
        switch self {
        case .device(let property): return property.summary + " (on every device)"
        case .p2pSafety:
            return "no device is in a frozen state while a peer is in a state that may initiate P2P DMA"
        case .beliefConsistency:
            return "after every policy step the policy's own copy of the device state is the state the device records"
        case .loadedBeforeRun:
            return "on a destination, the VM runs only with devices that hold the migrated state (loaded, and not reset since)"
        }
    }

    /// What a violation means and where to look.
    public var help: String {
        switch self {
        case .device(let property): return property.help
        case .p2pSafety:
            return "A device is frozen (STOP, STOP_COPY, RESUMING after a write) while a peer that holds the guest's DMA setup may still initiate P2P DMA into it. Move every device to a P2P-quiesced state before stopping any (the prepare phase)."
        case .beliefConsistency:
            return "The VMM's own copy of a device's state is not what the device records (it never reads it back). Find what moved the device behind it: a reset, a failure it did not notice."
        case .loadedBeforeRun:
            return "On a destination the VM runs with a device that holds no migrated state (never loaded, or reset after loading): the guest finds a device it did not leave that way. Fail the incoming migration instead of starting the VM."
        }
    }

    /// The property's bit in a search: the single-device properties in
    /// their order (`ExploreProperty.allCases`), then p2p-safety,
    /// belief-consistency and loaded-before-run.
    var searchBit: Int {
        switch self {
        case .device(let property): return property.index
        case .p2pSafety: return ExploreProperty.allCases.count
        case .beliefConsistency: return ExploreProperty.allCases.count + 1
        case .loadedBeforeRun: return ExploreProperty.allCases.count + 2
        }
    }

    /// The property of search bit `bit`.
    init?(searchBit bit: Int) {
        let count = ExploreProperty.allCases.count
        if bit < count {
            self = .device(ExploreProperty.allCases[bit])
        } else if bit == count {
            self = .p2pSafety
        } else if bit == count + 1 {
            self = .beliefConsistency
        } else if bit == count + 2 {
            self = .loadedBeforeRun
        } else {
            return nil
        }
    }

    /// Report order: the properties of the VM first.
    var order: Int {
        switch self {
        case .p2pSafety: return 0
        case .loadedBeforeRun: return 1
        case .beliefConsistency: return 2
        case .device(let property): return 3 + property.index
        }
    }

    public static func < (lhs: MultiProperty, rhs: MultiProperty) -> Bool { lhs.order < rhs.order }
}
