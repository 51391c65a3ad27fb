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
        case let .item(id, label):
            let item = instrument.item(id)!
            let choices = instrument.choiceSet(for: item)?.choices ?? []
            let index = Dictionary(uniqueKeysWithValues: choices.enumerated().map { ($1.code, Int32($0)) })
            let answers = frame.column(id)?.integers ?? IntegerColumn(repeating: nil, count: frame.count)
            let notStated = Int32(choices.count)
            self.init(label: label ?? humanized(item.id), levels: choices.map(\.label) + ["Not stated"],
                      codes: answers.map { code in code.flatMap { index[$0] } ?? notStated },
                      untested: Set(choices.indices.filter { choices[$0].special != nil } + [choices.count]))
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
