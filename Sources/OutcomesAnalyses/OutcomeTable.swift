import OutcomesInstruments
import OutcomesStatistics
import OutcomesStore

/// How the answers to one outcome item split, in one group of respondents.
public struct OutcomeCounts: Sendable, Equatable {
    public var positive = 0
    public var neutral = 0
    public var negative = 0
    public var notApplicable = 0
    public var dontKnow = 0
    /// No answer at all (an empty cell, or the item's column absent from the file).
    public var missing = 0

    public init(positive: Int = 0, neutral: Int = 0, negative: Int = 0, notApplicable: Int = 0, dontKnow: Int = 0, missing: Int = 0) {
        self.positive = positive
        self.neutral = neutral
        self.negative = negative
        self.notApplicable = notApplicable
        self.dontKnow = dontKnow
        self.missing = missing
    }

    /// The denominator of every percentage: respondents who gave an answer on the scale.
    public var answering: Int { positive + neutral + negative }
    /// Everyone in the group, whatever they answered.
    public var total: Int { answering + notApplicable + dontKnow + missing }
}

/// One row of the outcome table: a domain's item, its counts, and the three shares with intervals.
public struct OutcomeRow: Sendable, Equatable {
    public var item: String
    public var domain: Domain
    public var counts: OutcomeCounts
    public var positive: ProportionEstimate
    public var noChange: ProportionEstimate
    public var negative: ProportionEstimate
}

/// The table for one group of respondents (everyone, or one level of a subgroup variable).
public struct OutcomeGroup: Sendable, Equatable {
    /// The subgroup variable's label, nil for the whole cohort.
    public var variable: String?
    /// The level's label (e.g. "Direct payment"), nil for the whole cohort.
    public var level: String?
    public var responses: Int
    public var rows: [OutcomeRow]
}

/// The cohort outcome table: overall, then by each subgroup named in the analysis file.
public struct OutcomeTableResult: Sendable {
    public var definition: AnalysisDefinition
    public var instrumentID: String
    public var instrumentVersion: String
    public var instrumentTitle: String
    public var wave: String?
    public var responses: Int
    public var sites: [String]
    public var groups: [OutcomeGroup]
    public var positiveLabels: [String]
    public var neutralLabels: [String]
    public var negativeLabels: [String]

    public var overall: OutcomeGroup { groups[0] }
}

