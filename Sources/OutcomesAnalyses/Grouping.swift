import OutcomesInstruments
import OutcomesStore

/// Where an answer to an outcome item falls: the three shares of the outcome table, or outside them.
enum OutcomeCategory: Int {
    case positive, neutral, negative, notApplicable, dontKnow
    /// The item's skip condition left it unasked (code 5 is a missing answer: asked, not answered).
    case notAsked = 6

    /// Each row's category as a small code, the raw value, or 5 for no answer (for fast tallies).
    static func codes(_ item: Item, frame: ResponseFrame) -> [UInt8] {
        var codes = answeredCodes(item, frame: frame)
        if let notAsked = NotAsked.rows(item, frame: frame) {
            for row in codes.indices where codes[row] == 5 && notAsked[row] { codes[row] = 6 }
        }
        return codes
    }

    private static func answeredCodes(_ item: Item, frame: ResponseFrame) -> [UInt8] {
        let choices = frame.instrument.choiceSet(for: item)?.choices ?? []
        if choices.contains(where: { !(0..<256).contains($0.code) }) {
            return columnByDictionary(item, frame: frame).map { $0.map { UInt8($0.rawValue) } ?? 5 }
        }
        var lookup = [UInt8](repeating: 5, count: 256)
        for choice in choices {
            lookup[choice.code] = UInt8(category(of: choice).rawValue)
        }
        guard let answers = frame.column(item.id)?.integers else { return [UInt8](repeating: 5, count: frame.count) }
        return answers.map { answer in
            guard let answer, (0..<256).contains(answer) else { return 5 }
            return lookup[answer]
        }
    }

    static func category(of choice: Choice) -> OutcomeCategory {
        switch (choice.valence, choice.special) {
        case (.positive?, _): return .positive
        case (.neutral?, _): return .neutral
        case (.negative?, _): return .negative
        case (nil, .notApplicable?): return .notApplicable
        case (nil, _): return .dontKnow
        }
    }

    /// Each row's category for one outcome item (nil: asked, no answer). From the small codes, which look
    /// each answer up in an array: a dictionary lookup per answer was 2% of a national evaluation.
    static func column(_ item: Item, frame: ResponseFrame) -> [OutcomeCategory?] {
        codes(item, frame: frame).map { $0 == 5 ? nil : OutcomeCategory(rawValue: Int($0)) }
    }

    /// For choice codes outside 0-255, which the array lookup cannot hold.
    private static func columnByDictionary(_ item: Item, frame: ResponseFrame) -> [OutcomeCategory?] {
        var lookup: [Int: OutcomeCategory] = [:]
        for choice in frame.instrument.choiceSet(for: item)?.choices ?? [] { lookup[choice.code] = category(of: choice) }
        let answers = frame.column(item.id)?.integers ?? IntegerColumn(repeating: nil, count: frame.count)
        return answers.map { $0.flatMap { lookup[$0] } }
    }
}

/// An item subgroup's levels, and each row's level (nil: not stated): each answer of a choice item,
/// its answers grouped (`levels:`), or a number's answers banded (`cuts:`).
struct ItemLevels {
    var labels: [String]
    /// Levels shown but left out of tests: answers such as "don't know".
    var untested: Set<Int>
    var rows: [Int32?]

    init(item: Item, bands: AnalysisDefinition.Bands?, frame: ResponseFrame) {
        let choices = frame.instrument.choiceSet(for: item)?.choices ?? []
        let column = frame.column(item.id)
        switch bands {
        case nil:
            let index = Dictionary(uniqueKeysWithValues: choices.enumerated().map { ($1.code, Int32($0)) })
            let answers = column?.integers ?? IntegerColumn(repeating: nil, count: frame.count)
            labels = choices.map(\.label)
            untested = Set(choices.indices.filter { choices[$0].special != nil })
            rows = answers.map { code in code.flatMap { index[$0] } }
        case let .levels(levels)?:
            var index: [Int: Int32] = [:]
            for (position, level) in levels.enumerated() { for code in level.codes { index[code] = Int32(position) } }
            let answers = column?.integers ?? IntegerColumn(repeating: nil, count: frame.count)
            labels = levels.map(\.label)
            untested = []
            rows = answers.map { code in code.flatMap { index[$0] } }
        case let .cuts(cuts)?:
            labels = AnalysisDefinition.Bands.cuts(cuts).labels(unit: item.unit)
            untested = []
            rows = (0..<frame.count).map { row in
                guard let value = column?.number(at: row) else { return nil }
                return Int32(cuts.filter { $0 <= value }.count)
            }
        }
    }

}

