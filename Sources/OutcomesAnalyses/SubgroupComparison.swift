import OutcomesInstruments
import OutcomesStatistics
import OutcomesStore

/// One outcome domain compared across the levels of one subgroup variable.
public struct ComparedDomain: Sendable, Equatable {
    public var item: String
    public var domain: Domain
    /// Per level (in the variable's order): the answers, and % positive among those answering.
    public var counts: [OutcomeCounts]
    public var positive: [ProportionEstimate]
    /// Respondents answering on the scale in the tested levels: the test's N.
    public var n: Int
    /// Everyone else: not applicable, don't know, missing, or in a level left out of the test.
    public var excluded: Int
    public var test: IndependenceTest?
    /// Why there is no test, when there is none.
    public var notTested: String?
    /// The test's p-value adjusted across the domains of this variable (Holm or Benjamini-Hochberg).
    public var adjustedP: Double?
}

/// Every domain compared across the levels of one subgroup variable.
public struct ComparedVariable: Sendable, Equatable {
    public var label: String
    public var levels: [String]
    /// Respondents in each level.
    public var sizes: [Int]
    /// Levels shown but not tested ("Not stated", "Don't know").
    public var untested: [Int]
    public var domains: [ComparedDomain]
}

public struct SubgroupComparisonResult: PoolsInstrumentVersions {
    public var definition: AnalysisDefinition
    public var instrumentID: String
    public var instrumentVersion: String
    public var instrumentTitle: String
    public var wave: String?
    public var responses: Int
    public var sites: [String]
    /// The instrument versions pooled, when not only the labelling one (set by the runner).
    public var versions = InstrumentVersions()
    public var positiveLabels: [String]
    public var variables: [ComparedVariable]
    /// The survey design the shares and tests were weighted by; nil: unweighted.
    public var design: Weighting.Summary? = nil
}

