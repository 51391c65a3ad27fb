import OutcomesInstruments
import OutcomesStatistics
import OutcomesStore

/// One group's answers to a multiple-choice question: the share choosing each option.
public struct MultipleChoiceGroup: Sendable, Equatable {
    public var variable: String?
    public var level: String?
    public var responses: Int
    /// Per option, in the instrument's order: those choosing it among those who answered the
    /// question (chose at least one option), with its interval.
    public var options: [ProportionEstimate]
    /// Asked and not answered (no option chosen).
    public var missing: Int
    /// Not asked: the question's skip condition did not apply.
    public var notAsked: Int
    /// Those who answered the question: the denominator of every share.
    public var answered: Int { responses - missing - notAsked }
}

/// A multiple-choice question's options, overall and by subgroup. Respondents may choose several,
/// so the shares add up to more than 100%.
public struct MultipleChoiceResult: PoolsInstrumentVersions {
    public var definition: AnalysisDefinition
    public var instrumentID: String
    public var instrumentVersion: String
    public var instrumentTitle: String
    public var wave: String?
    public var responses: Int
    public var sites: [String]
    /// The instrument versions pooled, when not only the labelling one (set by the runner).
    public var versions = InstrumentVersions()
    public var item: Item
    public var choices: [Choice]
    public var overall: MultipleChoiceGroup
    /// Per subgroup variable, its label and its groups.
    public var variables: [(label: String, groups: [MultipleChoiceGroup])]
    /// The survey design the shares were weighted by; nil: unweighted (Wilson intervals).
    public var design: Weighting.Summary? = nil
}

public enum MultipleChoice {
    public static func compute(_ definition: AnalysisDefinition, frame: ResponseFrame) throws -> MultipleChoiceResult {
        let instrument = frame.instrument
        try definition.validate(against: instrument)
        let settings = definition.settings(as: MultipleChoiceSettings.self)
        guard let item = instrument.item(settings.item), let set = instrument.choiceSet(for: item) else {
            throw StoreError("a multiple_choice analysis needs a multiple_choice item")
        }
        let choices = set.choices
        let position = Dictionary(uniqueKeysWithValues: choices.enumerated().map { ($1.code, $0) })
        // Per row, the positions of the options chosen (nil: no option chosen).
        let chosen: [[Int]?] = (0..<frame.count).map { row in
            guard case let .codes(codes)? = frame.column(item.id)
                .flatMap({ NotAsked.value($0, row, type: .multipleChoice) })
            else { return nil }
            let options = codes.compactMap { position[$0] }
            return options.isEmpty ? nil : options
        }
        let notAsked = NotAsked.rows(item, frame: frame)
        let weighted = try WeightedGroups(definition, frame: frame)
        // Per option, per row: 1 chose it, 0 answered without choosing it, 2 did not answer.
        let choosing: [[UInt8]] = weighted == nil ? [] : choices.indices.map { option in
            chosen.map { $0.map { $0.contains(option) ? 1 : 0 } ?? 2 }
        }

        func group(_ rows: [Int], variable: String?, level: String?) throws -> MultipleChoiceGroup {
            var counts = Array(repeating: 0, count: choices.count), missing = 0, unasked = 0
            for row in rows {
                guard let options = chosen[row] else {
                    if notAsked?[row] == true { unasked += 1 } else { missing += 1 }
                    continue
                }
                for option in options { counts[option] += 1 }
            }
            let answered = rows.count - missing - unasked
            let domain = weighted.map { $0.domain(rows) } ?? []
            return MultipleChoiceGroup(
                variable: variable, level: level, responses: rows.count,
                options: try counts.indices.map { option in
                    let share = try Proportions.wilson(count: counts[option], n: answered,
                                                       confidence: definition.confidence)
                    guard let weighted, answered > 0 else { return share }
                    return share.weighted(by: try weighted.shares(in: domain, categories: choosing[option],
                                                                  answering: [0, 1])[1])
                },
                missing: missing, notAsked: unasked)
        }
        let overall = try group(Array(0..<frame.count), variable: nil, level: nil)
        let variables = try definition.subgroups.map { subgroup -> (label: String, groups: [MultipleChoiceGroup]) in
            let variable = GroupingVariable(subgroup, frame: frame)
            return (variable.label, try variable.shownLevels.map { level, rows in
                try group(rows, variable: variable.label, level: variable.levels[level])
            })
        }
        return MultipleChoiceResult(
            definition: definition, instrumentID: instrument.id, instrumentVersion: instrument.version,
            instrumentTitle: instrument.title, wave: definition.wave, responses: frame.count, sites: frame.siteNames,
            item: item, choices: choices, overall: overall, variables: variables, design: weighted?.summary)
    }
}

extension MultipleChoice: AnalysisKind {
    typealias Settings = MultipleChoiceSettings
    static let name = "multiple_choice"

    static func request(for definition: AnalysisDefinition, instrument: Instrument,
                        store: any ResponseSource) throws -> FrameRequest {
        try .oneWave(definition, store: store, items: [], extra: [definition.settings(as: Settings.self).item])
    }
}

extension AnalysisDefinition.Kind {
    public static let multipleChoice = AnalysisDefinition.Kind(MultipleChoice.self)
}

extension MultipleChoiceResult: AnalysisResult {
    /// The keys of the analysis's kind.
    public var settings: MultipleChoiceSettings { definition.settings(as: MultipleChoiceSettings.self) }
}
