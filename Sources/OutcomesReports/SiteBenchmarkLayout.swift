import OutcomesAnalyses
import OutcomesStatistics

/// Each site against the rest: a long table per domain and site, the sites outside the funnel's
/// limits, % positive by site, and a funnel plot per domain.
public enum SiteBenchmarkLayout {
    /// A site as published: its rounded counts, shares from them, the difference and the limits at
    /// the rounded number answering (limits at the exact number would give it away); nil when the
    /// site has too few answering to show.
    struct Published {
        var n: Int
        var positive: ProportionEstimate?
        var rest: ProportionEstimate?
        var difference: Comparison?
        var limits: (inner: ClosedRange<Double>, outer: ClosedRange<Double>)?
        /// Weighted: the Kish effective sample size the limits are at (rounded as counts are, since equal
        /// weights make it the number answering).
        var funnelN: Double? = nil
    }

    static func published(_ site: BenchmarkedSite, in domain: BenchmarkedDomain, _ d: DisclosureControl) -> Published? {
        if d.hides(groupOf: site.positive.n) { return nil }
        // Weighted figures are as estimated (not ratios of the counts shown); the limits are at the
        // effective sample size, rounded as a count is when the rules round.
        if let effective = site.effectiveN {
            let funnelN = d.rules.isOn ? Double(d.rounded(Int(effective.rounded())) ?? 0) : effective
            let target = domain.pooled.proportion
            let limits = d.rules.isOn
                ? (funnelN > 0 ? try? FunnelLimits.normal(target: target, effectiveN: funnelN) : nil)
                : site.inner.flatMap { inner in site.outer.map { (inner, $0) } }
            return Published(n: d.rounded(site.positive.n) ?? 0, positive: d.share(site.positive),
                             rest: d.share(site.rest), difference: site.difference, limits: limits,
                             funnelN: funnelN > 0 ? funnelN : nil)
        }
        guard d.rules.isOn else {
            let limits = site.inner.flatMap { inner in site.outer.map { (inner, $0) } }
            return Published(n: site.positive.n, positive: site.positive, rest: site.rest, difference: site.difference,
                             limits: limits)
        }
        let n = d.rounded(site.positive.n) ?? 0
        var difference: Comparison?
        if let k = d.rounded(site.positive.count), let rk = d.rounded(site.rest.count), let rn = d.rounded(site.rest.n),
           n > 0, rn > 0 {
            difference = try? Proportions.difference(count1: k, n1: n, count2: rk, n2: rn,
                                                     confidence: site.positive.confidence)
        }
        let target = d.share(domain.pooled)?.proportion ?? domain.pooled.proportion
        return Published(n: n, positive: d.share(site.positive), rest: d.share(site.rest), difference: difference,
                         limits: n > 0 ? try? FunnelLimits.limits(target: target, n: n) : nil)
    }

