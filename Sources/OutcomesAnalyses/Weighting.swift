import Foundation
import OutcomesInstruments
import OutcomesStatistics
import OutcomesStore
import Yams

/// Survey weights and design of an analysis (`weight:`, `design:` and `calibrate:` in its file):
///
/// ```yaml
/// weight: nonresponse_weight          # a number item holding each response's weight
/// design: {strata: region, clusters: site, interval: logit, trim: {lower: 0.3, upper: 3}}
/// calibrate: {margins: register-margins.csv, by: [age_band, sex]}
/// ```
///
/// Shares are then weighted, with standard errors by linearisation over the clusters within strata and
/// intervals as R's `svyciprop` gives them (`logit`, R's default, or `beta`); each table gives the
/// design effect and effective sample size. `calibrate` rakes the weights (all 1 without `weight:`) to
/// the population totals of each listed item's answers in a CSV with columns `item,code,total`.
/// `trim` bounds the weights given before any raking, as R's `trimWeights(design, lower, upper,
/// strict = TRUE)`: weights outside are set to the bound and the weight cut off (or added) is shared
/// equally among the others, until none lies outside.
public struct Weighting: Sendable, Equatable {
    /// Bounds on the weights given (before raking); nil: no bound.
    public struct Trim: Sendable, Equatable {
        public var lower: Double?
        public var upper: Double?
    }

    public struct Calibration: Sendable, Equatable {
        /// The margins file, as a path from the analysis file's folder.
        public var margins: String
        public var by: [String]
        public var maxPasses: Int
    }

    /// The number item holding each response's weight; nil: every response weighs 1.
    public var weight: String?
    /// A single-choice item whose answers are the strata.
    public var strata: String?
    /// Whether sites are the clusters (primary sampling units).
    public var clustersAreSites: Bool
    public var interval: SurveyEstimate.Interval
    public var calibration: Calibration?
    public var trim: Trim? = nil

    /// What a weighted table says of its design: the weights' source, strata, clusters and raking.
    public struct Summary: Sendable, Equatable {
        public var weight: String?
        public var strata: String?
        public var strataCount: Int
        public var clusters: Int?
        public var interval: SurveyEstimate.Interval
        public var rakedBy: [String]
        public var passes: Int
        public var minimumWeight: Double
        public var maximumWeight: Double
        public var meanWeight: Double
        public var trim: Trim? = nil
        /// Weights that were at a bound after trimming, and the passes it took.
        public var trimmed = 0
        public var trimPasses = 0
    }

    func summary(of design: SurveyDesign, trimming: Trimming?) -> Summary {
        Summary(weight: weight, strata: strata, strataCount: design.strataCount,
                clusters: clustersAreSites ? design.clusterCount : nil, interval: interval,
                rakedBy: calibration?.by ?? [], passes: design.raking?.passes ?? 0,
                minimumWeight: design.weights.min() ?? .nan, maximumWeight: design.weights.max() ?? .nan,
                meanWeight: design.weights.reduce(0, +) / Double(max(design.count, 1)),
                trim: trim, trimmed: trimming?.atBound ?? 0, trimPasses: trimming?.passes ?? 0)
    }

    /// What trimming did: the weights at a bound at the end, and the passes.
    struct Trimming {
        var atBound: Int
        var passes: Int
    }

    /// `trimWeights(..., strict = TRUE)`: clip to the bounds, share what was cut among the weights inside,
    /// again until every weight is inside.
    static func trimmed(_ weights: [Double], _ trim: Trim, file: String) throws -> ([Double], Trimming) {
        let lower = trim.lower ?? -.infinity, upper = trim.upper ?? .infinity
        var w = weights, passes = 0
        while true {
            let outside = w.map { $0 < lower || $0 > upper }
            let inside = outside.filter { !$0 }.count
            guard inside < w.count else { break }
            guard inside > 0 else {
                throw Diagnostic(file: file, message: "every weight lies outside the trim bounds: widen them")
            }
            guard passes < 1000 else {
                throw Diagnostic(file: file, message: "trimming did not settle in 1000 passes: widen the bounds")
            }
            passes += 1
            var cut = 0.0
            for row in w.indices where outside[row] {
                let bounded = min(max(w[row], lower), upper)
                cut += w[row] - bounded
                w[row] = bounded
            }
            let share = cut / Double(inside)
            for row in w.indices where !outside[row] { w[row] += share }
        }
        let atBound = w.filter { $0 == lower || $0 == upper }.count
        return (w, Trimming(atBound: atBound, passes: passes))
    }

    /// The items the design reads from each response.
    var items: [String] { [weight, strata].compactMap { $0 } + (calibration?.by ?? []) }

    /// The kinds that estimate with weights; others refuse `weight:` rather than ignore it.
    static let kinds: Set<String> = ["outcome_table", "distribution", "multiple_choice", "scale_summary",
                                     "outcome_index", "subgroup_comparison", "process_associations",
                                     "site_benchmark"]

    static let keys: Set<String> = ["weight", "design", "calibrate"]

