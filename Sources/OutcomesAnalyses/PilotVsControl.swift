import Foundation
import OutcomesInstruments
import OutcomesStatistics
import OutcomesStore

/// One line of the baseline balance table ("Table 1"): a characteristic (or one level of it) by arm.
public struct BalanceRow: Sendable, Equatable {
    public var characteristic: String
    /// The level of a categorical characteristic; nil for a numeric one (then values are means).
    public var level: String?
    public var pilotN: Int
    public var controlN: Int
    /// Mean (numeric) or proportion (a level), and the SD of a numeric characteristic.
    public var pilotValue: Double
    public var controlValue: Double
    public var pilotSD: Double?
    public var controlSD: Double?
    /// Standardised mean difference, pilot minus control: (m1 - m2) / √((s1² + s2²)/2); for a level,
    /// (p1 - p2) / √((p1(1 - p1) + p2(1 - p2))/2). |SMD| above 0.1 is commonly read as imbalance.
    /// NaN when not computable: a characteristic not recorded in a group, or with no spread at all.
    public var smd: Double
}

/// One arm's summary of an outcome: n and mean (or proportion) with SD.
public struct ArmSummary: Sendable, Equatable {
    public var n: Int
    public var mean: Double
    public var sd: Double?
}

/// Everything the evaluation reports for one outcome in one group of respondents.
public struct OutcomeComparison: Sendable {
    public enum Kind: String, Sendable { case continuous, binary }
    public var outcome: String
    public var label: String
    public var kind: Kind
    public var followupPilot: ArmSummary?
    public var followupControl: ArmSummary?
    public var baselinePilot: ArmSummary?
    public var baselineControl: ArmSummary?
    /// Unadjusted difference at follow-up (mean difference by Welch's t, or risk difference by
    /// Newcombe), with its p-value and the test's name.
    public var unadjusted: Comparison?
    public var unadjustedP: Double?
    public var unadjustedTest: String?
    /// The degrees of freedom of the unadjusted and change comparisons' t, when CR2's Satterthwaite
    /// degrees of freedom gave them (arms allocated by site).
    public var unadjustedDF: Double?
    public var differenceInDifferencesDF: Double?
    /// The outcome's intra-class correlation by site at follow-up (sites nested in arms) and its design
    /// effect, when arms are allocated by site.
    public var icc: IntraclassCorrelation?
    /// Whether the adjusted odds ratio is Firth's, because the outcome is separated.
    public var adjustedByFirth = false
    /// With `model: mixed`, the mixed model of a continuous outcome (its variance components and df).
    public var mixedModel: MixedModelFit?
    /// Change from baseline by arm, and the difference in differences (Welch's t on change scores).
    public var changePilot: MeanEstimate?
    public var changeControl: MeanEstimate?
    public var differenceInDifferences: Comparison?
    public var differenceInDifferencesP: Double?
    /// The baseline-adjusted arm effect: the ANCOVA coefficient (continuous) or the odds ratio from
    /// logistic regression (binary), with CR2 errors by site (HC1 when individuals were allocated).
    public var adjusted: Coefficient?
    public var adjustedIsOddsRatio: Bool
    public var adjustedN: Int?
    public var clusters: Int?
    /// Hedges' g of the adjusted difference (continuous outcomes).
    public var effectSize: EffectSize?
    /// The adjusted p-value after Holm or Benjamini-Hochberg across the outcomes of the group.
    public var adjustedP: Double?
    public var notes: [String]
}

public struct PilotVsControlGroup: Sendable {
    public var variable: String?
    public var level: String?
    public var comparisons: [OutcomeComparison]
}

/// Attrition: baseline respondents without a follow-up, and how they differed at baseline.
public struct Attrition: Sendable {
    public var baselinePilot: Int
    public var baselineControl: Int
    public var lostPilot: Int
    public var lostControl: Int
    public var followupOnly: Int
    /// Baseline characteristics and outcomes of those lost against those followed up (SMD, lost minus kept).
    public var comparison: [BalanceRow]
}

/// Cost-effectiveness: incremental cost and effect with seeded bootstrap intervals, ICER, and the
/// incremental net benefit at each willingness-to-pay threshold with the probability it is positive.
public struct CostEffectiveness: Sendable {
    public struct NetBenefit: Sendable {
        public var threshold: Double
        public var estimate: Double
        public var lower: Double
        public var upper: Double
        /// Share of bootstrap replicates in which the pilot is cost-effective (net benefit > 0).
        public var probabilityCostEffective: Double
    }
    public var n: (pilot: Int, control: Int)
    public var meanCost: (pilot: Double, control: Double)
    public var incrementalCost: Comparison
    public var incrementalEffect: Comparison
    /// Incremental cost per unit of effect; not given an interval (ratio intervals are unreliable when
    /// the effect's interval includes zero): the net benefits carry the uncertainty.
    public var icer: Double
    /// Where the point estimate lies on the cost-effectiveness plane: a pilot that costs more and does
    /// worse is dominated, one that costs less and does better dominant; a negative ICER is never reported.
    public enum Verdict: String, Sendable {
        case dominant, dominated
        /// More costly and more effective, or less costly and less effective: the ICER is the trade-off.
        case tradeOff = "trade_off"

