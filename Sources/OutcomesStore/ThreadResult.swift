import Foundation

/// Runs `body` on a thread of its own (with room for a deep stack), and `wait` waits for its result:
/// the import's reading thread, and the second connection of a large frame read. `wait` may be called
/// more than once (an import waits in its normal path and again in a `defer`). Unchecked: `body` and
/// `result` are touched by the thread only until it signals, and by callers only after `wait`.
final class ThreadResult<T>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var finished = false
    private let body: () throws -> T
    private var result: Result<T, Error>?

    init(_ body: @escaping () throws -> T) {
        self.body = body
        let thread = Thread { [self] in
            result = Result { try self.body() }
            done.signal()
        }
        thread.stackSize = 1 << 22
        thread.start()
    }

    func wait() -> Result<T, Error> {
        lock.withLock {
            if !finished {
                done.wait()
                finished = true
            }
        }
        return result!
    }
}