extension AnalysisDefinition.Bands {
    /// The levels' labels: "Under 10 hours", "10 to under 30 hours", "30 hours and over" for cuts
    /// [10, 30] of an item whose unit is hours; a choice item's grouped levels as named.
    public func labels(unit: String?) -> [String] {
        switch self {
        case let .levels(levels): return levels.map(\.label)
        case let .cuts(cuts):
            let unit = unit.map { " " + $0 } ?? ""
            let text = cuts.map(Self.number)
            return ["Under \(text[0])\(unit)"] + zip(text, text.dropFirst()).map { "\($0) to under \($1)\(unit)" }
                + ["\(text.last!)\(unit) and over"]
        }
    }

    /// 1000 -> "1,000"; 2.5 -> "2.5".
    static func number(_ value: Double) -> String {
        guard value == value.rounded(), abs(value) < 1e15 else { return String(value) }
        let digits = String(Int(abs(value)))
        var out = value < 0 ? "-" : ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return out
    }
}

/// A subgroup variable coded per row: levels in a readable order, the last one for rows with no value.
struct GroupingVariable {
    var label: String
    var levels: [String]
    var codes: [Int32]
    /// Levels shown but left out of tests: "not stated" and answers such as "don't know".
    var untested: Set<Int>

    static func everyone(_ count: Int) -> GroupingVariable {
        GroupingVariable(label: "", levels: ["All respondents"], codes: Array(repeating: 0, count: count), untested: [])
    }

    init(label: String, levels: [String], codes: [Int32], untested: Set<Int>) {
        self.label = label
        self.levels = levels
        self.codes = codes
        self.untested = untested
    }

    init(_ subgroup: AnalysisDefinition.Subgroup, frame: ResponseFrame) {
        let instrument = frame.instrument
        switch subgroup {
        case let .item(id, label, bands):
            let item = instrument.item(id)!
            let levels = ItemLevels(item: item, bands: bands, frame: frame)
            let notStated = Int32(levels.labels.count)
            self.init(label: label ?? humanized(item.id), levels: levels.labels + ["Not stated"],
                      codes: levels.rows.map { $0 ?? notStated },
                      untested: levels.untested.union([levels.labels.count]))
        case let .field(field, label):
            let factor: Factor
            switch field {
            case .site: factor = frame.sites
            case .arm: factor = frame.arms
            case .wave: factor = frame.waves
            }
            // Sites and waves in a stable, readable order, whatever order they were stored in.
            let order = field == .arm ? factor.levels.sorted { ($0 == "pilot" ? 0 : 1) < ($1 == "pilot" ? 0 : 1) } : factor.levels.sorted()
            let remap = factor.levels.map { level in Int32(order.firstIndex(of: level)!) }
            let none = Int32(order.count)
            self.init(label: label ?? field.rawValue.capitalized, levels: order + [field == .arm ? "No arm" : "Not recorded"],
                      codes: factor.codes.map { $0 < 0 ? none : remap[Int($0)] }, untested: [order.count])
        }
    }

    /// The rows of each level shown in a table: every named level, and the last ("not stated") level
    /// only when someone is in it.
    var shownLevels: [(level: Int, rows: [Int])] {
        var rowsByLevel = Array(repeating: [Int](), count: levels.count)
        for (row, code) in codes.enumerated() { rowsByLevel[Int(code)].append(row) }
        return rowsByLevel.enumerated().filter { $0.offset < levels.count - 1 || !$0.element.isEmpty }.map { ($0.offset, $0.element) }
    }

    /// Rows per level.
    var sizes: [Int] {
        var sizes = Array(repeating: 0, count: levels.count)
        for code in codes { sizes[Int(code)] += 1 }
        return sizes
    }
}

extension AnalysisDefinition {
    /// The outcome items the analysis reports: those named, or every outcome item of the instrument.
    func outcomeItems(of instrument: Instrument) throws -> [Item] {
        try (items ?? instrument.outcomeItems.map(\.id)).map { id in
            guard let item = instrument.item(id) else { throw StoreError("item \(id) missing") }
            return item
        }
    }
}

/// "budget_management" -> "Budget management": a readable default label for a variable.
func humanized(_ id: String) -> String {
    let words = id.replacingOccurrences(of: "_", with: " ")
    return words.prefix(1).uppercased() + words.dropFirst()
}