        public init(incrementalCost cost: Double, incrementalEffect effect: Double) {
            let same = cost == 0 && effect == 0
            self = !same && cost <= 0 && effect >= 0 ? .dominant : !same && cost >= 0 && effect <= 0 ? .dominated
                : .tradeOff
        }
    }
    public var verdict: Verdict
    /// The share of bootstrap replicates in each quadrant of the plane (effect across, cost up).
    public struct Quadrants: Sendable, Equatable {
        /// More effective and more costly (north-east), less effective and more costly (north-west,
        /// dominated), more effective and less costly (south-east, dominant), less of both (south-west).
        public var northEast, northWest, southEast, southWest: Double
    }
    public var quadrants: Quadrants
    /// The cost-effectiveness acceptability curve: the probability the pilot is cost-effective (net benefit
    /// above 0 in the replicates) at each willingness to pay from 0 to twice the largest threshold.
    public var acceptability: [(threshold: Double, probability: Double)]
    /// Each replicate's incremental effect and cost, for the plane's scatter.
    public var replicateIncrements: [(effect: Double, cost: Double)]
    public var netBenefits: [NetBenefit]
    public var replicates: Int
    public var seed: UInt64
    /// What was resampled within each arm, and how many of them each arm had (sites, or people).
    public var resampled: PilotVsControlSettings.CostSettings.Resample
    public var resampledUnits: (pilot: Int, control: Int)
    public var effectLabel: String
}

public struct PilotVsControlResult: Sendable {
    public var definition: AnalysisDefinition
    public var instrumentID: String
    public var instrumentVersion: String
    public var instrumentTitle: String
    public var pilotSites: [String]
    /// Responses and sites in each wave read (what the analysis started from).
    public var waves: [(wave: String, responses: Int, sites: [String])] = []
    public var controlSites: [String]
    public var balance: [BalanceRow]
    public var attrition: Attrition
    public var groups: [PilotVsControlGroup]
    public var cost: CostEffectiveness?
    public var notes: [String]

    public var overall: PilotVsControlGroup { groups[0] }
}

public enum PilotVsControl {
    /// One respondent with both waves' rows (either may be missing).
    struct Person {
        var site: Int32
        var pilot: Bool
        var baseline: Int?
        var followup: Int?
    }

    public static func compute(_ definition: AnalysisDefinition, frame: ResponseFrame) throws -> PilotVsControlResult {
        let instrument = frame.instrument
        try definition.validate(against: instrument)
        let settings = definition.settings(as: PilotVsControlSettings.self)
        let baselineWave = settings.baselineWave, followupWave = settings.followupWave
        let baselineCode = frame.waves.levels.firstIndex(of: baselineWave).map(Int32.init) ?? -2
        let followupCode = frame.waves.levels.firstIndex(of: followupWave).map(Int32.init) ?? -2

        // People, by site and respondent id; arm from their responses (it must agree between waves).
        var index = RowsByRespondent(keys: frame.respondentKeys)
        var people: [Person] = []
        var noArm = 0, armChanged = 0
        var changedKeys = Set<Int>()
        for row in 0..<frame.count {
            guard let arm = frame.arms.level(row) else { noArm += 1; continue }
            let wave = frame.waves.codes[row]
            guard wave == baselineCode || wave == followupCode else { continue }
            let key = frame.respondentKeys[row]
            let position: Int
            if let existing = index[key] { position = existing } else {
                position = people.count
                index[key] = position
                people.append(Person(site: frame.sites.codes[row], pilot: arm == "pilot", baseline: nil, followup: nil))
            }
            if people[position].pilot != (arm == "pilot") { changedKeys.insert(position) }
            if wave == baselineCode { people[position].baseline = row } else { people[position].followup = row }
        }
        armChanged = changedKeys.count
        // Usually no one changed arm: then no set lookup (a hash) per person.
        if !changedKeys.isEmpty { people = people.enumerated().filter { !changedKeys.contains($0.offset) }.map(\.element) }
        guard people.contains(where: \.pilot), people.contains(where: { !$0.pilot }) else {
            throw Diagnostic(file: definition.file, message: "a pilot_vs_control analysis needs responses from both arms (found only \(people.first?.pilot == true ? "pilot" : "control") respondents; check the arm column)")
        }

        // Values per row for every outcome: scale scores, or 1/0 for binary events.
        var outcomeValues: [String: NumberColumn] = [:]
        for outcome in settings.outcomes { outcomeValues[outcome.id] = try values(of: outcome, frame: frame) }
        // One column per outcome, fetched once per outcome: a lookup by name per person is slow at a million.
        let columnOf: (String) -> NumberColumn = { outcomeValues[$0] ?? NumberColumn(repeating: nil, count: frame.count) }

        var notes: [String] = []
        if noArm > 0 { notes.append("\(noArm) responses have no arm and are left out.") }
        if armChanged > 0 { notes.append("\(armChanged) respondents are recorded in different arms at the two waves and are left out.") }

        let balance = try balanceRows(definition: definition, frame: frame, people: people, outcomeValues: outcomeValues)
        let attrition = try attritionSummary(definition: definition, frame: frame, people: people, outcomeValues: outcomeValues)
        let design = CovariateDesign(definition: definition, frame: frame)
        if !design.constant.isEmpty {
            notes.append("Left out of every adjusted model as they have one value in the data: \(design.constant.joined(separator: ", ")).")
        }

        var groups = [PilotVsControlGroup(variable: nil, level: nil,
                                          comparisons: compare(definition: definition, instrument: instrument, people: people,
                                                                      values: columnOf, design: design))]
        for case let .item(id, label, bands) in definition.subgroups {
            guard let item = instrument.item(id), frame.column(id) != nil else { continue }
            let levels = ItemLevels(item: item, bands: bands, frame: frame)
            for (index, levelLabel) in levels.labels.enumerated() {
                let members = people.filter { person in
                    (person.baseline.flatMap { levels.rows[$0] } ?? person.followup.flatMap { levels.rows[$0] })
                        == Int32(index)
                }
                guard !members.isEmpty else { continue }
                groups.append(PilotVsControlGroup(variable: label ?? humanized(id), level: levelLabel,
                                                  comparisons: compare(definition: definition, instrument: instrument, people: members,
                                                                       values: columnOf, design: design)))
            }
        }
        var cost: CostEffectiveness?
        if let costSettings = settings.cost {
            do {
                cost = try costEffectiveness(costSettings, definition: definition, frame: frame, people: people,
                                             values: columnOf)
            } catch {
                notes.append("Cost-effectiveness: not computed (\(error)).")
            }
        }
        let pilotSites = frame.sites.presentLevels(people.filter(\.pilot).map { $0.baseline ?? $0.followup! })
        let controlSites = frame.sites.presentLevels(people.filter { !$0.pilot }.map { $0.baseline ?? $0.followup! })
        var result = PilotVsControlResult(definition: definition, instrumentID: instrument.id, instrumentVersion: instrument.version,
                                          instrumentTitle: instrument.title, pilotSites: pilotSites, controlSites: controlSites,
                                          balance: balance, attrition: attrition, groups: groups, cost: cost, notes: notes)
        result.waves = frame.waveCounts.filter { [baselineWave, followupWave].contains($0.wave) }
        return result
    }

