import OutcomesAnalyses
import OutcomesStatistics

/// Odds ratios of a positive outcome for each process item, per domain, and what they add up to.
public enum ProcessAssociationsLayout {
    /// Whether an odds ratio is withheld: its level or its reference holds too few people to show.
    static func withholds(_ e: AssociationEstimate, _ d: DisclosureControl) -> Bool {
        d.hides(groupOf: min(e.nLevel, e.nReference)) || !d.shows(statisticOf: min(e.nLevel, e.nReference))
    }

    public static func estimatesTable(_ result: ProcessAssociationsResult) -> ReportTable {
        let control = DisclosureControl(result.definition)
        var table = ReportTable(title: result.definition.title, columns: [
            .init("item", "Item", alignRight: false), .init("domain", "Domain", alignRight: false),
            .init("n", "N in model"),
            .init("positive_n", "Positive"), .init("not_applicable_n", "Not applicable or don't know"),
            .init("outcome_missing_n", "Outcome missing"),
            .init("not_asked_n", "Outcome not asked"),
            .init("predictor_missing_n", "Process or covariate missing"),
            .init("process", "Process item", alignRight: false),
            .init("contrast", "Contrast", alignRight: false), .init("level", "Level", alignRight: false),
            .init("reference", "Reference", alignRight: false),
            .init("n_level", "n in level"), .init("n_reference", "n in reference"), .init("odds_ratio", "Odds ratio"),
            .init("ci_low", "CI low"), .init("ci_high", "CI high"), .init("p", "p"),
            .init("p_adjusted", "p adjusted across domains"),
            .init("not_computed", "Not computed because", alignRight: false),
            .init("notes", "Notes", alignRight: false),
        ])
        var withheld = 0
        for d in result.domains {
            for (index, contrast) in result.contrasts.enumerated() {
                var cells: [ReportTable.Cell] = [.text(d.item), .text(d.domain.label),
                                                 control.count(d.n), control.count(d.positive),
                                                 control.count(d.notApplicable), control.count(d.outcomeMissing),
                                                 control.count(d.notAsked), control.count(d.predictorMissing),
                                                 .text(contrast.item), .text(contrast.label),
                                                 .text(contrast.level), .text(contrast.reference)]
                if let e = d.estimates[index], withholds(e, control) {
                    withheld += 1
                    cells += [control.count(e.nLevel), control.count(e.nReference)]
                    cells += Array(repeating: .suppressed(control.fewer), count: 5)
                } else if let e = d.estimates[index] {
                    cells += [control.count(e.nLevel), control.count(e.nReference),
                              .number(e.oddsRatio, decimals: 6), .number(e.lower, decimals: 6),
                              .number(e.upper, decimals: 6), .number(e.pValue, decimals: 6),
                              e.adjustedP.map { .number($0, decimals: 6) } ?? .empty]
                } else {
                    cells += Array(repeating: .empty, count: 7)
                }
                cells += [d.notComputed.map { .text($0) } ?? .empty, .text(d.notes.joined(separator: "; "))]
                table.rows.append(cells)
            }
        }
        table.notes = notes(result) + control.notes(for: table, hiddenGroups: withheld)
        return table
    }

    public static func summaryTable(_ result: ProcessAssociationsResult) -> ReportTable {
        var table = ReportTable(
            title: "Which processes go with better outcomes",
            columns: [.init("contrast", "Process", alignRight: false),
                      .init("better_n", "Domains with better outcomes"),
                      .init("worse_n", "Domains with worse outcomes"), .init("unclear_n", "No clear association"),
                      .init("not_estimated_n", "Not estimated"), .init("odds_ratio_min", "Lowest odds ratio"),
                      .init("odds_ratio_max", "Highest odds ratio"),
                      .init("better_domains", "Better in", alignRight: false),
                      .init("worse_domains", "Worse in", alignRight: false)],
            notes: ["Better or worse: odds ratio above or below 1 with p below "
                    + "\(TableFormat.format(ProcessAssociations.alpha, 2)) after "
                    + "\(adjustmentName(result.settings.adjustment)) across the \(result.domains.count) domains, "
                    + "for each process contrast.",
                    "Each domain's model: \(modelDescription(result))."])
        for s in result.summaries {
            table.rows.append([.text(s.contrast.label), .integer(s.better.count), .integer(s.worse.count),
                               .integer(s.unclear),
                               .integer(s.notEstimated), s.lowestOddsRatio.map { .number($0, decimals: 2) } ?? .empty,
                               s.highestOddsRatio.map { .number($0, decimals: 2) } ?? .empty,
                               .text(s.better.joined(separator: "; ")), .text(s.worse.joined(separator: "; "))])
        }
        return table
    }

