/// Reads and writes of the user's data FD: the saving stream to its
/// temporary end (ENOMSG, pre-copy) or permanent end (0, STOP_COPY), the
/// resuming stream as a whole, a part, or invalid data [000, 001].
extension DriverMachine {
    /// Every outcome of `action` (`accessFD`, `readToEnd`, `writeStream`) on
    /// the FD the user holds; none when the action does not fit the FD.
    func streamBranches(_ device: DeviceState, _ action: UserAction, record: Bool, _ body: (Branch) -> Void) {
        guard let kind = device.userFD.kind else { return }
        if kind == .saving && action == .writeStream { return }
        if kind == .resuming && action == .readToEnd { return }
        let live: Bool
        switch device.userFD {
        case .driver: live = true
        case .detached(_, let isLive): live = isLive
        case .none: live = false
        }
        if !live {
            body(Branch(after: device, result: .stream(.ended(kind))))
            return
        }
        guard device.userFD == .driver(kind) else {
            // A session the driver let go of without ending it: it still
            // serves reads and writes, of nothing the device will load.
            let result: StreamResult = kind == .resuming ? .wrotePart : (action == .readToEnd ? .dataToEnd : .data)
            body(Branch(after: device, result: .stream(result), flags: .succeeded))
            return
        }
        if kind == .saving {
            read(device, whole: action == .readToEnd, record: record, body)
        } else {
            write(device, action, body)
        }
    }

    /// A read (`whole`: reads to the end, as a VMM does) of the driver's
    /// live saving session.
    func read(_ device: DeviceState, whole: Bool, record: Bool, _ body: (Branch) -> Void) {
        func emit(_ stream: SavingStream, _ result: StreamResult, _ violations: [Violation] = [], _ events: [TraceEvent] = []) {
            var after = device
            after.savingStream = stream
            body(Branch(after: after, result: .stream(result), violations: violations,
                        events: record ? events : [], flags: .succeeded))
        }
        let state = name(device.recorded)
        if checks.temporaryEnd[device.recorded] {
            switch device.savingStream {
            case .unread, .partial:
                if whole {
                    emit(.drained, .dataToNoMessage)
                } else {
                    emit(.partial, .data)
                    emit(.drained, .data, [], [TraceEvent(.stream, "that was the last of the initial bytes: initial_bytes is 0")])
                }
            case .drained:
                if whole {
                    emit(.drained, .dataToNoMessage)
                } else {
                    emit(.drained, .noMessage)
                    emit(.drained, .data, [], [TraceEvent(.stream, "the device dirtied more state since the last read")])
                }
            }
            return
        }
        let early = Violation(.precopyEnomsg, "a read in \(state) fails with ENOMSG")
        switch device.savingStream {
        case .unread, .partial:
            if whole {
                emit(.drained, .dataToEnd)
            } else {
                emit(.partial, .data)
                emit(.drained, .data, [], [TraceEvent(.stream, "that was the last of the device state")])
            }
            if has(.enomsgInStopCopy) {
                emit(whole ? .partial : device.savingStream, whole ? .dataToEarlyNoMessage : .noMessage, [early],
                     [TraceEvent(.quirk, "enomsg-in-stop-copy: the driver has no data at hand and returns ENOMSG in \(state)",
                                 cause: .driverQuirk(.enomsgInStopCopy))])
            }
            if has(.endsStreamEarly) {
                emit(.drained, whole ? .dataToEnd : .endOfStream,
                     [Violation(.streamComplete, "a read in \(state) returned end of stream before all device state was read")],
                     [TraceEvent(.quirk, "ends-stream-early: the read returns 0 with device state still unread",
                                 cause: .driverQuirk(.endsStreamEarly))])
            }
        case .drained:
            emit(.drained, .endOfStream)
            if has(.enomsgInStopCopy) {
                emit(.drained, .noMessage, [early],
                     [TraceEvent(.quirk, "enomsg-in-stop-copy: at the end of stream the driver returns ENOMSG, not 0",
                                 cause: .driverQuirk(.enomsgInStopCopy))])
            }
        }
    }

    /// A write into the driver's live resuming session: one write
    /// (`accessFD`: the next part of the stream, its rest, or data that is
    /// no valid stream), or a whole stream (`writeStream`).
    func write(_ device: DeviceState, _ action: UserAction, _ body: (Branch) -> Void) {
        func emit(_ stream: ResumingStream, _ result: StreamResult) {
            var after = device
            after.resumingStream = stream
            body(Branch(after: after, result: .stream(result), flags: [.succeeded, .wrote]))
        }
        switch action {
        case .writeStream:
            emit(device.resumingStream == .empty ? .complete : .invalid, .streamWritten)
        default:
            switch device.resumingStream {
            case .empty, .partial:
                emit(.partial, .wrotePart)
                emit(.complete, .wroteRest)
            case .complete, .invalid:
                // Data beyond one whole stream is no valid stream.
                break
            }
            emit(.invalid, .wroteInvalid)
        }
    }
}