    /// Each row's value of an outcome: its scale score, or 1/0 for a binary event (nil if unanswered).
    static func values(of outcome: PilotVsControlSettings.Outcome, frame: ResponseFrame) throws -> NumberColumn {
        switch outcome {
        case let .scale(id, _):
            let scale = frame.instrument.scale(id)!
            let scorer = try ScaleScorer(scale: scale, instrument: frame.instrument)
            let columns = scale.items.map { frame.column($0) }
            var answers = [Double?](repeating: nil, count: columns.count)
            return NumberColumn(storage: (0..<frame.count).map { row in
                for i in columns.indices { answers[i] = columns[i]?.number(at: row) }
                return scorer.score(answers).score ?? .nan
            })
        case let .binary(item, events, _):
            let set = frame.instrument.item(item).flatMap { frame.instrument.choiceSet(for: $0) }
            let special = Set(set?.choices.filter { $0.special != nil }.map(\.code) ?? [])
            let answers = frame.column(item)?.integers ?? IntegerColumn(repeating: nil, count: frame.count)
            return NumberColumn(storage: answers.map { code in
                guard let code, !special.contains(code) else { return .nan }
                return events.contains(code) ? 1 : 0
            })
        }
    }

    static func label(of outcome: PilotVsControlSettings.Outcome, instrument: Instrument) -> String {
        switch outcome {
        case let .scale(id, label): return label ?? instrument.scale(id)?.label ?? id
        case let .binary(item, _, label): return label ?? humanized(item)
        }
    }

    /// Covariates as columns of a design matrix: numeric items as they are, choice items as 0/1
    /// indicators of every level present but the first (the reference).
    struct CovariateDesign {
        var names: [String] = []
        /// Per covariate column, the value of each row (nil where the covariate is missing).
        var columns: [NumberColumn] = []
        /// Covariates with a single value in the data: nothing to adjust for.
        var constant: [String] = []

        init(definition: AnalysisDefinition, frame: ResponseFrame) {
            for id in definition.pilot.covariates {
                guard let item = frame.instrument.item(id), let column = frame.column(id) else { continue }
                if item.type == .singleChoice, let answers = column.integers {
                    let set = frame.instrument.choiceSet(for: item)
                    let special = Set(set?.choices.filter { $0.special != nil }.map(\.code) ?? [])
                    let present = (set?.choices.map(\.code) ?? []).filter { code in !special.contains(code) && answers.contains(code) }
                    if present.count < 2 { constant.append(id) }
                    for code in present.dropFirst() {
                        names.append("\(id)=\(set?.label(code) ?? String(code))")
                        columns.append(NumberColumn(storage: answers.map { answer in
                            guard let answer, !special.contains(answer) else { return .nan }
                            return answer == code ? 1 : 0
                        }))
                    }
                } else if let numbers = column.numbers {
                    let first = numbers.first { $0 != nil } ?? nil
                    if !numbers.contains(where: { $0 != nil && $0 != first }) { constant.append(id); continue }
                    names.append(id)
                    columns.append(numbers)
                }
            }
        }
    }

