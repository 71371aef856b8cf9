/// A VMM's orchestration of several devices, as a policy file declares it:
/// the VM events in order, the steps each device takes in each phase of an
/// event, how a failed request is recovered, what the VMM believes each
/// device's state is (its own copy, never read back), the FD it holds, the
/// VM's run state, the events that may come between migration steps, and
/// the VMs it refuses to migrate at all.
public struct Policy: Sendable {
    public var name: String
    /// `vmm QEMU`: the VMM the policy models, as reports name it (default:
    /// the policy's name).
    public var vmm: String
    /// The belief about a freshly opened device (`assume RUNNING`).
    public var assumed: StateID
    /// The belief after the recovery's device reset (`reset-assumes RUNNING`).
    public var resetAssumes: StateID
    /// In file order: the migration's events, the failure sequence
    /// (`on-failure`) and the events that may come between the migration's
    /// (`interrupt`).
    public var events: [PolicyEvent]
    /// `several-devices-need P2P`: a VM with two or more devices migrates
    /// only when every device has these features; otherwise the VMM
    /// refuses it before any step (QEMU:
    /// `vfio_multiple_devices_migration_is_supported()`).
    public var severalDevicesNeed: FeatureSet?
    public var severalDevicesLine: Int
    /// `holds-fd`: the VMM holds the FD a request hands back until a `close`
    /// step; an FD handed back while it holds one fails the step (EBADF)
    /// with the belief at the target and no recovery.
    public var holdsFD: Bool
    /// `skip-believed`: a request for the state the VMM believes the
    /// device is in is not sent and succeeds (QEMU:
    /// `vfio_migration_set_state()` returns 0 at once).
    public var skipsBelieved: Bool
    /// `on-reset-failure abort`: a failing recovery reset ends the VMM
    /// (QEMU: `hw_error()`); the kernel then closes every device.
    public var abortsOnResetFailure: Bool
    /// `vm running|paused`: the VM's run state when the policy starts.
    public var vm: VMRunState
    /// `role source|destination`: on a destination the devices hold no
    /// guest state until a stream is loaded into them.
    public var role: PolicyRole

    public init(name: String, assumed: StateID, resetAssumes: StateID, events: [PolicyEvent],
                severalDevicesNeed: FeatureSet? = nil, severalDevicesLine: Int = 0, holdsFD: Bool = false,
                skipsBelieved: Bool = false, abortsOnResetFailure: Bool = false, vm: VMRunState = .running,
                role: PolicyRole = .source) {
        self.name = name
        vmm = name
        self.assumed = assumed
        self.resetAssumes = resetAssumes
        self.events = events
        self.severalDevicesNeed = severalDevicesNeed
        self.severalDevicesLine = severalDevicesLine
        self.holdsFD = holdsFD
        self.skipsBelieved = skipsBelieved
        self.abortsOnResetFailure = abortsOnResetFailure
        self.vm = vm
        self.role = role
    }

    /// The events of the failure sequence, in file order.
    public var failureEvents: [Int] { events.indices.filter { events[$0].kind == .onFailure } }

    /// Why the VMM refuses to migrate a VM of these devices (`nil`: it
    /// migrates it): the devices lacking a feature `several-devices-need`
    /// asks for, when there are two or more.
    public func refusal(_ devices: [DeviceSetup]) -> [Int]? {
        guard let needed = severalDevicesNeed, devices.count >= 2 else { return nil }
        let lacking = devices.indices.filter { !devices[$0].features.covers(needed) }
        return lacking.isEmpty ? nil : lacking
    }
}

/// The VM's run state, as a policy tracks it.
public enum VMRunState: String, Sendable, CaseIterable {
    /// The vCPUs run: the guest programs its devices.
    case running
    /// Stopped by the policy's own migration (`migration_stop_vm()`).
    case stopped
    /// Stopped otherwise (the user paused it, or a destination waits for
    /// its state).
    case paused
}

/// Which side of a migration a policy drives.
public enum PolicyRole: String, Sendable, CaseIterable {
    case source, destination
}

