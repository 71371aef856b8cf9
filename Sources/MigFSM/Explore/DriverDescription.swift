/// How an arc the driver performs can fail (`fault A -> B stays, error`).
public struct FaultKinds: OptionSet, Hashable, Sendable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// The hardware command fails and the device stays where it was.
    public static let stays = FaultKinds(rawValue: 1 << 0)
    /// The arc fails and leaves the device in the error state.
    public static let error = FaultKinds(rawValue: 1 << 1)
    /// A session-opening arc fails after creating its session.
    public static let afterSession = FaultKinds(rawValue: 1 << 2)
    /// A command of the step fails but the step never learns it (a dropped
    /// result, a void helper that only logs): the step reports success, the
    /// driver records the target, the hardware stays where it was.
    public static let swallowed = FaultKinds(rawValue: 1 << 3)

    /// The faults a correct driver's arcs can have (`swallowed` is a defect).
    public static let all: FaultKinds = [.stays, .error, .afterSession]

    /// The spelling of each kind in driver files, in canonical order.
    public static let spellings: [(String, FaultKinds)] = [
        ("stays", .stays), ("error", .error), ("after-session", .afterSession), ("swallowed", .swallowed),
    ]

    public var names: [String] {
        Self.spellings.filter { contains($0.1) }.map(\.0)
    }
}

/// A known way one arc of a driver departs from the protocol
/// (`quirk STOP -> RUNNING ignores-hardware-failure`).
public enum ArcQuirk: Hashable, Sendable {
    /// The step ignores the hardware command's result: on failure the
    /// driver records the new state while the hardware stays behind.
    case ignoresHardwareFailure
    /// The step does not end the session of the state or group it leaves.
    case keepsSession
    /// The step creates its session but returns no FD.
    case returnsNoSession
    /// The step creates a new session of the target's kind and returns its
    /// FD although the arc opens none.
    case returnsSession
    /// When the step fails after creating its session, it does not release it.
    case leaksSessionOnFailure
    /// After the step the driver records this state instead of the target.
    case records(StateID)
    /// When the step fails, the driver moves the device to this state.
    case rollsBackTo(StateID)
    /// The step ends the session of the state it leaves before a command
    /// that can still fail: on that failure the device stays in the
    /// session's state with the session gone.
    case endsSessionEarly
    /// The step returns an error on every path: the arc is not really implemented.
    case alwaysFails
    /// Leaving RESUMING, the driver accepts an incomplete stream (nothing
    /// or part of one written) instead of failing the request.
    case acceptsTruncatedStream
    /// Leaving RESUMING, the driver accepts data that is no valid stream
    /// (it does not validate what it loads).
    case acceptsInvalidStream

    /// The quirk keywords, for diagnostics.
    public static let keywords = [
        "ignores-hardware-failure", "keeps-session", "returns-no-session", "returns-session",
        "leaks-session-on-failure", "records", "rolls-back-to", "ends-session-early", "always-fails",
        "accepts-truncated-stream", "accepts-invalid-stream",
    ]

    /// `records STOP`, as written in a driver file.
    public func spelling(_ model: MigrationProtocol) -> String {
        switch self {
        case .ignoresHardwareFailure: return "ignores-hardware-failure"
        case .keepsSession: return "keeps-session"
        case .returnsNoSession: return "returns-no-session"
        case .returnsSession: return "returns-session"
        case .leaksSessionOnFailure: return "leaks-session-on-failure"
        case .records(let state): return "records \(model.states[state].name)"
        case .rollsBackTo(let state): return "rolls-back-to \(model.states[state].name)"
        case .endsSessionEarly: return "ends-session-early"
        case .alwaysFails: return "always-fails"
        case .acceptsTruncatedStream: return "accepts-truncated-stream"
        case .acceptsInvalidStream: return "accepts-invalid-stream"
        }
    }
}