    static func compare(definition: AnalysisDefinition, instrument: Instrument, people: [Person],
                        values: (String) -> NumberColumn, design: CovariateDesign) -> [OutcomeComparison] {
        let confidence = definition.confidence
        var comparisons: [OutcomeComparison] = []
        for outcome in definition.pilot.outcomes {
            let id = outcome.id
            let column = values(id)
            func value(_ row: Int?) -> Double? { row.flatMap { column[$0] } }
            let binary: Bool
            if case .binary = outcome { binary = true } else { binary = false }
            var comparison = OutcomeComparison(outcome: id, label: "", kind: binary ? .binary : .continuous, adjustedIsOddsRatio: binary, notes: [])
            func attempt<T>(_ what: String, _ body: () throws -> T) -> T? {
                do { return try body() } catch {
                    comparison.notes.append("\(what): not computed (\(error))")
                    return nil
                }
            }
            // One pass over a million people, not four filtered copies of them.
            var pilotFollowup: [Double] = [], controlFollowup: [Double] = [], pilotBaseline: [Double] = [], controlBaseline: [Double] = []
            for person in people {
                if let v = value(person.followup) { if person.pilot { pilotFollowup.append(v) } else { controlFollowup.append(v) } }
                if let v = value(person.baseline) { if person.pilot { pilotBaseline.append(v) } else { controlBaseline.append(v) } }
            }
            comparison.followupPilot = summary(pilotFollowup, binary: binary)
            comparison.followupControl = summary(controlFollowup, binary: binary)
            comparison.baselinePilot = summary(pilotBaseline, binary: binary)
            comparison.baselineControl = summary(controlBaseline, binary: binary)
            if pilotFollowup.isEmpty || controlFollowup.isEmpty {
                comparison.notes.append("no \(pilotFollowup.isEmpty ? "pilot" : "control") respondents have this outcome at follow-up: no comparison")
                comparisons.append(comparison)
                continue
            }

            let bySite = definition.pilot.allocation == .sites
            let inference = definition.pilot.inference
            /// The arm coefficient of a least-squares model when sites were allocated: CR2 errors by site on
            /// Satterthwaite df, or the restricted wild cluster bootstrap's p-value and interval.
            func armBySite(_ what: String, _ y: [Double], _ predictors: [[Double]], _ names: [String],
                           sites: [Int]) -> Coefficient? {
                attempt(what) {
                    switch inference {
                    case .cr2:
                        let fit = try Regression.ols(y: y, predictors: predictors, names: names,
                                                     covariance: .cr2(sites), confidence: confidence)
                        return fit.coefficients[1]
                    case let .wildBootstrap(replicates, weights, seed):
                        let count = Set(sites).count
                        let test = try WildClusterBootstrap.test(
                            y: y, predictors: predictors, names: names, clusters: sites, coefficient: names[0],
                            weights: weights ?? WildClusterBootstrap.recommendedWeights(clusters: count),
                            replicates: replicates, seed: seed, confidence: confidence)
                        // Draws as extreme as the data count (the "≥" convention): with enumerated sign
                        // patterns the data's own draws always tie, and a published p of 0 would claim more
                        // than 2^G patterns can show (the smallest p with 6 sites is 2/64).
                        let p = test.pValue + Double(test.ties) / Double(test.replicates)
                        return Coefficient(name: names[0], estimate: test.estimate, se: test.se,
                                           statistic: test.statistic, pValue: p, lower: test.lower, upper: test.upper)
                    }
                }
            }
            // Unadjusted difference at follow-up: with sites allocated, the arm coefficient of y ~ arm (the
            // difference in means, or in proportions for a 0/1 outcome) with CR2 errors by site.
            if bySite {
                var y: [Double] = [], arm: [Double] = [], sites: [Int] = []
                for person in people {
                    guard let v = value(person.followup) else { continue }
                    y.append(v); arm.append(person.pilot ? 1 : 0); sites.append(Int(person.site))
                }
                comparison.icc = attempt("Intra-class correlation") {
                    try IntraclassCorrelation.estimate(y, clusters: sites, groups: arm.map { Int($0) })
                }
                if let effect = armBySite(binary ? "Risk difference" : "Mean difference", y, [arm], ["arm (pilot)"],
                                          sites: sites) {
                    comparison.unadjusted = Comparison(estimate: effect.estimate, lower: effect.lower,
                                                       upper: effect.upper, confidence: confidence)
                    comparison.unadjustedP = effect.pValue
                    comparison.unadjustedDF = effect.df
                    if case .cr2 = inference {
                        comparison.unadjustedTest = "CR2 by site"
                    } else {
                        comparison.unadjustedTest = "wild cluster bootstrap by site"
                    }
                }
            } else if binary {
                let (e1, n1) = (Int(pilotFollowup.reduce(0, +)), pilotFollowup.count)
                let (e2, n2) = (Int(controlFollowup.reduce(0, +)), controlFollowup.count)
                comparison.unadjusted = attempt("Risk difference") { try Proportions.difference(count1: e1, n1: n1, count2: e2, n2: n2, confidence: confidence) }
                let table = [[e1, n1 - e1], [e2, n2 - e2]]
                if let chi = try? Contingency.chiSquare(table, yates: false), !chi.smallExpected {
                    comparison.unadjustedP = chi.pValue
                    comparison.unadjustedTest = "chi-square"
                } else if let fisher = attempt("Fisher's exact test", { try Contingency.fisherExact(table) }) {
                    comparison.unadjustedP = fisher.pValue
                    comparison.unadjustedTest = "Fisher's exact (an expected count below 5)"
                }
            } else if let welch = attempt("Welch t-test", { try TwoSample.welch(pilotFollowup.map { $0 }, controlFollowup.map { $0 }, confidence: confidence) }) {
                comparison.unadjusted = Comparison(estimate: welch.difference, lower: welch.lower, upper: welch.upper, confidence: confidence)
                comparison.unadjustedP = welch.pValue
                comparison.unadjustedTest = "Welch t-test"
            }

            // Linked respondents: change from baseline, and the adjusted model.
            let linked = people.filter { value($0.baseline) != nil && value($0.followup) != nil }
            var pilotChange: [Double] = [], controlChange: [Double] = []
            for person in linked {
                let change = value(person.followup)! - value(person.baseline)!
                if person.pilot { pilotChange.append(change) } else { controlChange.append(change) }
            }
            if !binary {
                comparison.changePilot = attempt("Change, pilot") { try Descriptives.mean(pilotChange, confidence: confidence) }
                comparison.changeControl = attempt("Change, control") { try Descriptives.mean(controlChange, confidence: confidence) }
                if bySite {
                    let changes = linked.map { value($0.followup)! - value($0.baseline)! }
                    if let effect = armBySite("Difference in differences", changes,
                                              [linked.map { $0.pilot ? 1 : 0 }], ["arm (pilot)"],
                                              sites: linked.map { Int($0.site) }) {
                        comparison.differenceInDifferences = Comparison(estimate: effect.estimate, lower: effect.lower,
                                                                        upper: effect.upper, confidence: confidence)
                        comparison.differenceInDifferencesP = effect.pValue
                        comparison.differenceInDifferencesDF = effect.df
                    }
                } else if let did = attempt("Difference in differences", {
                    try TwoSample.welch(pilotChange, controlChange, confidence: confidence)
                }) {
                    comparison.differenceInDifferences = Comparison(estimate: did.difference, lower: did.lower, upper: did.upper, confidence: confidence)
                    comparison.differenceInDifferencesP = did.pValue
                }
            }
            // ANCOVA (or logistic): follow-up ~ arm + baseline + covariates, clusters = sites.
            let complete = linked.filter { person in design.columns.allSatisfy { $0[person.baseline!] != nil } }
            if complete.count < linked.count {
                comparison.notes.append("\(linked.count - complete.count) linked respondents with a covariate missing are left out of the adjusted model")
            }
            let y = complete.map { value($0.followup)! }
            // A covariate that does not vary here (e.g. support need within one support-need subgroup)
            // carries no information and would make the design singular: left out, and said so.
            var covariateColumns: [[Double]] = [], covariateNames: [String] = [], constant: [String] = []
            for (name, column) in zip(design.names, design.columns) {
                let values = complete.map { column[$0.baseline!]! }
                if values.contains(where: { $0 != values[0] }) {
                    covariateColumns.append(values)
                    covariateNames.append(name)
                } else if !complete.isEmpty {
                    let item = String(name.prefix { $0 != "=" })
                    if !constant.contains(item) { constant.append(item) }
                }
            }
            if !constant.isEmpty {
                comparison.notes.append("left out of the adjusted model as they do not vary here: \(constant.joined(separator: ", "))")
            }
            let predictors = [complete.map { $0.pilot ? 1.0 : 0.0 }, complete.map { value($0.baseline)! }] + covariateColumns
            let names = ["arm (pilot)", "baseline"] + covariateNames
            let sites = complete.map { Int($0.site) }
            var siteSeen = [Bool](repeating: false, count: (sites.max() ?? 0) + 1)
            for site in sites { siteSeen[site] = true }
            comparison.clusters = siteSeen.count { $0 }
            // Hedges' g of the adjusted difference: over the pooled follow-up SD, with J.
            func hedgesG(_ arm: Coefficient) throws -> EffectSize {
                let pilotY = complete.filter(\.pilot).map { Optional(value($0.followup)!) }
                let controlY = complete.filter { !$0.pilot }.map { Optional(value($0.followup)!) }
                return try TwoSample.hedgesG(difference: arm.estimate, lower: arm.lower, upper: arm.upper, se: arm.se,
                                             pilotY, controlY, confidence: confidence)
            }
            let settings = definition.pilot
            if !binary, settings.model == .mixed {
                let method: MixedModelDF = settings.degreesOfFreedom == .kenwardRoger ? .kenwardRoger : .satterthwaite
                if let mixed = attempt("Adjusted difference (mixed model)", {
                    try Regression.randomIntercept(y: y, predictors: predictors, names: names, clusters: sites,
                                                   degreesOfFreedom: method, confidence: confidence)
                }), var arm = mixed.coefficient("arm (pilot)") {
                    arm.df = mixed.degreesOfFreedom(of: "arm (pilot)")
                    comparison.adjusted = arm
                    comparison.adjustedN = mixed.n
                    comparison.mixedModel = mixed
                    if mixed.isSingular {
                        comparison.notes.append("the mixed model's site variance is estimated as 0 (a singular fit): "
                                                + "its adjusted difference is that of least squares")
                    }
                    comparison.effectSize = attempt("Hedges' g") { try hedgesG(arm) }
                }
                comparisons.append(comparison)
                continue
            }
            if !binary, bySite, case .wildBootstrap = inference {
                if let arm = armBySite("Adjusted difference (ANCOVA)", y, predictors, names, sites: sites) {
                    comparison.adjusted = arm
                    comparison.adjustedN = y.count
                    comparison.effectSize = attempt("Hedges' g") { try hedgesG(arm) }
                }
                comparisons.append(comparison)
                continue
            }
            let covariance: CovarianceKind = bySite ? .cr2(sites) : .hc1
            var separatedAlong: [String]?
            let fit = attempt(binary ? "Adjusted odds ratio (logistic regression)" : "Adjusted difference (ANCOVA)") {
                () throws -> RegressionFit? in
                guard binary else {
                    return try Regression.ols(y: y, predictors: predictors, names: names, covariance: covariance,
                                              confidence: confidence)
                }
                do {
                    return try Regression.logistic(y: y, predictors: predictors, names: names, covariance: covariance,
                                                   confidence: confidence)
                } catch let StatisticsError.separated(along) {
                    separatedAlong = along
                    return nil
                }
            } ?? nil
            // Separated data (e.g. no events in one arm of a subgroup) have no maximum likelihood odds ratio:
            // Firth's penalised likelihood gives one, with a profile interval and a penalised LR test.
            if let along = separatedAlong {
                if let firth = attempt("Adjusted odds ratio (Firth's penalised likelihood)", {
                    try Regression.firth(y: y, predictors: predictors, names: names, confidence: confidence)
                }), let arm = firth.coefficient("arm (pilot)") {
                    comparison.adjusted = arm.exponentiated
                    comparison.adjustedN = firth.n
                    comparison.adjustedByFirth = true
                    let direction = along.isEmpty ? "the intercept" : along.joined(separator: ", ")
                    comparison.notes.append("the outcome is separated (along \(direction)): "
                                            + "the odds ratio is by Firth's penalised likelihood, with a profile "
                                            + "penalised-likelihood interval and penalised likelihood-ratio p, "
                                            + "which do not allow for clustering by site")
                }
                comparisons.append(comparison)
                continue
            }
            if let fit, let coefficient = fit.coefficient("arm (pilot)") {
                let arm = binary ? coefficient.exponentiated : coefficient
                comparison.adjusted = arm
                comparison.adjustedN = fit.n
                if !binary { comparison.effectSize = attempt("Hedges' g") { try hedgesG(arm) } }
            }
            comparisons.append(comparison)
        }
        // Adjust the adjusted-model p-values across the outcomes of this group.
        let raw = comparisons.map { $0.adjusted?.pValue ?? .nan }
        let adjusted = definition.pilot.adjustment == .holm
            ? MultipleComparisons.holm(raw) : MultipleComparisons.benjaminiHochberg(raw)
        for index in comparisons.indices {
            comparisons[index].label = label(of: definition.pilot.outcomes[index], instrument: instrument)
            comparisons[index].adjustedP = adjusted[index].isNaN ? nil : adjusted[index]
        }
        return comparisons
    }

