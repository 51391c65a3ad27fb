import Foundation
import OutcomesInstruments

/// Something in another tool's questionnaire that the toolkit's instrument does not carry, or carries
/// differently: every one is reported, none is dropped silently.
public struct ConversionNote: Sendable, Equatable, CustomStringConvertible {
    /// Where in the source it was found (a data dictionary row, a sheet and row).
    public var location: String
    /// The field or item it concerns, if any.
    public var field: String?
    public var message: String

    public init(location: String, field: String? = nil, message: String) {
        self.location = location
        self.field = field
        self.message = message
    }

    public var description: String { "\(location): \(field.map { "\($0): " } ?? "")\(message)" }
}

/// An instrument converted from another tool's format, the YAML that defines it, and what did not map.
public struct ConvertedInstrument: Sendable {
    public var instrument: Instrument
    /// The instrument file to save under `instruments/` (already checked by the instrument parser).
    public var yaml: String
    public var notes: [ConversionNote]

    public init(instrument: Instrument, yaml: String, notes: [ConversionNote]) {
        self.instrument = instrument
        self.yaml = yaml
        self.notes = notes
    }
}

/// What to call a converted instrument: the other tools have no id, version or title of this shape.
public struct InstrumentNaming: Sendable {
    public var id: String
    public var version: String
    public var title: String

    public init(id: String, version: String = "1.0.0", title: String) {
        self.id = id
        self.version = version
        self.title = title
    }

    /// An id and title from a file name: "Baseline Survey_DataDictionary.csv" -> "baseline-survey-datadictionary".
    public static func fromFile(_ path: String) -> InstrumentNaming {
        let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        var id = ""
        for scalar in stem.lowercased().unicodeScalars {
            if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) { id.unicodeScalars.append(scalar) } else if !id.hasSuffix("-") { id += "-" }
        }
        id = id.trimmingCharacters(in: CharacterSet(charactersIn: "-"))
        return InstrumentNaming(id: id.isEmpty ? "instrument" : id, title: stem.replacingOccurrences(of: "_", with: " "))
    }
}

