import Foundation
import OutcomesInstruments
import OutcomesStatistics

/// Generates realistic, seeded sample responses in the CSV interchange format.
///
/// The data carry known structure, so that analyses can be checked against the truth:
/// - the share reporting a positive impact in each domain is near the published national figures
///   (independence about 73%, paid job about 12%; negative impacts 2-5%);
/// - people taking a direct payment, and people whose views were fully taken into account in
///   planning, are more likely to report positive outcomes (log-odds +0.5 and +0.6; views not taken
///   into account at all: -0.6), as the national surveys found;
/// - about 83% feel confident their needs will be met;
/// - a paper or online questionnaire cannot force an answer: each outcome question is left blank by
///   2-5% of people (more further into the questionnaire), as in the national surveys.
public struct SampleGenerator {
    public struct Options: Sendable {
        public var budgetHolders: Int
        public var carers: Int
        public var seed: UInt64
        public var wave: String
        public var sites: [String]

        public init(budgetHolders: Int = 400, carers: Int? = nil, seed: UInt64 = 2026, wave: String = "2026",
                    sites: [String] = SampleGenerator.defaultSites) {
            self.budgetHolders = budgetHolders
            self.carers = carers ?? budgetHolders * 3 / 8
            self.seed = seed
            self.wave = wave
            self.sites = sites
        }
    }

    /// Fictional areas: no real council's data is implied.
    public static let defaultSites = ["ashford-vale", "brackenmoor", "carrow-bay", "dunmere", "elmstead"]

    /// Per domain: positive share among those answering, negative share, and not-applicable share.
    /// Positive shares follow the national health budget holder figures in DOMAIN.md.
    static let budgetHolderDomains: [(item: String, positive: Double, negative: Double, notApplicable: Double)] = [
        ("outcome_independence", 0.726, 0.030, 0.04),
        ("outcome_physical_health", 0.688, 0.049, 0.05),
        ("outcome_mental_wellbeing", 0.639, 0.045, 0.04),
        ("outcome_support_wanted", 0.683, 0.025, 0.03),
        ("outcome_dignity", 0.679, 0.017, 0.04),
        ("outcome_control_support", 0.677, 0.020, 0.03),
        ("outcome_control_life", 0.672, 0.022, 0.04),
        ("outcome_long_term_condition", 0.594, 0.035, 0.15),
        ("outcome_safety", 0.582, 0.025, 0.05),
        ("outcome_paid_supporters", 0.531, 0.030, 0.12),
        ("outcome_family", 0.508, 0.030, 0.08),
        ("outcome_friends", 0.416, 0.035, 0.12),
        ("outcome_where_live", 0.343, 0.025, 0.22),
        ("outcome_volunteering", 0.173, 0.020, 0.55),
        ("outcome_paid_job", 0.123, 0.020, 0.62),
    ]

    static let carerDomains: [(item: String, positive: Double, negative: Double, notApplicable: Double)] = [
        ("carer_quality_of_life", 0.60, 0.06, 0.02),
        ("carer_wellbeing", 0.45, 0.11, 0.03),
        ("carer_relationship_cared_for", 0.50, 0.04, 0.04),
        ("carer_relationships_others", 0.38, 0.06, 0.05),
        ("carer_social_life", 0.40, 0.11, 0.05),
        ("carer_finances", 0.52, 0.07, 0.06),
        ("carer_continue_caring", 0.62, 0.04, 0.03),
        ("carer_support_to_care", 0.69, 0.04, 0.03),
        ("carer_paid_work", 0.20, 0.05, 0.55),
    ]

    /// The true associations in the budget-holder sample, on the log-odds of a positive answer in
    /// every domain: a direct payment (against any other arrangement), and views taken into account
    /// fully or not at all (against partly). Ease of planning, choosing and changing support goes
    /// with being heard but has no effect of its own.
    public static let directPaymentLogOdds = 0.5
    public static let viewsFullyLogOdds = 0.6
    public static let viewsNotAtAllLogOdds = -0.6

    public let options: Options
    private let random: RandomSource