    static func summary(_ values: [Double], binary: Bool) -> ArmSummary? {
        guard !values.isEmpty else { return nil }
        let mean = values.reduce(0, +) / Double(values.count)
        if binary { return ArmSummary(n: values.count, mean: mean, sd: nil) }
        let sd = values.count > 1 ? (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)).squareRoot() : nil
        return ArmSummary(n: values.count, mean: mean, sd: sd)
    }
}

extension PilotVsControl {
    /// Standardised differences of every characteristic and of the outcomes at baseline, between two
    /// groups of rows (pilot against control, or lost against followed up).
    static func characteristics(definition: AnalysisDefinition, frame: ResponseFrame, outcomeValues: [String: NumberColumn],
                                first: [Int], second: [Int]) -> [BalanceRow] {
        var rows: [BalanceRow] = []
        let instrument = frame.instrument
        for id in definition.pilot.balance {
            guard let item = instrument.item(id), let column = frame.column(id) else { continue }
            if item.type == .singleChoice, let answers = column.integers, let set = instrument.choiceSet(for: item) {
                let a = first.compactMap { answers[$0] }, b = second.compactMap { answers[$0] }
                for choice in set.choices {
                    let p1 = a.isEmpty ? .nan : Double(a.filter { $0 == choice.code }.count) / Double(a.count)
                    let p2 = b.isEmpty ? .nan : Double(b.filter { $0 == choice.code }.count) / Double(b.count)
                    let pooled = ((p1 * (1 - p1) + p2 * (1 - p2)) / 2).squareRoot()
                    // Not computable (NaN) without spread: a level no one (or everyone) in both groups has, or a
                    // group with no answers. 0 would claim a balance that was never observed.
                    let smd = pooled > 0 ? (p1 - p2) / pooled : .nan
                    rows.append(BalanceRow(characteristic: humanized(id), level: choice.label, pilotN: a.count, controlN: b.count,
                                           pilotValue: p1, controlValue: p2, pilotSD: nil, controlSD: nil, smd: smd))
                }
            } else if let numbers = column.numbers {
                rows.append(numeric(humanized(id), first.compactMap { numbers[$0] }, second.compactMap { numbers[$0] }))
            }
        }
        for outcome in definition.pilot.outcomes {
            guard let values = outcomeValues[outcome.id] else { continue }
            let label = PilotVsControl.label(of: outcome, instrument: instrument) + " (baseline)"
            rows.append(numeric(label, first.compactMap { values[$0] }, second.compactMap { values[$0] }))
        }
        return rows
    }

