import OutcomesAnalyses
import OutcomesStatistics

/// How a pilot-versus-control evaluation is laid out: balance ("Table 1"), attrition, outcomes with
/// unadjusted, change and adjusted comparisons, subgroups and cost-effectiveness.
public enum PilotVsControlLayout {
    static func fmt(_ value: Double?, _ decimals: Int) -> String { TableFormat.fixed(value, decimals) }
    static func p(_ value: Double?) -> String { TableFormat.pValue(value) }

    static func cell(_ value: Double?, decimals: Int) -> ReportTable.Cell {
        guard let value else { return .empty }
        return .number(value, decimals: decimals)
    }

    /// Decimal places that suit an outcome: 3 for a 0-1 index, 1 for wider scores.
    static func decimals(_ comparison: OutcomeComparison) -> Int {
        if comparison.kind == .binary { return 1 }
        let typical = abs(comparison.followupControl?.mean ?? comparison.followupPilot?.mean ?? 10)
        return typical <= 2 ? 3 : 1
    }

    public static func outcomesTable(_ result: PilotVsControlResult) -> ReportTable {
        var columns: [ReportTable.Column] = [
            .init("subgroup", "Subgroup", alignRight: false), .init("group", "Group", alignRight: false),
            .init("outcome", "Outcome", alignRight: false), .init("label", "Label", alignRight: false), .init("kind", "Kind", alignRight: false),
        ]
        for arm in ["pilot", "control"] {
            columns += [.init("baseline_\(arm)_n", "Baseline \(arm) n"), .init("baseline_\(arm)_mean", "Baseline \(arm) mean or proportion"),
                        .init("followup_\(arm)_n", "Follow-up \(arm) n"), .init("followup_\(arm)_mean", "Follow-up \(arm) mean or proportion"),
                        .init("followup_\(arm)_sd", "Follow-up \(arm) SD")]
        }
        columns += [.init("unadjusted_difference", "Unadjusted difference"), .init("unadjusted_ci_low", "CI low"),
                    .init("unadjusted_ci_high", "CI high"), .init("unadjusted_p", "p"), .init("unadjusted_test", "Test", alignRight: false),
                    .init("change_pilot", "Change, pilot"), .init("change_pilot_ci_low", "CI low"), .init("change_pilot_ci_high", "CI high"),
                    .init("change_control", "Change, control"), .init("change_control_ci_low", "CI low"), .init("change_control_ci_high", "CI high"),
                    .init("difference_in_differences", "Difference in differences"), .init("did_ci_low", "CI low"), .init("did_ci_high", "CI high"),
                    .init("did_p", "p"),
                    .init("adjusted_effect", "Adjusted effect (difference, or odds ratio)"), .init("adjusted_ci_low", "CI low"),
                    .init("adjusted_ci_high", "CI high"), .init("adjusted_p", "p"), .init("adjusted_p_multiplicity", "p adjusted across outcomes"),
                    .init("adjusted_n", "n in model"), .init("clusters", "Sites (clusters)"),
                    .init("hedges_g", "Hedges' g"), .init("hedges_g_ci_low", "CI low"), .init("hedges_g_ci_high", "CI high"),
                    .init("notes", "Notes", alignRight: false)]
        var table = ReportTable(title: result.definition.title, columns: columns, notes: notes(result))
        for group in result.groups {
            for c in group.comparisons {
                var cells: [ReportTable.Cell] = [.text(group.variable ?? "Overall"), .text(group.level ?? "All respondents"),
                                                 .text(c.outcome), .text(c.label), .text(c.kind.rawValue)]
                for (baseline, followup) in [(c.baselinePilot, c.followupPilot), (c.baselineControl, c.followupControl)] {
                    cells += [baseline.map { .integer($0.n) } ?? .empty, cell(baseline?.mean, decimals: 6),
                              followup.map { .integer($0.n) } ?? .empty, cell(followup?.mean, decimals: 6), cell(followup?.sd, decimals: 6)]
                }
                cells += [cell(c.unadjusted?.estimate, decimals: 6), cell(c.unadjusted?.lower, decimals: 6), cell(c.unadjusted?.upper, decimals: 6),
                          cell(c.unadjustedP, decimals: 6), c.unadjustedTest.map { .text($0) } ?? .empty]
                for change in [c.changePilot, c.changeControl] {
                    cells += [cell(change?.mean, decimals: 6), cell(change?.lower, decimals: 6), cell(change?.upper, decimals: 6)]
                }
                cells += [cell(c.differenceInDifferences?.estimate, decimals: 6), cell(c.differenceInDifferences?.lower, decimals: 6),
                          cell(c.differenceInDifferences?.upper, decimals: 6), cell(c.differenceInDifferencesP, decimals: 6),
                          cell(c.adjusted?.estimate, decimals: 6), cell(c.adjusted?.lower, decimals: 6), cell(c.adjusted?.upper, decimals: 6),
                          cell(c.adjusted?.pValue, decimals: 6), cell(c.adjustedP, decimals: 6),
                          c.adjustedN.map { .integer($0) } ?? .empty, c.clusters.map { .integer($0) } ?? .empty,
                          cell(c.effectSize?.estimate, decimals: 4), cell(c.effectSize?.lower, decimals: 4), cell(c.effectSize?.upper, decimals: 4),
                          .text(c.notes.joined(separator: "; "))]
                table.rows.append(cells)
            }
        }
        return table
    }

