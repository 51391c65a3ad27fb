import Foundation
import OutcomesInstruments

/// Branching logic as REDCap and XLSForm write it, read into one small tree and then mapped onto the
/// instrument's skip conditions. Both tools write `and`, `or`, parentheses and comparisons of a field
/// with a literal; REDCap tests a checkbox's option as `[q(2)] = '1'`, XLSForm calls `selected()` and
/// `not()`. Anything else (functions, arithmetic, other events' fields) is refused with a reason, and
/// the converter reports the logic as not carried.
indirect enum LogicExpression: Equatable {
    case and([LogicExpression])
    case or([LogicExpression])
    case not(LogicExpression)
    /// A field compared with a literal: `[age] > 65`, `${q} = 'yes'`, `[q(2)] = '1'` (option "2").
    case compare(field: String, option: String?, op: Operator, literal: Literal)
    /// XLSForm's `selected(${q}, 'x')`.
    case selected(field: String, choice: String)

    enum Operator: String {
        case equal = "=", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    }

    enum Literal: Equatable {
        case text(String)
        case number(Double)

        /// The literal as a choice code or name would be written: '1', 1 and 1.0 are all "1".
        var asCode: String {
            switch self {
            case let .text(text): return text
            case let .number(value):
                return value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
            }
        }

        var asNumber: Double? {
            switch self {
            case let .number(value): return value
            case let .text(text): return Double(text.trimmingCharacters(in: .whitespaces))
            }
        }
    }

    struct Unsupported: Error { var reason: String }

    enum Syntax { case redcap, xlsform }

    /// Parses `text` in a tool's syntax, or throws `Unsupported` saying what could not be read.
    static func parse(_ text: String, syntax: Syntax) throws -> LogicExpression {
        var parser = LogicParser(tokens: try LogicParser.tokens(text, syntax: syntax), syntax: syntax)
        let expression = try parser.disjunction()
        guard parser.atEnd else { throw Unsupported(reason: "'\(parser.rest)' is not understood") }
        return expression
    }
}

private struct LogicParser {
    enum Token: Equatable {
        case field(String, option: String?)
        case text(String)
        case number(Double)
        case word(String)
        case symbol(String)
    }

    var tokens: [Token]
    var position = 0
    let syntax: LogicExpression.Syntax

    init(tokens: [Token], syntax: LogicExpression.Syntax) {
        self.tokens = tokens
        self.syntax = syntax
    }

    var atEnd: Bool { position >= tokens.count }
    var rest: String { tokens[position...].map(Self.spelling).joined(separator: " ") }

    static func spelling(_ token: Token) -> String {
        switch token {
        case let .field(name, option?): return "[\(name)(\(option))]"
        case let .field(name, nil): return "[\(name)]"
        case let .text(text): return "'\(text)'"
        case let .number(value): return LogicExpression.Literal.number(value).asCode
        case let .word(word), let .symbol(word): return word
        }
    }

