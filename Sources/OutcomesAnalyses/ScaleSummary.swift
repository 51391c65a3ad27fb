import OutcomesInstruments
import OutcomesStatistics
import OutcomesStore

/// A scale's scores in one group of respondents at one wave.
public struct ScaleSummaryGroup: Sendable, Equatable {
    public var variable: String?
    public var level: String?
    public var responses: Int
    /// Respondents with a score (enough items answered).
    public var scored: Int
    /// Mean with its t interval, SD, median and quartiles of the scores (nil with fewer than 2).
    public var summary: Summary?
    /// Per level of the scale, in order, those at it among the scored, with Wilson intervals (empty
    /// when the scale has no levels).
    public var levels: [ProportionEstimate]
}

/// One wave's scores on a scale, overall and by subgroup.
public struct ScaleSummaryResult: PoolsInstrumentVersions {
    public var definition: AnalysisDefinition
    public var instrumentID: String
    public var instrumentVersion: String
    public var instrumentTitle: String
    public var wave: String?
    public var responses: Int
    public var sites: [String]
    /// The instrument versions pooled, when not only the labelling one (set by the runner).
    public var versions = InstrumentVersions()
    public var scale: Scale
    public var groups: [ScaleSummaryGroup]
    /// The survey design the figures were weighted by; nil: unweighted.
    public var design: Weighting.Summary? = nil

    public var overall: ScaleSummaryGroup { groups[0] }
}

public enum ScaleSummary {
    public static func compute(_ definition: AnalysisDefinition, frame: ResponseFrame) throws -> ScaleSummaryResult {
        let instrument = frame.instrument
        try definition.validate(against: instrument)
        let settings = definition.settings(as: ScaleSummarySettings.self)
        guard let scale = instrument.scale(settings.scale) else { throw StoreError("scale \(settings.scale) missing") }
        let scorer = try ScaleScorer(scale: scale, instrument: instrument)
        let columns = scale.items.map { frame.column($0) }
        var values = Array(repeating: Double?.none, count: scale.items.count)
        let scores: [ScaleScore] = (0..<frame.count).map { row in
            for index in columns.indices { values[index] = columns[index]?.number(at: row) }
            return scorer.score(values)
        }
        let levelIndex = Dictionary(uniqueKeysWithValues: scale.levels.enumerated().map { ($1.level, $0) })
        let weighted = try WeightedGroups(definition, frame: frame)
        let scoreValues = weighted == nil ? [] : scores.map { $0.score ?? .nan }
        // Each row's level's place (levels.count: no level).
        let levelPlace: [UInt8] = weighted == nil ? [] : scores.map { score in
            score.level.flatMap { levelIndex[$0] }.map(UInt8.init) ?? UInt8(scale.levels.count)
        }

        func group(_ rows: [Int], variable: String?, level: String?) throws -> ScaleSummaryGroup {
            let scored = rows.compactMap { scores[$0].score }
            var counts = Array(repeating: 0, count: scale.levels.count)
            for row in rows { if let level = scores[row].level, let index = levelIndex[level] { counts[index] += 1 } }
            let withLevel = counts.reduce(0, +)
            var levels = try counts.map {
                try Proportions.wilson(count: $0, n: withLevel, confidence: definition.confidence)
            }
            // Weighted, the design's summary replaces the simple one, so only one is computed.
            let summary = try weighted.map { try $0.summary(rows, values: scoreValues) }
                ?? (scored.count >= 2 ? try Descriptives.summarize(scored, confidence: definition.confidence) : nil)
            if let weighted {
                if withLevel > 0 {
                    let survey = try weighted.shares(rows, categories: levelPlace,
                                                     answering: Set((0..<scale.levels.count).map(UInt8.init)))
                    levels = levels.indices.map { levels[$0].weighted(by: survey[$0]) }
                }
            }
            return ScaleSummaryGroup(variable: variable, level: level, responses: rows.count, scored: scored.count,
                                     summary: summary, levels: levels)
        }
        var groups = [try group(Array(0..<frame.count), variable: nil, level: nil)]
        for subgroup in definition.subgroups {
            let variable = GroupingVariable(subgroup, frame: frame)
            for (level, rows) in variable.shownLevels {
                groups.append(try group(rows, variable: variable.label, level: variable.levels[level]))
            }
        }
        return ScaleSummaryResult(definition: definition, instrumentID: instrument.id,
                                  instrumentVersion: instrument.version,
                                  instrumentTitle: instrument.title, wave: definition.wave, responses: frame.count,
                                  sites: frame.siteNames, scale: scale, groups: groups, design: weighted?.summary)
    }
}

extension ScaleSummary: AnalysisKind {
    typealias Settings = ScaleSummarySettings
    static let name = "scale_summary"

    static func request(for definition: AnalysisDefinition, instrument: Instrument,
                        store: any ResponseSource) throws -> FrameRequest {
        try .oneWave(definition, store: store,
                     items: instrument.scale(definition.settings(as: Settings.self).scale)!.items)
    }
}

extension AnalysisDefinition.Kind {
    public static let scaleSummary = AnalysisDefinition.Kind(ScaleSummary.self)
}

extension ScaleSummaryResult: AnalysisResult {
    /// The keys of the analysis's kind.
    public var settings: ScaleSummarySettings { definition.settings(as: ScaleSummarySettings.self) }
}