    public static func balanceTable(_ rows: [BalanceRow], title: String, first: String, second: String) -> ReportTable {
        var table = ReportTable(title: title, columns: [
            .init("characteristic", "Characteristic", alignRight: false), .init("level", "Level", alignRight: false),
            .init("\(first)_n", "\(first) n"), .init("\(first)_value", "\(first) mean or proportion"), .init("\(first)_sd", "\(first) SD"),
            .init("\(second)_n", "\(second) n"), .init("\(second)_value", "\(second) mean or proportion"), .init("\(second)_sd", "\(second) SD"),
            .init("smd", "Standardised difference"),
        ])
        for row in rows {
            table.rows.append([.text(row.characteristic), .text(row.level ?? ""), .integer(row.pilotN), .number(row.pilotValue, decimals: 6),
                               cell(row.pilotSD, decimals: 6), .integer(row.controlN), .number(row.controlValue, decimals: 6),
                               cell(row.controlSD, decimals: 6), .number(row.smd, decimals: 4)])
        }
        return table
    }

    public static func costTable(_ cost: CostEffectiveness) -> ReportTable {
        var table = ReportTable(title: "Cost-effectiveness", columns: [
            .init("quantity", "Quantity", alignRight: false), .init("estimate", "Estimate"), .init("ci_low", "CI low"),
            .init("ci_high", "CI high"), .init("probability_cost_effective", "Probability cost-effective"),
        ])
        table.rows = [
            [.text("Mean cost, pilot"), .number(cost.meanCost.pilot, decimals: 2), .empty, .empty, .empty],
            [.text("Mean cost, control"), .number(cost.meanCost.control, decimals: 2), .empty, .empty, .empty],
            [.text("Incremental cost"), .number(cost.incrementalCost.estimate, decimals: 2), .number(cost.incrementalCost.lower, decimals: 2),
             .number(cost.incrementalCost.upper, decimals: 2), .empty],
            [.text("Incremental effect"), .number(cost.incrementalEffect.estimate, decimals: 6), .number(cost.incrementalEffect.lower, decimals: 6),
             .number(cost.incrementalEffect.upper, decimals: 6), .empty],
            [.text("ICER (cost per unit of effect)"), .number(cost.icer, decimals: 2), .empty, .empty, .empty],
        ] + cost.netBenefits.map { nb in
            [.text("Net benefit at \(TableFormat.format(nb.threshold, 0)) per unit"), .number(nb.estimate, decimals: 2),
             .number(nb.lower, decimals: 2), .number(nb.upper, decimals: 2), .number(nb.probabilityCostEffective, decimals: 4)]
        }
        return table
    }

    /// The document for people.
    /// The machine-readable tables, each with the suffix of its CSV file name.
    static func csvTables(_ evaluation: PilotVsControlResult) -> [(suffix: String, table: ReportTable)] {
        var tables = [("", outcomesTable(evaluation)),
                      ("-balance", balanceTable(evaluation.balance, title: "Baseline characteristics by arm",
                                                first: "pilot", second: "control")),
                      ("-attrition", balanceTable(evaluation.attrition.comparison,
                                                  title: "Baseline characteristics of those lost and those followed up",
                                                  first: "lost", second: "followed_up"))]
        if let cost = evaluation.cost { tables.append(("-cost", costTable(cost))) }
        return tables
    }

