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

    /// Whether a subgroup's comparison of an outcome is withheld: an arm has too few with it at follow-up.
    static func hides(_ c: OutcomeComparison, in group: PilotVsControlGroup, _ d: DisclosureControl) -> Bool {
        d.hides(groupOf: min(c.followupPilot?.n ?? 0, c.followupControl?.n ?? 0), isTotal: group.variable == nil)
    }

    /// An arm's n and mean as published: n rounded; a binary outcome's share from the rounded count of
    /// events and n (nil when either is 1 to 7); a mean only of 8 people or more.
    static func published(_ s: ArmSummary?, binary: Bool, _ d: DisclosureControl)
        -> (n: ReportTable.Cell, mean: Double?)? {
        guard let s else { return nil }
        guard d.rules.isOn else { return (.integer(s.n), s.mean) }
        if binary {
            let events = Int((s.mean * Double(s.n)).rounded())
            guard let k = d.rounded(events), let n = d.rounded(s.n), n > 0 else { return (d.count(s.n), nil) }
            return (d.count(s.n), Double(k) / Double(n))
        }
        return (d.count(s.n), d.shows(statisticOf: s.n) ? s.mean : nil)
    }

    public static func outcomesTable(_ result: PilotVsControlResult) -> ReportTable {
        let d = DisclosureControl(result.definition)
        var columns: [ReportTable.Column] = [
            .init("subgroup", "Subgroup", alignRight: false), .init("group", "Group", alignRight: false),
            .init("outcome", "Outcome", alignRight: false), .init("label", "Label", alignRight: false),
            .init("kind", "Kind", alignRight: false),
        ]
        for arm in ["pilot", "control"] {
            columns += [.init("baseline_\(arm)_n", "Baseline \(arm) n"),
                        .init("baseline_\(arm)_mean", "Baseline \(arm) mean or proportion"),
                        .init("followup_\(arm)_n", "Follow-up \(arm) n"),
                        .init("followup_\(arm)_mean", "Follow-up \(arm) mean or proportion"),
                        .init("followup_\(arm)_sd", "Follow-up \(arm) SD")]
        }
        columns += [.init("unadjusted_difference", "Unadjusted difference"), .init("unadjusted_ci_low", "CI low"),
                    .init("unadjusted_ci_high", "CI high"), .init("unadjusted_p", "p"),
                    .init("unadjusted_df", "df"),
                    .init("unadjusted_test", "Test", alignRight: false),
                    .init("icc", "Intra-class correlation (sites)"), .init("design_effect", "Design effect"),
                    .init("change_pilot", "Change, pilot"), .init("change_pilot_ci_low", "CI low"),
                    .init("change_pilot_ci_high", "CI high"),
                    .init("change_control", "Change, control"), .init("change_control_ci_low", "CI low"),
                    .init("change_control_ci_high", "CI high"),
                    .init("difference_in_differences", "Difference in differences"), .init("did_ci_low", "CI low"),
                    .init("did_ci_high", "CI high"),
                    .init("did_p", "p"), .init("did_df", "df"),
                    .init("adjusted_effect", "Adjusted effect (difference, or odds ratio)"),
                    .init("adjusted_ci_low", "CI low"),
                    .init("adjusted_ci_high", "CI high"), .init("adjusted_p", "p"), .init("adjusted_df", "df"),
                    .init("adjusted_p_multiplicity", "p adjusted across outcomes"),
                    .init("adjusted_n", "n in model"), .init("clusters", "Sites (clusters)"),
                    .init("hedges_g", "Hedges' g"), .init("hedges_g_ci_low", "CI low"),
                    .init("hedges_g_ci_high", "CI high"),
                    .init("notes", "Notes", alignRight: false)]
        var table = ReportTable(title: result.definition.title, columns: columns)
        var hidden = 0
        for group in result.groups {
            for c in group.comparisons {
                var cells: [ReportTable.Cell] = [.text(group.variable ?? "Overall"),
                                                 .text(group.level ?? "All respondents"),
                                                 .text(c.outcome), .text(c.label), .text(c.kind.rawValue)]
                if hides(c, in: group, d) {
                    hidden += 1
                    table.rows.append(cells
                                      + Array(repeating: .suppressed(d.fewer), count: columns.count - cells.count - 1)
                                      + [.text("")])
                    continue
                }
                let binary = c.kind == .binary
                for (baseline, followup) in [(c.baselinePilot, c.followupPilot),
                                             (c.baselineControl, c.followupControl)] {
                    for (summary, withSD) in [(baseline, false), (followup, true)] {
                        if let shown = published(summary, binary: binary, d) {
                            cells += [shown.n, shown.mean.map { .number($0, decimals: 6) } ?? .suppressed("*")]
                            if withSD {
                                cells.append(shown.mean == nil ? .suppressed("*") : cell(summary?.sd, decimals: 6))
                            }
                        } else {
                            cells += withSD ? [.empty, .empty, .empty] : [.empty, .empty]
                        }
                    }
                }
                cells += [cell(c.unadjusted?.estimate, decimals: 6), cell(c.unadjusted?.lower, decimals: 6),
                          cell(c.unadjusted?.upper, decimals: 6), cell(c.unadjustedP, decimals: 6),
                          cell(c.unadjustedDF, decimals: 3),
                          c.unadjustedTest.map { .text($0) } ?? .empty,
                          cell(c.icc?.icc, decimals: 4), cell(c.icc?.designEffect, decimals: 3)]
                for change in [c.changePilot, c.changeControl] {
                    cells += [cell(change?.mean, decimals: 6), cell(change?.lower, decimals: 6),
                              cell(change?.upper, decimals: 6)]
                }
                cells += [cell(c.differenceInDifferences?.estimate, decimals: 6),
                          cell(c.differenceInDifferences?.lower, decimals: 6),
                          cell(c.differenceInDifferences?.upper, decimals: 6),
                          cell(c.differenceInDifferencesP, decimals: 6), cell(c.differenceInDifferencesDF, decimals: 3),
                          cell(c.adjusted?.estimate, decimals: 6), cell(c.adjusted?.lower, decimals: 6),
                          cell(c.adjusted?.upper, decimals: 6),
                          cell(c.adjusted?.pValue, decimals: 6), cell(c.adjusted?.df, decimals: 3),
                          cell(c.adjustedP, decimals: 6),
                          c.adjustedN.map { d.count($0) } ?? .empty, c.clusters.map { .integer($0) } ?? .empty,
                          cell(c.effectSize?.estimate, decimals: 4), cell(c.effectSize?.lower, decimals: 4),
                          cell(c.effectSize?.upper, decimals: 4),
                          .text(c.notes.joined(separator: "; "))]
                table.rows.append(cells)
            }
        }
        table.notes = notes(result) + d.notes(for: table, hiddenGroups: hidden)
        return table
    }

    /// A balance row's values as published: a level's share from the rounded count and n (nil when
    /// either is 1 to 7), a mean of 8 people or more; its standardised difference only when both are.
    static func published(_ row: BalanceRow, _ d: DisclosureControl)
        -> (pilot: Double?, control: Double?, smd: Double?) {
        guard d.rules.isOn else { return (row.pilotValue, row.controlValue, row.smd) }
        func value(_ v: Double, _ n: Int) -> Double? {
            if row.level == nil { return d.shows(statisticOf: n) ? v : nil }
            guard let k = d.rounded(Int((v * Double(n)).rounded())), let m = d.rounded(n), m > 0 else { return nil }
            return Double(k) / Double(m)
        }
        let pilot = value(row.pilotValue, row.pilotN), control = value(row.controlValue, row.controlN)
        return (pilot, control, pilot != nil && control != nil ? row.smd : nil)
    }

    public static func balanceTable(_ rows: [BalanceRow], title: String, first: String, second: String,
                                    disclosure: Disclosure = .off) -> ReportTable {
        let d = DisclosureControl(rules: disclosure)
        var table = ReportTable(title: title, columns: [
            .init("characteristic", "Characteristic", alignRight: false), .init("level", "Level", alignRight: false),
            .init("\(first)_n", "\(first) n"), .init("\(first)_value", "\(first) mean or proportion"),
            .init("\(first)_sd", "\(first) SD"),
            .init("\(second)_n", "\(second) n"), .init("\(second)_value", "\(second) mean or proportion"),
            .init("\(second)_sd", "\(second) SD"),
            .init("smd", "Standardised difference"),
        ])
        for row in rows {
            let shown = published(row, d)
            let value = { (v: Double?) -> ReportTable.Cell in v.map { .number($0, decimals: 6) } ?? .suppressed("*") }
            let sd = { (v: Double?, sd: Double?) -> ReportTable.Cell in
                v == nil ? .suppressed("*") : cell(sd, decimals: 6)
            }
            table.rows.append([.text(row.characteristic), .text(row.level ?? ""),
                               d.count(row.pilotN), value(shown.pilot), sd(shown.pilot, row.pilotSD),
                               d.count(row.controlN), value(shown.control), sd(shown.control, row.controlSD),
                               shown.smd.map { $0.isNaN ? .text("not computable") : .number($0, decimals: 4) }
                                   ?? .suppressed("*")])
        }
        table.notes = d.notes(for: table, hiddenGroups: 0)
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
            [.text("Incremental cost"), .number(cost.incrementalCost.estimate, decimals: 2),
             .number(cost.incrementalCost.lower, decimals: 2),
             .number(cost.incrementalCost.upper, decimals: 2), .empty],
            [.text("Incremental effect"), .number(cost.incrementalEffect.estimate, decimals: 6),
             .number(cost.incrementalEffect.lower, decimals: 6),
             .number(cost.incrementalEffect.upper, decimals: 6), .empty],
            [.text("Position on the cost-effectiveness plane"), .text(cost.verdict.rawValue), .empty, .empty, .empty],
            // A negative ratio is never a figure: dominated or dominant say what it would hide.
            [.text("ICER (cost per unit of effect)"),
             cost.verdict == .tradeOff ? .number(cost.icer, decimals: 2) : .empty, .empty, .empty, .empty],
        ] + quadrantRows(cost).map { [.text($0.0), .number($0.1, decimals: 4), .empty, .empty, .empty] }
          + cost.netBenefits.map { nb in
            [.text("Net benefit at \(TableFormat.format(nb.threshold, 0)) per unit"), .number(nb.estimate, decimals: 2),
             .number(nb.lower, decimals: 2), .number(nb.upper, decimals: 2),
             .number(nb.probabilityCostEffective, decimals: 4)]
        }
        return table
    }

    /// The share of bootstrap replicates in each quadrant of the cost-effectiveness plane.
    static func quadrantRows(_ cost: CostEffectiveness) -> [(String, Double)] {
        let q = cost.quadrants
        return [("Replicates more effective and more costly (north-east)", q.northEast),
                ("Replicates less effective and more costly (north-west: dominated)", q.northWest),
                ("Replicates more effective and less costly (south-east: dominant)", q.southEast),
                ("Replicates less effective and less costly (south-west)", q.southWest)]
    }

    /// The cost-effectiveness acceptability curve, one row per willingness to pay.
    static func acceptabilityTable(_ cost: CostEffectiveness) -> ReportTable {
        ReportTable(title: "Cost-effectiveness acceptability curve",
                    columns: [.init("willingness_to_pay", "Willingness to pay per unit of effect"),
                              .init("probability_cost_effective", "Probability cost-effective")],
                    rows: cost.acceptability.map { [.number($0.threshold, decimals: 0),
                                                    .number($0.probability, decimals: 4)] })
    }

    /// The cost-effectiveness plane and the acceptability curve, each with its figures as a table.
    static func costCharts(_ cost: CostEffectiveness, id: String) -> [Chart] {
        let threshold = cost.netBenefits.first?.threshold ?? 20_000
        var quadrants = ReportTable(title: "Figures in the chart", columns: [
            .init("quadrant", "Quadrant", alignRight: false), .init("share", "Share of replicates")])
        quadrants.rows = quadrantRows(cost).map { [.text($0.0), .text("\(fmt($0.1 * 100, 1))%")] }
        let plane = Chart(svg: SVGCharts.costEffectivenessPlane(
            id: "\(id)-cost-effectiveness-plane", title: "Cost-effectiveness plane",
            description: "Each of \(cost.replicates) bootstrap replicates' incremental effect and cost of the pilot "
                + "against control, with the estimate emphasised and a dashed line at £"
                + "\(TableFormat.format(threshold, 0)) per unit of effect: points below it are cost-effective there.",
            replicates: cost.replicateIncrements,
            estimate: (cost.incrementalEffect.estimate, cost.incrementalCost.estimate), threshold: threshold,
            effectLabel: cost.effectLabel),
            caption: "Cost-effectiveness plane: incremental effect and cost in each bootstrap replicate.",
            table: quadrants)
        var curve = ReportTable(title: "Figures in the chart", columns: [
            .init("threshold", "Willingness to pay per unit"), .init("probability", "Probability cost-effective")])
        curve.rows = cost.acceptability.enumerated().filter { $0.offset % 5 == 0 }.map {
            [.text("£\(TableFormat.format($0.element.threshold, 0))"), .text(fmt($0.element.probability, 3))]
        }
        let acceptability = Chart(svg: SVGCharts.acceptabilityCurve(
            id: "\(id)-cost-effectiveness-acceptability", title: "Cost-effectiveness acceptability curve",
            description: "The probability that the pilot is cost-effective (the share of bootstrap replicates with "
                + "a positive net benefit) at each willingness to pay per unit of effect.",
            points: cost.acceptability),
            caption: "Cost-effectiveness acceptability curve.", table: curve)
        return [plane, acceptability]
    }

    /// The ICER for people: the ratio, or why there is none to give.
    static func icerText(_ cost: CostEffectiveness) -> String {
        switch cost.verdict {
        case .dominant: return "dominant: the pilot costs less and does better (no ratio is needed)"
        case .dominated: return "dominated: the pilot costs more and does worse (no ratio is meaningful)"
        case .tradeOff: return money(cost.icer)
        }
    }

    /// The machine-readable tables, each with the suffix of its CSV file name.
    static func csvTables(_ evaluation: PilotVsControlResult) -> [(suffix: String, table: ReportTable)] {
        let rules = evaluation.definition.disclosure
        var tables = [("", outcomesTable(evaluation)),
                      ("-balance", balanceTable(evaluation.balance, title: "Baseline characteristics by arm",
                                                first: "pilot", second: "control", disclosure: rules)),
                      ("-attrition", balanceTable(evaluation.attrition.comparison,
                                                  title: "Baseline characteristics of those lost and those followed up",
                                                  first: "lost", second: "followed_up", disclosure: rules))]
        if let cost = evaluation.cost {
            tables.append(("-cost", costTable(cost)))
            tables.append(("-acceptability", acceptabilityTable(cost)))
        }
        return tables
    }

    /// The document for people.
    public static func humanTables(_ result: PilotVsControlResult) -> [ReportTable] {
        let control = DisclosureControl(result.definition)
        let level = OutcomeTableLayout.confidenceLabel(result.definition.confidence)
        var tables: [ReportTable] = []
        let a = result.attrition
        let rate = { (lost: Int, baseline: Int) -> ReportTable.Cell in
            guard let k = control.rounded(lost), let n = control.rounded(baseline) else { return .suppressed("*") }
            return .text(fmt(TableFormat.percent(k, n), 1))
        }
        var attrition = ReportTable(title: "Who was followed up", columns: [
            .init("arm", "Arm", alignRight: false), .init("baseline", "At baseline"),
            .init("lost", "No follow-up"), .init("rate", "Lost, %"),
        ])
        attrition.rows = [
            [.text("Pilot"), control.count(a.baselinePilot), control.count(a.lostPilot),
             rate(a.lostPilot, a.baselinePilot)],
            [.text("Control"), control.count(a.baselineControl), control.count(a.lostControl),
             rate(a.lostControl, a.baselineControl)],
        ]
        attrition.notes = ["\(control.countText(a.followupOnly)) respondents answered only at follow-up: "
                           + "they are in the follow-up comparisons but not in the change or adjusted figures."]
        let imbalanced = a.comparison.filter { abs($0.smd) > 0.1 }
        attrition.notes.append(imbalanced.isEmpty
            ? "Those lost did not differ from those followed up at baseline (every |standardised difference| <= 0.1)."
            : "Those lost differed at baseline in: "
                + imbalanced.map {
                    "\($0.characteristic)\($0.level.map { " = \($0)" } ?? "") (SMD \(fmt($0.smd, 2)))"
                }.joined(separator: "; ")
                + " (lost minus followed up).")
        attrition.notes += control.notes(for: attrition, hiddenGroups: 0)
        tables.append(attrition)

        var balance = ReportTable(title: "Baseline characteristics by arm (Table 1)", columns: [
            .init("characteristic", "Characteristic", alignRight: false), .init("pilot", "Pilot"),
            .init("control", "Control"),
            .init("smd", "Standardised difference"),
        ])
        for row in result.balance {
            let name = row.level.map { "\(row.characteristic): \($0)" } ?? row.characteristic
            let shown = published(row, control)
            let smd: ReportTable.Cell = shown.smd.map { .text($0.isNaN ? "not computable" : fmt($0, 2)) }
                ?? .suppressed("*")
            if row.level != nil {
                let share = { (v: Double?) -> ReportTable.Cell in
                    v.map { .text("\(fmt($0 * 100, 1))%") } ?? .suppressed("*")
                }
                balance.rows.append([.text(name), share(shown.pilot), share(shown.control), smd])
            } else {
                let d = abs(row.controlValue) <= 2 ? 3 : 1
                let mean = { (v: Double?, sd: Double?) -> ReportTable.Cell in
                    v.map { .text("\(fmt($0, d)) (\(fmt(sd, d)))") } ?? .suppressed("*")
                }
                balance.rows.append([.text(name), mean(shown.pilot, row.pilotSD), mean(shown.control, row.controlSD),
                                     smd])
            }
        }
        balance.notes = ["Numeric: mean (SD); categories: % of those answering. "
                         + "Standardised difference pilot minus control; "
                         + "above 0.1 in absolute value suggests imbalance."]
        balance.notes += control.notes(for: balance, hiddenGroups: 0)
        tables.append(balance)

        for group in result.groups {
            let title = group.variable.map { "Outcomes, \($0): \(group.level ?? "")" } ?? "Outcomes"
            var table = ReportTable(title: title, columns: [
                .init("outcome", "Outcome", alignRight: false), .init("pilot", "Pilot at follow-up"),
                .init("control", "Control at follow-up"),
                .init("unadjusted", "Unadjusted difference (\(level) CI), p"),
                .init("did", "Difference in change (\(level) CI)"),
                .init("adjusted", "Adjusted effect (\(level) CI)"), .init("p", "p (adjusted across outcomes)"),
                .init("g", "Hedges' g (\(level) CI)"), .init("icc", "ICC (design effect)"),
            ])
            var hidden = 0
            for c in group.comparisons {
                if hides(c, in: group, control) {
                    hidden += 1
                    table.rows.append([.text(c.label)] + Array(repeating: .suppressed(control.fewer), count: 8))
                    continue
                }
                let d = decimals(c)
                let scale = c.kind == .binary ? 100.0 : 1.0
                func arm(_ s: ArmSummary?) -> ReportTable.Cell {
                    guard let s else { return .text("–") }
                    guard let mean = published(s, binary: c.kind == .binary, control)?.mean else {
                        return .suppressed("*")
                    }
                    return .text(c.kind == .binary ? "\(fmt(mean * 100, 1))% (n = \(control.countText(s.n)))"
                                 : "\(fmt(mean, d)) (\(fmt(s.sd, d))), n = \(control.countText(s.n))")
                }
                let unadjusted = c.unadjusted.map {
                    "\(fmt($0.estimate * scale, d)) (\(fmt($0.lower * scale, d)) to \(fmt($0.upper * scale, d)))"
                        + "\(c.kind == .binary ? " pp" : ""), p \(p(c.unadjustedP))"
                } ?? "–"
                let did = c.differenceInDifferences.map {
                    "\(fmt($0.estimate, d)) (\(fmt($0.lower, d)) to \(fmt($0.upper, d)))"
                } ?? "–"
                let adjusted = c.adjusted.map {
                    "\(c.adjustedIsOddsRatio ? "OR " : "")\(fmt($0.estimate, c.adjustedIsOddsRatio ? 2 : d)) "
                        + "(\(fmt($0.lower, c.adjustedIsOddsRatio ? 2 : d)) to "
                        + "\(fmt($0.upper, c.adjustedIsOddsRatio ? 2 : d)))"
                } ?? "–"
                let g = c.effectSize.map {
                    "\(fmt($0.estimate, 2)) (\(fmt($0.lower, 2)) to \(fmt($0.upper, 2)))"
                } ?? "–"
                table.rows.append([.text(c.label), arm(c.followupPilot), arm(c.followupControl),
                                   .text(unadjusted), .text(did),
                                   .text(adjusted), .text("\(p(c.adjusted?.pValue)) (\(p(c.adjustedP)))"), .text(g),
                                   .text(c.icc.map { "\(fmt($0.icc, 3)) (\(fmt($0.designEffect, 2)))" } ?? "–")])
            }
            // A note every outcome shares is said once.
            let shared = group.comparisons.dropFirst().reduce(Set(group.comparisons.first?.notes ?? [])) {
                $0.intersection($1.notes)
            }
            for note in group.comparisons.first?.notes ?? [] where shared.contains(note) {
                table.notes.append("All outcomes: \(note)")
            }
            for c in group.comparisons {
                for note in c.notes where !shared.contains(note) { table.notes.append("\(c.label): \(note)") }
            }
            if group.variable == nil { table.notes = notes(result) + table.notes }
            table.notes += control.notes(for: table, hiddenGroups: hidden)
            tables.append(table)
        }

        if let cost = result.cost {
            var table = ReportTable(title: "Cost-effectiveness (\(cost.effectLabel))", columns: [
                .init("quantity", "Quantity", alignRight: false), .init("estimate", "Estimate (\(level) bootstrap CI)"),
                .init("probability", "Probability cost-effective"),
            ])
            table.rows = [
                [.text("Mean cost in the period, pilot / control"),
                 .text("\(money(cost.meanCost.pilot)) / \(money(cost.meanCost.control))"), .text("")],
                [.text("Incremental cost"),
                 .text("\(money(cost.incrementalCost.estimate)) (\(money(cost.incrementalCost.lower)) to "
                       + "\(money(cost.incrementalCost.upper)))"), .text("")],
                [.text("Incremental effect (change)"),
                 .text("\(fmt(cost.incrementalEffect.estimate, 4)) (\(fmt(cost.incrementalEffect.lower, 4)) to "
                       + "\(fmt(cost.incrementalEffect.upper, 4)))"), .text("")],
                [.text("ICER (cost per unit of effect)"), .text(icerText(cost)), .text("")],
            ] + quadrantRows(cost).map { [.text($0.0), .text("\(fmt($0.1 * 100, 1))% of replicates"), .text("")] }
              + cost.netBenefits.map { nb in
                [.text("Net benefit at £\(TableFormat.format(nb.threshold, 0)) per unit"),
                 .text("\(money(nb.estimate)) (\(money(nb.lower)) to \(money(nb.upper)))"),
                 .text(fmt(nb.probabilityCostEffective, 3))]
            }
            let resampling = cost.resampled == .sites
                ? "resampling sites within each arm (\(cost.resampledUnits.pilot) pilot and "
                    + "\(cost.resampledUnits.control) control sites), as people at one site are alike"
                : "resampling respondents within each arm, which assumes people at one site are no more alike "
                    + "than people at different sites"
            let fewSites = cost.resampled == .sites && min(cost.resampledUnits.pilot, cost.resampledUnits.control) < 20
                ? "; with fewer than 20 sites in an arm these intervals are likely too narrow" : ""
            table.notes = ["\(control.countText(cost.n.pilot)) pilot and \(control.countText(cost.n.control)) control "
                           + "respondents with a cost for the period and the effect at both waves. "
                           + "Intervals and probabilities from \(cost.replicates) bootstrap replicates "
                           + "(seed \(cost.seed)) "
                           + resampling + fewSites
                           + ". Net benefit = threshold x incremental effect - incremental cost; "
                           + "the ICER has no interval (a ratio's interval is unreliable when the effect's interval "
                           + "includes zero)."]
            tables.append(table)
        }
        return tables
    }

    static func notes(_ result: PilotVsControlResult) -> [String] {
        let level = OutcomeTableLayout.confidenceLabel(result.definition.confidence)
        let covariates = result.settings.covariates.isEmpty
            ? "" : " and " + result.settings.covariates.joined(separator: ", ")
        let bySite = result.settings.allocation == .sites
        var notes = bySite ? [
            "Arms were allocated by site, so people at one site are not independent: every comparison has "
                + "cluster-robust standard errors by site, bias-reduced for few sites (CR2, Bell and McCaffrey), "
                + "and t tests and \(level) intervals on each estimate's Satterthwaite degrees of freedom "
                + "(Pustejovsky and Tipton 2018; the df columns of the CSV), which with a few sites per arm "
                + "are far fewer than the number of people.",
            "Unadjusted: everyone with the outcome at follow-up; the difference in means (risk difference in "
                + "percentage points for a yes/no outcome) as the arm coefficient of a least-squares model.",
            "Difference in change: pilot minus control mean change from baseline, among those with the outcome "
                + "at both waves, the same way.",
            result.settings.model == .mixed
                ? "Adjusted effect: follow-up ~ arm + baseline value\(covariates) + a random intercept for site, "
                    + "by a linear mixed model fitted by REML, its t on "
                    + (result.settings.degreesOfFreedom == .kenwardRoger
                       ? "Kenward-Roger degrees of freedom (with their adjusted standard errors)"
                       : "Satterthwaite degrees of freedom")
                    + "; yes/no outcomes by logistic regression (odds ratio) with CR2 errors by site."
                : "Adjusted effect: follow-up ~ arm + baseline value\(covariates), by least squares (ANCOVA) "
                    + "or logistic regression (odds ratio).",
            "ICC: the intra-class correlation of the outcome at follow-up by site (one-way ANOVA, sites within "
                + "arms); design effect 1 + ((1 + CV²) m − 1) ICC for sites of mean size m and size variation CV "
                + "(Eldridge et al. 2006): how many times the variance of people sampled independently.",
        ] : [
            "Arms were allocated person by person (allocation: individuals), so people are taken as independent.",
            "Unadjusted: everyone with the outcome at follow-up; mean differences by Welch's t-test, "
                + "risk differences (percentage points) with Newcombe intervals and chi-square "
                + "(Fisher's exact test when an expected count is below 5).",
            "Difference in change: pilot minus control mean change from baseline (Welch's t on change scores), "
                + "among those with the outcome at both waves.",
            "Adjusted effect: follow-up ~ arm + baseline value\(covariates), by least squares (ANCOVA) "
                + "or logistic regression (odds ratio), with heteroskedasticity-robust (HC1) standard errors. "
                + "\(level) intervals.",
        ]
        if bySite, case let .wildBootstrap(replicates, weights, seed) = result.settings.inference {
            let sites = result.pilotSites.count + result.controlSites.count
            let chosen = weights ?? WildClusterBootstrap.recommendedWeights(clusters: sites)
            notes.append("p-values and intervals of the unadjusted, change and least-squares adjusted comparisons "
                         + "are from the restricted wild cluster bootstrap by site (WCR, MacKinnon and Webb; the "
                         + "bootstrap t of CR1 errors, the interval by inverting the test), "
                         + "\(chosen == .webb ? "Webb's six-point" : "Rademacher") weights, "
                         + "\(TableFormat.thousands(replicates)) replicates (every sign pattern once when "
                         + "Rademacher's 2^G are fewer), seed \(seed); draws as extreme as the data count towards "
                         + "p (so with G sites enumerated p is at least 2/2^G); they have no degrees of freedom. "
                         + "Odds ratios keep CR2 errors.")
        }
        notes.append("p adjusted across the outcomes by "
                     + "\(result.settings.adjustment == .holm ? "Holm's method" : "Benjamini-Hochberg"). "
                     + "Hedges' g: adjusted difference over the pooled SD at follow-up, "
                     + "with the small-sample correction.")
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
    var appliesDisclosureControl: Bool { true }

    var csvTables: [(suffix: String, table: ReportTable)] { PilotVsControlLayout.csvTables(self) }

    var humanTables: [ReportTable] { PilotVsControlLayout.humanTables(self) }

    var charts: [Chart] {
        let id = definition.id, evaluation = self, control = DisclosureControl(definition)
        return evaluation.overall.comparisons.enumerated().compactMap { index, comparison in
            // One number format per chart, from the outcome's scale (as the tables do).
            let d = comparison.adjustedIsOddsRatio ? 2 : PilotVsControlLayout.decimals(comparison)
            let rows = evaluation.groups.map { group -> SVGCharts.ForestRow in
                let label = group.variable.map { "\($0): \(group.level ?? "")" } ?? "All respondents"
                if PilotVsControlLayout.hides(group.comparisons[index], in: group, control) {
                    return SVGCharts.ForestRow(label: label, estimate: .nan, lower: .nan, upper: .nan,
                                               text: control.fewer)
                }
                guard let a = group.comparisons[index].adjusted else {
                    return SVGCharts.ForestRow(label: label, estimate: .nan, lower: .nan, upper: .nan,
                                               text: "not computed (see the table)",
                                               emphasised: group.variable == nil)
                }
                return SVGCharts.ForestRow(
                    label: label, estimate: a.estimate, lower: a.lower, upper: a.upper,
                    text: "\(TableFormat.format(a.estimate, d)) (\(TableFormat.format(a.lower, d)) to "
                        + "\(TableFormat.format(a.upper, d)))",
                    emphasised: group.variable == nil)
            }
            guard rows.contains(where: { $0.estimate.isFinite }) else { return nil }
            let ratio = comparison.adjustedIsOddsRatio
            var data = ReportTable(title: "Figures in the chart", columns: [
                .init("group", "Group", alignRight: false),
                .init("effect", ratio ? "Odds ratio (95% CI)" : "Adjusted difference (95% CI)"),
            ])
            data.rows = rows.map { [.text($0.label), .text($0.text)] }
            return Chart(svg: SVGCharts.forest(id: "\(id)-forest-\(index)",
                                               title: "\(comparison.label): pilot against control",
                                               description: "Forest plot of the baseline-adjusted "
                                                   + "\(ratio ? "odds ratio" : "difference") "
                                                   + "between pilot and control sites, overall and by subgroup, "
                                                   + "with 95% intervals; the vertical line marks no difference.",
                                               rows: rows,
                                               axisLabel: ratio
                                                   ? "Adjusted odds ratio, pilot against control (log scale)"
                                                   : "Adjusted difference, pilot minus control",
                                               ratio: ratio),
                         caption: "\(comparison.label): adjusted \(ratio ? "odds ratio" : "difference") "
                             + "with 95% interval, overall and by subgroup.", table: data)
        } + (cost.map { PilotVsControlLayout.costCharts($0, id: id) } ?? [])
    }

    var methods: String {
        let evaluation = self
        return PilotVsControlLayout.notes(evaluation).joined(separator: " ")
    }

    var summary: String {
        let evaluation = self
        let a = evaluation.attrition
        return "\(a.baselinePilot) pilot and \(a.baselineControl) control respondents at baseline, "
            + "\(evaluation.overall.comparisons.count) outcomes"
    }

    var dataDescription: String {
        "Instrument: \(instrumentTitle) (`\(instrumentID)` \(instrumentVersion)), "
            + "waves \(settings.baselineWave) to \(settings.followupWave). "
            + "Pilot sites: \(pilotSites.joined(separator: ", ")). "
            + "Control sites: \(controlSites.joined(separator: ", "))."
    }

    var jsonData: [String: Any] {
        let a = attrition, d = DisclosureControl(definition)
        let count = d.jsonCount
        return ["instrument": instrumentID, "instrument_version": instrumentVersion,
                "baseline_wave": settings.baselineWave, "followup_wave": settings.followupWave,
                "pilot_sites": pilotSites, "control_sites": controlSites,
                "attrition": ["baseline_pilot": count(a.baselinePilot), "baseline_control": count(a.baselineControl),
                              "lost_pilot": count(a.lostPilot), "lost_control": count(a.lostControl),
                              "followup_only": count(a.followupOnly)]]
    }

    var wavesRead: (instrument: String, version: String, waves: [(wave: String, responses: Int, sites: [String])]) {
        (instrumentID, instrumentVersion, waves)
    }
}