    static func tokens(_ text: String, syntax: LogicExpression.Syntax) throws -> [Token] {
        var tokens: [Token] = []
        let characters = Array(text.replacingOccurrences(of: "\u{2018}", with: "'")
            .replacingOccurrences(of: "\u{2019}", with: "'")
            .replacingOccurrences(of: "\u{201C}", with: "\"").replacingOccurrences(of: "\u{201D}", with: "\""))
        var index = 0
        func unsupported(_ reason: String) -> LogicExpression.Unsupported {
            LogicExpression.Unsupported(reason: reason)
        }
        while index < characters.count {
            let character = characters[index]
            if character.isWhitespace { index += 1; continue }
            if character == "'" || character == "\"" {
                guard let end = characters[(index + 1)...].firstIndex(of: character) else {
                    throw unsupported("a quote is never closed")
                }
                tokens.append(.text(String(characters[(index + 1)..<end])))
                index = end + 1
                continue
            }
            if syntax == .redcap, character == "[" {
                guard let end = characters[index...].firstIndex(of: "]") else {
                    throw unsupported("a '[' is never closed")
                }
                let inside = String(characters[(index + 1)..<end]).trimmingCharacters(in: .whitespaces)
                index = end + 1
                // [event_name][field]: a field of another event, which one questionnaire cannot test.
                if index < characters.count, characters[index] == "[" {
                    throw unsupported("[\(inside)][...] tests a field of another event")
                }
                if let open = inside.firstIndex(of: "("), inside.hasSuffix(")") {
                    let option = String(inside[inside.index(after: open)..<inside.index(before: inside.endIndex)])
                    tokens.append(.field(String(inside[..<open]), option: option))
                } else {
                    guard !inside.contains(":") else {
                        throw unsupported("[\(inside)] is a smart variable or an instance reference")
                    }
                    tokens.append(.field(inside, option: nil))
                }
                continue
            }
            if syntax == .xlsform, character == "$", index + 1 < characters.count, characters[index + 1] == "{" {
                guard let end = characters[index...].firstIndex(of: "}") else {
                    throw unsupported("a '${' is never closed")
                }
                tokens.append(.field(String(characters[(index + 2)..<end]).trimmingCharacters(in: .whitespaces),
                                     option: nil))
                index = end + 1
                continue
            }
            if character.isNumber
                || (character == "-" && index + 1 < characters.count && characters[index + 1].isNumber
                    && (tokens.last.map { if case .symbol = $0 { return true } else { return false } } ?? true)) {
                var end = index + 1
                while end < characters.count, characters[end].isNumber || characters[end] == "." { end += 1 }
                guard let value = Double(String(characters[index..<end])) else {
                    throw unsupported("'\(String(characters[index..<end]))' is not a number")
                }
                tokens.append(.number(value))
                index = end
                continue
            }
            if character.isLetter || character == "_" {
                var end = index + 1
                while end < characters.count,
                      characters[end].isLetter || characters[end].isNumber || "_-:".contains(characters[end]) {
                    end += 1
                }
                tokens.append(.word(String(characters[index..<end]).lowercased()))
                index = end
                continue
            }
            let two = index + 1 < characters.count ? String(characters[index...(index + 1)]) : ""
            if ["<>", "!=", "<=", ">=", "=="].contains(two) {
                tokens.append(.symbol(two == "<>" ? "!=" : two == "==" ? "=" : two))
                index += 2
                continue
            }
            if "=<>(),".contains(character) {
                tokens.append(.symbol(String(character)))
                index += 1
                continue
            }
            throw unsupported("'\(character)' is not understood (arithmetic and functions are not carried)")
        }
        return tokens
    }

    mutating func next() -> Token? {
        guard position < tokens.count else { return nil }
        defer { position += 1 }
        return tokens[position]
    }

    func peek() -> Token? { position < tokens.count ? tokens[position] : nil }

    mutating func expect(_ symbol: String) throws {
        guard next() == .symbol(symbol) else { throw LogicExpression.Unsupported(reason: "expected '\(symbol)'") }
    }

    mutating func disjunction() throws -> LogicExpression {
        var parts = [try conjunction()]
        while peek() == .word("or") { position += 1; parts.append(try conjunction()) }
        return parts.count == 1 ? parts[0] : .or(parts)
    }

    mutating func conjunction() throws -> LogicExpression {
        var parts = [try unary()]
        while peek() == .word("and") { position += 1; parts.append(try unary()) }
        return parts.count == 1 ? parts[0] : .and(parts)
    }

    mutating func unary() throws -> LogicExpression {
        switch peek() {
        case .symbol("(")?:
            position += 1
            let inner = try disjunction()
            try expect(")")
            return inner
        case .word("not")? where syntax == .xlsform:
            position += 1
            try expect("(")
            let inner = try disjunction()
            try expect(")")
            return .not(inner)
        case .word("selected")? where syntax == .xlsform:
            position += 1
            try expect("(")
            guard case let .field(name, _)? = next() else {
                throw LogicExpression.Unsupported(reason: "selected() needs ${question} first")
            }
            try expect(",")
            guard let choice = next(), let literal = Self.literal(choice) else {
                throw LogicExpression.Unsupported(reason: "selected() needs a choice name second")
            }
            try expect(")")
            return .selected(field: name, choice: literal.asCode)
        case .word(let word)? where word != "and" && word != "or":
            throw LogicExpression.Unsupported(reason: "the function or word '\(word)' is not carried")
        default:
            return try comparison()
        }
    }