    public static func humanTables(_ result: PilotVsControlResult) -> [ReportTable] {
        let level = OutcomeTableLayout.confidenceLabel(result.definition.confidence)
        var tables: [ReportTable] = []
        let a = result.attrition
        var attrition = ReportTable(title: "Who was followed up", columns: [
            .init("arm", "Arm", alignRight: false), .init("baseline", "At baseline"), .init("lost", "No follow-up"), .init("rate", "Lost, %"),
        ])
        attrition.rows = [
            [.text("Pilot"), .integer(a.baselinePilot), .integer(a.lostPilot), .text(fmt(TableFormat.percent(a.lostPilot, a.baselinePilot), 1))],
            [.text("Control"), .integer(a.baselineControl), .integer(a.lostControl), .text(fmt(TableFormat.percent(a.lostControl, a.baselineControl), 1))],
        ]
        attrition.notes = ["\(a.followupOnly) respondents answered only at follow-up: they are in the follow-up comparisons but not in the change or adjusted figures."]
        let imbalanced = a.comparison.filter { abs($0.smd) > 0.1 }
        attrition.notes.append(imbalanced.isEmpty
            ? "Those lost did not differ from those followed up at baseline (every |standardised difference| <= 0.1)."
            : "Those lost differed at baseline in: " + imbalanced.map { "\($0.characteristic)\($0.level.map { " = \($0)" } ?? "") (SMD \(fmt($0.smd, 2)))" }.joined(separator: "; ") + " (lost minus followed up).")
        tables.append(attrition)

        var balance = ReportTable(title: "Baseline characteristics by arm (Table 1)", columns: [
            .init("characteristic", "Characteristic", alignRight: false), .init("pilot", "Pilot"), .init("control", "Control"),
            .init("smd", "Standardised difference"),
        ])
        for row in result.balance {
            let name = row.level.map { "\(row.characteristic): \($0)" } ?? row.characteristic
            if row.level != nil {
                balance.rows.append([.text(name), .text("\(fmt(row.pilotValue * 100, 1))%"), .text("\(fmt(row.controlValue * 100, 1))%"),
                                     .text(fmt(row.smd, 2))])
            } else {
                let d = abs(row.controlValue) <= 2 ? 3 : 1
                balance.rows.append([.text(name), .text("\(fmt(row.pilotValue, d)) (\(fmt(row.pilotSD, d)))"),
                                     .text("\(fmt(row.controlValue, d)) (\(fmt(row.controlSD, d)))"), .text(fmt(row.smd, 2))])
            }
        }
        balance.notes = ["Numeric: mean (SD); categories: % of those answering. Standardised difference pilot minus control; above 0.1 in absolute value suggests imbalance."]
        tables.append(balance)

        for group in result.groups {
            let title = group.variable.map { "Outcomes, \($0): \(group.level ?? "")" } ?? "Outcomes"
            var table = ReportTable(title: title, columns: [
                .init("outcome", "Outcome", alignRight: false), .init("pilot", "Pilot at follow-up"), .init("control", "Control at follow-up"),
                .init("unadjusted", "Unadjusted difference (\(level) CI), p"),
                .init("did", "Difference in change (\(level) CI)"),
                .init("adjusted", "Adjusted effect (\(level) CI)"), .init("p", "p (adjusted across outcomes)"),
                .init("g", "Hedges' g (\(level) CI)"),
            ])
            for c in group.comparisons {
                let d = decimals(c)
                let scale = c.kind == .binary ? 100.0 : 1.0
                func arm(_ s: ArmSummary?) -> String {
                    guard let s else { return "–" }
                    return c.kind == .binary ? "\(fmt(s.mean * 100, 1))% (n = \(s.n))" : "\(fmt(s.mean, d)) (\(fmt(s.sd, d))), n = \(s.n)"
                }
                let unadjusted = c.unadjusted.map { "\(fmt($0.estimate * scale, d)) (\(fmt($0.lower * scale, d)) to \(fmt($0.upper * scale, d)))\(c.kind == .binary ? " pp" : ""), p \(p(c.unadjustedP))" } ?? "–"
                let did = c.differenceInDifferences.map { "\(fmt($0.estimate, d)) (\(fmt($0.lower, d)) to \(fmt($0.upper, d)))" } ?? "–"
                let adjusted = c.adjusted.map { "\(c.adjustedIsOddsRatio ? "OR " : "")\(fmt($0.estimate, c.adjustedIsOddsRatio ? 2 : d)) (\(fmt($0.lower, c.adjustedIsOddsRatio ? 2 : d)) to \(fmt($0.upper, c.adjustedIsOddsRatio ? 2 : d)))" } ?? "–"
                let g = c.effectSize.map { "\(fmt($0.estimate, 2)) (\(fmt($0.lower, 2)) to \(fmt($0.upper, 2)))" } ?? "–"
                table.rows.append([.text(c.label), .text(arm(c.followupPilot)), .text(arm(c.followupControl)), .text(unadjusted), .text(did),
                                   .text(adjusted), .text("\(p(c.adjusted?.pValue)) (\(p(c.adjustedP)))"), .text(g)])
            }
            // A note every outcome shares is said once.
            let shared = group.comparisons.dropFirst().reduce(Set(group.comparisons.first?.notes ?? [])) { $0.intersection($1.notes) }
            for note in group.comparisons.first?.notes ?? [] where shared.contains(note) { table.notes.append("All outcomes: \(note)") }
            for c in group.comparisons {
                for note in c.notes where !shared.contains(note) { table.notes.append("\(c.label): \(note)") }
            }
            if group.variable == nil { table.notes = notes(result) + table.notes }
            tables.append(table)
        }

        if let cost = result.cost {
            var table = ReportTable(title: "Cost-effectiveness (\(cost.effectLabel))", columns: [
                .init("quantity", "Quantity", alignRight: false), .init("estimate", "Estimate (\(level) bootstrap CI)"),
                .init("probability", "Probability cost-effective"),
            ])
            table.rows = [
                [.text("Mean cost in the period, pilot / control"), .text("\(money(cost.meanCost.pilot)) / \(money(cost.meanCost.control))"), .text("")],
                [.text("Incremental cost"), .text("\(money(cost.incrementalCost.estimate)) (\(money(cost.incrementalCost.lower)) to \(money(cost.incrementalCost.upper)))"), .text("")],
                [.text("Incremental effect (change)"), .text("\(fmt(cost.incrementalEffect.estimate, 4)) (\(fmt(cost.incrementalEffect.lower, 4)) to \(fmt(cost.incrementalEffect.upper, 4)))"), .text("")],
                [.text("ICER (cost per unit of effect)"), .text(money(cost.icer)), .text("")],
            ] + cost.netBenefits.map { nb in
                [.text("Net benefit at £\(TableFormat.format(nb.threshold, 0)) per unit"),
                 .text("\(money(nb.estimate)) (\(money(nb.lower)) to \(money(nb.upper)))"), .text(fmt(nb.probabilityCostEffective, 3))]
            }
            table.notes = ["\(cost.n.pilot) pilot and \(cost.n.control) control respondents with a cost for the period and the effect at both waves. Intervals and probabilities from \(cost.replicates) bootstrap replicates (seed \(cost.seed)) \(cost.resampled == .sites ? "resampling sites within each arm (\(cost.resampledUnits.pilot) pilot and \(cost.resampledUnits.control) control sites), as people at one site are alike" : "resampling respondents within each arm, which assumes people at one site are no more alike than people at different sites")\(cost.resampled == .sites && min(cost.resampledUnits.pilot, cost.resampledUnits.control) < 20 ? "; with fewer than 20 sites in an arm these intervals are likely too narrow" : ""). Net benefit = threshold x incremental effect - incremental cost; the ICER has no interval (a ratio's interval is unreliable when the effect's interval includes zero)."]
            tables.append(table)
        }
        return tables
    }

