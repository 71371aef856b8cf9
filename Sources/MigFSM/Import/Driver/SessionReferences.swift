/// Counts the references to a session's file that a path of the driver
/// still holds where it returns, so that a failing step or helper that
/// keeps one is seen:
///
///     migf = acme_alloc_file(dev);        // 1 (the file exists: tested below)
///     if (IS_ERR(migf))
///             return ERR_CAST(migf);
///     get_file(migf->filp);               // 2
///     ret = acme_enter(dev);
///     if (ret) {
///             fput(migf->filp);           // 1: only get_file()'s reference
///             return ERR_PTR(ret);        // fails, the file still held
///     }
///
/// The call that creates the file (`anon_inode_getfile()`, or a driver
/// function that hands one back) takes the references that function holds
/// on success (`pds_vfio_get_lm_file()` takes two: its own and
/// `get_file()`'s); `get_file()` takes one more; `fput()` drops one; a
/// driver function that releases a session drops as many as it puts on its
/// longest path. A file counts as created only on a path that tested the
/// call as a success or went on to a command after it, so the path where
/// the creation itself failed holds nothing.
///
/// Driver functions are walked with their arguments bound (a helper called
/// as `hisi_acc_vf_stop_copy(vdev, true)` opens the file, with `false` it
/// does not), each walk kept by name and arguments.
public struct SessionReferences {
    public let code: DriverCode
    let names: CNames
    let stateField: String?
    var summaries: CalleeSummaries
    var handedBack: [Key: Int] = [:]
    var drops: [Key: Int] = [:]
    var inside: [Key: Leak?] = [:]

    /// Driver functions are followed this many calls deep.
    public static let depth = 3

    struct Key: Hashable {
        var name: String
        var arguments: [AbstractValue]
    }

    /// A failing return where a file the path created is still held.
    public struct Leak: Sendable {
        /// The call that created the file.
        public var create: CallRecord
        /// Where the failing path returns.
        public var failure: SourceLocation
        /// The driver function that fails (`nil`: the step itself).
        public var within: String?
        /// The references the creating call handed back.
        public var taken: Int
        /// Releases on that path that left a reference held.
        public var partial: [PartialRelease]
    }

    /// A release that leaves the file referenced: an `fput()` that only
    /// balances `get_file()`, or a driver function that puts fewer
    /// references than the path holds.
    public struct PartialRelease: Sendable {
        public var call: CallRecord
        public var balancesGetFile: Bool
        public var dropped: Int
        /// The references held just before it.
        public var before: Int
    }

    /// What one path holds: the creating call and the references left.
    public struct Count {
        public var create: CallRecord
        public var createIndex: Int
        public var taken: Int
        public var held: Int
        public var partial: [PartialRelease]
    }

    public init(code: DriverCode, names: CNames, stateField: String?) {
        self.code = code
        self.names = names
        self.stateField = stateField
        summaries = CalleeSummaries(code: code)
    }

    /// The references `path` holds where it returns, counting its calls made
    /// at `depth`; `nil` when the path created no file.
    public mutating func count(_ path: PathState, depth: Int = 0, level: Int = 0) -> Count? {
        var found: (record: CallRecord, index: Int)?
        var held = 0
        var initial = 0
        var fromGetFile = 0
        var partial: [PartialRelease] = []
        var progressed = false
        for (index, call) in path.calls.enumerated() where call.depth == depth {
            guard let name = call.name else { continue }
            let summary = summaries.summary(name)
            guard found != nil else {
                if summary.createsSession, !path.failedCalls.contains(index) {
                    found = (call, index)
                    held = references(handedBackBy: call, level: level)
                    initial = held
                }
                continue
            }
            if name == "get_file" {
                held += 1
                fromGetFile += 1
            } else if KernelAPI.role(name) == .releasesSession {
                if held > 1 {
                    partial.append(PartialRelease(call: call, balancesGetFile: fromGetFile > 0, dropped: 1, before: held))
                    if fromGetFile > 0 { fromGetFile -= 1 }
                }
                held = max(0, held - 1)
            } else if summary.releasesSession {
                let dropped = references(droppedBy: call, level: level)
                if held > dropped { partial.append(PartialRelease(call: call, balancesGetFile: false, dropped: dropped, before: held)) }
                held = max(0, held - dropped)
            } else if call.used, summary.returns == .integer || summary.returns == .pointer || summary.origin == .unknown {
                progressed = true
            }
        }
        guard let found, path.succeededCalls.contains(found.index) || progressed else { return nil }
        return Count(create: found.record, createIndex: found.index, taken: initial, held: held, partial: partial)
    }