    static func numeric(_ label: String, _ a: [Double], _ b: [Double]) -> BalanceRow {
        let sa = summary(a, binary: false), sb = summary(b, binary: false)
        let s1 = sa?.sd ?? .nan, s2 = sb?.sd ?? .nan
        let pooled = ((s1 * s1 + s2 * s2) / 2).squareRoot()
        let difference = (sa?.mean ?? .nan) - (sb?.mean ?? .nan)
        return BalanceRow(characteristic: label, level: nil, pilotN: a.count, controlN: b.count, pilotValue: sa?.mean ?? .nan,
                          controlValue: sb?.mean ?? .nan, pilotSD: sa?.sd, controlSD: sb?.sd,
                          smd: pooled > 0 ? difference / pooled : (difference == 0 ? 0 : .nan))
    }

    static func balanceRows(definition: AnalysisDefinition, frame: ResponseFrame, people: [Person],
                            outcomeValues: [String: NumberColumn]) throws -> [BalanceRow] {
        characteristics(definition: definition, frame: frame, outcomeValues: outcomeValues,
                        first: people.filter(\.pilot).compactMap(\.baseline), second: people.filter { !$0.pilot }.compactMap(\.baseline))
    }

    static func attritionSummary(definition: AnalysisDefinition, frame: ResponseFrame, people: [Person],
                                 outcomeValues: [String: NumberColumn]) throws -> Attrition {
        let withBaseline = people.filter { $0.baseline != nil }
        let lost = withBaseline.filter { $0.followup == nil }
        let kept = withBaseline.filter { $0.followup != nil }
        return Attrition(baselinePilot: withBaseline.filter(\.pilot).count, baselineControl: withBaseline.filter { !$0.pilot }.count,
                         lostPilot: lost.filter(\.pilot).count, lostControl: lost.filter { !$0.pilot }.count,
                         followupOnly: people.filter { $0.baseline == nil }.count,
                         comparison: characteristics(definition: definition, frame: frame, outcomeValues: outcomeValues,
                                                     first: lost.compactMap(\.baseline), second: kept.compactMap(\.baseline)))
    }

