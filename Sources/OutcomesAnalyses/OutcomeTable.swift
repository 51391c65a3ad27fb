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
    /// No answer at all (an empty cell, or the item's column absent from the file) where it was asked.
    public var missing = 0
    /// Not asked: the item's skip condition did not apply to the respondent.
    public var notAsked = 0

    public init(positive: Int = 0, neutral: Int = 0, negative: Int = 0, notApplicable: Int = 0, dontKnow: Int = 0,
                missing: Int = 0, notAsked: Int = 0) {
        self.positive = positive
        self.neutral = neutral
        self.negative = negative
        self.notApplicable = notApplicable
        self.dontKnow = dontKnow
        self.missing = missing
        self.notAsked = notAsked
    }

    /// The denominator of every percentage: respondents who gave an answer on the scale.
    public var answering: Int { positive + neutral + negative }
    /// Everyone in the group, whatever they answered.
    public var total: Int { answering + notApplicable + dontKnow + missing + notAsked }
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
public struct OutcomeTableResult: PoolsInstrumentVersions {
    public var definition: AnalysisDefinition
    public var instrumentID: String
    public var instrumentVersion: String
    public var instrumentTitle: String
    public var wave: String?
    public var responses: Int
    public var sites: [String]
    /// The instrument versions pooled, when not only the labelling one (set by the runner).
    public var versions = InstrumentVersions()
    public var groups: [OutcomeGroup]
    public var positiveLabels: [String]
    public var neutralLabels: [String]
    public var negativeLabels: [String]
    /// The survey design the shares were weighted by; nil: unweighted (Wilson intervals).
    public var design: Weighting.Summary? = nil

    public var overall: OutcomeGroup { groups[0] }
}

public enum OutcomeTable {
    /// Computes the table from responses read once; each respondent is counted once per group.
    public static func compute(_ definition: AnalysisDefinition, frame: ResponseFrame) throws -> OutcomeTableResult {
        let instrument = frame.instrument
        try definition.validate(against: instrument)
        let items = try definition.outcomeItems(of: instrument)
        let variables = [GroupingVariable.everyone(frame.count)] + definition.subgroups.map { GroupingVariable($0, frame: frame) }

        // Tallies in one flat array per variable, [level][item][category] (5: no answer, 6: not asked):
        // a million rows x 15 items x 5 variables is 75 million increments, so no nested arrays here.
        let groupSizes = variables.map(\.sizes)
        var tallies = variables.map { Array(repeating: 0, count: $0.levels.count * items.count * 7) }
        // Each item's categories, found once for the tallies and the weighted shares.
        let itemCategories = items.map { OutcomeCategory.codes($0, frame: frame) }
        for (itemIndex, categories) in itemCategories.enumerated() {
            for v in variables.indices {
                variables[v].codes.withUnsafeBufferPointer { levels in
                    categories.withUnsafeBufferPointer { category in
                        tallies[v].withUnsafeMutableBufferPointer { tally in
                            for row in 0..<levels.count {
                                tally[(Int(levels[row]) * items.count + itemIndex) * 7 + Int(category[row])] += 1
                            }
                        }
                    }
                }
            }
        }
        func counts(_ v: Int, _ level: Int, _ itemIndex: Int) -> OutcomeCounts {
            let base = (level * items.count + itemIndex) * 7
            let t = tallies[v]
            return OutcomeCounts(positive: t[base], neutral: t[base + 1], negative: t[base + 2], notApplicable: t[base + 3],
                                 dontKnow: t[base + 4], missing: t[base + 5], notAsked: t[base + 6])
        }

        // Weighted shares, by (variable, level, item): the design's estimates replace the binomial ones.
        let weightedDesign = try definition.weighting.map { try $0.design(frame, file: definition.file) }
        var weighted: [[[[SurveyEstimate?]]]] = []
        if let design = weightedDesign?.design, let weighting = definition.weighting {
            weighted = try variables.map { variable in
                let byItem = try itemCategories.map {
                    try design.shares(categories: $0, answering: [0, 1, 2], domains: variable.codes,
                                      domainCount: variable.levels.count, confidence: definition.confidence,
                                      interval: weighting.interval)
                }
                return variable.levels.indices.map { level in byItem.map { $0[level] } }
            }
        }
        func share(_ count: Int, _ n: Int, _ v: Int, _ level: Int, _ itemIndex: Int, _ category: Int) throws
            -> ProportionEstimate {
            let estimate = try Proportions.wilson(count: count, n: n, confidence: definition.confidence)
            return weighted.isEmpty ? estimate : estimate.weighted(by: weighted[v][level][itemIndex][category])
        }

        var groups: [OutcomeGroup] = []
        for (v, variable) in variables.enumerated() {
            for (level, levelLabel) in variable.levels.enumerated() {
                // Empty "not stated" groups add nothing; empty named levels are kept, so readers see zero.
                if level == variable.levels.count - 1, v > 0, groupSizes[v][level] == 0 { continue }
                var rows: [OutcomeRow] = []
                for (itemIndex, item) in items.enumerated() {
                    let c = counts(v, level, itemIndex)
                    rows.append(OutcomeRow(
                        item: item.id, domain: instrument.domain(item.domain!) ?? Domain(id: item.domain!, label: item.domain!),
                        counts: c,
                        positive: try share(c.positive, c.answering, v, level, itemIndex, 0),
                        noChange: try share(c.neutral, c.answering, v, level, itemIndex, 1),
                        negative: try share(c.negative, c.answering, v, level, itemIndex, 2)))
                }
                groups.append(OutcomeGroup(variable: v == 0 ? nil : variable.label, level: v == 0 ? nil : levelLabel,
                                           responses: groupSizes[v][level], rows: rows))
            }
        }

        let scale = items.first.flatMap { instrument.choiceSet(for: $0) }?.choices ?? []
        return OutcomeTableResult(
            definition: definition, instrumentID: instrument.id, instrumentVersion: instrument.version,
            instrumentTitle: instrument.title, wave: definition.wave, responses: frame.count,
            sites: frame.sites.presentLevels(), groups: groups,
            positiveLabels: scale.filter { $0.valence == .positive }.map(\.label),
            neutralLabels: scale.filter { $0.valence == .neutral }.map(\.label),
            negativeLabels: scale.filter { $0.valence == .negative }.map(\.label),
            design: weightedDesign?.summary)
    }
}

extension OutcomeTable: AnalysisKind {
    typealias Settings = OutcomeTableSettings
    static let name = "outcome_table"

    static func request(for definition: AnalysisDefinition, instrument: Instrument,
                        store: any ResponseSource) throws -> FrameRequest {
        try .oneWave(definition, store: store, items: definition.items ?? instrument.outcomeItems.map(\.id))
    }
}

extension AnalysisDefinition.Kind {
    public static let outcomeTable = AnalysisDefinition.Kind(OutcomeTable.self)
}

extension OutcomeTableResult: AnalysisResult {}
