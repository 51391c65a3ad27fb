import Foundation
import OutcomesInstruments
import OutcomesStatistics

/// Seeded sample data for a controlled evaluation: people at pilot sites (who got a personal budget)
/// and at control sites, measured at baseline and at follow-up about 12 months later.
///
/// Known truth built in, so that analyses can be checked against it:
/// - activation (0-100): everyone drifts towards the middle (people starting low gain most), and
///   pilot respondents gain on average 4.5 points more than control respondents;
/// - attrition: 12% of pilot and 18% of control respondents have no follow-up, more often those
///   starting low; about 1% answered only at follow-up (recruited late);
/// - sites differ a little (a site effect of SD 2 points), so analyses must allow for clustering.
public struct EvaluationSampleGenerator {
    public struct Options: Sendable {
        public var respondents: Int
        public var seed: UInt64
        public var pilotSites: [String]
        public var controlSites: [String]

        public init(respondents: Int = 600, seed: UInt64 = 2026,
                    pilotSites: [String] = ["ashford-vale", "brackenmoor", "carrow-bay", "dunmere", "elmstead"],
                    controlSites: [String] = ["fernley", "greystow", "holmbury", "ivybridge-north", "jarrow-fields"]) {
            self.respondents = respondents
            self.seed = seed
            self.pilotSites = pilotSites
            self.controlSites = controlSites
        }
    }

    /// The true average extra gain in activation score for the pilot arm (points on 0-100).
    public static let trueActivationEffect = 4.5

    public let options: Options
    let random: RandomSource

    public init(options: Options = Options()) {
        self.options = options
        random = RandomSource(seed: options.seed)
    }

    /// Activation responses at baseline and follow-up, as CSV in the interchange format.
    public func activationCSV() -> String {
        let items = (1...13).map { String(format: "act_%02d", $0) }
        var csv = (["respondent_id", "site", "arm", "wave", "support_need", "age_group"] + items).joined(separator: ",") + "\n"
        csv.reserveCapacity(80 * (2 * options.respondents + 1))
        let sites = options.pilotSites + options.controlSites
        let siteEffects = Dictionary(uniqueKeysWithValues: sites.map { ($0, random.normal(sd: 2)) })
        // Items differ a little in how readily people agree with them.
        let itemOffsets = items.map { _ in random.normal(sd: 0.15) }
        for index in 0..<options.respondents {
            let site = sites[random.integer(below: sites.count)]
            let pilot = options.pilotSites.contains(site)
            let need = 1 + random.categorical([0.30, 0.12, 0.18, 0.20, 0.15, 0.05])
            let age = need == 4 ? 3 : 1 + random.categorical([0.35, 0.45, 0.20])
            let baseline = clamp(random.normal(mean: 55 + siteEffects[site]!, sd: 12))
            let change = (pilot ? Self.trueActivationEffect + 1.5 : 1.5) + 0.35 * (55 - baseline) + random.normal(sd: 7)
            let followup = clamp(baseline + change)
            let id = "A" + zeroPadded(index + 1, width: 5)
            let lateRecruit = random.bernoulli(0.01)
            let dropout = (pilot ? 0.12 : 0.18) * (baseline < 47 ? 1.5 : 0.85)
            let arm = pilot ? "pilot" : "control"
            let person = [maybe(String(need), missing: 0.02), maybe(String(age), missing: 0.02)]
            if !lateRecruit {
                csv += ([id, site, arm, "baseline"] + person + answers(for: baseline, offsets: itemOffsets)).joined(separator: ",")
                csv += "\n"
            }
            if lateRecruit || !random.bernoulli(dropout) {
                csv += ([id, site, arm, "followup"] + person + answers(for: followup, offsets: itemOffsets)).joined(separator: ",")
                csv += "\n"
            }
        }
        return csv
    }

    /// Thirteen answers whose mean, rescaled to 0-100, sits near `score`; a few not applicable or blank.
    private func answers(for score: Double, offsets: [Double]) -> [String] {
        let centre = 1 + 3 * score / 100
        return offsets.map { offset in
            if random.bernoulli(0.04) { return "8" }
            if random.bernoulli(0.01) { return "" }
            return String(Int(max(1, min(4, (centre + offset + random.normal(sd: 0.55)).rounded()))))
        }
    }

    // MARK: Quality of life, wellbeing and cost

    /// The latent shift in quality of life for the pilot arm; its effect on the 0-1 index is
    /// `trueQualityOfLifeIndexEffect` (the index is a non-linear function of the latent level).
    public static let latentQualityOfLifeEffect = 0.45
    /// Wellbeing: no true difference between the arms.
    public static let trueWellbeingEffect = 0.0
    /// Mean extra cost in the period for the pilot arm, in pounds.
    public static let trueCostDifference = 300.0

    /// Item weights of the shipped quality-of-life value table (level 1 = weight, 2 = 0.8, 3 = 0.4, 4 = 0).
    static let qualityOfLifeWeights = [0.15, 0.13, 0.11, 0.14, 0.12, 0.12, 0.10, 0.13]
    static let qualityOfLifeItems = ["qol_control", "qol_care", "qol_food", "qol_safety", "qol_social", "qol_occupation",
                                     "qol_home", "qol_dignity"]