public enum OutcomeTable {
    /// Computes the table from responses read once; each respondent is counted once per group.
    public static func compute(_ definition: AnalysisDefinition, frame: ResponseFrame) throws -> OutcomeTableResult {
        let instrument = frame.instrument
        try definition.validate(against: instrument)
        let items = try (definition.items ?? instrument.outcomeItems.map(\.id)).map { id -> Item in
            guard let item = instrument.item(id) else { throw StoreError("item \(id) missing") }
            return item
        }

        // Each row's group per subgroup variable, as small integer codes, so one pass fills every table.
        struct Variable { var label: String; var levels: [String]; var codes: [Int32] }
        var variables: [Variable] = [Variable(label: "", levels: ["All respondents"], codes: Array(repeating: 0, count: frame.count))]
        for subgroup in definition.subgroups {
            switch subgroup {
            case let .item(id, label):
                let item = instrument.item(id)!
                let set = instrument.choiceSet(for: item)
                let choices = set?.choices ?? []
                let index = Dictionary(uniqueKeysWithValues: choices.enumerated().map { ($1.code, Int32($0)) })
                let answers = frame.column(id)?.integers ?? Array(repeating: nil, count: frame.count)
                let notStated = Int32(choices.count)
                let codes = answers.map { code in code.flatMap { index[$0] } ?? notStated }
                variables.append(Variable(label: label ?? humanized(item.id), levels: choices.map(\.label) + ["Not stated"], codes: codes))
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
                let codes = factor.codes.map { $0 < 0 ? none : remap[Int($0)] }
                let missingLabel = field == .arm ? "No arm" : "Not recorded"
                variables.append(Variable(label: label ?? field.rawValue.capitalized, levels: order + [missingLabel], codes: codes))
            }
        }

        // Category of every code of each item's choice set: 0 positive, 1 neutral, 2 negative, 3 n/a, 4 don't know.
        enum Category: Int { case positive, neutral, negative, notApplicable, dontKnow }
        var lookups: [[Int: Category]] = []
        for item in items {
            var lookup: [Int: Category] = [:]
            for choice in instrument.choiceSet(for: item)?.choices ?? [] {
                switch (choice.valence, choice.special) {
                case (.positive?, _): lookup[choice.code] = .positive
                case (.neutral?, _): lookup[choice.code] = .neutral
                case (.negative?, _): lookup[choice.code] = .negative
                case (nil, .notApplicable?): lookup[choice.code] = .notApplicable
                case (nil, _): lookup[choice.code] = .dontKnow
                }
            }
            lookups.append(lookup)
        }

        // counts[variable][level][item]
        var counts = variables.map { variable in
            Array(repeating: Array(repeating: OutcomeCounts(), count: items.count), count: variable.levels.count)
        }
        var groupSizes = variables.map { Array(repeating: 0, count: $0.levels.count) }
        for (itemIndex, item) in items.enumerated() {
            let answers = frame.column(item.id)?.integers ?? Array(repeating: nil, count: frame.count)
            let lookup = lookups[itemIndex]
            for row in 0..<frame.count {
                let category = answers[row].flatMap { lookup[$0] }
                for v in variables.indices {
                    let level = Int(variables[v].codes[row])
                    switch category {
                    case .positive?: counts[v][level][itemIndex].positive += 1
                    case .neutral?: counts[v][level][itemIndex].neutral += 1
                    case .negative?: counts[v][level][itemIndex].negative += 1
                    case .notApplicable?: counts[v][level][itemIndex].notApplicable += 1
                    case .dontKnow?: counts[v][level][itemIndex].dontKnow += 1
                    case nil: counts[v][level][itemIndex].missing += 1
                    }
                }
            }
        }
        for v in variables.indices { for row in 0..<frame.count { groupSizes[v][Int(variables[v].codes[row])] += 1 } }

        var groups: [OutcomeGroup] = []
        for (v, variable) in variables.enumerated() {
            for (level, levelLabel) in variable.levels.enumerated() {
                // Empty "not stated" groups add nothing; empty named levels are kept, so readers see zero.
                if level == variable.levels.count - 1, v > 0, groupSizes[v][level] == 0 { continue }
                var rows: [OutcomeRow] = []
                for (itemIndex, item) in items.enumerated() {
                    let c = counts[v][level][itemIndex]
                    rows.append(OutcomeRow(
                        item: item.id, domain: instrument.domain(item.domain!) ?? Domain(id: item.domain!, label: item.domain!),
                        counts: c,
                        positive: try Proportions.wilson(count: c.positive, n: c.answering, confidence: definition.confidence),
                        noChange: try Proportions.wilson(count: c.neutral, n: c.answering, confidence: definition.confidence),
                        negative: try Proportions.wilson(count: c.negative, n: c.answering, confidence: definition.confidence)))
                }
                groups.append(OutcomeGroup(variable: v == 0 ? nil : variable.label, level: v == 0 ? nil : levelLabel,
                                           responses: groupSizes[v][level], rows: rows))
            }
        }

        let scale = items.first.flatMap { instrument.choiceSet(for: $0) }?.choices ?? []
        return OutcomeTableResult(
            definition: definition, instrumentID: instrument.id, instrumentVersion: instrument.version,
            instrumentTitle: instrument.title, wave: definition.wave, responses: frame.count,
            sites: Set(frame.sites.codes.map { frame.sites.levels[Int($0)] }).sorted(), groups: groups,
            positiveLabels: scale.filter { $0.valence == .positive }.map(\.label),
            neutralLabels: scale.filter { $0.valence == .neutral }.map(\.label),
            negativeLabels: scale.filter { $0.valence == .negative }.map(\.label))
    }
}

/// "budget_management" -> "Budget management": a readable default label for a variable.
func humanized(_ id: String) -> String {
    let words = id.replacingOccurrences(of: "_", with: " ")
    return words.prefix(1).uppercased() + words.dropFirst()
}