    /// Incremental cost and effect (pilot minus control means) and net benefit at each threshold, on
    /// the data and in each bootstrap replicate. Replicates resample, within each arm, sites (each
    /// with its people's summed cost and change, so an arm's mean weighs people as the data does) or
    /// people, as `settings.resample` says. Person i is in arm `pilot[i]` at `site[i]`.
    static func costBootstrap(pilot: [Bool], site: [Int32], cost: [Double], change: [Double],
                              settings: PilotVsControlSettings.CostSettings)
        throws -> (observed: [Double], replicates: [[Double]], units: (pilot: Int, control: Int)) {
        // The resampled units, pilot units first (the bootstrap numbers them stratum by stratum), each
        // with its number of people and their summed cost and change: a site, or one person.
        var units: [(pilot: Bool, people: Double, cost: Double, change: Double)] = []
        switch settings.resample {
        case .people:
            units = pilot.indices.map { (pilot[$0], 1, cost[$0], change[$0]) }
        case .sites:
            var unitOf: [Int64: Int] = [:]
            for index in pilot.indices {
                let key = Int64(site[index]) << 1 | (pilot[index] ? 1 : 0)
                if let unit = unitOf[key] {
                    units[unit].people += 1; units[unit].cost += cost[index]; units[unit].change += change[index]
                } else {
                    unitOf[key] = units.count
                    units.append((pilot[index], 1, cost[index], change[index]))
                }
            }
        }
        units = units.filter(\.pilot) + units.filter { !$0.pilot }
        let pilotUnits = units.count(where: \.pilot), controlUnits = units.count - pilotUnits
        guard pilotUnits >= 2, controlUnits >= 2 else {
            throw StatisticsError.insufficientData("fewer than 2 sites in an arm have respondents with costs and effects, so sites cannot be resampled (with resample: people, respondents are resampled instead, ignoring that people at one site are alike)")
        }
        let unitPeople = units.map(\.people), unitCost = units.map(\.cost), unitChange = units.map(\.change)
        let thresholds = settings.thresholds
        // Flat arrays summed in order: resampling people, a replicate of a national evaluation weighs a
        // million of them, a thousand times. `weights` is how often each unit is in the sample (1 each
        // for the data).
        @Sendable func increments(_ weights: UnsafeBufferPointer<UInt32>) -> [Double] {
            func weightedMeans(_ range: Range<Int>) -> (cost: Double, change: Double) {
                var sumCost = 0.0, sumChange = 0.0, n = 0.0
                unitCost.withUnsafeBufferPointer { cost in
                    unitChange.withUnsafeBufferPointer { change in
                        unitPeople.withUnsafeBufferPointer { people in
                            for i in range {
                                let w = Double(weights[i])
                                sumCost += w * cost[i]; sumChange += w * change[i]; n += w * people[i]
                            }
                        }
                    }
                }
                return (sumCost / n, sumChange / n)
            }
            let pilot = weightedMeans(0..<pilotUnits), control = weightedMeans(pilotUnits..<weights.count)
            let deltaCost = pilot.cost - control.cost, deltaEffect = pilot.change - control.change
            return [deltaCost, deltaEffect] + thresholds.map { $0 * deltaEffect - deltaCost }
        }
        let observed = [UInt32](repeating: 1, count: units.count).withUnsafeBufferPointer { increments($0) }
        let replicates = try Bootstrap.stratified(strata: [pilotUnits, controlUnits], replicates: settings.replicates,
                                                  seed: settings.seed, statistics: increments)
        return (observed, replicates, (pilotUnits, controlUnits))
    }

