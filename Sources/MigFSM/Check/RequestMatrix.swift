/// One value per request (current, requested) of a feature set's table,
/// indexed by state IDs: what a per-target pass found, read back in
/// request order.
struct RequestMatrix<Value> {
    let count: Int
    var storage: [Value]

    init(count: Int, fill: Value) {
        self.count = count
        storage = [Value](repeating: fill, count: count * count)
    }

    subscript(from: StateID, to: StateID) -> Value {
        get { storage[from * count + to] }
        set { storage[from * count + to] = newValue }
    }
}