    public static func longTable(_ result: SiteBenchmarkResult) -> ReportTable {
        let d = DisclosureControl(result.definition)
        let weighted = result.design != nil
        var columns: [ReportTable.Column] = [
            .init("item", "Item", alignRight: false), .init("domain", "Domain", alignRight: false),
            .init("site", "Site", alignRight: false), .init("responses", "Responses at the site"),
            .init("n_answering", "N answering"), .init("positive_n", "Positive n"), .init("pct", "Positive %"),
            .init("ci_low", "CI low %"), .init("ci_high", "CI high %"),
        ]
        if weighted { columns += DesignLayout.columns(se: "positive_se", "Positive SE %") }
        columns += [
            .init("rest_n_answering", "Other sites: N answering"),
            .init("rest_pct", "Other sites: positive %"), .init("difference", "Difference, points"),
            .init("difference_ci_low", "Difference CI low"), .init("difference_ci_high", "Difference CI high"),
        ]
        if weighted {
            columns += [.init("difference_se", "Difference SE, points"), .init("difference_df", "Difference df")]
        }
        columns.append(.init("pooled_pct", "All sites: positive %"))
        if weighted { columns.append(.init("funnel_n", "Funnel N (Kish effective N answering)")) }
        columns += [
            .init("limit95_low", "95% limit low %"),
            .init("limit95_high", "95% limit high %"), .init("limit998_low", "99.8% limit low %"),
            .init("limit998_high", "99.8% limit high %"),
            .init("position", "Position in the funnel", alignRight: false),
        ]
        var table = ReportTable(title: result.definition.title, columns: columns)
        var hidden = Set<String>()
        for domain in result.domains {
            for site in domain.sites {
                var cells: [ReportTable.Cell] = [.text(domain.item), .text(domain.domain.label), .text(site.site)]
                guard let shown = published(site, in: domain, d) else {
                    hidden.insert(site.site)
                    let fewer = ReportTable.Cell.suppressed(d.fewer)
                    cells += [d.hides(groupOf: site.responses) ? fewer : d.count(site.responses)]
                    cells += Array(repeating: fewer, count: table.columns.count - cells.count)
                    table.rows.append(cells)
                    continue
                }
                let percent = { (v: Double?) -> ReportTable.Cell in
                    v.map { .number($0 * 100, decimals: 3) } ?? .suppressed("*")
                }
                cells += [d.count(site.responses), d.count(site.positive.n), d.count(site.positive.count)]
                cells += [percent(shown.positive?.proportion), percent(shown.positive?.lower),
                          percent(shown.positive?.upper)]
                if weighted { cells += DesignLayout.shareCells(site.positive, d) }
                cells += [d.count(site.rest.n), percent(shown.rest?.proportion)]
                cells += shown.difference.map {
                    [.number($0.estimate * 100, decimals: 3), .number($0.lower * 100, decimals: 3),
                     .number($0.upper * 100, decimals: 3)]
                } ?? [.empty, .empty, .empty]
                if weighted {
                    cells += site.weightedDifference.map {
                        [.number($0.standardError * 100, decimals: 3), .integer($0.degreesOfFreedom)]
                    } ?? [.empty, .empty]
                }
                cells += [percent(d.share(domain.pooled)?.proportion)]
                if weighted { cells.append(shown.funnelN.map { .number($0, decimals: 1) } ?? .empty) }
                if let limits = shown.limits {
                    cells += [limits.inner.lowerBound, limits.inner.upperBound,
                              limits.outer.lowerBound, limits.outer.upperBound]
                        .map { .number($0 * 100, decimals: 3) }
                } else {
                    cells += [.empty, .empty, .empty, .empty]
                }
                cells.append(.text(site.position.rawValue))
                table.rows.append(cells)
            }
        }
        table.notes = notes(result) + d.notes(for: table, hiddenGroups: hidden.count)
        return table
    }

