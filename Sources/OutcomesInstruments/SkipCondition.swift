/// When an item is asked: a test of earlier answers, or tests combined with all / any / not.
///
/// In an instrument file (`show_if:`):
/// ```yaml
/// show_if: {item: has_carer, equals: 1}                  # a single choice (or whole number) answer
/// show_if: {item: budget_type, in: [2, 3]}
/// show_if: {item: helpers, includes: 3}                  # a multiple choice answer includes a code
/// show_if: {item: age, greater_than: 65}                 # also at_least, less_than, at_most
/// show_if: {item: comments, answered: true}              # answered at all (false: left empty)
/// show_if: {all: [{item: a, equals: 1}, {not: {item: b, in: [2, 3]}}]}
/// show_if: {any: [{item: a, equals: 1}, {item: c, at_least: 10}]}
/// ```
/// An unanswered item meets no test but `answered: false`, as in REDCap and ODK; `not` is plain negation.
public indirect enum SkipCondition: Sendable, Equatable, CustomStringConvertible {
    case answer(item: String, test: AnswerTest)
    case all([SkipCondition])
    case any([SkipCondition])
    case not(SkipCondition)

    /// "Show when `item` has one of these codes": the one form earlier versions knew.
    public init(item: String, codes: [Int]) { self = .answer(item: item, test: .oneOf(codes)) }

    /// What a single answer is tested for.
    public enum AnswerTest: Sendable, Equatable {
        /// The answer is one of these codes or whole numbers; for a multiple choice answer, it
        /// includes one of them.
        case oneOf([Int])
        /// A multiple choice answer includes this code.
        case includes(Int)
        /// A number compared with a bound.
        case compare(Comparison, Double)
        /// Answered (true) or left empty (false).
        case answered(Bool)
    }

    public enum Comparison: String, Sendable, CaseIterable {
        case greaterThan = "greater_than", atLeast = "at_least", lessThan = "less_than", atMost = "at_most"

        public func holds(_ value: Double, _ bound: Double) -> Bool {
            switch self {
            case .greaterThan: return value > bound
            case .atLeast: return value >= bound
            case .lessThan: return value < bound
            case .atMost: return value <= bound
            }
        }

        var words: String {
            switch self {
            case .greaterThan: return "is greater than"
            case .atLeast: return "is at least"
            case .lessThan: return "is less than"
            case .atMost: return "is at most"
            }
        }
    }

    /// Every item the condition reads, in the order written.
    public var items: [String] {
        switch self {
        case let .answer(item, _): return [item]
        case let .all(parts), let .any(parts): return parts.flatMap(\.items)
        case let .not(inner): return inner.items
        }
    }

    /// Whether the item is asked. `answer` gives an item's answer: `.some(nil)` if it was left empty,
    /// `nil` if it is not known (a file without that item's column). The result is nil when the
    /// unknown answers decide it.
    public func evaluate(_ answer: (String) -> AnswerValue??) -> Bool? {
        switch self {
        case let .answer(item, test):
            guard let known = answer(item) else { return nil }
            return test.holds(for: known)
        case let .all(parts): return Self.combine(parts, decisive: false, answer)
        case let .any(parts): return Self.combine(parts, decisive: true, answer)
        case let .not(inner):
            return inner.evaluate(answer).map { !$0 }
        }
    }

    /// `all` (one false part decides) or `any` (one true part decides); otherwise unknown if a part is.
    private static func combine(_ parts: [SkipCondition], decisive: Bool,
                                _ answer: (String) -> AnswerValue??) -> Bool? {
        var unknown = false
        for part in parts {
            guard let value = part.evaluate(answer) else { unknown = true; continue }
            if value == decisive { return decisive }
        }
        return unknown ? nil : !decisive
    }

    /// In words, for messages: "has_carer is 1", "helpers includes 3", "all of (...)".
    public var description: String {
        switch self {
        case let .answer(item, test):
            switch test {
            case let .oneOf(codes): return "\(item) is \(codes.map(String.init).joined(separator: " or "))"
            case let .includes(code): return "\(item) includes \(code)"
            case let .compare(comparison, bound): return "\(item) \(comparison.words) \(Self.number(bound))"
            case let .answered(answered): return answered ? "\(item) is answered" : "\(item) is left empty"
            }
        case let .all(parts):
            return parts.count == 1 ? parts[0].description
                : "all of (\(parts.map(\.description).joined(separator: "; ")))"
        case let .any(parts):
            return parts.count == 1 ? parts[0].description
                : "any of (\(parts.map(\.description).joined(separator: "; ")))"
        case let .not(inner): return "not (\(inner.description))"
        }
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}

extension SkipCondition.AnswerTest {
    /// Whether a known answer (nil: left empty) meets the test.
    public func holds(for value: AnswerValue?) -> Bool {
        switch (self, value) {
        case let (.answered(answered), value): return answered == (value != nil)
        case (_, nil): return false
        case let (.oneOf(codes), .integer(code)?): return codes.contains(code)
        case let (.oneOf(codes), .codes(given)?): return given.contains { codes.contains($0) }
        case let (.includes(code), .codes(given)?): return given.contains(code)
        case let (.compare(comparison, bound), .integer(number)?): return comparison.holds(Double(number), bound)
        case let (.compare(comparison, bound), .number(number)?): return comparison.holds(number, bound)
        default: return false
        }
    }
}
