import OutcomesInstruments
import OutcomesStore

/// Which respondents an item's skip condition (`show_if`) left unasked, read from the frame's answers
/// as the import and capture apply it. An unasked item is not a missing answer: it is counted in its
/// own column, and neither in N nor in Missing.
enum NotAsked {
    /// Per row, true where the item was not asked: no answer, and its condition does not hold for
    /// that row's answers. Nil when the item has no condition. Where the answers that decide the
    /// condition are not in the frame, the item counts as asked (its empty answers as missing).
    static func rows(_ item: Item, frame: ResponseFrame) -> [Bool]? {
        guard let condition = item.showIf else { return nil }
        let answers = frame.column(item.id)
        let columns = Dictionary(uniqueKeysWithValues: condition.items.map { id in
            (id, frame.column(id).map { (column: $0, type: frame.instrument.item(id)?.type) })
        })
        return (0..<frame.count).map { row in
            if let answers, isAnswered(answers, row) { return false }
            let asked = condition.evaluate { id -> AnswerValue?? in
                guard let known = columns[id], let (column, type) = known else { return nil }
                return .some(value(column, row, type: type))
            }
            return asked == false
        }
    }

    /// The rows' items and the items their conditions read: what a frame needs to tell not asked
    /// from missing.
    static func conditionItems(of items: [String], in instrument: Instrument) -> [String] {
        items.flatMap { instrument.item($0)?.showIf?.items ?? [] }
    }

    static func isAnswered(_ column: AnswerColumn, _ row: Int) -> Bool {
        switch column {
        case let .integers(values): return values[row] != nil
        case let .numbers(values): return values[row] != nil
        case let .texts(values): return values[row] != nil
        }
    }

    /// One stored answer as the condition reads it (multiple choice answers as their codes).
    static func value(_ column: AnswerColumn, _ row: Int, type: ItemType?) -> AnswerValue? {
        switch column {
        case let .integers(values): return values[row].map { .integer($0) }
        case let .numbers(values): return values[row].map { .number($0) }
        case let .texts(values):
            guard let text = values[row] else { return nil }
            if type == .multipleChoice {
                return .codes(text.split(separator: ";").compactMap { Int($0) })
            }
            return .text(text)
        }
    }
}