    public static func humanTables(_ result: SiteBenchmarkResult) -> [ReportTable] {
        let d = DisclosureControl(result.definition)
        let level = OutcomeTableLayout.confidenceLabel(result.definition.confidence)
        var outside = ReportTable(title: "Sites outside the funnel's 95% limits", columns: [
            .init("domain", "Domain", alignRight: false), .init("site", "Site", alignRight: false),
            .init("pct", "Positive, % (\(level) CI)"), .init("n", "N answering"), .init("rest", "Other sites, %"),
            .init("difference", "Difference, points (\(level) CI)"), .init("position", "Position", alignRight: false),
        ])
        for domain in result.domains {
            for site in domain.sites where site.position.isOutside {
                guard let shown = published(site, in: domain, d) else { continue }
                outside.rows.append([
                    .text(domain.domain.label), .text(site.site),
                    shown.positive.map { .text(OutcomeTableLayout.percentWithCI($0)) } ?? .suppressed("*"),
                    d.count(site.positive.n),
                    shown.rest.map { .text(TableFormat.fixed($0.proportion * 100, 1)) } ?? .suppressed("*"),
                    .text(shown.difference.map {
                        "\(signed($0.estimate * 100)) (\(signed($0.lower * 100)) to \(signed($0.upper * 100)))"
                    } ?? "–"),
                    .text(site.position.rawValue),
                ])
            }
        }
        if outside.rows.isEmpty { outside.notes.append("No site is outside the 95% limits in any domain.") }
        outside.notes += notes(result)
        outside.notes += d.notes(for: outside, hiddenGroups: 0)

        var bySite = ReportTable(
            title: "Positive, % [N answering], by site",
            columns: [.init("domain", "Domain", alignRight: false), .init("pooled", "All sites")]
                + result.sites.map { .init($0, $0) })
        var hidden = Set<String>()
        for domain in result.domains {
            var cells: [ReportTable.Cell] = [d.percentCell(domain.pooled)]
            for site in domain.sites {
                guard let shown = published(site, in: domain, d) else {
                    hidden.insert(site.site)
                    cells.append(.suppressed(d.fewer))
                    continue
                }
                let marker = site.position.isOutside
                    ? (site.position == .above95 || site.position == .above998 ? " ▲" : " ▼") : ""
                cells.append(shown.positive.map {
                    .text("\(TableFormat.fixed($0.proportion * 100, 1)) [\(d.countText(site.positive.n))]\(marker)")
                } ?? .suppressed("*"))
            }
            bySite.rows.append([.text(domain.domain.label)] + cells)
        }
        let funnelN = result.design == nil ? "number answering" : "effective sample size"
        bySite.notes = ["▲ above, ▼ below the funnel's 95% limits at the site's \(funnelN) (see the table above)."]
        bySite.notes += d.notes(for: bySite, hiddenGroups: hidden.count)
        return [outside, bySite]
    }

    static func notes(_ result: SiteBenchmarkResult) -> [String] {
        let level = OutcomeTableLayout.confidenceLabel(result.definition.confidence)
        if let design = result.design {
            return [
                "Each site's weighted % positive among those answering on the scale, against the other sites "
                    + "pooled: the difference of the two weighted shares with its linearised standard error "
                    + "(one contrast of both, as R's svycontrast) and a \(level) t interval on the design's "
                    + "degrees of freedom. Funnel: the pooled weighted % of every site, with 95% and 99.8% limits "
                    + "by the normal approximation at each site's Kish effective sample size "
                    + "(sum of weights squared over sum of squared weights, of those answering; Spiegelhalter "
                    + "2005): exact binomial limits need a whole number of people, which weighted responses are "
                    + "not. A site outside the 95% limits is 1 in 20 by chance alone, outside the 99.8% limits "
                    + "1 in 500.",
            ] + DesignLayout.notes(design, level: level, of: "each weighted share")
        }
        return [
            "Each site's % positive among those answering on the scale, against the other sites pooled: "
                + "the difference with Newcombe's hybrid score interval (\(level)). "
                + "Funnel: the pooled % of every site, with exact binomial 95% and "
                + "99.8% control limits at each site's number answering (Spiegelhalter 2005, interpolated); "
                + "a site outside the 95% limits is 1 in 20 by chance alone, outside the 99.8% limits 1 in 500.",
        ]
    }

    static func signed(_ value: Double) -> String {
        value > 0 ? "+" + TableFormat.format(value, 1) : TableFormat.format(value, 1)
    }
}

extension SiteBenchmarkResult: KindLayout, SurveyAnalysisResult {
    var appliesDisclosureControl: Bool { true }

    var csvTables: [(suffix: String, table: ReportTable)] { [("", SiteBenchmarkLayout.longTable(self))] }

    var humanTables: [ReportTable] { SiteBenchmarkLayout.humanTables(self) }

