import Foundation
import OutcomesInstruments

/// The questionnaire walk of an interactive capture, as a state machine over lines of input, so that
/// the terminal front end stays thin and the whole dialogue can be tested with plain strings.
///
/// At each item the person types an answer: a choice's number as shown, or its code; several for a
/// multiple choice item (`1,3`); a whole number, a number, a date (YYYY-MM-DD) or text. Commands:
/// `b` goes back, Enter skips an optional item (or keeps the answer shown as current), `q` saves what
/// has been answered as a draft and stops. Answers are checked at once; a bad one is asked again.
/// Skip conditions are followed as answers change. At the end a summary asks to store (`y`).
public final class CaptureSession {
    public enum Step: Equatable {
        /// Keep reading input; `prompt` shows what to ask next.
        case asking
        /// The person confirmed: store these answers as a complete response.
        case finished([String: AnswerValue])
        /// The person quit: keep these answers as a draft.
        case quit([String: AnswerValue])
    }

    public let instrument: Instrument
    public private(set) var answers: [String: AnswerValue]
    private let items: [Item]
    private let rules: [String: AnswerRule]
    /// The item being asked (an index into `items`), or nil at the final confirmation.
    private var current: Int?
    /// Items asked before the current one, so that "back" retraces the person's own path.
    private var history: [Int] = []

    public init(instrument: Instrument, resuming answers: [String: AnswerValue] = [:]) {
        self.instrument = instrument
        self.answers = answers
        items = instrument.items
        rules = Dictionary(uniqueKeysWithValues: instrument.items.map { ($0.id, AnswerRule(item: $0, instrument: instrument)) })
        // Resume at the first shown item without an answer, with the answered ones as the path behind.
        var index = nextShown(after: -1)
        while let i = index, answers[items[i].id] != nil {
            history.append(i)
            index = nextShown(after: i)
        }
        current = index
    }

    /// Items answered so far, for messages.
    public var answeredCount: Int { answers.count }

    /// Whether an item is shown, given the answers so far (its skip condition, if any, is met).
    func isShown(_ item: Item) -> Bool {
        // Every item a condition reads comes earlier, so each is answered or was left empty: known.
        item.showIf?.evaluate { .some(answers[$0]) } ?? true
    }

    private func nextShown(after index: Int) -> Int? {
        var i = index + 1
        while i < items.count {
            if isShown(items[i]) { return i }
            i += 1
        }
        return nil
    }

    /// What to show the person now.
    public var prompt: String {
        guard let index = current else { return summary() }
        let item = items[index]
        let shownCount = items.filter(isShown).count
        let position = items[...index].filter(isShown).count
        var lines = ["", "[\(position)/\(shownCount)] \(item.text)"]
        if let set = instrument.choiceSet(for: item) {
            for (number, choice) in set.choices.enumerated() {
                let code = choice.code == number + 1 ? "" : "  [code \(choice.code)]"
                lines.append("  \(number + 1)) \(choice.label)\(code)")
            }
            if item.type == .multipleChoice { lines.append("  (choose one or more, separated by commas)") }
        } else {
            switch item.type {
            case .integer: lines.append("  (a whole number\(item.range.map { ", \($0.description)" } ?? ""))")
            case .number: lines.append("  (a number\(item.range.map { ", \($0.description)" } ?? ""))")
            case .date: lines.append("  (a date as YYYY-MM-DD)")
            default: break
            }
        }
        if let answer = answers[item.id] { lines.append("  current answer: \(describe(item, answer)) (Enter keeps it)") }
        lines.append("  " + (item.required ? "required" : "optional: Enter skips it") + "; b = back, q = save as a draft and quit")
        return lines.joined(separator: "\n") + "\n> "
    }

    /// Handles one line of input and says what it did (an error to show, or nothing) and what comes next.
    public func handle(_ input: String) -> (message: String?, step: Step) {
        let line = input.trimmingCharacters(in: .whitespaces)
        if line.lowercased() == "q" { return (nil, .quit(answers)) }
        if line.lowercased() == "b" {
            guard let previous = history.popLast() else { return ("This is the first question.", .asking) }
            current = previous
            return (nil, .asking)
        }
        guard let index = current else {
            // The final confirmation.
            switch line.lowercased() {
            case "y", "yes": return (nil, .finished(answers))
            default: return ("Type y to store, b to go back, or q to save as a draft.", .asking)
            }
        }
        let item = items[index]
        if line.isEmpty {
            if answers[item.id] != nil { advance(from: index); return (nil, .asking) }
            if item.required { return ("\(item.id) is required: please answer it.", .asking) }
            answers[item.id] = nil
            advance(from: index)
            return (nil, .asking)
        }
        switch parse(line, for: item) {
        case let .success(value):
            answers[item.id] = value
            advance(from: index)
            return (nil, .asking)
        case let .failure(problem):
            return ("Not accepted: \(problem.message). Please try again.", .asking)
        }
    }

    private func advance(from index: Int) {
        history.append(index)
        // Answers to items that are now hidden by a changed skip condition no longer apply.
        for item in items where !isShown(item) { answers[item.id] = nil }
        current = nextShown(after: index)
    }

    /// Turns typed choice numbers into codes (a shown number first, else a code), then applies the
    /// item's usual answer rule, so capture accepts exactly what import accepts.
    func parse(_ line: String, for item: Item) -> Result<AnswerValue, AnswerProblem> {
        guard let set = instrument.choiceSet(for: item) else { return rules[item.id]!.parse(line) }
        let parts = line.split(whereSeparator: { $0 == "," || $0 == ";" || $0 == " " })
        if item.type == .singleChoice, parts.count != 1 { return .failure(AnswerProblem(message: "choose one answer")) }
        var codes: [String] = []
        for part in parts {
            guard let number = Int(part) else {
                return .failure(AnswerProblem(message: "'\(part)' is not one of the numbers shown"))
            }
            if (1...set.choices.count).contains(number) { codes.append(String(set.choices[number - 1].code)) }
            else if set.choice(number) != nil { codes.append(String(number)) }
            else { return .failure(AnswerProblem(message: "\(number) is not one of the numbers shown (1 to \(set.choices.count))")) }
        }
        return rules[item.id]!.parse(codes.joined(separator: ";"))
    }

    func describe(_ item: Item, _ value: AnswerValue) -> String {
        guard let set = instrument.choiceSet(for: item) else { return value.description }
        switch value {
        case let .integer(code): return "\(code) \(set.label(code) ?? "")"
        case let .codes(codes): return codes.map { "\($0) \(set.label($0) ?? "")" }.joined(separator: "; ")
        default: return value.description
        }
    }

    private func summary() -> String {
        var lines = ["", "Summary of answers:"]
        for item in items where isShown(item) {
            lines.append("  \(item.id): " + (answers[item.id].map { describe(item, $0) } ?? "(no answer)"))
        }
        lines.append("Store this response? y = store, b = back to the last question, q = save as a draft and quit")
        return lines.joined(separator: "\n") + "\n> "
    }
}
