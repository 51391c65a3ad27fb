import Foundation

/// Charts drawn as inline SVG by the toolkit: no scripts, fonts or network, so a report is one file.
///
/// Every chart has a `<title>` and a `<desc>` (read by screen readers, named by `aria-labelledby`),
/// labelled axes, and colours from the Okabe-Ito palette, which stays distinguishable with the
/// common colour-vision deficiencies. The figures are also in the table printed beside each chart.
public enum SVGCharts {
    public static let positive = "#0072B2"   // blue
    public static let neutral = "#BBBBBB"    // grey
    public static let negative = "#D55E00"   // vermillion
    public static let series = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9"]
    /// A dot plot's groups: the Okabe-Ito colours but yellow (too pale on white), so up to seven groups
    /// each have their own.
    static let dotColours = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000"]

    /// One bar of a diverging stacked chart: percentages negative, no change and positive.
    public struct DivergingRow: Sendable {
        public var label: String
        public var negative: Double
        public var neutral: Double
        public var positive: Double
        public var n: Int
        public init(label: String, negative: Double, neutral: Double, positive: Double, n: Int) {
            self.label = label
            self.negative = negative
            self.neutral = neutral
            self.positive = positive
            self.n = n
        }
    }

    /// Negative to the left of zero, positive to the right, no change straddling zero, rows in the
    /// order given (callers sort by % positive). A share that is NaN (withheld by disclosure control)
    /// has no bar and a `*` in its place.
    public static func diverging(id: String, title: String, description: String, rows: [DivergingRow]) -> String {
        let labelWidth = labelColumn(rows.map(\.label)), plotWidth = 470.0, rowHeight = 24.0, top = 46.0
        let known = { (value: Double) in value.isFinite ? value : 0 }
        let (extent, step) = symmetricAxis(
            rows.map { max(known($0.negative), known($0.positive)) + $0.neutral / 2 }.max() ?? 10)
        let height = top + Double(rows.count) * rowHeight + 52
        let width = labelWidth + plotWidth + 20
        func x(_ percent: Double) -> Double { labelWidth + (percent + extent) / (2 * extent) * plotWidth }
        var svg = open(id: id, title: title, description: description, width: width, height: height)
        svg += legend([("Negative", negative), ("No change", neutral), ("Positive", positive)], x: labelWidth, y: 14)
        let bottom = top + Double(rows.count) * rowHeight
        // Ticks at whole multiples of the step, the same on each side, so 0 is always one of them.
        let steps = Int((extent / step).rounded())
        for k in -steps...steps {
            let tick = Double(k) * step
            if k != 0 { svg += line(x(tick), top - 4, x(tick), bottom, stroke: "#E5E5E5") }
            svg += text("\(format(abs(tick), 0))%", x: x(tick), y: bottom + 16, anchor: "middle", size: 11)
        }
        for (index, row) in rows.enumerated() {
            let y = top + Double(index) * rowHeight
            svg += text(row.label, x: labelWidth - 8, y: y + 16, anchor: "end", size: 12)
            let neutralStart = -row.neutral / 2
            if row.negative.isFinite {
                svg += rect(x(neutralStart - row.negative), y + 4, x(neutralStart) - x(neutralStart - row.negative), 16,
                            fill: negative,
                            label: "\(row.label): negative \(format(row.negative, 1))%")
            } else {
                svg += text("*", x: x(neutralStart) - 3, y: y + 16, anchor: "end", size: 12)
            }
            svg += rect(x(neutralStart), y + 4, x(row.neutral / 2) - x(neutralStart), 16, fill: neutral,
                        label: "\(row.label): no change \(format(row.neutral, 1))%")
            guard row.positive.isFinite else {
                svg += text("*", x: x(row.neutral / 2) + 3, y: y + 16, anchor: "start", size: 12)
                continue
            }
            svg += rect(x(row.neutral / 2), y + 4, x(row.neutral / 2 + row.positive) - x(row.neutral / 2), 16,
                        fill: positive,
                        label: "\(row.label): positive \(format(row.positive, 1))% of \(row.n)")
            if row.positive >= 12 {
                svg += text("\(format(row.positive, 0))%", x: x(row.neutral / 2 + row.positive) - 4, y: y + 16,
                            anchor: "end", size: 11, fill: "#FFFFFF")
            }
        }
        // The zero line over the bars: no change straddles it, so it must stay visible on any data.
        svg += line(x(0), top - 4, x(0), bottom, stroke: "#333333")
        svg += text("% of respondents answering (negative to the left of 0, positive to the right)",
                    x: labelWidth + plotWidth / 2, y: height - 12, anchor: "middle", size: 12)
        return svg + "</svg>"
    }

