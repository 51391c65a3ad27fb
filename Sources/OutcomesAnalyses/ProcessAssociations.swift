import Foundation
import OutcomesInstruments
import OutcomesStatistics
import OutcomesStore

/// One level of a process item against its reference level (e.g. views taken into account "Fully"
/// against "Not at all").
public struct ProcessContrast: Sendable, Equatable {
    public var item: String
    public var variable: String
    public var level: String
    public var reference: String
    /// "Views taken into account: Fully vs Not at all".
    public var label: String { "\(variable): \(level) vs \(reference)" }
}

/// An odds ratio of a positive outcome for one contrast in one domain's model.
public struct AssociationEstimate: Sendable, Equatable {
    public var oddsRatio: Double
    public var lower: Double
    public var upper: Double
    public var pValue: Double
    /// Adjusted across the domains, for this contrast.
    public var adjustedP: Double?
    /// Respondents in the contrast's level and in its reference level, in the model.
    public var nLevel: Int
    public var nReference: Int
}

/// One outcome domain's logistic regression of "positive" on the process items and covariates.
public struct DomainModel: Sendable, Equatable {
    public var item: String
    public var domain: Domain
    /// Respondents in the model, and those of them reporting a positive impact.
    public var n: Int
    public var positive: Int
    /// Left out: outcome not applicable or don't know; outcome missing; not asked; a process or covariate missing.
    public var notApplicable: Int
    public var outcomeMissing: Int
    /// Left out because the outcome's skip condition did not ask them.
    public var notAsked = 0
    public var predictorMissing: Int
    /// Sites among the respondents in the model (the clusters of its standard errors, when clustered).
    public var sites: Int
    /// One per contrast, in the order of `ProcessAssociationsResult.contrasts` (nil: not estimated).
    public var estimates: [AssociationEstimate?]
    /// Why the model could not be fitted (separation, one outcome category, ...), if it could not.
    public var notComputed: String?
    public var notes: [String]
}

/// How one contrast fared across the domains.
public struct ContrastSummary: Sendable, Equatable {
    public var contrast: ProcessContrast
    /// Domains where the odds ratio is above / below 1 with adjusted p below 0.05, neither, or not estimated.
    public var better: [String]
    public var worse: [String]
    public var unclear: Int
    public var notEstimated: Int
    public var lowestOddsRatio: Double?
    public var highestOddsRatio: Double?
}

public struct ProcessAssociationsResult: PoolsInstrumentVersions {
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
    public var contrasts: [ProcessContrast]
    /// Covariates adjusted for (their labels).
    public var covariates: [String]
    /// Whether the standard errors are clustered by site (else classical), as `standard_errors` chose.
    public var clusteredBySite: Bool
    /// The errors used: `.cr2`, `.clusteredBySite` (CR1) or `.classical` (never `.automatic`).
    public var standardErrors: ProcessAssociationsSettings.StandardErrors = .classical
    public var domains: [DomainModel]
    public var summaries: [ContrastSummary]
    /// The survey design the models were weighted by (svyglm); nil: unweighted.
    public var design: Weighting.Summary? = nil
}

public enum ProcessAssociations {
    /// The significance level of the summary table (on p-values adjusted across domains).
    public static let alpha = 0.05
    /// From this many sites `standard_errors: auto` gives CR1, below it CR2: with few clusters CR1 is
    /// too small (Cameron and Miller 2015 put "few" at 20 to 50), and with many the two agree.
    public static let sitesForCR1 = 50

    /// A predictor's answers coded per row as a level index (nil: missing or in no level).
    struct CodedPredictor: Sendable {
        var item: String
        var label: String
        var levels: [String]
        var reference: Int
        var codes: [Int?]
        /// Set for a numeric covariate (used as it is, not as levels).
        var numbers: NumberColumn?

        init(_ predictor: AnalysisDefinition.Predictor, frame: ResponseFrame) {
            let instrument = frame.instrument
            let item = instrument.item(predictor.item)!
            self.item = item.id
            label = predictor.label ?? humanized(item.id)
            guard item.type == .singleChoice, let set = instrument.choiceSet(for: item) else {
                levels = []
                reference = 0
                codes = []
                numbers = frame.column(item.id)?.numbers ?? NumberColumn(repeating: nil, count: frame.count)
                return
            }
            let groups = predictor.levels ?? set.choices.filter { $0.special == nil }.map { .init(label: $0.label, codes: [$0.code]) }
            levels = groups.map(\.label)
            var levelOfCode: [Int: Int] = [:]
            for (index, group) in groups.enumerated() { for code in group.codes { levelOfCode[code] = index } }
            reference = predictor.reference.flatMap { reference in
                groups.firstIndex { $0.label == reference || (predictor.levels == nil && $0.codes == [Int(reference) ?? -1]) }
            } ?? 0
            let answers = frame.column(item.id)?.integers ?? IntegerColumn(repeating: nil, count: frame.count)
            codes = answers.map { $0.flatMap { levelOfCode[$0] } }
            numbers = nil
        }

        func isMissing(_ row: Int) -> Bool { numbers.map { $0[row] == nil } ?? (codes[row] == nil) }
    }

