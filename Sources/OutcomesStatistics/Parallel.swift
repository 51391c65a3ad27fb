import Dispatch
import Foundation

/// `body` applied to each of `items` on every core the machine has, the results in the items' order.
/// For independent pieces of one computation (a model per domain, a share of bootstrap replicates);
/// `body` must only read shared data. The first error thrown (in item order) is rethrown once every
/// piece has finished. Visible to the package's modules, not part of the public API.
package func parallelMap<Item: Sendable, Result: Sendable>(_ items: [Item], _ body: @Sendable (Item) throws -> Result) throws -> [Result] {
    let slots = ParallelSlots<Result>(count: items.count)
    DispatchQueue.concurrentPerform(iterations: items.count) { index in
        slots.store(Swift.Result { try body(items[index]) }, at: index)
    }
    return try slots.values.map { try $0!.get() }
}

/// Results written by several threads, each into its own slot.
private final class ParallelSlots<Value: Sendable>: @unchecked Sendable {
    private var slots: [Swift.Result<Value, any Error>?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func store(_ value: Swift.Result<Value, any Error>, at index: Int) { lock.withLock { slots[index] = value } }
    var values: [Swift.Result<Value, any Error>?] { lock.withLock { slots } }
}