    /// Incremental cost (follow-up period) and effect (change in the effect scale), with a bootstrap
    /// stratified by arm, seeded from the analysis file.
    static func costEffectiveness(_ settings: PilotVsControlSettings.CostSettings, definition: AnalysisDefinition,
                                  frame: ResponseFrame,
                                  people: [Person], values: (String) -> NumberColumn) throws -> CostEffectiveness {
        guard let costs = frame.column(settings.item)?.numbers else {
            throw StatisticsError.insufficientData("no cost item '\(settings.item)' in the data")
        }
        let effect = settings.effect, effectColumn = values(effect)
        func value(_ row: Int?) -> Double? { row.flatMap { effectColumn[$0] } }
        // Respondents with a cost at follow-up and the effect at both waves.
        let usable = people.filter { person in
            person.followup.flatMap { costs[$0] } != nil && value(person.baseline) != nil && value(person.followup) != nil
        }
        let pilotCount = usable.count(where: \.pilot), controlCount = usable.count - pilotCount
        guard pilotCount >= 2, controlCount >= 2 else {
            throw StatisticsError.insufficientData("fewer than 2 respondents with costs and effects in an arm")
        }
        let cost = usable.map { costs[$0.followup!]! }
        let change = usable.map { value($0.followup)! - value($0.baseline)! }

        let (observed, replicates, resampledUnits) = try costBootstrap(
            pilot: usable.map(\.pilot), site: usable.map(\.site), cost: cost, change: change, settings: settings)
        let confidence = definition.confidence
        func interval(_ k: Int) -> (Double, Double) { Bootstrap.interval(replicates.map { $0[k] }, confidence: confidence) }
        let (costLow, costHigh) = interval(0), (effectLow, effectHigh) = interval(1)
        let netBenefits = settings.thresholds.enumerated().map { k, threshold -> CostEffectiveness.NetBenefit in
            let (low, high) = interval(k + 2)
            let positive = replicates.filter { $0[k + 2] > 0 }.count
            return .init(threshold: threshold, estimate: observed[k + 2], lower: low, upper: high,
                         probabilityCostEffective: Double(positive) / Double(replicates.count))
        }
        let meanCost = (zip(usable, cost).filter { $0.0.pilot }.map(\.1).reduce(0, +) / Double(pilotCount),
                        zip(usable, cost).filter { !$0.0.pilot }.map(\.1).reduce(0, +) / Double(controlCount))
        let effectLabel = frame.instrument.scale(effect)?.label ?? effect
        let increments = replicates.map { (effect: $0[1], cost: $0[0]) }
        let total = Double(max(increments.count, 1))
        func share(_ test: ((effect: Double, cost: Double)) -> Bool) -> Double {
            Double(increments.count(where: test)) / total
        }
        let quadrants = CostEffectiveness.Quadrants(northEast: share { $0.effect >= 0 && $0.cost >= 0 },
                                                    northWest: share { $0.effect < 0 && $0.cost >= 0 },
                                                    southEast: share { $0.effect >= 0 && $0.cost < 0 },
                                                    southWest: share { $0.effect < 0 && $0.cost < 0 })
        let highest = 2 * (settings.thresholds.max() ?? 30_000)
        let acceptability = (0...40).map { step -> (threshold: Double, probability: Double) in
            let threshold = highest * Double(step) / 40
            return (threshold, share { threshold * $0.effect - $0.cost > 0 })
        }
        let verdict = CostEffectiveness.Verdict(incrementalCost: observed[0], incrementalEffect: observed[1])
        return CostEffectiveness(n: (pilotCount, controlCount), meanCost: meanCost,
                                 incrementalCost: Comparison(estimate: observed[0], lower: costLow, upper: costHigh, confidence: confidence),
                                 incrementalEffect: Comparison(estimate: observed[1], lower: effectLow, upper: effectHigh, confidence: confidence),
                                 icer: observed[0] / observed[1], verdict: verdict, quadrants: quadrants,
                                 acceptability: acceptability, replicateIncrements: increments,
                                 netBenefits: netBenefits, replicates: settings.replicates,
                                 seed: settings.seed, resampled: settings.resample, resampledUnits: resampledUnits,
                                 effectLabel: effectLabel)
    }
}

extension PilotVsControl: AnalysisKind {
    typealias Settings = PilotVsControlSettings
    static let name = "pilot_vs_control"

    static func request(for definition: AnalysisDefinition, instrument: Instrument,
                        store: any ResponseSource) throws -> FrameRequest {
        let settings = definition.settings(as: Settings.self)
        return try .linkedWaves(definition, store: store, baseline: settings.baselineWave,
                                followup: settings.followupWave, items: nil)
    }
}

extension AnalysisDefinition.Kind {
    public static let pilotVsControl = AnalysisDefinition.Kind(PilotVsControl.self)
}

extension PilotVsControlResult: AnalysisResult {
    /// The keys of the analysis's kind.
    public var settings: PilotVsControlSettings { definition.settings(as: PilotVsControlSettings.self) }
}

private extension AnalysisDefinition {
    /// A pilot_vs_control analysis's own keys.
    var pilot: PilotVsControlSettings { settings(as: PilotVsControlSettings.self) }
}