    /// The summary, then one table per process item: domains down, "OR (CI)" and p per contrast.
    public static func humanTables(_ result: ProcessAssociationsResult) -> [ReportTable] {
        var summary = summaryTable(result)
        summary.columns = Array(summary.columns.prefix(5)) + [.init("range", "Odds ratios, range")]
            + summary.columns.suffix(2)
        summary.rows = summary.rows.map { row in
            let range: ReportTable.Cell
            if case let .number(low, _) = row[5], case let .number(high, _) = row[6] {
                range = .text("\(TableFormat.format(low, 2)) to \(TableFormat.format(high, 2))")
            } else { range = .text("–") }
            return Array(row.prefix(5)) + [range] + row.suffix(2)
        }
        var tables = [summary]
        let level = OutcomeTableLayout.confidenceLabel(result.definition.confidence)
        var items: [String] = []
        for contrast in result.contrasts where !items.contains(contrast.item) { items.append(contrast.item) }
        for item in items {
            let indices = result.contrasts.indices.filter { result.contrasts[$0].item == item }
            let variable = result.contrasts[indices[0]].variable
            var columns: [ReportTable.Column] = [.init("domain", "Domain", alignRight: false),
                                                 .init("n", "N (positive)")]
            for i in indices {
                let c = result.contrasts[i]
                columns += [.init("or_\(i)", "\(c.level) vs \(c.reference): OR (\(level) CI)"),
                            .init("p_\(i)", "p"), .init("q_\(i)", "p adjusted")]
            }
            var table = ReportTable(title: "\(variable): odds ratios of a positive outcome", columns: columns)
            let control = DisclosureControl(result.definition)
            var withheld = 0
            for d in result.domains {
                var cells: [ReportTable.Cell] = [.text(d.domain.label),
                                                 .text("\(control.countText(d.n)) (\(control.countText(d.positive)))")]
                if let reason = d.notComputed {
                    cells.append(.text("not computed: \(reason)"))
                    cells += Array(repeating: .text(""), count: indices.count * 3 - 1)
                } else {
                    for i in indices {
                        if let e = d.estimates[i], withholds(e, control) {
                            withheld += 1
                            cells += [.suppressed(control.fewer), .suppressed("–"), .suppressed("–")]
                        } else if let e = d.estimates[i] {
                            cells += [.text("\(TableFormat.format(e.oddsRatio, 2)) "
                                            + "(\(TableFormat.format(e.lower, 2)) to "
                                            + "\(TableFormat.format(e.upper, 2)))"),
                                      .text(TableFormat.pValue(e.pValue)), .text(TableFormat.pValue(e.adjustedP))]
                        } else {
                            cells += [.text("not estimated"), .text("–"), .text("–")]
                        }
                    }
                }
                table.rows.append(cells)
            }
            table.notes = notes(result)
            let domainNotes = result.domains.flatMap { d in
                d.notes.filter { $0.hasPrefix(variable + ":") }.map { "\(d.domain.label): \($0)" }
            }
            table.notes += domainNotes
            if withheld > 0 {
                table.notes.append("Odds ratio not shown where the level or its reference has "
                                   + "\(control.fewer) people in the model.")
            }
            table.notes += control.notes(for: table, hiddenGroups: withheld)
            tables.append(table)
        }
        return tables
    }

    static func modelDescription(_ result: ProcessAssociationsResult) -> String {
        var processes: [String] = []
        for contrast in result.contrasts where !processes.contains(contrast.variable) {
            processes.append(contrast.variable)
        }
        let adjusted = result.covariates.isEmpty
            ? "" : ", adjusted for \(result.covariates.joined(separator: " and ").lowercased())"
        if let design = result.design {
            return "design-weighted logistic regression of a positive impact (vs no change or negative) on "
                + "\(processes.joined(separator: ", ").lowercased()) together\(adjusted), as R's svyglm "
                + "(family quasibinomial); Wald intervals and p-values from t on the design's degrees of freedom "
                + "less the coefficients but one, with standard errors by linearisation"
                + (design.clusters.map { " over the \($0) sites as clusters" } ?? "")
                + (design.strata.map { " within strata of \($0)" } ?? "")
                + (design.rakedBy.isEmpty ? "" : ", allowing for the raking")
        }
        let errors: String
        switch result.standardErrors {
        case .cr2:
            errors = "standard errors clustered by site, bias-reduced for few sites (CR2, \(siteRange(result)) "
                + "per domain's model), as people at one site are alike, and t on each odds ratio's Satterthwaite "
                + "degrees of freedom"
        case .clusteredBySite, .automatic:
            errors = "standard errors clustered by site (CR1, \(siteRange(result)) per domain's model), "
                + "as people at one site are alike, and t on sites - 1 degrees of freedom"
        case .classical:
            errors = "classical standard errors, treating every respondent as independent"
                + (result.settings.standardErrors == .automatic && result.design == nil
                   ? " (responses from one site)" : "")
        }
        return "logistic regression of a positive impact (vs no change or negative) on "
            + "\(processes.joined(separator: ", ").lowercased()) together\(adjusted); "
            + "Wald intervals and p-values from \(errors)"
    }

