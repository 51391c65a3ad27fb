import Foundation
import OutcomesInstruments

/// A CSV file checked as `ValidatedFile.check` checks it, but handed over in batches while a thread
/// of its own reads it, for stores that write with asynchronous calls (the submission server's
/// PostgreSQL store): memory stays at a few batches of 1,024 rows whatever the file's size. `open`
/// reads the header (and throws if there is no usable one); `rows` reads the rest, and throws a
/// `DiagnosticList` naming every problem after the last batch (the caller's transaction then stores
/// nothing).
public struct StreamedFile: Sendable {
    /// The items the file has columns for, in the instrument's order.
    public let items: [Item]
    /// The file's column (1-based) of each of `items`, for problems a store finds in a cell.
    public let itemColumns: [Int]
    /// The SHA-256 of the bytes as given.
    public let sha256: String
    public let file: String
    let text: Data
    let validator: RowValidator
    let start: CSVReader.Position

    /// Prepares the text (encoding, delimiter) and reads the header, or throws its problems.
    public static func open(_ data: Data, file: String, instrument: Instrument, site: String? = nil,
                            text options: TextOptions = TextOptions()) throws -> StreamedFile {
        let text = try PreparedText.prepare(data, file: file, options: options)
        var validator = RowValidator(file: file, instrument: instrument, site: site, delimiter: text.delimiter)
        let start = text.data.withUnsafeBytes { validator.readHeader($0.bindMemory(to: UInt8.self)) }
        // Problems of a usable header are reported with the rows' by `rows`, as `check` does.
        guard let start else { throw validator.problems }
        return StreamedFile(items: validator.columns.map(\.rule.item),
                            itemColumns: validator.columns.map { $0.field + 1 },
                            sha256: sha256Hex(data), file: file, text: text.data, validator: validator, start: start)
    }

    /// Reads and checks every row, calling `receive` with each batch of valid rows while no problem
    /// has been found (by the checks or by `receive`, which returns problems of its own). Returns the
    /// rows read and the required items the file has no column for, or throws every problem in file
    /// order. May be called again (a store retrying its transaction reads the file anew).
    public func rows(_ receive: (StreamedBatch) async throws -> [Diagnostic]) async throws
        -> (rows: Int, absentRequiredItems: [String]) {
        let channel = AsyncBatchChannel(capacity: 4)
        let text = self.text, start = self.start, startingValidator = validator
        let reader = ThreadResult { () -> (problems: DiagnosticList, rows: Int, absent: [String]) in
            var validator = startingValidator
            text.withUnsafeBytes { validator.readRows($0.bindMemory(to: UInt8.self), from: start, send: channel.send) }
            channel.close()
            return (validator.problems, validator.rows, validator.absentRequired)
        }
        // The reading thread holds its own copy of the text: on an error it is told to stop, not awaited.
        var finished = false
        defer { if !finished { channel.cancel() } }
        var sites: [String] = [], waves: [String] = [], respondents: [(site: Int32, code: String)] = []
        var problems: [Diagnostic] = []
        while let batch = await channel.receive() {
            guard problems.isEmpty else { continue }
            sites += batch.newSites
            waves += batch.newWaves
            respondents += batch.newRespondents
            let streamed = StreamedBatch(
                batch: batch, sites: batch.sites.map { sites[Int($0)] }, waves: batch.waves.map { waves[Int($0)] },
                respondents: batch.respondents.map { respondents[Int($0)].code })
            problems = try await receive(streamed)
        }
        finished = true
        let read = try reader.wait().get()
        let all = read.problems.adding(problems, keeping: RowValidator.defaultMaximumProblems)
        if !all.diagnostics.isEmpty { throw all }
        return (read.rows, read.absent)
    }
}

/// Valid rows of a `StreamedFile`, with their identity fields and one cell per item column.
public struct StreamedBatch: Sendable {
    let batch: ImportBatch
    let sites: [String], waves: [String], respondents: [String]

    /// An answer as read: text (and multiple choice codes, as `1;3`) is UTF-8 bytes of the batch.
    public enum Cell {
        case missing
        case integer(Int64)
        case number(Double)
        case text(ArraySlice<UInt8>)
    }

    public var count: Int { batch.count }
    public func site(_ row: Int) -> String { sites[row] }
    public func respondent(_ row: Int) -> String { respondents[row] }
    public func wave(_ row: Int) -> String { waves[row] }
    public func arm(_ row: Int) -> String? { ImportBatch.armNames[Int(batch.arms[row])] }
    public func line(_ row: Int) -> Int { batch.lines[row] }

    /// The answer of `row` to the file's `column`-th item (an index into `StreamedFile.items`).
    public func cell(_ row: Int, _ column: Int) -> Cell {
        switch batch.cells[row * batch.width + column] {
        case .missing: return .missing
        case let .integer(value): return .integer(value)
        case let .number(value): return .number(value)
        case let .text(start, count): return .text(batch.text[Int(start)..<Int(start + count)])
        }
    }
}

/// A bounded queue of batches from the reading thread to an asynchronous receiver: the thread waits
/// for a free slot (so memory stays small), the receiver suspends instead of blocking a thread.
final class AsyncBatchChannel: @unchecked Sendable {
    private let lock = NSLock()
    private var queue: [ImportBatch] = []
    private var closed = false, cancelled = false
    private var waiting: CheckedContinuation<ImportBatch?, Never>?
    private let slots: DispatchSemaphore

    init(capacity: Int) { slots = DispatchSemaphore(value: capacity) }

    /// Called on the reading thread; false once the receiver has given up (then the reader stops).
    func send(_ batch: ImportBatch) -> Bool {
        slots.wait()
        lock.lock()
        if cancelled {
            lock.unlock()
            slots.signal()  // wakes the next send too
            return false
        }
        if let waiting {
            self.waiting = nil
            lock.unlock()
            waiting.resume(returning: batch)
        } else {
            queue.append(batch)
            lock.unlock()
        }
        return true
    }

    func close() {
        lock.lock()
        closed = true
        let waiting = self.waiting
        self.waiting = nil
        lock.unlock()
        waiting?.resume(returning: nil)
    }

    /// The next batch, or nil once the reader has closed the channel and every batch was received.
    func receive() async -> ImportBatch? {
        let batch: ImportBatch? = await withCheckedContinuation { continuation in
            lock.lock()
            if !queue.isEmpty {
                let first = queue.removeFirst()
                lock.unlock()
                continuation.resume(returning: first)
            } else if closed {
                lock.unlock()
                continuation.resume(returning: nil)
            } else {
                waiting = continuation
                lock.unlock()
            }
        }
        if batch != nil { slots.signal() }
        return batch
    }

    func cancel() {
        lock.lock()
        cancelled = true
        queue.removeAll()
        lock.unlock()
        slots.signal()
    }
}