    /// The level (1 ideal ... 4 high needs) of one quality-of-life item for a latent level q.
    private func qualityOfLifeLevel(_ q: Double) -> Int {
        let u = q + random.normal(sd: 0.8)
        return u > 1.2 ? 1 : u > 0.2 ? 2 : u > -0.8 ? 3 : 4
    }

    /// The true pilot effect on the 0-1 index: the mean index at follow-up with and without the latent
    /// shift, over the same simulated people (common random numbers, 200,000 draws, fixed seed).
    public static let trueQualityOfLifeIndexEffect: Double = {
        let simulation = EvaluationSampleGenerator(options: Options(respondents: 0, seed: 99))
        var difference = 0.0
        let draws = 200_000
        for _ in 0..<draws {
            let q = simulation.random.normal(mean: 0.3, sd: 0.7)
            let noise = (0..<8).map { _ in simulation.random.normal(sd: 0.8) }
            func index(_ latent: Double) -> Double {
                zip(qualityOfLifeWeights, noise).reduce(0.0) { total, pair in
                    let u = latent + pair.1
                    return total + pair.0 * (u > 1.2 ? 1 : u > 0.2 ? 0.8 : u > -0.8 ? 0.4 : 0)
                }
            }
            difference += index(q + latentQualityOfLifeEffect) - index(q)
        }
        return difference / Double(draws)
    }()

    /// Quality of life, wellbeing, admissions and cost at baseline and follow-up, as CSV.
    ///
    /// Known truth: the pilot arm's latent quality of life rises by `latentQualityOfLifeEffect`
    /// (an index effect of `trueQualityOfLifeIndexEffect`); wellbeing has no arm effect; pilot costs
    /// are `trueCostDifference` pounds higher on average; sites differ (SD 0.25 latent units, £600);
    /// 15% are lost to follow-up.
    public func qualityOfLifeCSV() -> String {
        let wellbeingItems = (1...7).map { String(format: "wb_%02d", $0) }
        var csv = (["respondent_id", "site", "arm", "wave", "age_group", "sex", "support_need"] + Self.qualityOfLifeItems
                   + wellbeingItems + ["budget_value", "unplanned_admission", "cost_total"]).joined(separator: ",") + "\n"
        csv.reserveCapacity(90 * (2 * options.respondents + 1))
        let sites = options.pilotSites + options.controlSites
        let siteQuality = Dictionary(uniqueKeysWithValues: sites.map { ($0, random.normal(sd: 0.25)) })
        let siteCost = Dictionary(uniqueKeysWithValues: sites.map { ($0, random.normal(sd: 600)) })
        for index in 0..<options.respondents {
            let site = sites[random.integer(below: sites.count)]
            let pilot = options.pilotSites.contains(site)
            let arm = pilot ? "pilot" : "control"
            let need = 1 + random.categorical([0.30, 0.12, 0.18, 0.20, 0.15, 0.05])
            let age = need == 4 ? 3 : 1 + random.categorical([0.35, 0.45, 0.20])
            let sex = [1, 2, 9][random.categorical([0.55, 0.43, 0.02])]
            // People with higher needs start lower and cost more.
            let needShift = need == 2 || need == 4 ? -0.3 : 0
            let baselineQuality = random.normal(mean: 0.3 + needShift + siteQuality[site]!, sd: 0.7)
            let followupQuality = baselineQuality + 0.05 + (pilot ? Self.latentQualityOfLifeEffect : 0) + random.normal(sd: 0.35)
            let baselineWellbeing = random.normal(mean: 22, sd: 4.5)
            let followupWellbeing = baselineWellbeing + 0.3 + (pilot ? Self.trueWellbeingEffect : 0) + random.normal(sd: 3)
            let budget = pilot ? String(Int((exp(random.normal(mean: 7.2, sd: 0.8)) / 10).rounded() * 10)) : ""
            let id = "Q" + zeroPadded(index + 1, width: 5)
            let person = [String(age), String(sex), String(need)]
            func wave(_ name: String, quality: Double, wellbeing: Double) -> String {
                // Each question is left blank by 2% (the index and scale then need every item: min_answered).
                let levels = Self.qualityOfLifeItems.map { _ in
                    maybe(String(qualityOfLifeLevel(quality)), missing: 0.02)
                }
                let wb = wellbeingItems.map { _ in
                    maybe(String(Int(max(1, min(5, (wellbeing / 7 + random.normal(sd: 0.6)).rounded())))),
                          missing: 0.02)
                }
                let admission = maybe(random.bernoulli(1 / (1 + exp(-(-1.6 - 0.8 * quality)))) ? "1" : "2",
                                      missing: 0.02)
                let baseCost = exp(random.normal(mean: 8.8 + (need == 4 ? 0.3 : 0), sd: 0.6))
                let cost = max(0, baseCost + siteCost[site]! + (pilot ? Self.trueCostDifference : 0))
                return ([id, site, arm, name] + person + levels + wb + [budget, admission, fixedDecimals(cost, 2)]).joined(separator: ",") + "\n"
            }
            csv += wave("baseline", quality: baselineQuality, wellbeing: baselineWellbeing)
            if !random.bernoulli(0.15) {
                csv += wave("followup", quality: followupQuality, wellbeing: followupWellbeing)
            }
        }
        return csv
    }

    private func clamp(_ score: Double) -> Double { max(0, min(100, score)) }
    private func maybe(_ value: String, missing: Double) -> String { random.bernoulli(missing) ? "" : value }
}
