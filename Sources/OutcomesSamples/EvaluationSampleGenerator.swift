import Foundation
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
    private let random: RandomSource

    public init(options: Options = Options()) {
        self.options = options
        random = RandomSource(seed: options.seed)
    }

    /// Activation responses at baseline and follow-up, as CSV in the interchange format.
    public func activationCSV() -> String {
        let items = (1...13).map { String(format: "act_%02d", $0) }
        var lines = [(["respondent_id", "site", "arm", "wave", "support_need", "age_group"] + items).joined(separator: ",")]
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
            let id = "A\(String(format: "%05d", index + 1))"
            let lateRecruit = random.bernoulli(0.01)
            let dropout = (pilot ? 0.12 : 0.18) * (baseline < 47 ? 1.5 : 0.85)
            let arm = pilot ? "pilot" : "control"
            let person = [maybe(String(need), missing: 0.02), maybe(String(age), missing: 0.02)]
            if !lateRecruit {
                lines.append(([id, site, arm, "baseline"] + person + answers(for: baseline, offsets: itemOffsets)).joined(separator: ","))
            }
            if lateRecruit || !random.bernoulli(dropout) {
                lines.append(([id, site, arm, "followup"] + person + answers(for: followup, offsets: itemOffsets)).joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
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

    private func clamp(_ score: Double) -> Double { max(0, min(100, score)) }
    private func maybe(_ value: String, missing: Double) -> String { random.bernoulli(missing) ? "" : value }
}