    /// The keys as written in a file; nil when none is given or one is unusable (reported).
    static func parse(_ top: [String: Node], reader r: YAMLReader, file: String) -> Weighting?? {
        guard keys.contains(where: { top[$0] != nil }) else { return .some(nil) }
        var weighting = Weighting(weight: nil, strata: nil, clustersAreSites: false, interval: .logit)
        var usable = true
        if let node = top["weight"] {
            weighting.weight = r.string(node, "weight (a number item)")
            usable = usable && weighting.weight != nil
        }
        if let node = top["design"],
           let map = r.mapping(node, "design (e.g. {strata: region, clusters: site, interval: logit})",
                               allowed: ["strata", "clusters", "interval", "trim"]) {
            weighting.strata = map["strata"].flatMap { r.string($0, "strata (a single-choice item)") }
            if let clusters = map["clusters"], let text = r.string(clusters, "clusters") {
                if text == "site" {
                    weighting.clustersAreSites = true
                } else {
                    r.error(at: clusters, "clusters should be site (each site a cluster), found '\(text)'")
                    usable = false
                }
            }
            if let trimNode = map["trim"],
               let bounds = r.mapping(trimNode, "trim (e.g. {lower: 0.3, upper: 3})", allowed: ["lower", "upper"]) {
                let lower = bounds["lower"].flatMap { r.double($0, "trim lower") }
                let upper = bounds["upper"].flatMap { r.double($0, "trim upper") }
                if lower == nil && upper == nil {
                    r.error(at: trimNode, "trim needs lower, upper or both")
                    usable = false
                } else if let lower, !(lower > 0) {
                    r.error(at: trimNode, "trim's lower bound should be above 0")
                    usable = false
                } else if let lower, let upper, !(lower < upper) {
                    r.error(at: trimNode, "trim's lower bound should be below its upper bound")
                    usable = false
                } else {
                    weighting.trim = Trim(lower: lower, upper: upper)
                }
            }
            if let intervalNode = map["interval"], let text = r.string(intervalNode, "interval") {
                if let interval = SurveyEstimate.Interval(rawValue: text), interval != .t {
                    weighting.interval = interval
                } else {
                    r.error(at: intervalNode, "interval should be logit (R's svyciprop default) or beta "
                            + "(Korn and Graubard), found '\(text)'")
                    usable = false
                }
            }
        }
        if let node = top["calibrate"],
           let map = r.mapping(node, "calibrate (e.g. {margins: margins.csv, by: [age_band, sex]})",
                               allowed: ["margins", "by", "max_passes"]) {
            let margins = r.required(map, "margins", in: node, "calibrate").flatMap { r.string($0, "margins") }
            let by = r.required(map, "by", in: node, "calibrate").flatMap { r.sequence($0, "by (a list of items)") }?
                .compactMap { r.string($0, "calibration item") } ?? []
            var passes = 10
            if let passesNode = map["max_passes"], let value = r.int(passesNode, "max_passes") {
                if value > 0 { passes = value } else { r.error(at: passesNode, "max_passes should be 1 or more") }
            }
            if let margins, !by.isEmpty {
                let folder = (file as NSString).deletingLastPathComponent
                let path = margins.hasPrefix("/") ? margins : (folder as NSString).appendingPathComponent(margins)
                weighting.calibration = Calibration(margins: path, by: by, maxPasses: passes)
            } else {
                if margins != nil { r.error(at: node, "calibrate needs by: a list of the items to rake to") }
                usable = false
            }
        }
        return usable ? .some(weighting) : nil
    }

    /// Checks the items against the instrument, and that the kind estimates with weights.
    func validate(_ definition: AnalysisDefinition, against instrument: Instrument,
                  _ problems: inout AnalysisProblems) {
        if !Self.kinds.contains(definition.kind.rawValue) {
            problems.fail("weight", "weights and designs are not yet used by kind \(definition.kind); "
                          + "remove weight, design and calibrate, or use kind "
                          + Self.kinds.sorted().joined(separator: ", "))
        }
        if let weight {
            if let item = instrument.item(weight) {
                if item.type != .number && item.type != .integer {
                    problems.fail("weight", "weight item '\(weight)' is \(item.type.rawValue), not a number")
                }
            } else {
                problems.fail("weight", "weight item '\(weight)' is not in instrument \(instrument.id)")
            }
        }
        for (role, id) in [("strata", strata)] + (calibration?.by ?? []).map({ ("calibration", Optional($0)) }) {
            guard let id else { continue }
            guard let item = instrument.item(id) else {
                problems.fail("weight", "\(role) item '\(id)' is not in instrument \(instrument.id)")
                continue
            }
            if item.type != .singleChoice {
                problems.fail("weight", "\(role) item '\(id)' is \(item.type.rawValue); it should be single_choice")
            }
        }
    }

