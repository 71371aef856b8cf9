/// A `Policy` compiled for one list of devices: which step line applies to
/// each (event, phase, device, belief), and each step's action slots, so
/// that the search never walks the policy's lines or compares features.
struct CompiledPolicy: Sendable {
    /// One step line, ready for the tables.
    struct Step: Sendable {
        enum Kind: UInt8, Sendable { case request, write, read }
        var kind: Kind
        var target: StateID
        var recover: StateID
        /// The slots of the request for the target and for the recover state.
        var targetSlot: Int
        var recoverSlot: Int
        /// The recover state is the error state: a failure resets at once.
        var resetsAtOnce: Bool
    }

    let policy: Policy
    let deviceCount: Int
    let beliefCount: Int
    /// Per event: where its steps start in `steps`.
    let stepBase: [Int]
    let steps: [Step]
    /// `stepFor[((event * 2 + phase) * deviceCount + device) * beliefCount + belief]`:
    /// the event's first step line that applies, or -1.
    let stepFor: [Int16]
    /// The event that starts the policy (-1: it has none and is done at once).
    let firstEvent: Int
    /// Per event: the next event run in sequence (-1: none).
    let nextEvent: [Int]
    let failureEvent: Int
    let assumed: StateID
    let resetAssumes: StateID
    let resetSlot: Int
    let accessSlot: Int
    let maximumSteps: Int

    init(policy: Policy, model: MigrationProtocol, devices: [DeviceSetup], table: DeviceTable) {
        self.policy = policy
        deviceCount = devices.count
        beliefCount = model.states.count
        var stepBase: [Int] = []
        var steps: [Step] = []
        for event in policy.events {
            stepBase.append(steps.count)
            for step in event.steps {
                switch step.action {
                case .request(let target, let recover):
                    steps.append(Step(kind: .request, target: target, recover: recover,
                                      targetSlot: table.requestSlot(target), recoverSlot: table.requestSlot(recover),
                                      resetsAtOnce: recover == model.errorState))
                case .write:
                    steps.append(Step(kind: .write, target: 0, recover: 0, targetSlot: table.writeStreamSlot, recoverSlot: 0, resetsAtOnce: false))
                case .read:
                    steps.append(Step(kind: .read, target: 0, recover: 0, targetSlot: table.readToEndSlot, recoverSlot: 0, resetsAtOnce: false))
                }
            }
        }
        self.stepBase = stepBase
        self.steps = steps
        var stepFor: [Int16] = []
        for event in policy.events {
            for phase in PolicyStep.Phase.allCases {
                for device in devices {
                    for belief in 0..<model.states.count {
                        let index = event.steps.firstIndex {
                            $0.phase == phase && $0.applies(features: device.features, belief: belief)
                        }
                        stepFor.append(Int16(index ?? -1))
                    }
                }
            }
        }
        self.stepFor = stepFor
        firstEvent = policy.events.firstIndex { !$0.onFailure } ?? -1
        nextEvent = policy.events.indices.map { event in
            policy.events.indices.first { $0 > event && !policy.events[$0].onFailure } ?? -1
        }
        failureEvent = policy.failureEvent ?? -1
        assumed = policy.assumed
        resetAssumes = policy.resetAssumes
        resetSlot = table.resetSlot
        accessSlot = table.accessSlot
        maximumSteps = policy.events.map(\.steps.count).max() ?? 0
    }

    /// The step line for `device` believed in `belief`, in `phase` (0:
    /// prepare, 1: main) of `event`, or -1.
    @inline(__always)
    func step(event: Int, phase: Int, device: Int, belief: Int) -> Int {
        Int(stepFor[((event * 2 + phase) * deviceCount + device) * beliefCount + belief])
    }

    /// `policy: event vm-stop, main, line 11` and what stage of QEMU's
    /// recovery the step is in.
    func describe(event: Int, step: Int, stage: Int, model: MigrationProtocol) -> String {
        let line = policy.events[event].steps[step]
        var text = "policy: event \(policy.events[event].name), \(line.phase.rawValue), line \(line.line)"
        if stage == 1 { text += ": the request failed; the recover request" }
        if stage == 2 { text += ": recovery failed or none; reset and assume \(model.states[policy.resetAssumes].name)" }
        return text
    }
}