    /// One row of a forest plot: an estimate with its interval.
    public struct ForestRow: Sendable {
        public var label: String
        public var estimate: Double
        public var lower: Double
        public var upper: Double
        /// Printed at the right, e.g. "0.112 (0.069 to 0.156)".
        public var text: String
        public var emphasised: Bool
        public init(label: String, estimate: Double, lower: Double, upper: Double, text: String,
                    emphasised: Bool = false) {
            self.label = label
            self.estimate = estimate
            self.lower = lower
            self.upper = upper
            self.text = text
            self.emphasised = emphasised
        }
    }

    /// Estimates as squares with their intervals as lines, against a vertical line of no effect
    /// (0 for differences; 1 for ratios, drawn on a log scale).
    public static func forest(id: String, title: String, description: String, rows: [ForestRow], axisLabel: String,
                              ratio: Bool) -> String {
        let labelWidth = labelColumn(rows.map(\.label)), plotWidth = 330.0, textWidth = 170.0, rowHeight = 24.0,
            top = 20.0
        let shown = rows.filter { $0.lower.isFinite && $0.upper.isFinite && (!ratio || ($0.lower > 0 && $0.upper > 0)) }
        let transform: (Double) -> Double = ratio ? { log($0) } : { $0 }
        let null = ratio ? 1.0 : 0.0
        var low = min(transform(null), shown.map { transform($0.lower) }.min() ?? -1)
        var high = max(transform(null), shown.map { transform($0.upper) }.max() ?? 1)
        let pad = (high - low) * 0.08 + 1e-9
        low -= pad
        high += pad
        let height = top + Double(rows.count) * rowHeight + 50
        let width = labelWidth + plotWidth + textWidth
        func x(_ value: Double) -> Double { labelWidth + (transform(value) - low) / (high - low) * plotWidth }
        var svg = open(id: id, title: title, description: description, width: width, height: height)
        let bottom = top + Double(rows.count) * rowHeight
        for tick in ticks(low: low, high: high, ratio: ratio) {
            svg += line(x(tick), top, x(tick), bottom, stroke: "#E5E5E5")
            svg += text(ratio ? (tick < 1 ? String(tick) : format(tick, 0)) : format(tick, decimals(for: high - low)),
                        x: x(tick), y: bottom + 16, anchor: "middle", size: 11)
        }
        svg += line(x(null), top - 6, x(null), bottom, stroke: "#333333")
        for (index, row) in rows.enumerated() {
            let y = top + Double(index) * rowHeight + rowHeight / 2
            svg += text(row.label, x: labelWidth - 8, y: y + 4, anchor: "end", size: 12, bold: row.emphasised)
            svg += text(row.text, x: labelWidth + plotWidth + 8, y: y + 4, anchor: "start", size: 11)
            guard shown.contains(where: { $0.label == row.label && $0.estimate == row.estimate }) else { continue }
            svg += line(x(row.lower), y, x(row.upper), y, stroke: "#333333", width: 1.5)
            let size = row.emphasised ? 10.0 : 8.0
            svg += rect(x(row.estimate) - size / 2, y - size / 2, size, size,
                        fill: row.emphasised ? "#000000" : positive,
                        label: "\(row.label): \(row.text)")
        }
        svg += text(axisLabel, x: labelWidth + plotWidth / 2, y: height - 10, anchor: "middle", size: 12)
        return svg + "</svg>"
    }

    /// One group's share in one row of a dot plot, in percent; nil when withheld or not computed.
    public struct Dot: Sendable {
        public var estimate: Double
        public var lower: Double
        public var upper: Double
        public init(estimate: Double, lower: Double, upper: Double) {
            self.estimate = estimate
            self.lower = lower
            self.upper = upper
        }
    }