/// An item id the instrument format accepts (lower-case letters, digits and '_', starting with a
/// letter), made from another tool's variable name.
func identifier(from name: String) -> String {
    var id = ""
    for scalar in name.lowercased().unicodeScalars {
        if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "_" { id.unicodeScalars.append(scalar) } else { id += "_" }
    }
    if let first = id.unicodeScalars.first, !("a"..."z").contains(first) { id = "q_" + id }
    return id.isEmpty ? "q" : id
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

/// Toolkit codes for a list of another tool's codes or names: whole numbers keep their value, the
/// others are numbered on from the highest (so "1, 2, ABC, 4" gives 1, 2, 5, 4 and "yes, no" 1, 2).
func wholeNumberCodes(_ names: [String]) -> [Int] {
    let whole = names.map { name in Int(name).flatMap { String($0) == name ? $0 : nil } }
    var next = max(whole.compactMap { $0 }.max() ?? 0, 0) + 1
    var used = Set(whole.compactMap { $0 })
    return whole.map { code in
        if let code { return code }
        while used.contains(next) { next += 1 }
        used.insert(next)
        return next
    }
}

/// A note's excerpt of a source text: on one line, at most `length` characters.
func oneLine(_ text: String, _ length: Int) -> String {
    let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ")
    return flat.count > length ? String(flat.prefix(length)) + "..." : flat
}

/// "planning_form" -> "Planning form".
func titleFromName(_ name: String) -> String {
    let words = name.replacingOccurrences(of: "_", with: " ").trimmingCharacters(in: .whitespaces)
    return words.prefix(1).uppercased() + words.dropFirst()
}

/// Plain text from a label that may hold HTML (REDCap allows rich text in labels).
func plainText(_ label: String) -> (text: String, hadMarkup: Bool) {
    guard label.contains("<") || label.contains("&") else { return (label.trimmingCharacters(in: .whitespacesAndNewlines), false) }
    var text = label.replacingOccurrences(of: "<[^>]+>", with: " ", options: .regularExpression)
    for (entity, character) in [("&nbsp;", " "), ("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'"), ("&amp;", "&")] {
        text = text.replacingOccurrences(of: entity, with: character)
    }
    text = text.replacingOccurrences(of: "\\s+", with: " ", options: .regularExpression).trimmingCharacters(in: .whitespaces)
    return (text, text != label)
}

/// Choice sets shared by every item with the same choices: named after the first item that uses them.
struct ChoiceSetPool {
    private(set) var sets: [String: ChoiceSet] = [:]
    private var byChoices: [String: String] = [:]

    mutating func id(for choices: [Choice], preferred: String) -> String {
        // The source codes are part of a set: 'y, Yes' and '1, Yes' read differently from an export.
        let signature = choices.map { "\($0.code)\u{1F}\($0.label)\u{1F}\($0.source ?? "")" }
            .joined(separator: "\u{1E}")
        if let existing = byChoices[signature] { return existing }
        var id = preferred, suffix = 2
        while sets[id] != nil { id = "\(preferred)_\(suffix)"; suffix += 1 }
        sets[id] = ChoiceSet(id: id, choices: choices)
        byChoices[signature] = id
        return id
    }
}

/// The instrument file for an instrument converted from another format: no domains or scales (those
/// formats have neither), everything else as the instrument parser reads it.
enum InstrumentYAML {
    static func text(_ instrument: Instrument, source: String) -> String {
        var lines = [
            "# Converted from \(source) by `outcomes`. Review the wording, then add what the source format",
            "# cannot say: outcome domains (and each outcome answer's valence), special codes such as",
            "# \"not applicable\", and scales.",
            "id: \(instrument.id)",
            "version: \(quoted(instrument.version))",
            "title: \(quoted(instrument.title))",
        ]
        if let description = instrument.description { lines.append("description: \(quoted(description))") }
        if let source = instrument.source {
            lines += ["", "# What the source tool's data exports need to be imported as they come "
                          + "(outcomes import --format).",
                      "source:", "  format: \(source.format.rawValue)"]
            if let file = source.file { lines.append("  file: \(quoted(file))") }
            if let recordID = source.recordID { lines.append("  record_id: \(quoted(recordID))") }
            if !source.events.isEmpty {
                lines.append("  events:")
                for (event, wave) in source.events { lines.append("    \(quoted(event)): \(quoted(wave))") }
            }
        }
        let setOrder = instrument.items.compactMap(\.choiceSetID).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        if !setOrder.isEmpty {
            lines += ["", "choice_sets:"]
            for id in setOrder {
                lines.append("  \(id):")
                for choice in instrument.choiceSets[id]!.choices {
                    var fields = ["code: \(choice.code)", "label: \(quoted(choice.label))"]
                    if let valence = choice.valence { fields.append("valence: \(valence.rawValue)") }
                    if let special = choice.special { fields.append("special: \(special.rawValue)") }
                    if let source = choice.source { fields.append("source: \(quoted(source))") }
                    lines.append("    - {\(fields.joined(separator: ", "))}")
                }
            }
        }
        lines += ["", "sections:"]
        for section in instrument.sections {
            lines += ["  - id: \(section.id)", "    title: \(quoted(section.title))"]
            if let source = section.source { lines.append("    source: \(quoted(source))") }
            lines.append("    items:")
            for item in section.items {
                lines.append("      - id: \(item.id)")
                if let source = item.source { lines.append("        source: \(quoted(source))") }
                lines.append("        text: \(quoted(item.text))")
                lines.append("        type: \(item.type.rawValue)")
                if let set = item.choiceSetID { lines.append("        choices: \(set)") }
                if item.required { lines.append("        required: true") }
                if item.decimalComma { lines.append("        decimal_separator: comma") }
                if let range = item.range {
                    let bounds = [range.min.map { "min: \(number($0))" }, range.max.map { "max: \(number($0))" }].compactMap { $0 }
                    lines.append("        range: {\(bounds.joined(separator: ", "))}")
                }
                if let condition = item.showIf { lines.append("        show_if: \(flow(condition))") }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A skip condition as a YAML flow mapping, as the instrument parser reads it.
    static func flow(_ condition: SkipCondition) -> String {
        switch condition {
        case let .answer(item, test):
            switch test {
            case let .oneOf(codes) where codes.count == 1: return "{item: \(item), equals: \(codes[0])}"
            case let .oneOf(codes): return "{item: \(item), in: [\(codes.map(String.init).joined(separator: ", "))]}"
            case let .includes(code): return "{item: \(item), includes: \(code)}"
            case let .compare(comparison, bound): return "{item: \(item), \(comparison.rawValue): \(number(bound))}"
            case let .answered(answered): return "{item: \(item), answered: \(answered)}"
            }
        case let .all(parts): return "{all: [\(parts.map(flow).joined(separator: ", "))]}"
        case let .any(parts): return "{any: [\(parts.map(flow).joined(separator: ", "))]}"
        case let .not(inner): return "{not: \(flow(inner))}"
        }
    }

    /// A YAML double-quoted scalar (JSON's escapes are valid YAML).
    static func quoted(_ text: String) -> String {
        var out = ""
        appendJSONString(text, to: &out)
        return out
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    /// The YAML, read back by the instrument parser: a converter must not write a file `check` rejects.
    static func checked(_ instrument: Instrument, source: String, notes: [ConversionNote]) throws -> ConvertedInstrument {
        let yaml = text(instrument, source: source)
        let parsed = try InstrumentParser.parse(yaml, file: "\(instrument.id).yaml (converted from \(source))")
        return ConvertedInstrument(instrument: parsed, yaml: yaml, notes: notes)
    }
}
