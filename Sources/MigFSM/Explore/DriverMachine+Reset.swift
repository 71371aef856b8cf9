/// Resets (`VFIO_DEVICE_RESET`, deferred or not, and one that fails) and
/// closing and reopening the device.
extension DriverMachine {
    /// A reset, and with `fault reset-may-fail` one that fails: the device
    /// is left failed (the error state) and the ioctl returns an error.
    func resetBranches(_ device: DeviceState, record: Bool, _ body: (Branch) -> Void) {
        var after = device
        var events: [TraceEvent] = []
        applyReset(&after, &events, record: record)
        body(Branch(after: after, result: .done, violations: checks.reset(after), events: events,
                    flags: [.succeeded, .reset]))
        guard driver.resetMayFail else { return }
        var failed = device
        events = []
        if record {
            events.append(TraceEvent(.fault,
                "injected fault: the reset fails (VFIO_DEVICE_RESET returns an error); the device is left failed (\(name(errorState)))",
                cause: .resetMayFail))
        }
        failed.hardware = errorState
        failed.disabled = false
        if has(.resetKeepsState) {
            if record { events.append(TraceEvent(.quirk, "reset-keeps-state: the driver keeps recording \(name(failed.recorded))",
                                                   cause: .driverQuirk(.resetKeepsState))) }
        } else if has(.failedResetRecordsRunning) {
            if record {
                events.append(TraceEvent(.quirk,
                    "failed-reset-records-running: reset_done runs whatever the reset returned and records \(name(resetState))",
                    cause: .driverQuirk(.failedResetRecordsRunning)))
            }
            failed.recorded = resetState
        } else {
            if record { events.append(TraceEvent(.reset, "the driver learns that the reset failed and records \(name(errorState))")) }
            failed.recorded = errorState
        }
        endSessions(&failed, &events, record: record)
        failed = failed.normalized()
        body(Branch(after: failed, result: .resetFailed, violations: checks.steady(failed), events: events, flags: .reset))
    }

    /// The driver's reset handling: the reset state, every session ended.
    func applyReset(_ device: inout DeviceState, _ events: inout [TraceEvent], record: Bool) {
        device.hardware = resetState
        device.disabled = false
        if has(.resetKeepsState) {
            if record { events.append(TraceEvent(.quirk, "reset-keeps-state: the driver keeps recording \(name(device.recorded))",
                                                   cause: .driverQuirk(.resetKeepsState))) }
        } else {
            device.recorded = resetState
        }
        endSessions(&device, &events, record: record)
        device = device.normalized()
    }

    func endSessions(_ device: inout DeviceState, _ events: inout [TraceEvent], record: Bool) {
        if has(.resetKeepsSession) {
            if record { events.append(TraceEvent(.quirk, "reset-keeps-session: the sessions stay live", cause: .driverQuirk(.resetKeepsSession))) }
            return
        }
        for kind in SessionKind.allCases { endSession(kind, &device, &events, record: record) }
    }

    /// `close()` of the device and `open()` again: `close_device` ends the
    /// sessions ("the driver is responsible to ensure that FD reaches end
    /// of stream or error [...] before close_device() returns" [000]);
    /// opening resets the function (`vfio_pci_core_enable()`) and the
    /// driver records the reset state. The user keeps its data FD, ended.
    func reopen(_ device: DeviceState, record: Bool, _ body: (Branch) -> Void) {
        var after = device
        var events: [TraceEvent] = []
        if has(.closeKeepsSessions) {
            if record { events.append(TraceEvent(.quirk, "close-keeps-sessions: close_device leaves the sessions live",
                                                            cause: .driverQuirk(.closeKeepsSessions))) }
        } else {
            if record && after.hasLiveSession { events.append(TraceEvent(.session, "close_device: the driver ends its sessions")) }
            for kind in SessionKind.allCases { endSession(kind, &after, &events, record: record) }
        }
        var violations: [Violation] = []
        if after.hasLiveSession {
            violations.append(Violation(.closeEndsSessions, "a session is still live after the device was closed"))
        }
        after.hardware = resetState
        after.disabled = false
        if has(.openKeepsState) {
            if record { events.append(TraceEvent(.quirk, "open-keeps-state: open_device leaves mig_state at \(name(after.recorded))",
                                                            cause: .driverQuirk(.openKeepsState))) }
        } else {
            if record { events.append(TraceEvent(.reset, "open_device: the function is reset; the driver records \(name(resetState))")) }
            after.recorded = resetState
        }
        if after.recorded != resetState {
            violations.append(Violation(.closeEndsSessions,
                "the reopened device records \(name(after.recorded)), not \(name(resetState))"))
        }
        after = after.normalized()
        body(Branch(after: after, result: .done, violations: violations + checks.steady(after), events: events,
                    flags: [.succeeded, .reset]))
    }
}