    static func notes(_ result: PilotVsControlResult) -> [String] {
        let level = OutcomeTableLayout.confidenceLabel(result.definition.confidence)
        let covariates = result.settings.covariates.isEmpty ? "" : " and " + result.settings.covariates.joined(separator: ", ")
        var notes = [
            "Unadjusted: everyone with the outcome at follow-up; mean differences by Welch's t-test, risk differences (percentage points) with Newcombe intervals and chi-square (Fisher's exact test when an expected count is below 5).",
            "Difference in change: pilot minus control mean change from baseline (Welch's t on change scores), among those with the outcome at both waves.",
            "Adjusted effect: follow-up ~ arm + baseline value\(covariates), by least squares (ANCOVA) or logistic regression (odds ratio), with cluster-robust standard errors by site (CR1; t on sites - 1 df for ANCOVA). \(level) intervals.",
            "p adjusted across the outcomes by \(result.settings.adjustment == .holm ? "Holm's method" : "Benjamini-Hochberg"). Hedges' g: adjusted difference over the pooled SD at follow-up, with the small-sample correction.",
        ]
        notes += result.notes
        return notes
    }


    /// Pounds, with the sign before the symbol (-£493).
    static func money(_ value: Double) -> String {
        guard value.isFinite else { return "–" }
        return (value < 0 ? "-£" : "£") + TableFormat.format(abs(value), 0)
    }
}