/// A known way a whole driver departs from the protocol (`quirk reset-keeps-state`).
public enum DriverQuirk: String, Hashable, Sendable, CaseIterable {
    /// A refused lookup ends the loop without setting an error: the request
    /// "succeeds".
    case refusalReturnsSuccess = "refusal-returns-success"
    /// A reset leaves the recorded state alone (libvfio-user since 2026-05).
    case resetKeepsState = "reset-keeps-state"
    /// A reset does not end the sessions.
    case resetKeepsSession = "reset-keeps-session"
    /// A request in the error state first "recovers": the driver
    /// reinitialises the device to the reset state without a reset.
    case errorRecoversOnRequest = "error-recovers-on-request"
    /// The driver's table lacks the spec's blocked requests and walks the
    /// shortest path instead of refusing.
    case ignoresBlocked = "ignores-blocked"
    /// A read in STOP_COPY can fail with ENOMSG before the end of stream
    /// (the uAPI: "ENOMSG may not be returned in STOP_COPY").
    case enomsgInStopCopy = "enomsg-in-stop-copy"
    /// A read in STOP_COPY can return 0 (end of stream) before all device
    /// state was read.
    case endsStreamEarly = "ends-stream-early"
    /// `close_device` does not end the sessions (no `close_device` hook
    /// that disables the migration files).
    case closeKeepsSessions = "close-keeps-sessions"
    /// `open_device` leaves `mig_state` as it was instead of RUNNING.
    case openKeepsState = "open-keeps-state"
    /// After a reset that failed, the driver records the reset state: the
    /// PCI core calls `reset_done` whatever the reset returned
    /// (`pci_try_reset_function()` -> `pci_dev_restore()`), and in-tree
    /// drivers set RUNNING there.
    case failedResetRecordsRunning = "failed-reset-records-running"
}

/// What an arc's hardware command does to the device besides moving it
/// (`effect STOP -> STOP_COPY disables-device`).
public struct ArcEffects: OptionSet, Hashable, Sendable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// The command disables the device: it does not run again until an arc
    /// enables it, a stream is loaded, or it is reset (seed 004's NVMe
    /// SAVE_DATA: "disable the VF controller").
    public static let disablesDevice = ArcEffects(rawValue: 1 << 0)
    /// The command enables a disabled device again.
    public static let enablesDevice = ArcEffects(rawValue: 1 << 1)

    /// The spelling of each effect in driver files.
    public static let spellings: [(String, ArcEffects)] = [
        ("disables-device", .disablesDevice), ("enables-device", .enablesDevice),
    ]
}

/// Which next-state lookup the driver's set_state loop calls.
public enum LookupSource: String, Hashable, Sendable, CaseIterable {
    /// The spec's table for the device's feature set (`PathTable`).
    case spec
    /// The kernel's single combined table with the skip loop, as
    /// `vfio_mig_get_next_state()` writes it today: the loop stops at the
    /// error state (`KernelTable.lookup`, `.guarded`).
    case kernel
    /// The same, as kernels from v6.2 until the June 2026 fix write it: the
    /// skip loop has no error guard (`.unguarded`).
    case kernelUnguarded = "kernel-unguarded"
    /// The same table with the lookup migfsm emits, which stops skipping
    /// at the error state (`KernelTable.generatedLookup`).
    case generated
}

/// Where a driver file states each thing, for placing findings: the line
/// of each arc, fault, quirk and effect statement (the first, when several
/// say the same).
public struct DriverLines: Sendable {
    public var file: SourceLocation?
    public var flags: SourceLocation?
    public var arcs: [Arc: SourceLocation] = [:]
    public var required: SourceLocation?
    /// `fault A -> B KINDS` lines, by arc, in file order.
    public var faults: [Arc: [(kinds: FaultKinds, location: SourceLocation)]] = [:]
    /// `fault all KINDS` lines, in file order.
    public var faultAll: [(kinds: FaultKinds, location: SourceLocation)] = []
    public var resetWhileLocked: SourceLocation?
    public var resetMayFail: SourceLocation?
    /// `quirk A -> B KEYWORD`, by arc and keyword.
    public var arcQuirks: [Arc: [String: SourceLocation]] = [:]
    public var quirks: [DriverQuirk: SourceLocation] = [:]
    public var effects: [Arc: SourceLocation] = [:]

    public init() {}