    /// A failure of the driver function `call` calls, after it created a
    /// file it still holds (itself, or in the creating functions it calls).
    public mutating func leak(inside call: CallRecord, level: Int = 0) -> Leak? {
        guard let name = call.name, level < Self.depth, summaries.summary(name).createsSession,
              let located = code.definition(name) else { return nil }
        let key = Key(name: name, arguments: call.arguments)
        if let known = inside[key] { return known }
        inside[key] = .some(nil)
        let paths = walk(located, call.arguments)
        let anyFile = paths.contains { returnsFile($0, located.function) }
        var found: Leak?
        var nested: [CallRecord] = []
        for path in paths where fails(path, located.function, returnsFile: anyFile) {
            if let count = count(path, level: level + 1), count.held > 0, let failure = path.returnLocation {
                found = Leak(create: count.create, failure: failure, within: name, taken: count.taken, partial: count.partial)
                break
            }
            for (index, inner) in path.calls.enumerated() where inner.depth == 0 && !nested.contains(where: { $0.location == inner.location }) {
                guard let innerName = inner.name, summaries.summary(innerName).createsSession,
                      code.definition(innerName) != nil, !path.succeededCalls.contains(index) else { continue }
                nested.append(inner)
            }
        }
        if found == nil {
            for inner in nested {
                if let deeper = leak(inside: inner, level: level + 1) {
                    found = deeper
                    break
                }
            }
        }
        inside[key] = .some(found)
        return found
    }

    /// The references a creating call hands back: one for the kernel's
    /// `anon_inode_getfile()`; for a driver function, the most any of its
    /// successful paths holds (one when none can be counted).
    mutating func references(handedBackBy call: CallRecord, level: Int) -> Int {
        guard let name = call.name, let located = code.definition(name), level < Self.depth else { return 1 }
        let key = Key(name: name, arguments: call.arguments)
        if let known = handedBack[key] { return known }
        handedBack[key] = 1
        let paths = walk(located, call.arguments)
        let anyFile = paths.contains { returnsFile($0, located.function) }
        var most = 0
        for path in paths where !fails(path, located.function, returnsFile: anyFile) {
            if let count = count(path, level: level + 1) { most = max(most, count.held) }
        }
        let result = max(1, most)
        handedBack[key] = result
        return result
    }

    /// The references a releasing driver function drops: the most `fput()`
    /// calls (its own and its releasing callees') on one of its paths.
    mutating func references(droppedBy call: CallRecord, level: Int) -> Int {
        guard let name = call.name, let located = code.definition(name), level < Self.depth else { return 1 }
        let key = Key(name: name, arguments: call.arguments)
        if let known = drops[key] { return known }
        drops[key] = 1
        var most = 0
        for path in walk(located, call.arguments) {
            var dropped = 0
            for inner in path.calls where inner.depth == 0 {
                guard let innerName = inner.name else { continue }
                if KernelAPI.role(innerName) == .releasesSession {
                    dropped += 1
                } else if code.definition(innerName) != nil, summaries.summary(innerName).releasesSession {
                    dropped += references(droppedBy: inner, level: level + 1)
                }
            }
            most = max(most, dropped)
        }
        let result = max(1, most)
        drops[key] = result
        return result
    }

    /// Every path of a driver function with its parameters bound to `arguments`.
    func walk(_ located: DriverCode.Located, _ arguments: [AbstractValue]) -> [PathState] {
        var bound: [String: AbstractValue] = [:]
        for (parameter, value) in zip(located.function.parameters, arguments) {
            if let name = parameter.name?.text { bound[name] = value }
        }
        let walker = CPathWalker(code: code, roles: StateRoles(stateField: stateField), names: names)
        return walker.walk(located.function, in: code.file(located), arguments: bound).paths.filter {
            if case .stopped = $0.status { return false }
            return true
        }
    }

    /// Whether a path returns a (non-NULL) pointer.
    func returnsFile(_ path: PathState, _ function: CFunction) -> Bool {
        function.returns == .pointer && path.outcomes.contains(.success(file: true))
    }

    /// Whether a path of a function fails: it returns an error, or NULL from
    /// a function whose other paths return a pointer (`pds_vfio_get_lm_file()`).
    func fails(_ path: PathState, _ function: CFunction, returnsFile: Bool) -> Bool {
        if path.outcomes == [.error] { return true }
        return function.returns == .pointer && returnsFile && path.returnValue == .known(0)
    }
}
