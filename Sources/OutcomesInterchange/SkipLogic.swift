import Foundation

/// The one shape of branching logic the instrument format can hold: "show when item X has one of these
/// answers", written in another tool's syntax as equality tests on one variable joined by `or`.
struct Disjunction {
    var variable: String
    var values: [String]

    /// Reads `expression` as terms joined by `or`, each matched by one of `terms` (a regular expression
    /// whose first group is the variable and second the value). Nil if any term does not match or the
    /// terms name different variables: then the condition cannot be carried.
    static func parse(_ expression: String, terms: [NSRegularExpression]) -> Disjunction? {
        var text = expression.trimmingCharacters(in: .whitespacesAndNewlines)
        while text.hasPrefix("("), text.hasSuffix(")"), balanced(String(text.dropFirst().dropLast())) {
            text = String(text.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
        }
        let parts = text.components(separatedBy: try! NSRegularExpression(pattern: "\\s+or\\s+", options: .caseInsensitive))
        var variable: String?
        var values: [String] = []
        for part in parts {
            var term = part.trimmingCharacters(in: .whitespaces)
            while term.hasPrefix("("), term.hasSuffix(")") { term = String(term.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces) }
            guard let (name, value) = terms.lazy.compactMap({ match($0, term) }).first else { return nil }
            if let variable, variable != name { return nil }
            variable = name
            values.append(value)
        }
        return variable.map { Disjunction(variable: $0, values: values) }
    }

    private static func match(_ pattern: NSRegularExpression, _ text: String) -> (String, String)? {
        let range = NSRange(text.startIndex..., in: text)
        guard let found = pattern.firstMatch(in: text, range: range), found.range == range,
              let name = Range(found.range(at: 1), in: text), let value = Range(found.range(at: 2), in: text) else { return nil }
        return (String(text[name]), String(text[value]))
    }

    private static func balanced(_ text: String) -> Bool {
        var depth = 0
        for character in text {
            if character == "(" { depth += 1 } else if character == ")" { depth -= 1; if depth < 0 { return false } }
        }
        return depth == 0
    }
}

extension String {
    /// Splits on every match of `separator`.
    func components(separatedBy separator: NSRegularExpression) -> [String] {
        var parts: [String] = []
        var start = startIndex
        for match in separator.matches(in: self, range: NSRange(startIndex..., in: self)) {
            guard let range = Range(match.range, in: self) else { continue }
            parts.append(String(self[start..<range.lowerBound]))
            start = range.upperBound
        }
        parts.append(String(self[start...]))
        return parts
    }
}