    /// Shares of several groups in each row (e.g. % positive by age band in each domain): one dot and
    /// interval per group, a colour per group, on a fixed 0-100% axis so that rows and charts compare.
    /// `reference`, when given, is drawn per row as a grey tick (e.g. everyone's %). A withheld share
    /// has no dot and a `*` in its group's colour at the right.
    public static func dotPlot(id: String, title: String, description: String, rows: [String], groups: [String],
                               dots: [[Dot?]], reference: [Double]? = nil, axisLabel: String) -> String {
        let labelWidth = labelColumn(rows), plotWidth = 400.0
        let rowHeight = max(24.0, Double(groups.count) * 9 + 10), starWidth = Double(groups.count) * 12 + 12
        let width = labelWidth + plotWidth + starWidth
        // The legend wraps onto as many lines as the groups need within the chart's width.
        var legendLines: [[Int]] = [[]], used = 0.0
        for (group, name) in groups.enumerated() {
            let entry = 28 + Double(name.count) * 7
            if used + entry > width - 16, !legendLines[legendLines.count - 1].isEmpty {
                legendLines.append([])
                used = 0
            }
            legendLines[legendLines.count - 1].append(group)
            used += entry
        }
        let top = 28 + Double(legendLines.count) * 18
        let bottom = top + Double(rows.count) * rowHeight, height = bottom + 46
        func x(_ percent: Double) -> Double { labelWidth + min(max(percent, 0), 100) / 100 * plotWidth }
        func colour(_ group: Int) -> String { dotColours[group % dotColours.count] }
        var svg = open(id: id, title: title, description: description, width: width, height: height)
        for (line, members) in legendLines.enumerated() {
            svg += legend(members.map { (groups[$0], colour($0)) }, x: 8, y: 10 + Double(line) * 18)
        }
        for tick in stride(from: 0.0, through: 100, by: 20) {
            svg += line(x(tick), top, x(tick), bottom, stroke: "#E5E5E5")
            svg += text("\(format(tick, 0))%", x: x(tick), y: bottom + 16, anchor: "middle", size: 11)
        }
        svg += line(x(0), top, x(0), bottom, stroke: "#333333")
        for (index, label) in rows.enumerated() {
            let y = top + Double(index) * rowHeight + rowHeight / 2
            if index > 0 { svg += line(labelWidth, y - rowHeight / 2, labelWidth + plotWidth, y - rowHeight / 2,
                                       stroke: "#F0F0F0") }
            svg += text(label, x: labelWidth - 8, y: y + 4, anchor: "end", size: 12)
            if let value = reference?[index], value.isFinite {
                svg += line(x(value), y - rowHeight / 2 + 3, x(value), y + rowHeight / 2 - 3, stroke: "#999999",
                            width: 2)
            }
            for (group, dot) in dots[index].enumerated() {
                let offset = (Double(group) - Double(groups.count - 1) / 2) * 9
                guard let dot, dot.estimate.isFinite else {
                    svg += text("*", x: labelWidth + plotWidth + 8 + Double(group) * 12, y: y + 4, anchor: "start",
                                size: 12, fill: colour(group))
                    continue
                }
                if dot.lower.isFinite, dot.upper.isFinite {
                    svg += line(x(dot.lower), y + offset, x(dot.upper), y + offset, stroke: colour(group), width: 1.5)
                }
                let tip = "\(label), \(groups[group]): \(format(dot.estimate, 1))% "
                    + "(\(format(dot.lower, 1)) to \(format(dot.upper, 1)))"
                svg += "<circle cx=\"\(format(x(dot.estimate), 1))\" cy=\"\(format(y + offset, 1))\" r=\"4\" "
                    + "fill=\"\(colour(group))\"><title>\(escape(tip))</title></circle>"
            }
        }
        svg += text(axisLabel, x: labelWidth + plotWidth / 2, y: height - 10, anchor: "middle", size: 12)
        return svg + "</svg>"
    }