public enum SubgroupComparison {
    /// For each subgroup variable and outcome domain: % positive per level, and a test that the share
    /// is the same in every level (levels with a substantive answer only), adjusted across domains.
    public static func compute(_ definition: AnalysisDefinition, frame: ResponseFrame) throws -> SubgroupComparisonResult {
        let instrument = frame.instrument
        try definition.validate(against: instrument)
        let items = try definition.outcomeItems(of: instrument)
        let categories = items.map { OutcomeCategory.column($0, frame: frame) }
        let weighted = try WeightedGroups(definition, frame: frame)
        // Per item and row, for weighted shares and tests: 1 positive, 0 no change or negative, 2 neither.
        let positiveOf: [[UInt8]] = weighted == nil ? [] : categories.map { column in
            column.map { $0 == .positive ? 1 : $0 == .neutral || $0 == .negative ? 0 : 2 }
        }
        var variables: [ComparedVariable] = []
        for subgroup in definition.subgroups {
            let variable = GroupingVariable(subgroup, frame: frame)
            var domains: [ComparedDomain] = []
            for (itemIndex, item) in items.enumerated() {
                var counts = Array(repeating: OutcomeCounts(), count: variable.levels.count)
                for (row, category) in categories[itemIndex].enumerated() {
                    let level = Int(variable.codes[row])
                    switch category {
                    case .positive?: counts[level].positive += 1
                    case .neutral?: counts[level].neutral += 1
                    case .negative?: counts[level].negative += 1
                    case .notApplicable?: counts[level].notApplicable += 1
                    case .dontKnow?: counts[level].dontKnow += 1
                    case .notAsked?: counts[level].notAsked += 1
                    case nil: counts[level].missing += 1
                    }
                }
                let tested = counts.indices.filter { !variable.untested.contains($0) }
                let table = tested.map { [counts[$0].positive, counts[$0].answering - counts[$0].positive] }
                let n = table.joined().reduce(0, +)
                var test: IndependenceTest?, notTested: String?
                var positive = try counts.map {
                    try Proportions.wilson(count: $0.positive, n: $0.answering, confidence: definition.confidence)
                }
                do {
                    if let weighted {
                        // The weighted shares, tested by Rao and Scott's F: a chi-square of the unweighted
                        // counts would not test the shares shown.
                        let shares = try weighted.design.shares(
                            categories: positiveOf[itemIndex], answering: [0, 1], domains: variable.codes,
                            domainCount: variable.levels.count, confidence: definition.confidence,
                            interval: weighted.interval)
                        positive = positive.indices.map { positive[$0].weighted(by: shares[$0][1]) }
                        let groupOf = variable.codes.map { variable.untested.contains(Int($0)) ? Int32(-1) : $0 }
                        let outcomeOf = positiveOf[itemIndex].map { $0 == 2 ? Int32(-1) : Int32($0) }
                        test = IndependenceTest(try weighted.design.raoScott(rowOf: groupOf, columnOf: outcomeOf))
                    } else {
                        test = try Contingency.independence(groups: table,
                                                            twoByTwo: definition.settings(as: Settings.self).twoByTwo)
                    }
                } catch let error as StatisticsError {
                    notTested = error.reason
                }
                let domain = instrument.domain(item.domain!) ?? Domain(id: item.domain!, label: item.domain!)
                domains.append(ComparedDomain(item: item.id, domain: domain, counts: counts, positive: positive,
                                              n: n, excluded: frame.count - n, test: test, notTested: notTested,
                                              adjustedP: nil))
            }
            let raw = domains.map { $0.test?.pValue ?? .nan }
            let adjusted = definition.settings(as: SubgroupComparisonSettings.self).adjustment == .holm
                ? MultipleComparisons.holm(raw) : MultipleComparisons.benjaminiHochberg(raw)
            for index in domains.indices where !adjusted[index].isNaN { domains[index].adjustedP = adjusted[index] }
            // An empty "not stated" level adds nothing to read.
            var keep = Array(variable.levels.indices)
            let sizes = variable.sizes
            if sizes.last == 0 { keep.removeLast() }
            variables.append(ComparedVariable(
                label: variable.label, levels: keep.map { variable.levels[$0] }, sizes: keep.map { sizes[$0] },
                untested: keep.indices.filter { variable.untested.contains(keep[$0]) },
                domains: domains.map { domain in
                    var domain = domain
                    domain.counts = keep.map { domain.counts[$0] }
                    domain.positive = keep.map { domain.positive[$0] }
                    return domain
                }))
        }
        let scale = items.first.flatMap { instrument.choiceSet(for: $0) }?.choices ?? []
        return SubgroupComparisonResult(
            definition: definition, instrumentID: instrument.id, instrumentVersion: instrument.version,
            instrumentTitle: instrument.title, wave: definition.wave, responses: frame.count, sites: frame.siteNames,
            positiveLabels: scale.filter { $0.valence == .positive }.map(\.label), variables: variables,
            design: weighted?.summary)
    }
}

extension ResponseFrame {
    /// The sites that hold responses in the frame, sorted.
    public var siteNames: [String] { Set(sites.codes.map { sites.levels[Int($0)] }).sorted() }
}

extension SubgroupComparison: AnalysisKind {
    typealias Settings = SubgroupComparisonSettings
    static let name = "subgroup_comparison"

    static func request(for definition: AnalysisDefinition, instrument: Instrument,
                        store: any ResponseSource) throws -> FrameRequest {
        try .oneWave(definition, store: store, items: definition.items ?? instrument.outcomeItems.map(\.id))
    }
}

extension AnalysisDefinition.Kind {
    public static let subgroupComparison = AnalysisDefinition.Kind(SubgroupComparison.self)
}

extension SubgroupComparisonResult: AnalysisResult {
    /// The keys of the analysis's kind.
    public var settings: SubgroupComparisonSettings { definition.settings(as: SubgroupComparisonSettings.self) }
}