    public init(options: Options) {
        self.options = options
        random = RandomSource(seed: options.seed)
    }

    /// The budget-holder survey as CSV text (header and one row per respondent).
    public mutating func budgetHolderCSV() -> String {
        let outcomeItems = Self.budgetHolderDomains.map(\.item)
        let header = ["respondent_id", "site", "arm", "wave", "age_band", "gender", "support_need", "budget_management",
                      "budget_start", "support_hours_week", "planning_helpers", "process_views", "process_views_missing",
                      "process_information", "process_planning", "process_choosing", "process_changing"]
            + outcomeItems + ["confidence_needs_met", "comments"]
        // One growing text, not a line per row: a million rows of small strings, then a copy, was most
        // of the generator's time and memory.
        var csv = header.joined(separator: ",") + "\n"
        csv.reserveCapacity(100 * (options.budgetHolders + 1))
        // Average shift of the log-odds from the process effects, removed so that the overall shares
        // stay near the national figures while the associations remain.
        let meanShift = Self.directPaymentLogOdds * 0.45 + Self.viewsFullyLogOdds * 0.55 + Self.viewsNotAtAllLogOdds * 0.10
        for index in 0..<options.budgetHolders {
            let site = options.sites[random.integer(below: options.sites.count)]
            let need = 1 + random.categorical([0.30, 0.15, 0.15, 0.20, 0.15, 0.05])
            let age: Int
            switch need {
            case 4: age = 6 + random.categorical([0.3, 0.45, 0.25])
            case 2: age = 1 + random.categorical([0.3, 0.3, 0.2, 0.12, 0.08])
            default: age = 1 + random.categorical([0.05, 0.12, 0.16, 0.2, 0.22, 0.14, 0.08, 0.03])
            }
            let management = [1, 2, 3, 4, 9][random.categorical([0.45, 0.28, 0.12, 0.10, 0.05])]
            let views = 1 + random.categorical(management == 1 ? [0.62, 0.30, 0.08] : [0.48, 0.38, 0.14])
            let directPayment = management == 1 ? 1.0 : 0.0
            let viewsEffect = views == 1 ? Self.viewsFullyLogOdds : (views == 3 ? Self.viewsNotAtAllLogOdds : 0)
            let personEffect = random.normal(sd: 0.5)
            let lift = Self.directPaymentLogOdds * directPayment + viewsEffect - meanShift + personEffect

            var row: [String] = ["BH" + zeroPadded(index + 1, width: 6), site, "", options.wave]
            row.append(maybe(String(age), missing: 0.03))
            row.append(maybe(String([1, 2, 3, 9][random.categorical([0.54, 0.43, 0.01, 0.02])]), missing: 0.03))
            row.append(maybe(String(need), missing: 0.02))
            row.append(maybe(String(management), missing: 0.02))
            let year = 2019 + random.integer(below: 7), month = 1 + random.integer(below: 12), day = 1 + random.integer(below: 28)
            row.append(maybe(zeroPadded(year, width: 4) + "-" + zeroPadded(month, width: 2) + "-" + zeroPadded(day, width: 2), missing: 0.25))
            row.append(maybe(String(Int(max(0, min(120, random.normal(mean: 14, sd: 9)).rounded()))), missing: 0.15))
            var helpers = (1...4).filter { _ in random.bernoulli(0.35) }
            if helpers.isEmpty { helpers = [5] }
            row.append(maybe(helpers.map(String.init).joined(separator: ";"), missing: 0.1))
            row.append(String(views))
            row.append(views != 1 && random.bernoulli(0.3)
                       ? csvEscape(["More time to talk it through", "Someone to speak up for me", "Meeting at home, not the office",
                                   "Being asked what \"a good day\" looks like"][random.integer(below: 4)])
                       : "")
            for _ in 0..<4 {
                // Easier processes go with being heard.
                let weights = views == 1 ? [0.30, 0.38, 0.17, 0.10, 0.05, 0.04] : [0.12, 0.28, 0.25, 0.20, 0.10, 0.05]
                row.append(maybe(String([1, 2, 3, 4, 5, 8][random.categorical(weights)]), missing: 0.02))
            }
            for (index, domain) in Self.budgetHolderDomains.enumerated() {
                row.append(maybe(String(outcomeCode(domain, lift: lift)),
                                 missing: Self.itemNonResponse(index, of: Self.budgetHolderDomains.count)))
            }
            let confident = 1 / (1 + exp(-(logit(0.826) + 0.8 * (lift + meanShift - 0.5))))
            row.append(maybe(String(random.bernoulli(confident) ? 1 + random.categorical([0.45, 0.55])
                                                               : 3 + random.categorical([0.5, 0.3, 0.2])), missing: 0.02))
            row.append(random.bernoulli(0.06)
                       ? csvEscape(["My PA is brilliant, and I choose when she comes.", "Paperwork takes too long, but it is worth it.",
                                   "I can go to the \"gardening club\" again.", "Changing agency was hard."][random.integer(below: 4)])
                       : "")
            csv += row.joined(separator: ",")
            csv += "\n"
        }
        return csv
    }