    /// The design of the frame's responses, and what a table says of it: every response must have a
    /// positive weight and an answer to the strata and calibration items.
    func design(_ frame: ResponseFrame, file: String) throws -> (design: SurveyDesign, summary: Summary) {
        let n = frame.count
        var weights = Array(repeating: 1.0, count: n)
        if let weight {
            let column = frame.column(weight)
            var bad: [Int] = []
            for row in 0..<n {
                if let value = column?.number(at: row), value > 0, value.isFinite {
                    weights[row] = value
                } else {
                    bad.append(row)
                }
            }
            if !bad.isEmpty {
                throw Diagnostic(file: file, message: "\(bad.count) of \(n) responses have no positive weight in "
                                 + "\(weight) (first: response \(frame.responseIDs[bad[0]])); "
                                 + "every response needs one")
            }
        }
        func codes(_ id: String, _ role: String) throws -> (codes: [Int32], values: [Int]) {
            let answers = frame.column(id)?.integers ?? IntegerColumn(repeating: nil, count: n)
            if let missing = answers.firstIndex(where: { $0 == nil }) {
                let count = answers.filter { $0 == nil }.count
                throw Diagnostic(file: file, message: "\(count) of \(n) responses have no answer to \(role) item \(id) "
                                 + "(first: response \(frame.responseIDs[missing])); every response needs one")
            }
            let values = Set(answers.map { $0! }).sorted()
            let index = Dictionary(uniqueKeysWithValues: values.enumerated().map { ($1, Int32($0)) })
            return (answers.map { index[$0!]! }, values)
        }
        let strataCodes = try strata.map { try codes($0, "strata").codes }
        let clusters = clustersAreSites ? frame.sites.codes : nil
        if let clusters, clusters.contains(where: { $0 < 0 }) {
            throw Diagnostic(file: file, message: "clusters: site, but some responses have no site")
        }
        var trimming: Trimming?
        if let trim { (weights, trimming) = try Self.trimmed(weights, trim, file: file) }
        var raking: Raking?
        if let calibration {
            let totals = try Self.readMargins(calibration.margins)
            var margins: [Raking.Margin] = []
            for id in calibration.by {
                let (rowCodes, values) = try codes(id, "calibration")
                guard let given = totals[id] else {
                    throw Diagnostic(file: calibration.margins, message: "no totals for \(id) (rows item,code,total)")
                }
                for value in values where given[value] == nil {
                    throw Diagnostic(file: calibration.margins, message: "no total for \(id) code \(value), "
                                     + "which responses give")
                }
                for code in given.keys.sorted() where !values.contains(code) {
                    throw Diagnostic(file: calibration.margins, message: "\(id) code \(code) has a total but no "
                                     + "response gives it, so it cannot be met: merge it with another")
                }
                margins.append(Raking.Margin(name: id, levelOfRow: rowCodes, totals: values.map { given[$0]! }))
            }
            do {
                raking = try Raking(base: weights, margins: margins, maxPasses: calibration.maxPasses)
            } catch let error as StatisticsError {
                throw Diagnostic(file: calibration.margins, message: "raking failed: \(error.reason)")
            }
            if let raking, !raking.converged {
                throw Diagnostic(file: file, message: "raking did not converge in \(raking.passes) passes (largest "
                                 + "change \(raking.lastChange)): raise calibrate's max_passes, or check the margins")
            }
        }
        do {
            let design = try SurveyDesign(weights: raking?.weights ?? weights, strata: strataCodes, clusters: clusters,
                                          raking: raking)
            return (design, summary(of: design, trimming: trimming))
        } catch let error as StatisticsError {
            throw Diagnostic(file: file, message: "survey design: \(error.reason)")
        }
    }

    /// `item,code,total` rows: each calibration item's population total per answer code.
    static func readMargins(_ path: String) throws -> [String: [Int: Double]] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Diagnostic(file: path, message: "cannot read the calibration margins file")
        }
        let records = try readCSVRecords(data, file: path)
        guard let header = records.first?.fields.map({ $0.lowercased() }),
              let item = header.firstIndex(of: "item"), let code = header.firstIndex(of: "code"),
              let total = header.firstIndex(of: "total") else {
            throw Diagnostic(file: path, line: 1, message: "the header should name columns item, code and total")
        }
        var totals: [String: [Int: Double]] = [:]
        for record in records.dropFirst() {
            let fields = record.fields
            guard fields.count > max(item, code, total) else {
                throw Diagnostic(file: path, line: record.line, message: "expected item, code and total")
            }
            guard let value = Int(fields[code]) else {
                throw Diagnostic(file: path, line: record.line, message: "code '\(fields[code])' is not a whole number")
            }
            guard let amount = Double(fields[total]), amount > 0, amount.isFinite else {
                throw Diagnostic(file: path, line: record.line,
                                 message: "total '\(fields[total])' is not a positive number")
            }
            if totals[fields[item], default: [:]][value] != nil {
                throw Diagnostic(file: path, line: record.line, message: "\(fields[item]) code \(value) is given twice")
            }
            totals[fields[item], default: [:]][value] = amount
        }
        return totals
    }
}