    public static func compute(_ definition: AnalysisDefinition, frame: ResponseFrame) throws -> ProcessAssociationsResult {
        let instrument = frame.instrument
        try definition.validate(against: instrument)
        let items = try definition.outcomeItems(of: instrument)
        let settings = definition.settings(as: ProcessAssociationsSettings.self)
        let processes = settings.processes.map { CodedPredictor($0, frame: frame) }
        let covariates = settings.covariates.map { CodedPredictor($0, frame: frame) }
        let contrasts = processes.flatMap { process in
            process.levels.indices.filter { $0 != process.reference }.map { level in
                ProcessContrast(item: process.item, variable: process.label, level: process.levels[level],
                                reference: process.levels[process.reference])
            }
        }
        let predictorsComplete = (0..<frame.count).map { row in !(processes + covariates).contains { $0.isMissing(row) } }
        let siteCount = frame.sites.presentLevels().count
        if definition.weighting != nil, settings.standardErrors != .automatic {
            throw Diagnostic(file: definition.file, line: definition.lines["standard_errors"],
                             message: "standard_errors does not apply to a weighted model: the design gives them "
                                + "(design: {clusters: site} to take sites as clusters); remove standard_errors")
        }
        let weighted = try WeightedGroups(definition, frame: frame)
        // With a design, its clusters and strata give the standard errors, not `standard_errors`.
        let errors: ProcessAssociationsSettings.StandardErrors = weighted != nil ? .classical
            : settings.standardErrors != .automatic ? settings.standardErrors
            : siteCount < 2 ? .classical : siteCount < sitesForCR1 ? .cr2 : .clusteredBySite
        let clustered = errors != .classical
        let surveyDesign = weighted?.design
        if clustered, siteCount < 2 {
            throw Diagnostic(file: definition.file, line: definition.lines["standard_errors"],
                             message: "standard errors clustered by site need responses from at least 2 sites, and \(definition.instrument) has "
                                + "\(siteCount) here: add 'standard_errors: classical' to treat respondents as independent")
        }

        // Each domain's model is independent of the others: fit them on every core.
        var domains = try parallelMap(items) { item -> DomainModel in
            let categories = OutcomeCategory.column(item, frame: frame)
            var model = DomainModel(item: item.id, domain: instrument.domain(item.domain!) ?? Domain(id: item.domain!, label: item.domain!),
                                    n: 0, positive: 0, notApplicable: 0, outcomeMissing: 0, predictorMissing: 0, sites: 0,
                                    estimates: Array(repeating: nil, count: contrasts.count), notComputed: nil, notes: [])
            var rows: [Int] = []
            for (row, category) in categories.enumerated() {
                switch category {
                case .notApplicable?, .dontKnow?: model.notApplicable += 1
                case .notAsked?: model.notAsked += 1
                case nil: model.outcomeMissing += 1
                default: if predictorsComplete[row] { rows.append(row) } else { model.predictorMissing += 1 }
                }
            }
            let y = rows.map { categories[$0] == .positive ? 1.0 : 0.0 }
            model.n = rows.count
            model.positive = Int(y.reduce(0, +))
            let sites = rows.map { Int(frame.sites.codes[$0]) }
            model.sites = frame.sites.presentLevels(rows).count

            // Indicator columns of every level present, but the reference; covariates likewise.
            var columns: [[Double]] = [], names: [String] = []
            var contrastColumn: [Int: String] = [:]
            var contrastIndex = 0
            // People per level of a predictor, among the model's rows: one pass, not one per level.
            func levelCounts(_ predictor: CodedPredictor) -> [Int] {
                var counts = [Int](repeating: 0, count: predictor.levels.count)
                for row in rows { if let code = predictor.codes[row] { counts[code] += 1 } }
                return counts
            }
            var countsByProcess: [String: [Int]] = [:]
            for process in processes {
                let counts = levelCounts(process)
                countsByProcess[process.item] = counts
                let present = counts.indices.filter { counts[$0] > 0 }
                if counts[process.reference] == 0 || present.count < 2 {
                    model.notes.append(present.count < 2
                        ? "\(process.label): everyone in the model gave the same answer (\(present.first.map { process.levels[$0] } ?? "none")), so it is not estimated"
                        : "\(process.label): no one in the model is in the reference level '\(process.levels[process.reference])', so it is not estimated")
                    contrastIndex += process.levels.count - 1
                    continue
                }
                for level in process.levels.indices where level != process.reference {
                    if counts[level] > 0 {
                        let name = "\(process.item)=\(process.levels[level])"
                        columns.append(rows.map { process.codes[$0] == level ? 1 : 0 })
                        names.append(name)
                        contrastColumn[contrastIndex] = name
                    } else {
                        model.notes.append("\(process.label): no one in the model answered '\(process.levels[level])'")
                    }
                    contrastIndex += 1
                }
            }
            var constant: [String] = []
            for covariate in covariates {
                if let numbers = covariate.numbers {
                    let values = rows.map { numbers[$0]! }
                    if values.contains(where: { $0 != values[0] }) { columns.append(values); names.append(covariate.item) } else { constant.append(covariate.label) }
                    continue
                }
                let covariateCounts = levelCounts(covariate)
                let present = covariate.levels.indices.filter { covariateCounts[$0] > 0 }
                if present.count < 2 { constant.append(covariate.label); continue }
                let reference = present.contains(covariate.reference) ? covariate.reference : present[0]
                for level in present where level != reference {
                    columns.append(rows.map { covariate.codes[$0] == level ? 1 : 0 })
                    names.append("\(covariate.item)=\(covariate.levels[level])")
                }
            }
            if !constant.isEmpty { model.notes.append("left out as they do not vary here: \(constant.joined(separator: ", "))") }

            if contrastColumn.isEmpty {
                model.notComputed = "no process item varies among the \(rows.count) respondents in the model"
            } else {
                do {
                    func fitted(_ covariance: CovarianceKind) throws -> RegressionFit {
                        try surveyDesign.map {
                            try $0.logistic(rows: rows, y: y, predictors: columns, names: names,
                                            confidence: definition.confidence)
                        } ?? Regression.logistic(y: y, predictors: columns, names: names, covariance: covariance,
                                                 confidence: definition.confidence)
                    }
                    let fit: RegressionFit
                    do {
                        fit = try fitted(errors == .cr2 ? .cr2(sites)
                                         : errors == .clusteredBySite ? .cluster(sites) : .classical)
                    } catch let error as StatisticsError where errors == .cr2 && error.reason.hasPrefix("CR2 errors") {
                        // Too many covariate patterns per site for CR2's decompositions: CR1, and said.
                        fit = try fitted(.cluster(sites))
                        model.notes.append("CR1 errors by site (t on sites - 1 df), not CR2: \(error.reason)")
                    }
                    for (index, name) in contrastColumn {
                        guard let ratio = fit.coefficient(name)?.exponentiated else { continue }
                        let contrast = contrasts[index]
                        let process = processes.first { $0.item == contrast.item }!
                        let level = process.levels.firstIndex(of: contrast.level)!
                        model.estimates[index] = AssociationEstimate(
                            oddsRatio: ratio.estimate, lower: ratio.lower, upper: ratio.upper,
                            pValue: ratio.pValue, adjustedP: nil,
                            nLevel: countsByProcess[process.item]![level],
                            nReference: countsByProcess[process.item]![process.reference])
                    }
                } catch let error as StatisticsError {
                    model.notComputed = error.reason
                }
            }
            return model
        }

        // Adjust each contrast's p-values across the domains, then summarise.
        var summaries: [ContrastSummary] = []
        for (index, contrast) in contrasts.enumerated() {
            let raw = domains.map { $0.estimates[index]?.pValue ?? .nan }
            let adjusted = settings.adjustment == .holm
                ? MultipleComparisons.holm(raw) : MultipleComparisons.benjaminiHochberg(raw)
            var summary = ContrastSummary(contrast: contrast, better: [], worse: [], unclear: 0, notEstimated: 0)
            for d in domains.indices {
                guard var estimate = domains[d].estimates[index] else { summary.notEstimated += 1; continue }
                estimate.adjustedP = adjusted[d]
                domains[d].estimates[index] = estimate
                if adjusted[d] < alpha {
                    if estimate.oddsRatio > 1 { summary.better.append(domains[d].domain.label) } else { summary.worse.append(domains[d].domain.label) }
                } else {
                    summary.unclear += 1
                }
                summary.lowestOddsRatio = min(summary.lowestOddsRatio ?? .infinity, estimate.oddsRatio)
                summary.highestOddsRatio = max(summary.highestOddsRatio ?? 0, estimate.oddsRatio)
            }
            summaries.append(summary)
        }
        let scale = items.first.flatMap { instrument.choiceSet(for: $0) }?.choices ?? []
        return ProcessAssociationsResult(
            definition: definition, instrumentID: instrument.id, instrumentVersion: instrument.version,
            instrumentTitle: instrument.title, wave: definition.wave, responses: frame.count, sites: frame.siteNames,
            positiveLabels: scale.filter { $0.valence == .positive }.map(\.label), contrasts: contrasts,
            covariates: covariates.map(\.label), clusteredBySite: clustered, standardErrors: errors,
            domains: domains, summaries: summaries,
            design: weighted?.summary)
    }
}

extension ProcessAssociations: AnalysisKind {
    typealias Settings = ProcessAssociationsSettings
    static let name = "process_associations"

    static func request(for definition: AnalysisDefinition, instrument: Instrument,
                        store: any ResponseSource) throws -> FrameRequest {
        let settings = definition.settings(as: Settings.self)
        return try .oneWave(definition, store: store, items: definition.items ?? instrument.outcomeItems.map(\.id),
                            extra: (settings.processes + settings.covariates).map(\.item))
    }
}

extension AnalysisDefinition.Kind {
    public static let processAssociations = AnalysisDefinition.Kind(ProcessAssociations.self)
}

extension ProcessAssociationsResult: AnalysisResult {
    /// The keys of the analysis's kind.
    public var settings: ProcessAssociationsSettings { definition.settings(as: ProcessAssociationsSettings.self) }
}