extension PilotVsControlResult: KindLayout {
    var csvTables: [(suffix: String, table: ReportTable)] { PilotVsControlLayout.csvTables(self) }

    var humanTables: [ReportTable] { PilotVsControlLayout.humanTables(self) }

    var charts: [Chart] {
        let id = definition.id, evaluation = self
        return evaluation.overall.comparisons.enumerated().compactMap { index, comparison in
            // One number format per chart, from the outcome's scale (as the tables do).
            let d = comparison.adjustedIsOddsRatio ? 2 : PilotVsControlLayout.decimals(comparison)
            let rows = evaluation.groups.map { group -> SVGCharts.ForestRow in
                let label = group.variable.map { "\($0): \(group.level ?? "")" } ?? "All respondents"
                guard let a = group.comparisons[index].adjusted else {
                    return SVGCharts.ForestRow(label: label, estimate: .nan, lower: .nan, upper: .nan, text: "not computed (see the table)",
                                               emphasised: group.variable == nil)
                }
                return SVGCharts.ForestRow(
                    label: label, estimate: a.estimate, lower: a.lower, upper: a.upper,
                    text: "\(TableFormat.format(a.estimate, d)) (\(TableFormat.format(a.lower, d)) to \(TableFormat.format(a.upper, d)))",
                    emphasised: group.variable == nil)
            }
            guard rows.contains(where: { $0.estimate.isFinite }) else { return nil }
            let ratio = comparison.adjustedIsOddsRatio
            var data = ReportTable(title: "Figures in the chart", columns: [
                .init("group", "Group", alignRight: false), .init("effect", ratio ? "Odds ratio (95% CI)" : "Adjusted difference (95% CI)"),
            ])
            data.rows = rows.map { [.text($0.label), .text($0.text)] }
            return Chart(svg: SVGCharts.forest(id: "\(id)-forest-\(index)", title: "\(comparison.label): pilot against control",
                                               description: "Forest plot of the baseline-adjusted \(ratio ? "odds ratio" : "difference") between pilot and control sites, overall and by subgroup, with 95% intervals; the vertical line marks no difference.",
                                               rows: rows, axisLabel: ratio ? "Adjusted odds ratio, pilot against control (log scale)" : "Adjusted difference, pilot minus control",
                                               ratio: ratio),
                         caption: "\(comparison.label): adjusted \(ratio ? "odds ratio" : "difference") with 95% interval, overall and by subgroup.", table: data)
        }
    }

    var methods: String {
        let evaluation = self
        return PilotVsControlLayout.notes(evaluation).joined(separator: " ")
    }

    var summary: String {
        let evaluation = self
        let a = evaluation.attrition
        return "\(a.baselinePilot) pilot and \(a.baselineControl) control respondents at baseline, \(evaluation.overall.comparisons.count) outcomes"
    }

    var dataDescription: String {
        "Instrument: \(instrumentTitle) (`\(instrumentID)` \(instrumentVersion)), "
            + "waves \(settings.baselineWave) to \(settings.followupWave). "
            + "Pilot sites: \(pilotSites.joined(separator: ", ")). Control sites: \(controlSites.joined(separator: ", "))."
    }

    var jsonData: [String: Any] {
        let a = attrition
        return ["instrument": instrumentID, "instrument_version": instrumentVersion,
                "baseline_wave": settings.baselineWave, "followup_wave": settings.followupWave,
                "pilot_sites": pilotSites, "control_sites": controlSites,
                "attrition": ["baseline_pilot": a.baselinePilot, "baseline_control": a.baselineControl,
                              "lost_pilot": a.lostPilot, "lost_control": a.lostControl, "followup_only": a.followupOnly]]
    }

    var wavesRead: (instrument: String, version: String, waves: [(wave: String, responses: Int, sites: [String])]) {
        (instrumentID, instrumentVersion, waves)
    }
}