    static func siteRange(_ result: ProcessAssociationsResult) -> String {
        let counts = result.domains.filter { $0.n > 0 }.map(\.sites)
        guard let low = counts.min(), let high = counts.max() else { return "no sites" }
        return low == high ? "\(low) sites" : "\(low) to \(high) sites"
    }

    static func notes(_ result: ProcessAssociationsResult) -> [String] {
        let d = DisclosureControl(result.definition)
        let excluded = result.domains.map { $0.notApplicable + $0.outcomeMissing + $0.notAsked + $0.predictorMissing }
        return [
            "Model: \(modelDescription(result)); fitted by iteratively reweighted least squares. "
                + "Odds ratios above 1: the level goes with better outcomes than the reference.",
            "N: respondents in the model (positive in brackets); \(d.countText(excluded.min() ?? 0)) to "
                + "\(d.countText(excluded.max() ?? 0)) per domain were left out as the outcome was not applicable, "
                + "don't know or missing, or a process or covariate answer was missing (per-domain counts in the CSV).",
            "Where a model cannot be fitted (for example perfect separation, or one outcome category) "
                + "it says so instead of giving numbers.",
        ] + (result.design.map { [DesignLayout.notes($0, level: "", of: "").first!] } ?? [])
            + notAskedNote(result.domains.map { ($0.domain.label, d.countText($0.notAsked)) })
    }
}

extension ProcessAssociationsResult: KindLayout, SurveyAnalysisResult {
    var appliesDisclosureControl: Bool { true }

    var csvTables: [(suffix: String, table: ReportTable)] {
        [("", ProcessAssociationsLayout.estimatesTable(self)),
         ("-summary", ProcessAssociationsLayout.summaryTable(self))]
    }

    var humanTables: [ReportTable] { ProcessAssociationsLayout.humanTables(self) }

    var charts: [Chart] {
        let associations = self
        return associations.contrasts.enumerated().compactMap { index, contrast in
            let control = DisclosureControl(definition)
            let rows = associations.domains.compactMap { domain -> SVGCharts.ForestRow? in
                guard let e = domain.estimates[index], !ProcessAssociationsLayout.withholds(e, control) else {
                    return nil
                }
                return SVGCharts.ForestRow(label: domain.domain.label, estimate: e.oddsRatio,
                                           lower: e.lower, upper: e.upper,
                                           text: "\(TableFormat.format(e.oddsRatio, 2)) "
                                               + "(\(TableFormat.format(e.lower, 2)) to "
                                               + "\(TableFormat.format(e.upper, 2)))")
            }
            guard !rows.isEmpty else { return nil }
            var data = ReportTable(title: "Figures in the chart", columns: [
                .init("domain", "Domain", alignRight: false), .init("or", "Odds ratio (95% CI)"),
            ])
            data.rows = rows.map { [.text($0.label), .text($0.text)] }
            let missing = associations.domains.count - rows.count
            if missing > 0 {
                data.notes = ["Not estimated or not shown in \(missing) domain\(missing == 1 ? "" : "s"): "
                              + "see the table below for why."]
            }
            return Chart(svg: SVGCharts.forest(id: "\(associations.definition.id)-forest-\(index)",
                                               title: contrast.label,
                                               description: "Forest plot of the odds ratio of a positive outcome "
                                                   + "for \(contrast.level) against \(contrast.reference), "
                                                   + "in each domain, with 95% intervals; "
                                                   + "right of the line favours \(contrast.level).",
                                               rows: rows, axisLabel: "Odds ratio of a positive outcome (log scale)",
                                               ratio: true),
                         caption: "\(contrast.label): odds ratio of a positive outcome in each domain (adjusted), "
                             + "with 95% interval.", table: data)
        }
    }

    var methods: String {
        let associations = self
        let failed = associations.domains.filter { $0.notComputed != nil }
        return "Per domain, a \(ProcessAssociationsLayout.modelDescription(associations)). "
            + "\(associations.domains.count - failed.count) of \(associations.domains.count) models fitted"
            + (failed.isEmpty ? "" : "; not fitted: "
               + failed.map { "\($0.domain.label) (\($0.notComputed!))" }.joined(separator: "; "))
            + ". p-values adjusted across domains for each contrast by "
            + "\(adjustmentName(associations.settings.adjustment))."
    }

    var summary: String {
        let associations = self
        let fitted = associations.domains.filter { $0.notComputed == nil }.count
        return "\(associations.responses) responses, \(fitted) of \(associations.domains.count) domain models fitted, "
            + "\(associations.contrasts.count) process contrasts"
    }
}