    /// A bar with an interval, in one group of a grouped bar chart.
    public struct Bar: Sendable {
        public var series: String
        public var value: Double
        public var lower: Double?
        public var upper: Double?
        public init(series: String, value: Double, lower: Double?, upper: Double?) {
            self.series = series
            self.value = value
            self.lower = lower
            self.upper = upper
        }
    }

    /// Vertical bars grouped by category (e.g. baseline level), one colour per series (e.g. arm),
    /// with interval whiskers and a zero line.
    public static func groupedBars(id: String, title: String, description: String,
                                   groups: [(label: String, bars: [Bar])],
                                   axisLabel: String, categoryLabel: String) -> String {
        let seriesNames = groups.flatMap { $0.bars.map(\.series) }
            .reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let values = groups.flatMap { $0.bars.flatMap { [$0.value, $0.lower ?? $0.value, $0.upper ?? $0.value] } }
            .filter(\.isFinite)
        let step = tickStep((values.max() ?? 1) - min(0, values.min() ?? 0))
        let high = ((max(0, values.max() ?? 1)) / step).rounded(.up) * step
        let low = ((min(0, values.min() ?? 0)) / step).rounded(.down) * step
        let left = 60.0, plotWidth = 560.0, top = 36.0, plotHeight = 240.0
        let width = left + plotWidth + 20, height = top + plotHeight + 56
        func y(_ value: Double) -> Double { top + (high - value) / (high - low) * plotHeight }
        var svg = open(id: id, title: title, description: description, width: width, height: height)
        svg += legend(seriesNames.enumerated().map { ($1, series[$0 % series.count]) }, x: left, y: 12)
        for tick in stride(from: low, through: high + step / 2, by: step) {
            svg += line(left, y(tick), left + plotWidth, y(tick), stroke: tick == 0 ? "#333333" : "#E5E5E5")
            svg += text(format(tick, decimals(for: high - low)), x: left - 6, y: y(tick) + 4, anchor: "end", size: 11)
        }
        let groupWidth = plotWidth / Double(max(groups.count, 1))
        let barWidth = min(40, groupWidth * 0.8 / Double(max(seriesNames.count, 1)))
        for (g, group) in groups.enumerated() {
            let centre = left + groupWidth * (Double(g) + 0.5)
            svg += text(group.label, x: centre, y: top + plotHeight + 18, anchor: "middle", size: 12)
            for bar in group.bars where bar.value.isFinite {
                let s = seriesNames.firstIndex(of: bar.series)!
                let x = centre - barWidth * Double(seriesNames.count) / 2 + barWidth * Double(s)
                svg += rect(x + 2, min(y(bar.value), y(0)), barWidth - 4, abs(y(bar.value) - y(0)),
                            fill: series[s % series.count],
                            label: "\(group.label), \(bar.series): \(format(bar.value, 1))")
                if let lower = bar.lower, let upper = bar.upper, lower.isFinite, upper.isFinite {
                    let mid = x + barWidth / 2
                    svg += line(mid, y(lower), mid, y(upper), stroke: "#000000", width: 1.2)
                    svg += line(mid - 4, y(lower), mid + 4, y(lower), stroke: "#000000", width: 1.2)
                    svg += line(mid - 4, y(upper), mid + 4, y(upper), stroke: "#000000", width: 1.2)
                }
            }
        }
        svg += text(categoryLabel, x: left + plotWidth / 2, y: height - 10, anchor: "middle", size: 12)
        svg += "<text x=\"14\" y=\"\(format(top + plotHeight / 2, 1))\" "
            + "transform=\"rotate(-90 14 \(format(top + plotHeight / 2, 1)))\" "
            + "text-anchor=\"middle\" font-size=\"12\">\(escape(axisLabel))</text>"
        return svg + "</svg>"
    }

    /// One unit (a site) of a funnel plot: its proportion against its number answering (or, weighted,
    /// its effective sample size, which need not be whole).
    public struct FunnelPoint: Sendable {
        public var label: String
        public var n: Double
        public var percent: Double
        /// Outside the 95% (or 99.8%) limits: drawn larger, in the negative or positive colour.
        public var outside: Bool
        public init(label: String, n: Double, percent: Double, outside: Bool) {
            self.label = label
            self.n = n
            self.percent = percent
            self.outside = outside
        }
    }

