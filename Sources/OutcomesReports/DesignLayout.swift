import OutcomesAnalyses
import OutcomesStatistics

/// What every weighted table adds: each estimate's SE, design effect, effective and weighted N, and
/// notes on the weights and the design, the same for every kind.
enum DesignLayout {
    /// The SE, design effect, effective N and weighted N columns.
    static func columns(se key: String, _ title: String, qualifier: String = "") -> [ReportTable.Column] {
        [.init(key, title), .init("design_effect", "Design effect\(qualifier)"),
         .init("effective_n", "Effective N\(qualifier)"), .init("weighted_n", "Weighted N")]
    }

    /// A weighted share's SE (in points), design effect, effective and weighted N; withheld with the share.
    static func shareCells(_ estimate: ProportionEstimate, _ d: DisclosureControl) -> [ReportTable.Cell] {
        guard let survey = estimate.survey else { return Array(repeating: .empty, count: 4) }
        guard d.share(estimate) != nil else { return Array(repeating: .suppressed("*"), count: 4) }
        return cells(survey, seScale: 100, d)
    }

    /// A weighted mean's SE, design effect, effective and weighted N; withheld with the mean.
    static func meanCells(_ summary: Summary?, of n: Int, _ d: DisclosureControl) -> [ReportTable.Cell] {
        guard let survey = summary?.survey else { return Array(repeating: .empty, count: 4) }
        guard d.shows(statisticOf: n) else { return Array(repeating: .suppressed("*"), count: 4) }
        return cells(survey, seScale: 1, d)
    }

    /// Under a rounding policy the effective and weighted N are rounded as counts are: with weights of
    /// 1 (a design without `weight:`) the weighted N is the number of respondents.
    static func cells(_ survey: SurveyEstimate, seScale: Double, _ d: DisclosureControl) -> [ReportTable.Cell] {
        let sizes: [ReportTable.Cell] = d.rules.isOn
            ? [d.count(Int(survey.effectiveN.rounded())), d.count(Int(survey.weightedN.rounded()))]
            : [.number(survey.effectiveN, decimals: 1), .number(survey.weightedN, decimals: 1)]
        return [.number(survey.standardError * seScale, decimals: seScale == 1 ? 6 : 3),
                .number(survey.designEffect, decimals: 3)] + sizes
    }

    /// How a kind's shares got their intervals: Wilson's for simple counts, or the design's notes.
    static func shareIntervalNotes(_ design: Weighting.Summary?, _ definition: AnalysisDefinition,
                                   of estimate: String) -> [String] {
        let level = OutcomeTableLayout.confidenceLabel(definition.confidence)
        guard let design else { return ["Intervals: \(level) Wilson score intervals."] }
        return notes(design, level: level, of: estimate)
    }

    /// A weighted table's design in words: the weights and their range, the raking, the clusters and
    /// strata, how intervals were found, and what the design effect is of (`of`, e.g. "each weighted share").
    static func notes(_ design: Weighting.Summary, level: String, of estimate: String, means: Bool = false,
                      shares: Bool = true) -> [String] {
        var weights = design.weight.map { "Weighted by \($0)" } ?? "Every response weighs 1 before raking"
        if let trim = design.trim {
            let bounds = [trim.lower.map { "at least \(TableFormat.format($0, 3))" },
                          trim.upper.map { "at most \(TableFormat.format($0, 3))" }].compactMap { $0 }
            weights += ", trimmed to \(bounds.joined(separator: " and ")) (\(design.trimmed) weight"
                + "\(design.trimmed == 1 ? "" : "s") at a bound after \(design.trimPasses) pass"
                + "\(design.trimPasses == 1 ? "" : "es"), the weight cut off shared equally among the others, as "
                + "R's trimWeights with strict = TRUE)" + (design.rakedBy.isEmpty ? "" : " before raking")
        }
        if !design.rakedBy.isEmpty {
            weights += ", raked to the population totals of \(design.rakedBy.joined(separator: " and ")) "
                + "(\(design.passes) pass\(design.passes == 1 ? "" : "es") to converge)"
        }
        weights += "; weights from \(TableFormat.format(design.minimumWeight, 3)) to "
            + "\(TableFormat.format(design.maximumWeight, 3)) (mean \(TableFormat.format(design.meanWeight, 3)))."
        var structure = "Standard errors by linearisation (as R's survey package), "
        structure += design.clusters.map { "with the \($0) sites as clusters" } ?? "each response its own cluster"
        if let strata = design.strata { structure += ", in \(design.strataCount) strata of \(strata)" }
        let method = design.interval == .beta
            ? "Korn and Graubard's beta intervals at the effective sample size (svyciprop method beta)"
            : "intervals on the logit scale with a t critical value on the design's degrees of freedom "
                + "(svyciprop method logit, R's default: they stay within 0-100% and hold their coverage "
                + "better than Wald intervals for small shares)"
        var intervals = structure + "; \(level) \(method). A share of 0% or 100% has no design variance: its "
            + "interval is the exact (Clopper-Pearson) interval of the unweighted count."
        if means {
            intervals = structure + "; means with \(level) t intervals on the design's degrees of freedom "
                + "(confint(svymean(...), df = degf(design))), the SD as svyvar gives it, median and quartiles "
                + "as svyquantile (qrule \"math\": the value where the weighted share first reaches a "
                + "quarter, a half, three quarters)" + (shares ? ". Shares: \(level) \(method)." : ".")
        }
        return [weights, intervals,
                "Design effect: the variance of \(estimate) over that of a simple random sample of "
                    + "the same size (deff = \"replace\"); effective N = N / design effect. Counts are "
                    + "unweighted respondents; disclosure control rounds and withholds them (and the effective "
                    + "and weighted N) as usual and "
                    + "withholds a weighted \(means ? "figure" : "share") whose count is withheld, but a "
                    + "weighted \(means ? "figure" : "share") shown is as estimated, not recomputed from the "
                    + "rounded counts."]
    }
}
