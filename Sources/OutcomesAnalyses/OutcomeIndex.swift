import OutcomesInstruments
import OutcomesStatistics
import OutcomesStore

/// The outcome index of a group: its mean with an interval, and its spread.
public struct IndexGroup: Sendable, Equatable {
    /// The subgroup variable and level; nil for everyone.
    public var variable: String?
    public var level: String?
    /// Respondents in the group, and those with an index (at least one applicable domain answered).
    public var responses: Int
    public var scored: Int
    /// Mean (t interval), SD, median and quartiles; nil when fewer than two have an index.
    public var summary: Summary?
}

public struct OutcomeIndexResult: PoolsInstrumentVersions {
    public var definition: AnalysisDefinition
    public var instrumentID: String
    public var instrumentVersion: String
    public var instrumentTitle: String
    public var wave: String?
    public var responses: Int
    public var sites: [String]
    /// The instrument versions pooled, when not only the labelling one (set by the runner).
    public var versions = InstrumentVersions()
    /// The outcome domains counted.
    public var domains: [Domain]
    /// Respondents with no domain answered on the scale (all not applicable, don't know or missing).
    public var unscored: Int
    /// Each index value held, with how many have it, from lowest to highest.
    public var distribution: [(value: Int, count: Int)]
    /// Everyone, then each level of each subgroup variable.
    public var groups: [IndexGroup]
    public var overall: IndexGroup { groups[0] }
    /// Mean number of domains answered on the scale, among those with an index.
    public var meanDomainsAnswered: Double
    /// The survey design the means were weighted by; nil: unweighted.
    public var design: Weighting.Summary? = nil
}

public enum OutcomeIndex {
    /// Per respondent: domains that got better minus domains that got worse, among the domains they
    /// answered on the scale (not applicable, don't know and missing answers count neither way).
    /// Its range is -d to +d for d domains; respondents who answered none have no index.
    public static func scores(_ definition: AnalysisDefinition, frame: ResponseFrame) throws -> (index: [Int?], answered: [Int]) {
        let items = try definition.outcomeItems(of: frame.instrument)
        var index = Array(repeating: 0, count: frame.count), answered = Array(repeating: 0, count: frame.count)
        for item in items {
            for (row, category) in OutcomeCategory.column(item, frame: frame).enumerated() {
                switch category {
                case .positive?: index[row] += 1; answered[row] += 1
                case .negative?: index[row] -= 1; answered[row] += 1
                case .neutral?: answered[row] += 1
                default: break
                }
            }
        }
        return (zip(index, answered).map { $1 > 0 ? $0 : nil }, answered)
    }

    public static func compute(_ definition: AnalysisDefinition, frame: ResponseFrame) throws -> OutcomeIndexResult {
        let instrument = frame.instrument
        try definition.validate(against: instrument)
        let items = try definition.outcomeItems(of: instrument)
        let (index, answered) = try scores(definition, frame: frame)
        var histogram: [Int: Int] = [:]
        for case let value? in index { histogram[value, default: 0] += 1 }
        let values = index.map { $0.map(Double.init) }

        let weighted = try WeightedGroups(definition, frame: frame)
        let weightedValues = weighted == nil ? [] : values.map { $0 ?? .nan }

        func group(_ rows: [Int], variable: String?, level: String?) throws -> IndexGroup {
            let groupValues = rows.map { values[$0] }
            let scored = groupValues.compactMap { $0 }.count
            let summary = try weighted.map { try $0.summary(rows, values: weightedValues) }
                ?? (scored >= 2 ? try? Descriptives.summarize(groupValues, confidence: definition.confidence) : nil)
            return IndexGroup(variable: variable, level: level, responses: rows.count, scored: scored, summary: summary)
        }
        var groups = [try group(Array(0..<frame.count), variable: nil, level: nil)]
        for subgroup in definition.subgroups {
            let variable = GroupingVariable(subgroup, frame: frame)
            for (level, rows) in variable.shownLevels {
                groups.append(try group(rows, variable: variable.label, level: variable.levels[level]))
            }
        }
        let scoredAnswered = zip(index, answered).compactMap { $0 == nil ? nil : Double($1) }
        return OutcomeIndexResult(
            definition: definition, instrumentID: instrument.id, instrumentVersion: instrument.version,
            instrumentTitle: instrument.title, wave: definition.wave, responses: frame.count, sites: frame.siteNames,
            domains: items.map { instrument.domain($0.domain!) ?? Domain(id: $0.domain!, label: $0.domain!) },
            unscored: index.filter { $0 == nil }.count,
            distribution: histogram.keys.sorted().map { ($0, histogram[$0]!) }, groups: groups,
            meanDomainsAnswered: scoredAnswered.isEmpty ? .nan
                : scoredAnswered.reduce(0, +) / Double(scoredAnswered.count),
            design: weighted?.summary)
    }
}

extension OutcomeIndex: AnalysisKind {
    typealias Settings = OutcomeIndexSettings
    static let name = "outcome_index"

    static func request(for definition: AnalysisDefinition, instrument: Instrument,
                        store: any ResponseSource) throws -> FrameRequest {
        try .oneWave(definition, store: store, items: definition.items ?? instrument.outcomeItems.map(\.id))
    }
}

extension AnalysisDefinition.Kind {
    public static let outcomeIndex = AnalysisDefinition.Kind(OutcomeIndex.self)
}

extension OutcomeIndexResult: AnalysisResult {}