    /// The carer survey as CSV text.
    public mutating func carerCSV() -> String {
        let header = ["respondent_id", "site", "arm", "wave", "carer_age_band", "carer_relationship", "carer_hours"]
            + Self.carerDomains.map(\.item)
        var csv = header.joined(separator: ",") + "\n"
        csv.reserveCapacity(50 * (options.carers + 1))
        for index in 0..<options.carers {
            let site = options.sites[random.integer(below: options.sites.count)]
            let hours = 1 + random.categorical([0.35, 0.35, 0.30])
            // Carers caring 50+ hours a week are less likely to report gains in their own life.
            let lift = (hours == 3 ? -0.35 : 0.1) + random.normal(sd: 0.5)
            var row = ["CA" + zeroPadded(index + 1, width: 6), site, "", options.wave]
            row.append(maybe(String(1 + random.categorical([0.04, 0.26, 0.45, 0.15, 0.10])), missing: 0.03))
            row.append(maybe(String(1 + random.categorical([0.38, 0.30, 0.20, 0.07, 0.05])), missing: 0.03))
            row.append(maybe(String(hours), missing: 0.03))
            for (index, domain) in Self.carerDomains.enumerated() {
                row.append(maybe(String(outcomeCode(domain, lift: lift)),
                                 missing: Self.itemNonResponse(index, of: Self.carerDomains.count)))
            }
            csv += row.joined(separator: ",")
            csv += "\n"
        }
        return csv
    }

    /// The share leaving the outcome question at `index` (of `count`) blank: 2% for the first, rising
    /// to 5% for the last, as answers thin out through a questionnaire.
    static func itemNonResponse(_ index: Int, of count: Int) -> Double {
        0.02 + 0.03 * Double(index) / Double(max(count - 1, 1))
    }

    /// Draws one outcome answer: not applicable, else positive / negative / no change, each
    /// positive or negative answer split between "a lot" and "a bit".
    private func outcomeCode(_ domain: (item: String, positive: Double, negative: Double, notApplicable: Double),
                             lift: Double) -> Int {
        if random.bernoulli(domain.notApplicable) { return 8 }
        let positive = 1 / (1 + exp(-(logit(domain.positive) + lift)))
        if random.bernoulli(positive) { return random.bernoulli(0.45) ? 1 : 2 }
        // The negative share stays near its national figure, falling a little as the lift rises.
        let negative = min(0.9, domain.negative / (1 - domain.positive) * exp(-0.4 * lift))
        if random.bernoulli(negative) { return random.bernoulli(0.6) ? 4 : 5 }
        return 3
    }

    private func maybe(_ value: String, missing: Double) -> String { random.bernoulli(missing) ? "" : value }
}

func logit(_ p: Double) -> Double { log(p / (1 - p)) }

/// `value` in decimal with leading zeros to `width` digits, as printf's %0*d (Foundation's
/// String(format:) costs a microsecond or more a call, and the generator makes millions).
func zeroPadded(_ value: Int, width: Int) -> String {
    let digits = String(value)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
}