    static func literal(_ token: Token) -> LogicExpression.Literal? {
        switch token {
        case let .text(text): return .text(text)
        case let .number(value): return .number(value)
        default: return nil
        }
    }

    mutating func comparison() throws -> LogicExpression {
        guard let left = next() else { throw LogicExpression.Unsupported(reason: "the logic ends too soon") }
        guard case let .symbol(symbol)? = next(), let op = LogicExpression.Operator(rawValue: symbol) else {
            throw LogicExpression.Unsupported(reason: "expected a comparison after \(Self.spelling(left))")
        }
        guard let right = next() else { throw LogicExpression.Unsupported(reason: "the logic ends too soon") }
        switch (left, right) {
        case let (.field(name, option), literalToken):
            guard let literal = Self.literal(literalToken) else {
                throw LogicExpression.Unsupported(reason: "\(Self.spelling(left)) is compared with "
                    + "\(Self.spelling(literalToken)), not with a value")
            }
            return .compare(field: name, option: option, op: op, literal: literal)
        case let (literalToken, .field(name, option)):
            guard let literal = Self.literal(literalToken) else {
                throw LogicExpression.Unsupported(reason: "two values are compared")
            }
            let flipped: [LogicExpression.Operator: LogicExpression.Operator] = [
                .less: .greater, .lessOrEqual: .greaterOrEqual, .greater: .less, .greaterOrEqual: .lessOrEqual
            ]
            return .compare(field: name, option: option, op: flipped[op] ?? op, literal: literal)
        default:
            throw LogicExpression.Unsupported(reason: "\(Self.spelling(left)) \(symbol) \(Self.spelling(right)) "
                + "compares no question")
        }
    }
}

/// What a converter knows of an earlier question when mapping logic onto it.
struct LogicField {
    var item: Item
    /// The toolkit code of each source code or choice name, for choice items.
    var codeOfSource: [String: Int]
}