    var charts: [Chart] {
        let d = DisclosureControl(definition)
        return domains.enumerated().map { index, domain in
            let target = (d.share(domain.pooled) ?? domain.pooled).proportion
            let weighted = design != nil
            var data = ReportTable(title: "Figures in the chart", columns: [
                .init("site", "Site", alignRight: false), .init("n", "N answering"), .init("pct", "Positive %"),
                .init("position", "Position", alignRight: false),
            ])
            if weighted { data.columns.insert(.init("funnel_n", "Kish effective N"), at: 2) }
            var points: [SVGCharts.FunnelPoint] = []
            for site in domain.sites {
                guard let shown = SiteBenchmarkLayout.published(site, in: domain, d) else {
                    data.rows.append([.text(site.site), .suppressed(d.fewer)] + (weighted ? [.suppressed(d.fewer)] : [])
                                     + [.suppressed(d.fewer), .text("not drawn")])
                    continue
                }
                let funnelN: [ReportTable.Cell] = weighted
                    ? [shown.funnelN.map { .text(TableFormat.fixed($0, 1)) } ?? .empty] : []
                guard let positive = shown.positive, let x = weighted ? shown.funnelN : Double(shown.n) else {
                    data.rows.append([.text(site.site), .integer(shown.n)] + funnelN
                                     + [.suppressed("*"), .text("not drawn")])
                    continue
                }
                points.append(SVGCharts.FunnelPoint(label: site.site, n: x, percent: positive.proportion * 100,
                                                    outside: site.position.isOutside))
                data.rows.append([.text(site.site), .integer(shown.n)] + funnelN
                                 + [.text(TableFormat.fixed(positive.proportion * 100, 1)),
                                    .text(site.position.rawValue)])
            }
            let outside = domain.sites.filter { $0.position.isOutside }.map(\.site)
            return Chart(
                svg: SVGCharts.funnel(
                    id: "\(definition.id)-funnel-\(index)", title: "\(domain.domain.label): % positive by site",
                    description: "Funnel plot of each site's \(weighted ? "weighted " : "")% positive in "
                        + "\(domain.domain.label.lowercasedFirst) against its "
                        + "\(weighted ? "effective sample size" : "number answering"), around the pooled "
                        + "\(TableFormat.fixed(target * 100, 1))% "
                        + "with 95% and 99.8% limits; "
                        + (outside.isEmpty
                            ? "no site is outside the 95% limits."
                            : "outside the 95% limits: \(outside.joined(separator: ", "))."),
                    points: points, target: target * 100,
                    xLabel: weighted ? "Effective sample size at the site (Kish)" : "Respondents answering at the site",
                    limits: { n in Self.percentLimits(target: target, n: n, normal: weighted) }),
                caption: "\(domain.domain.label): each site's \(weighted ? "weighted " : "")% positive against its "
                    + "\(weighted ? "effective sample size" : "number answering"), with the funnel's limits.",
                table: data)
        }
    }

    /// The funnel's limits at `n` answering, in %.
    static func percentLimits(target: Double, n: Int, normal: Bool = false)
        -> (inner: ClosedRange<Double>, outer: ClosedRange<Double>)? {
        guard let limits = try? normal ? FunnelLimits.normal(target: target, effectiveN: Double(n))
                : FunnelLimits.limits(target: target, n: n) else { return nil }
        let inner: ClosedRange<Double> = (limits.inner.lowerBound * 100)...(limits.inner.upperBound * 100)
        let outer: ClosedRange<Double> = (limits.outer.lowerBound * 100)...(limits.outer.upperBound * 100)
        return (inner, outer)
    }

    var methods: String {
        if design != nil {
            return "Per domain and site, the weighted % positive among those answering with "
                + "\(OutcomeTableLayout.confidenceLabel(definition.confidence)) design-based intervals, against the "
                + "other sites pooled (the difference's linearised standard error, as R's survey package), and the "
                + "site's place in a funnel of 95% and 99.8% normal limits around the pooled weighted % at its "
                + "Kish effective sample size (Spiegelhalter 2005)."
        }
        return "Per domain and site, % positive among those answering with "
            + "\(OutcomeTableLayout.confidenceLabel(definition.confidence)) Wilson intervals, "
            + "against the other sites pooled (Newcombe's interval for the difference), and the site's place in "
            + "a funnel of exact binomial 95% and 99.8% limits around the pooled % (Spiegelhalter 2005)."
    }

    var summary: String {
        let outside = domains.map { $0.sites.filter { $0.position.isOutside }.count }.reduce(0, +)
        return "\(responses) responses, \(sites.count) sites, \(domains.count) domains, "
            + "\(outside) site-domain pairs outside the 95% limits"
    }
}