/// One VM event (`event vm-stop reverse when-vm running vm-becomes stopped`):
/// every device's prepare step, in device order (reversed with
/// `reverse`), then every device's main step.
public struct PolicyEvent: Sendable {
    /// Where the event runs.
    public enum Kind: Sendable, Equatable {
        /// In file order, the migration itself.
        case migration
        /// In the failure sequence, after an event in which a step failed.
        case onFailure
        /// Between two migration events, any number of times, when its
        /// `when-vm` holds.
        case interrupt
    }

    public var name: String
    public var kind: Kind
    /// Leave the event at the first step that fails (QEMU's savevm loops).
    public var stopsAtFailure: Bool
    /// The migration has completed: a failure is reported, it does not
    /// start the failure sequence.
    public var afterCompletion: Bool
    /// Devices in reverse order (QEMU stops the VM's devices backwards).
    public var reverse: Bool
    /// No interrupt comes at the boundary before this migration event
    /// (QEMU holds the big lock from the event before into this one).
    public var uninterrupted: Bool
    /// The event runs only in these run states (empty: any).
    public var whenVM: [VMRunState]
    /// The run state the event leaves the VM in: a stop at its start, a
    /// start at its end.
    public var vmBecomes: VMRunState?
    /// The event's step lines in file order; for each device and phase the
    /// first line that applies is taken.
    public var steps: [PolicyStep]
    public var line: Int

    public init(name: String, kind: Kind = .migration, stopsAtFailure: Bool = false, afterCompletion: Bool = false,
                reverse: Bool = false, uninterrupted: Bool = false, whenVM: [VMRunState] = [], vmBecomes: VMRunState? = nil,
                steps: [PolicyStep], line: Int = 0) {
        self.name = name
        self.kind = kind
        self.stopsAtFailure = stopsAtFailure
        self.afterCompletion = afterCompletion
        self.reverse = reverse
        self.uninterrupted = uninterrupted
        self.whenVM = whenVM
        self.vmBecomes = vmBecomes
        self.steps = steps
        self.line = line
    }

    /// Whether the event runs in run state `vm`.
    public func runs(in vm: VMRunState) -> Bool { whenVM.isEmpty || whenVM.contains(vm) }
}

/// One line of an event: `main STOP_COPY recover STOP then read`.
public struct PolicyStep: Sendable {
    /// Prepare callbacks of every device run before any main callback.
    public enum Phase: String, Sendable, CaseIterable {
        case prepare, main
    }

    /// What one action of the step does to the device.
    public enum Action: Sendable, Equatable {
        /// SET this state; on failure SET the recover state (none when it
        /// is the error state), then reset and assume the reset belief.
        case request(StateID, recover: StateID)
        /// Write the migration stream into the data FD (destination).
        case write
        /// Read the data FD to its end (source).
        case read
        /// Close the data FD the VMM holds (QEMU's `vfio_migration_cleanup()`).
        case close
        /// Fail without a request (QEMU: `-EINVAL` for a belief it cannot start from).
        case fail
        /// Reset the device; the belief stays (QEMU's `vfio_pci_reset()`,
        /// a guest reset).
        case reset
    }

    /// One action and whether it runs only after the previous one succeeded
    /// (`then`) or in any case (`and`).
    public struct Part: Sendable, Equatable {
        public var action: Action
        public var onlyAfterSuccess: Bool

        public init(_ action: Action, onlyAfterSuccess: Bool = true) {
            self.action = action
            self.onlyAfterSuccess = onlyAfterSuccess
        }
    }

    public var phase: Phase
    /// The step's actions, in order; a step of one action has one part.
    public var parts: [Part]
    /// The device must have every one of these features.
    public var with: FeatureSet
    /// The device must have none of these features.
    public var without: FeatureSet
    /// The policy must believe the device is in one of these (empty: any).
    public var from: [StateID]
    public var line: Int

    public init(phase: Phase, action: Action, then more: [Part] = [], with: FeatureSet = [],
                without: FeatureSet = [], from: [StateID] = [], line: Int = 0) {
        self.phase = phase
        parts = [Part(action)] + more
        self.with = with
        self.without = without
        self.from = from
        self.line = line
    }

    /// The first action.
    public var action: Action { parts[0].action }

    /// Whether the step is for a device with `features` the policy believes is in `belief`.
    public func applies(features: FeatureSet, belief: StateID) -> Bool {
        features.covers(with) && features.intersection(without).isEmpty && (from.isEmpty || from.contains(belief))
    }
}