    /// A funnel plot: each site's % against its number answering, the pooled % as a line, and the 95%
    /// and 99.8% control limits around it as curves (`limits` gives them, in %, at a number answering).
    public static func funnel(id: String, title: String, description: String, points: [FunnelPoint], target: Double,
                              xLabel: String = "Respondents answering at the site",
                              limits: (Int) -> (inner: ClosedRange<Double>, outer: ClosedRange<Double>)?) -> String {
        let left = 60.0, plotWidth = 560.0, top = 36.0, plotHeight = 260.0
        let width = left + plotWidth + 140, height = top + plotHeight + 56
        let maxN = max(10, Int((points.map(\.n).max() ?? 10) * 1.1))
        let curve = stride(from: 1, through: 60, by: 1).map { step in
            max(1, Int((Double(maxN) * Double(step * step) / 3600).rounded()))
        }
        let ns = Array(Set(curve)).sorted()
        let bounds = ns.compactMap { limits($0) }
        let values = points.map(\.percent) + [target]
        // The axis covers the sites and the 95% curve beyond the smallest site, not the wide start of the funnel.
        let smallest = Int(points.map(\.n).min() ?? 1)
        let shownBounds = zip(ns, bounds).filter { $0.0 >= smallest / 2 }.map(\.1)
        let all = values + shownBounds.flatMap { [$0.outer.lowerBound, $0.outer.upperBound] }
        let step = tickStep(max(10, (all.max() ?? 100) - (all.min() ?? 0)))
        let low = max(0, ((all.min() ?? 0) / step).rounded(.down) * step),
            high = min(100, ((all.max() ?? 100) / step).rounded(.up) * step)
        func x(_ n: Double) -> Double { left + n / Double(maxN) * plotWidth }
        func y(_ percent: Double) -> Double {
            top + (high - min(high, max(low, percent))) / max(high - low, 1e-9) * plotHeight
        }
        var svg = open(id: id, title: title, description: description, width: width, height: height)
        svg += legend([("Sites", positive), ("Outside the 95% limits", negative)], x: left, y: 12)
        for tick in stride(from: low, through: high + step / 2, by: step) {
            svg += line(left, y(tick), left + plotWidth, y(tick), stroke: "#E5E5E5")
            svg += text("\(format(tick, 0))%", x: left - 6, y: y(tick) + 4, anchor: "end", size: 11)
        }
        let nStep = tickStep(Double(maxN))
        for tick in stride(from: 0, through: Double(maxN), by: nStep) {
            svg += text(format(tick, 0), x: x(tick), y: top + plotHeight + 16, anchor: "middle", size: 11)
        }
        func path(_ pick: ((inner: ClosedRange<Double>, outer: ClosedRange<Double>)) -> Double) -> String {
            zip(ns, bounds).filter { $0.0 >= smallest / 2 }.enumerated().map { index, pair in
                "\(index == 0 ? "M" : "L")\(format(x(Double(pair.0)), 1)) \(format(y(pick(pair.1)), 1))"
            }.joined(separator: " ")
        }
        for (pick, dash) in [
            ({ (b: (inner: ClosedRange<Double>, outer: ClosedRange<Double>)) in b.inner.lowerBound }, "4 3"),
            ({ $0.inner.upperBound }, "4 3"), ({ $0.outer.lowerBound }, ""), ({ $0.outer.upperBound }, "")
        ] {
            svg += "<path d=\"\(path(pick))\" fill=\"none\" stroke=\"#555555\" stroke-width=\"1.2\""
                + "\(dash.isEmpty ? "" : " stroke-dasharray=\"\(dash)\"")/>"
        }
        svg += line(left, y(target), left + plotWidth, y(target), stroke: "#333333", width: 1.5)
        svg += text("pooled \(format(target, 1))%", x: left + plotWidth + 6, y: y(target) + 4,
                    anchor: "start", size: 11)
        if let last = shownBounds.last {
            svg += text("95% limits (dashed)", x: left + plotWidth + 6, y: y(last.inner.upperBound) - 2,
                        anchor: "start", size: 10)
            svg += text("99.8% limits", x: left + plotWidth + 6, y: y(last.outer.upperBound) - 10,
                        anchor: "start", size: 10)
        }
        for point in points {
            let cx = x(point.n), cy = y(point.percent)
            let n = format(point.n, point.n == point.n.rounded() ? 0 : 1)
            svg += "<circle cx=\"\(format(cx, 1))\" cy=\"\(format(cy, 1))\" r=\"\(point.outside ? 6 : 4.5)\" "
                + "fill=\"\(point.outside ? negative : positive)\">"
                + "<title>\(escape("\(point.label): \(format(point.percent, 1))% of \(n)"))</title></circle>"
            if point.outside { svg += text(point.label, x: cx + 8, y: cy + 4, anchor: "start", size: 11) }
        }
        svg += text(xLabel, x: left + plotWidth / 2, y: height - 10,
                    anchor: "middle", size: 12)
        svg += "<text x=\"14\" y=\"\(format(top + plotHeight / 2, 1))\" "
            + "transform=\"rotate(-90 14 \(format(top + plotHeight / 2, 1)))\" "
            + "text-anchor=\"middle\" font-size=\"12\">% positive</text>"
        return svg + "</svg>"
    }

    /// The cost-effectiveness plane: each bootstrap replicate's incremental effect (across) and cost (up),
    /// the point estimate emphasised, the axes through zero dividing the four quadrants, and a dashed line
    /// of slope `threshold` (below it the pilot is cost-effective at that willingness to pay).
    public static func costEffectivenessPlane(id: String, title: String, description: String,
                                              replicates: [(effect: Double, cost: Double)],
                                              estimate: (effect: Double, cost: Double), threshold: Double,
                                              effectLabel: String) -> String {
        let left = 80.0, plotWidth = 480.0, top = 36.0, plotHeight = 320.0
        let width = left + plotWidth + 40, height = top + plotHeight + 56
        let effects = replicates.map(\.effect) + [estimate.effect, 0]
        let costs = replicates.map(\.cost) + [estimate.cost, 0]
        // Axes symmetric about zero, so that the four quadrants are equal and read at a glance.
        func axis(_ largest: Double) -> (extent: Double, step: Double) {
            let step = tickStep(2 * max(largest, 1e-9))
            return (max(step, (largest / step).rounded(.up) * step), step)
        }
        let (effectExtent, effectStep) = axis(effects.map(abs).max() ?? 1)
        let (costExtent, costStep) = axis(costs.map(abs).max() ?? 1)
        func x(_ e: Double) -> Double { left + (e + effectExtent) / (2 * effectExtent) * plotWidth }
        func y(_ c: Double) -> Double { top + (costExtent - c) / (2 * costExtent) * plotHeight }
        var svg = open(id: id, title: title, description: description, width: width, height: height)
        svg += legend([("Bootstrap replicates", "#8FA9C8"), ("Estimate", negative)], x: left, y: 12)
        for tick in stride(from: -costExtent, through: costExtent + costStep / 2, by: costStep) {
            svg += line(left, y(tick), left + plotWidth, y(tick), stroke: "#EEEEEE")
            svg += text(TableFormat.format(tick, 0), x: left - 6, y: y(tick) + 4, anchor: "end", size: 11)
        }
        let decimals = decimals(for: effectExtent)
        for tick in stride(from: -effectExtent, through: effectExtent + effectStep / 2, by: effectStep) {
            svg += text(format(tick, decimals), x: x(tick), y: top + plotHeight + 16, anchor: "middle", size: 11)
        }
        svg += line(x(0), top, x(0), top + plotHeight, stroke: "#333333")
        svg += line(left, y(0), left + plotWidth, y(0), stroke: "#333333")
        // The threshold line c = λ e, clipped to the plot.
        let reach = min(effectExtent, costExtent / max(threshold, 1e-9))
        svg += "<line x1=\"\(format(x(-reach), 1))\" y1=\"\(format(y(-reach * threshold), 1))\" "
            + "x2=\"\(format(x(reach), 1))\" y2=\"\(format(y(reach * threshold), 1))\" stroke=\"#555555\" "
            + "stroke-width=\"1.2\" stroke-dasharray=\"5 4\"/>"
        svg += text("£\(TableFormat.format(threshold, 0)) per unit", x: x(reach) - 4, y: y(reach * threshold) - 6,
                    anchor: "end", size: 10)
        for point in replicates {
            svg += "<circle cx=\"\(format(x(point.effect), 1))\" cy=\"\(format(y(point.cost), 1))\" r=\"1.8\" "
                + "fill=\"#8FA9C8\" fill-opacity=\"0.6\"/>"
        }
        let label = escape("Estimate: effect \(format(estimate.effect, 4)), "
                           + "cost £\(TableFormat.format(estimate.cost, 0))")
        svg += "<circle cx=\"\(format(x(estimate.effect), 1))\" cy=\"\(format(y(estimate.cost), 1))\" r=\"5\" "
            + "fill=\"\(negative)\"><title>\(label)</title></circle>"
        for (label, qx, qy, anchor) in [("more costly, less effective", left + 6, top + 14, "start"),
                                        ("more costly, more effective", left + plotWidth - 6, top + 14, "end"),
                                        ("less costly, less effective", left + 6, top + plotHeight - 6, "start"),
                                        ("less costly, more effective", left + plotWidth - 6, top + plotHeight - 6,
                                         "end")] {
            svg += text(label, x: qx, y: qy, anchor: anchor, size: 10, fill: "#555555")
        }
        svg += text("Incremental effect (\(effectLabel)), pilot minus control", x: left + plotWidth / 2,
                    y: height - 10, anchor: "middle", size: 12)
        svg += "<text x=\"14\" y=\"\(format(top + plotHeight / 2, 1))\" "
            + "transform=\"rotate(-90 14 \(format(top + plotHeight / 2, 1)))\" "
            + "text-anchor=\"middle\" font-size=\"12\">Incremental cost (£)</text>"
        return svg + "</svg>"
    }

    /// The cost-effectiveness acceptability curve: the probability the pilot is cost-effective (0-1, up)
    /// at each willingness to pay (across).
    public static func acceptabilityCurve(id: String, title: String, description: String,
                                          points: [(threshold: Double, probability: Double)]) -> String {
        let left = 60.0, plotWidth = 480.0, top = 24.0, plotHeight = 240.0
        let width = left + plotWidth + 40, height = top + plotHeight + 56
        let highest = max(points.map(\.threshold).max() ?? 1, 1)
        func x(_ t: Double) -> Double { left + t / highest * plotWidth }
        func y(_ p: Double) -> Double { top + (1 - p) * plotHeight }
        var svg = open(id: id, title: title, description: description, width: width, height: height)
        for tick in stride(from: 0.0, through: 1.0001, by: 0.25) {
            svg += line(left, y(tick), left + plotWidth, y(tick), stroke: "#E5E5E5")
            svg += text(format(tick, 2), x: left - 6, y: y(tick) + 4, anchor: "end", size: 11)
        }
        let step = tickStep(highest)
        for tick in stride(from: 0, through: highest + step / 2, by: step) {
            svg += text("£\(TableFormat.format(tick, 0))", x: x(tick), y: top + plotHeight + 16, anchor: "middle",
                        size: 11)
        }
        let path = points.enumerated().map { index, point in
            "\(index == 0 ? "M" : "L")\(format(x(point.threshold), 1)) \(format(y(point.probability), 1))"
        }.joined(separator: " ")
        svg += "<path d=\"\(path)\" fill=\"none\" stroke=\"\(positive)\" stroke-width=\"2\"/>"
        svg += text("Willingness to pay per unit of effect", x: left + plotWidth / 2, y: height - 10,
                    anchor: "middle", size: 12)
        svg += "<text x=\"14\" y=\"\(format(top + plotHeight / 2, 1))\" "
            + "transform=\"rotate(-90 14 \(format(top + plotHeight / 2, 1)))\" "
            + "text-anchor=\"middle\" font-size=\"12\">Probability cost-effective</text>"
        return svg + "</svg>"
    }

    // MARK: Pieces

    static func open(id: String, title: String, description: String, width: Double, height: Double) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-labelledby=\"\(id)-title \(id)-desc\" "
            + "width=\"\(format(width, 0))\" height=\"\(format(height, 0))\" "
            + "viewBox=\"0 0 \(format(width, 0)) \(format(height, 0))\" "
            + "font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif\">"
            + "<title id=\"\(id)-title\">\(escape(title))</title><desc id=\"\(id)-desc\">\(escape(description))</desc>"
    }

    static func legend(_ entries: [(String, String)], x: Double, y: Double) -> String {
        var out = "", position = x
        for (label, colour) in entries {
            out += "<rect x=\"\(format(position, 1))\" y=\"\(format(y, 1))\" width=\"12\" height=\"12\" "
                + "fill=\"\(colour)\"/>"
            out += text(label, x: position + 16, y: y + 10, anchor: "start", size: 12)
            position += 28 + Double(label.count) * 7
        }
        return out
    }

    static func rect(_ x: Double, _ y: Double, _ width: Double, _ height: Double, fill: String,
                     label: String) -> String {
        "<rect x=\"\(format(x, 1))\" y=\"\(format(y, 1))\" width=\"\(format(max(0, width), 1))\" "
            + "height=\"\(format(max(0, height), 1))\" fill=\"\(fill)\"><title>\(escape(label))</title></rect>"
    }

    static func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String,
                     width: Double = 1) -> String {
        "<line x1=\"\(format(x1, 1))\" y1=\"\(format(y1, 1))\" x2=\"\(format(x2, 1))\" y2=\"\(format(y2, 1))\" "
            + "stroke=\"\(stroke)\" stroke-width=\"\(format(width, 1))\"/>"
    }

    static func text(_ content: String, x: Double, y: Double, anchor: String, size: Int, fill: String = "#222222",
                     bold: Bool = false) -> String {
        "<text x=\"\(format(x, 1))\" y=\"\(format(y, 1))\" text-anchor=\"\(anchor)\" font-size=\"\(size)\" "
            + "fill=\"\(fill)\"\(bold ? " font-weight=\"bold\"" : "")>\(escape(content))</text>"
    }

    /// Escapes text for XML (and so for HTML): & < > and quotes.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(character)
            }
        }
        return out
    }

    static func format(_ value: Double, _ decimals: Int) -> String { TableFormat.format(value, decimals) }

    /// A round step giving about five ticks over `span`.
    static func tickStep(_ span: Double) -> Double {
        guard span > 0, span.isFinite else { return 1 }
        let raw = span / 5
        let magnitude = pow(10, floor(log10(raw)))
        let fraction = raw / magnitude
        return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * magnitude
    }

    /// Room for the longest row label at 12px (about 6.7px a character in a sans-serif face).
    static func labelColumn(_ labels: [String]) -> Double {
        min(380, max(140, Double(labels.map(\.count).max() ?? 10) * 6.7 + 16))
    }

    /// A diverging axis from -extent to +extent: at least 10%, at most 100%, a whole number of round
    /// steps (10, 20 or 25 points) on each side of 0, covering `largest` (the longest half-bar).
    static func symmetricAxis(_ largest: Double) -> (extent: Double, step: Double) {
        let wanted = min(100, max(10, largest.isFinite ? largest : 10))
        let step = wanted <= 40 ? 10.0 : wanted <= 80 ? 20.0 : 25.0
        return ((wanted / step).rounded(.up) * step, step)
    }

    static func decimals(for span: Double) -> Int { span >= 5 ? 0 : span >= 0.5 ? 1 : span >= 0.05 ? 2 : 3 }

    /// Tick values between two transformed limits: round numbers, or 0.25, 0.5, 1, 2, 4 ... for ratios.
    static func ticks(low: Double, high: Double, ratio: Bool) -> [Double] {
        if ratio {
            let candidates = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100]
            let inside = candidates.filter { log($0) >= low && log($0) <= high }
            return inside.count > 7
                ? inside.enumerated().filter { $0.offset % 2 == 0 || $0.element == 1 }.map(\.element) : inside
        }
        let step = tickStep(high - low)
        return Array(stride(from: (low / step).rounded(.up) * step, through: high, by: step))
    }
}
