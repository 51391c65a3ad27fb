import OutcomesAnalyses
import OutcomesStatistics

/// An analysis's disclosure rules applied to the figures its layout writes: every count, share,
/// statistic and group of its tables, notes and charts goes through one of these.
struct DisclosureControl {
    let rules: Disclosure

    init(_ definition: AnalysisDefinition) { rules = definition.disclosure }

    init(rules: Disclosure) { self.rules = rules }

    /// A count as published: exact when disclosure control is off; nil (shown as `*`) for 1 to 7;
    /// otherwise rounded to the nearest 5.
    func rounded(_ n: Int) -> Int? {
        guard rules.isOn else { return n }
        if (1...7).contains(n) { return nil }
        return (n + 2) / 5 * 5
    }

    func count(_ n: Int) -> ReportTable.Cell { rounded(n).map { .integer($0) } ?? .suppressed("*") }

    func countText(_ n: Int) -> String { rounded(n).map(String.init) ?? "*" }

    /// A count as a JSON value: the published number, or marked as withheld.
    func jsonCount(_ n: Int) -> Any { rounded(n).map { $0 as Any } ?? ["suppressed": true, "shown": "*"] }

    /// A share as published: computed from the rounded count and base, its interval too; nil (shown as
    /// `*`) when either is 1 to 7. A share of no one stays as it is (no figure).
    func share(_ estimate: ProportionEstimate) -> ProportionEstimate? {
        guard rules.isOn, estimate.n > 0 else { return estimate }
        guard let count = rounded(estimate.count), let n = rounded(estimate.n) else { return nil }
        // A weighted share is not a ratio of the counts shown, so rounding them does not change it.
        if estimate.survey != nil { return estimate }
        return try? Proportions.wilson(count: count, n: n, confidence: estimate.confidence)
    }

    /// "33.1 (28.5 to 38.0)" from the published figures as a cell, marked as withheld (`*`) when it is;
    /// `suffix` follows a shown figure.
    func percentCell(_ estimate: ProportionEstimate, suffix: String = "") -> ReportTable.Cell {
        share(estimate).map { .text(OutcomeTableLayout.percentWithCI($0) + suffix) } ?? .suppressed("*")
    }

    /// The share's cells in a long table (%, low, high), from the published figures.
    func shareCells(_ estimate: ProportionEstimate) -> [ReportTable.Cell] {
        guard let shown = share(estimate) else { return Array(repeating: .suppressed("*"), count: 3) }
        return [.number(shown.proportion * 100, decimals: 3), .number(shown.lower * 100, decimals: 3),
                .number(shown.upper * 100, decimals: 3)]
    }

    /// Whether a group (a subgroup level or a site, not a total of the whole survey) has too few
    /// respondents answering to be shown.
    func hides(groupOf base: Int, isTotal: Bool = false) -> Bool {
        rules.isOn && !isTotal && base < rules.minimumBase
    }

    /// What a hidden group shows instead of figures.
    var fewer: String { "fewer than \(rules.minimumBase)" }

    /// The mean, its interval, SD, median and quartiles of `n` people as published: empty with no
    /// summary (fewer than 2), withheld (`*`) for 1 to 7 people.
    func summaryCells(_ summary: Summary?, of n: Int) -> [ReportTable.Cell] {
        guard let s = summary else { return Array(repeating: .empty, count: 7) }
        guard shows(statisticOf: n) else { return Array(repeating: .suppressed("*"), count: 7) }
        return [s.mean.mean, s.mean.lower, s.mean.upper, s.mean.sd, s.median, s.q1, s.q3]
            .map { .number($0, decimals: 6) }
    }

    /// Whether a statistic (a mean, a test) of `n` people may be shown: not of 1 to 7.
    func shows(statisticOf n: Int) -> Bool { !rules.isOn || !(1...7).contains(n) }

    static let offStamp = "NOT FOR PUBLICATION: disclosure control is off (policy: none, or --no-disclosure-control), "
        + "so small counts that could identify a person are shown."

    /// The notes every table under these rules carries: what was done, and how many cells and groups
    /// of this table it hid.
    func notes(for table: ReportTable, hiddenGroups: Int) -> [String] {
        guard rules.isOn else {
            return [Self.offStamp]
        }
        let suppressed = table.rows.joined().filter {
            if case .suppressed = $0 { return true } else { return false }
        }.count
        var note = "Disclosure control (NHS Digital's rules for sub-national figures): "
            + "counts of 1 to 7 are shown as *, "
            + "other counts rounded to the nearest 5, and percentages and intervals computed from the rounded figures"
        if rules.minimumBase > 0 {
            note += "; a group with fewer than \(rules.minimumBase) answering is shown as \"\(fewer)\" (totals of the "
                + "whole survey are exempt)"
        }
        note += ". Totals are rounded too, so a suppressed count cannot be recovered by subtraction. In this table: "
            + "\(suppressed) cell\(suppressed == 1 ? "" : "s") suppressed"
            + (rules.minimumBase > 0 ? ", \(hiddenGroups) group\(hiddenGroups == 1 ? "" : "s") not shown." : ".")
        return [note]
    }
}