extension LogicExpression {
    /// The skip condition this logic means, given the questions converted so far (by source name), or
    /// `Unsupported` with the reason it cannot be carried.
    func condition(_ field: (String) -> LogicField?) throws -> SkipCondition {
        switch self {
        case let .and(parts): return SkipCondition.all(try parts.map { try $0.condition(field) }).simplified
        case let .or(parts): return SkipCondition.any(try parts.map { try $0.condition(field) }).simplified
        case let .not(inner): return .not(try inner.condition(field))
        case let .selected(name, choice):
            let known = try Self.known(name, field)
            guard known.item.type.isChoice else {
                throw Unsupported(reason: "selected() tests '\(name)', which is not a select question")
            }
            let code = try Self.code(choice, of: known, name: name)
            return .answer(item: known.item.id,
                           test: known.item.type == .multipleChoice ? .includes(code) : .oneOf([code]))
        case let .compare(name, option, op, literal):
            let known = try Self.known(name, field)
            let item = known.item
            if let option {
                // REDCap's checkbox option: [q(2)] = '1' when ticked, '0' when not.
                guard item.type == .multipleChoice else {
                    throw Unsupported(reason: "[\(name)(\(option))] names an option of a field that is not a checkbox")
                }
                let code = try Self.code(option, of: known, name: name)
                guard op == .equal || op == .notEqual, ["0", "1"].contains(literal.asCode) else {
                    throw Unsupported(reason: "a checkbox option is tested with = '1' or = '0'")
                }
                let ticked = (literal.asCode == "1") == (op == .equal)
                let test = SkipCondition.answer(item: item.id, test: .includes(code))
                return ticked ? test : .not(test)
            }
            if literal == .text(""), op == .equal || op == .notEqual {
                return .answer(item: item.id, test: .answered(op == .notEqual))
            }
            switch (item.type, op) {
            case (.singleChoice, .equal), (.singleChoice, .notEqual),
                 (.multipleChoice, .equal), (.multipleChoice, .notEqual):
                let code = try Self.code(literal.asCode, of: known, name: name)
                let test = SkipCondition.answer(item: item.id,
                                                test: item.type == .multipleChoice ? .includes(code) : .oneOf([code]))
                return op == .equal ? test : .not(test)
            case (.integer, .equal), (.integer, .notEqual):
                guard let number = literal.asNumber, number == number.rounded() else {
                    throw Unsupported(reason: "'\(name)' is a whole number, compared with '\(literal.asCode)'")
                }
                let test = SkipCondition(item: item.id, codes: [Int(number)])
                return op == .equal ? test : .not(test)
            case (.number, .equal), (.number, .notEqual):
                guard let number = literal.asNumber else {
                    throw Unsupported(reason: "'\(name)' is a number, compared with '\(literal.asCode)'")
                }
                let test = SkipCondition.all([.answer(item: item.id, test: .compare(.atLeast, number)),
                                              .answer(item: item.id, test: .compare(.atMost, number))])
                return op == .equal ? test : .not(test)
            case (.integer, _), (.number, _), (.singleChoice, _):
                guard let number = literal.asNumber else {
                    throw Unsupported(reason: "'\(name)' is compared with '\(literal.asCode)', not a number")
                }
                if item.type == .singleChoice, known.codeOfSource.contains(where: { $0.key != String($0.value) }) {
                    throw Unsupported(reason: "'\(name)' has renumbered codes, so '\(op.rawValue) \(literal.asCode)' "
                        + "cannot be carried")
                }
                let comparison: SkipCondition.Comparison = [.less: .lessThan, .lessOrEqual: .atMost,
                                                            .greater: .greaterThan, .greaterOrEqual: .atLeast][op]!
                return .answer(item: item.id, test: .compare(comparison, number))
            default:
                throw Unsupported(reason: "'\(name)' is a \(item.type.rawValue) item, which a skip condition tests "
                    + "only for being answered")
            }
        }
    }

    private static func known(_ name: String, _ field: (String) -> LogicField?) throws -> LogicField {
        guard let known = field(name) else {
            throw Unsupported(reason: "'\(name)' is not an earlier converted question")
        }
        return known
    }

    private static func code(_ source: String, of field: LogicField, name: String) throws -> Int {
        guard let code = field.codeOfSource[source] ?? field.codeOfSource[source.lowercased()] else {
            throw Unsupported(reason: "'\(source)' is not a choice of '\(name)'")
        }
        return code
    }
}

extension SkipCondition {
    /// The same condition written shortly: one-part groups unwrapped, groups of the same kind merged,
    /// and `q is 1 or q is 2` as `q is 1 or 2`.
    var simplified: SkipCondition {
        switch self {
        case let .all(parts):
            let flat = parts.map(\.simplified).flatMap { part -> [SkipCondition] in
                if case let .all(inner) = part { return inner } else { return [part] }
            }
            return flat.count == 1 ? flat[0] : .all(flat)
        case let .any(parts):
            var merged: [SkipCondition] = []
            for part in parts.map(\.simplified).flatMap({ part -> [SkipCondition] in
                if case let .any(inner) = part { return inner } else { return [part] }
            }) {
                if case let .answer(item, .oneOf(codes)) = part,
                   case let .answer(lastItem, .oneOf(lastCodes))? = merged.last, lastItem == item {
                    merged[merged.count - 1] = .answer(
                        item: item, test: .oneOf(lastCodes + codes.filter { !lastCodes.contains($0) }))
                } else {
                    merged.append(part)
                }
            }
            return merged.count == 1 ? merged[0] : .any(merged)
        case let .not(.not(inner)): return inner.simplified
        case let .not(inner): return .not(inner.simplified)
        case .answer: return self
        }
    }
}
