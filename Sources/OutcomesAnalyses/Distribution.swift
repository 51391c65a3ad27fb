import OutcomesInstruments
import OutcomesStatistics
import OutcomesStore

/// The answers to one choice item in one group.
public struct DistributionGroup: Sendable, Equatable {
    public var variable: String?
    public var level: String?
    public var responses: Int
    /// Per answer on the scale (special answers such as "don't know" excluded): share with interval.
    public var answers: [ProportionEstimate]
    /// The share giving one of the `top` answers, if the analysis names them.
    public var top: ProportionEstimate?
    /// Special answers ("don't know", "not applicable") and no answer: excluded from the shares.
    public var special: Int
    /// Asked and not answered.
    public var missing: Int
    /// Not asked: the item's skip condition did not apply (neither in the shares nor missing).
    public var notAsked = 0
    /// Those answering on the scale: the denominator.
    public var n: Int { answers.first?.n ?? 0 }
}

/// The groups of one subgroup variable, with a test that the `top` share is the same in each.
public struct DistributionVariable: Sendable, Equatable {
    public var label: String
    public var groups: [DistributionGroup]
    /// Levels shown but left out of the test ("Not stated", "Don't know").
    public var untested: [String]
    public var test: IndependenceTest?
    public var notTested: String?
}

public struct DistributionResult: PoolsInstrumentVersions {
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
    /// The answers on the scale, in the instrument's order.
    public var choices: [Choice]
    public var overall: DistributionGroup
    public var variables: [DistributionVariable]
    /// The survey design the shares were weighted by; nil: unweighted (Wilson intervals).
    public var design: Weighting.Summary? = nil
}

public enum Distribution {
    public static func compute(_ definition: AnalysisDefinition, frame: ResponseFrame) throws -> DistributionResult {
        let instrument = frame.instrument
        try definition.validate(against: instrument)
        let settings = definition.settings(as: DistributionSettings.self)
        let itemID = settings.item
        guard let item = instrument.item(itemID), let set = instrument.choiceSet(for: item) else {
            throw StoreError("a distribution needs a single_choice item")
        }
        let choices = set.choices.filter { $0.special == nil }
        let position = Dictionary(uniqueKeysWithValues: choices.enumerated().map { ($1.code, $0) })
        let special = Set(set.choices.filter { $0.special != nil }.map(\.code))
        let topCodes = Set(settings.top?.codes ?? [])
        let answers = frame.column(itemID)?.integers ?? IntegerColumn(repeating: nil, count: frame.count)
        let notAsked = NotAsked.rows(item, frame: frame)
        let weighted = try WeightedGroups(definition, frame: frame)
        // Per row, the answer's place on the scale (choices.count: not on it), and whether it is a top one
        // (2: not on the scale): the categories of the weighted shares.
        let offScale = UInt8(choices.count)
        let place: [UInt8] = weighted == nil ? [] : answers.map { answer in
            answer.flatMap { position[$0] }.map(UInt8.init) ?? offScale
        }
        let isTop: [UInt8] = weighted == nil ? [] : answers.map { answer in
            guard let answer, position[answer] != nil else { return 2 }
            return topCodes.contains(answer) ? 1 : 0
        }

        func group(_ rows: [Int], variable: String?, level: String?) throws -> DistributionGroup {
            var counts = Array(repeating: 0, count: choices.count), specialCount = 0, missing = 0, top = 0, unasked = 0
            for row in rows {
                guard let answer = answers[row] else {
                    if notAsked?[row] == true { unasked += 1 } else { missing += 1 }
                    continue
                }
                if special.contains(answer) { specialCount += 1; continue }
                guard let at = position[answer] else { missing += 1; continue }
                counts[at] += 1
                if topCodes.contains(answer) { top += 1 }
            }
            let n = counts.reduce(0, +)
            var answerShares = try counts.map {
                try Proportions.wilson(count: $0, n: n, confidence: definition.confidence)
            }
            var topShare = try settings.top.map { _ in
                try Proportions.wilson(count: top, n: n, confidence: definition.confidence)
            }
            if let weighted, n > 0 {
                let domain = weighted.domain(rows)
                let survey = try weighted.shares(in: domain, categories: place, answering: Set(0..<offScale))
                answerShares = answerShares.indices.map { answerShares[$0].weighted(by: survey[$0]) }
                if let shown = topShare {
                    topShare = shown.weighted(by: try weighted.shares(in: domain, categories: isTop,
                                                                      answering: [0, 1])[1])
                }
            }
            return DistributionGroup(variable: variable, level: level, responses: rows.count, answers: answerShares,
                                     top: topShare, special: specialCount, missing: missing, notAsked: unasked)
        }
        let overall = try group(Array(0..<frame.count), variable: nil, level: nil)
        var variables: [DistributionVariable] = []
        for subgroup in definition.subgroups {
            let variable = GroupingVariable(subgroup, frame: frame)
            var groups: [DistributionGroup] = [], table: [[Int]] = [], untested: [String] = []
            for (level, rows) in variable.shownLevels {
                let g = try group(rows, variable: variable.label, level: variable.levels[level])
                groups.append(g)
                if variable.untested.contains(level) {
                    untested.append(variable.levels[level])
                } else if let top = g.top {
                    table.append([top.count, top.n - top.count])
                }
            }
            var test: IndependenceTest?, notTested: String?
            if settings.top == nil {
                notTested = "name 'top' answers in the analysis file to test the difference between groups"
            } else if let weighted {
                // A chi-square of the unweighted counts would not test the weighted shares shown.
                let groupOf = variable.codes.map { variable.untested.contains(Int($0)) ? -1 : $0 }
                do {
                    let topOf = isTop.map { $0 == 2 ? Int32(-1) : Int32($0) }
                    test = IndependenceTest(try weighted.design.raoScott(rowOf: groupOf, columnOf: topOf))
                } catch let error as StatisticsError {
                    notTested = error.reason
                }
            } else {
                do {
                    test = try Contingency.independence(groups: table)
                } catch let error as StatisticsError {
                    notTested = error.reason
                }
            }
            variables.append(DistributionVariable(label: variable.label, groups: groups, untested: untested,
                                                  test: test, notTested: notTested))
        }
        return DistributionResult(
            definition: definition, instrumentID: instrument.id, instrumentVersion: instrument.version,
            instrumentTitle: instrument.title, wave: definition.wave, responses: frame.count, sites: frame.siteNames,
            item: item, choices: choices, overall: overall, variables: variables, design: weighted?.summary)
    }
}

extension Distribution: AnalysisKind {
    typealias Settings = DistributionSettings
    static let name = "distribution"

    static func request(for definition: AnalysisDefinition, instrument: Instrument,
                        store: any ResponseSource) throws -> FrameRequest {
        try .oneWave(definition, store: store, items: [], extra: [definition.settings(as: Settings.self).item])
    }
}

extension AnalysisDefinition.Kind {
    public static let distribution = AnalysisDefinition.Kind(Distribution.self)
}

extension DistributionResult: AnalysisResult {
    /// The keys of the analysis's kind.
    public var settings: DistributionSettings { definition.settings(as: DistributionSettings.self) }
}