    /// The line behind `cause`, if the file states it.
    public func location(of cause: TraceCause) -> SourceLocation? {
        switch cause {
        case .fault(let arc, let kind):
            // The arc's own line naming the kind, else a 'fault all' line
            // naming it (the kinds of both apply to the arc).
            return faults[arc]?.first { $0.kinds.contains(kind) }?.location
                ?? faultAll.first { $0.kinds.contains(kind) }?.location
        case .resetWhileLocked: return resetWhileLocked
        case .resetMayFail: return resetMayFail
        case .arcQuirk(let arc, let keyword): return arcQuirks[arc]?[keyword]
        case .driverQuirk(let quirk): return quirks[quirk]
        case .effect(let arc): return effects[arc]
        }
    }
}

/// A driver as a driver file declares it, resolved against a protocol: the
/// feature sets it reports, the arcs its step function implements, how
/// each arc can fail, and its quirks. `DriverMachine` runs it.
public struct DriverDescription: Sendable {
    public var name: String
    /// Each feature set the driver may report, in file order.
    public var featureSets: [FeatureSet]
    public var lookup: LookupSource
    /// Arcs listed one by one.
    public var arcs: Set<Arc>
    /// `arc required`: every arc each reported feature set requires.
    public var implementsRequired: Bool
    /// Faults of single arcs.
    public var faults: [Arc: FaultKinds]
    /// `fault all ...`: faults of every arc performed.
    public var faultsOfAllArcs: FaultKinds
    /// `fault reset-while-locked`: a device reset may arrive while set_state
    /// holds the state mutex (the driver defers it to the unlock).
    public var resetWhileLocked: Bool
    /// `fault reset-may-fail`: `VFIO_DEVICE_RESET` may fail, leaving the
    /// device failed (the error state) until a reset succeeds.
    public var resetMayFail: Bool
    /// `effect A -> B ...`: what arcs' hardware commands do besides moving.
    public var effects: [Arc: ArcEffects]
    public var arcQuirks: [Arc: [ArcQuirk]]
    public var quirks: Set<DriverQuirk>
    /// Quirks of the whole driver on some of its feature sets only
    /// (`quirk reset-keeps-state for STOP_COPY | PRE_COPY`).
    public var quirksByFeatures: [FeatureSet: Set<DriverQuirk>]
    /// Where the driver file states each of these (empty for a driver
    /// built in code).
    public var lines = DriverLines()

    public init(name: String, featureSets: [FeatureSet], lookup: LookupSource = .spec,
                arcs: Set<Arc> = [], implementsRequired: Bool = false,
                faults: [Arc: FaultKinds] = [:], faultsOfAllArcs: FaultKinds = [],
                resetWhileLocked: Bool = false, resetMayFail: Bool = false, effects: [Arc: ArcEffects] = [:],
                arcQuirks: [Arc: [ArcQuirk]] = [:],
                quirks: Set<DriverQuirk> = [], quirksByFeatures: [FeatureSet: Set<DriverQuirk>] = [:]) {
        self.name = name
        self.featureSets = featureSets
        self.lookup = lookup
        self.arcs = arcs
        self.implementsRequired = implementsRequired
        self.faults = faults
        self.faultsOfAllArcs = faultsOfAllArcs
        self.resetWhileLocked = resetWhileLocked
        self.resetMayFail = resetMayFail
        self.effects = effects
        self.arcQuirks = arcQuirks
        self.quirks = quirks
        self.quirksByFeatures = quirksByFeatures
    }

    /// The whole-driver quirks in force on `features`.
    public func quirks(on features: FeatureSet) -> Set<DriverQuirk> {
        quirks.union(quirksByFeatures[features] ?? [])
    }

    /// The driver `explore` uses without `--driver`: for each feature set,
    /// exactly its required arcs, every fault on every arc, resets while
    /// locked and failing resets, no quirk. As a driver file:
    ///
    ///     driver default
    ///     flags STOP_COPY            # one line per valid feature set
    ///     lookup spec
    ///     arc required
    ///     fault all stays, error, after-session
    ///     fault reset-while-locked
    ///     fault reset-may-fail
    public static func standard(featureSets: [FeatureSet]) -> DriverDescription {
        DriverDescription(
            name: "default", featureSets: featureSets, lookup: .spec, implementsRequired: true,
            faultsOfAllArcs: .all, resetWhileLocked: true, resetMayFail: true)
    }

    /// The faults of `arc`.
    public func faultKinds(of arc: Arc) -> FaultKinds {
        faultsOfAllArcs.union(faults[arc] ?? [])
    }
}
