import Foundation
import Testing
import OutcomesReports

/// The diverging bar chart's axis, read back from the SVG it draws: labels symmetric around a 0%
/// tick that sits on the zero line, evenly spaced, covering the longest half-bar, on several data sets.
@Suite struct DivergingAxis {
    struct Label { var text: String; var x: Double }

    /// The axis labels ("40%") and the x of the zero line (the one dark vertical line).
    static func axis(_ svg: String) throws -> (labels: [Label], zero: Double) {
        let text = try Regex(##"<text x="([-0-9.]+)" y="[-0-9.]+" text-anchor="middle" font-size="11" fill="#222222">(\d+)%</text>"##)
        let labels = svg.matches(of: text).map { Label(text: String($0.output[2].substring!), x: Double($0.output[1].substring!)!) }
        let line = try Regex(##"<line x1="([-0-9.]+)" y1="[-0-9.]+" x2="([-0-9.]+)" y2="[-0-9.]+" stroke="#333333""##)
        let zeros = svg.matches(of: line).map { Double($0.output[1].substring!)! }
        #expect(zeros.count == 1, "one zero line")
        return (labels, zeros.first ?? .nan)
    }

    static let dataSets: [[(Double, Double, Double)]] = {
        // The shape that drew "40% | 10% | 60%" with no zero: 40 points on the left, 70 on the right.
        var sets: [[(Double, Double, Double)]] = [[(35, 10, 55), (5, 30, 65)], [(2, 10, 88)], [(90, 10, 0)], [(0, 100, 0)], [(0, 0, 0)]]
        var state: UInt64 = 20261202
        func next() -> Double { state = state &* 6364136223846793005 &+ 1442695040888963407; return Double(state >> 11) / Double(1 << 53) }
        for _ in 0..<40 {
            sets.append((0..<Int(1 + next() * 12)).map { _ in
                let a = next(), b = next() * (1 - a)
                return (a * 100, b * 100, (1 - a - b) * 100)
            })
        }
        return sets
    }()

    @Test(arguments: dataSets.indices)
    func labelsAreSymmetricAroundAZeroOnTheZeroLine(_ index: Int) throws {
        let rows = Self.dataSets[index].enumerated().map { i, shares in
            SVGCharts.DivergingRow(label: "Domain \(i)", negative: shares.0, neutral: shares.1, positive: shares.2, n: 100)
        }
        let (labels, zero) = try Self.axis(SVGCharts.diverging(id: "d", title: "t", description: "d", rows: rows))
        let zeros = labels.filter { $0.text == "0" }
        try #require(zeros.count == 1, "one 0% label: \(labels.map(\.text))")
        #expect(abs(zeros[0].x - zero) < 0.11, "0% is on the zero line")
        let sorted = labels.sorted { $0.x < $1.x }
        #expect(labels.count % 2 == 1 && labels.count >= 3)
        for (left, right) in zip(sorted, sorted.reversed()) {
            #expect(left.text == right.text, "symmetric: \(sorted.map(\.text))")
            #expect(abs((zero - left.x) - (right.x - zero)) < 0.11)
        }
        let values = sorted.map { Double($0.text)! }
        let gaps = zip(sorted.dropFirst(), sorted).map { $0.x - $1.x }
        #expect(gaps.allSatisfy { abs($0 - gaps[0]) < 0.11 }, "evenly spaced")
        // Labels read outwards from 0 in equal steps, and the axis reaches the longest half-bar.
        let half = sorted.count / 2
        for (k, value) in values[half...].enumerated() { #expect(value == Double(k) * (values[half + 1] - values[half])) }
        let longest = rows.map { max($0.negative, $0.positive) + $0.neutral / 2 }.max()!
        #expect(values.last! >= min(100, longest) && values.last! <= 100)
    }
}

/// A chart names what the analysis file says it is about, not the shipped survey's wording.
@Suite struct ChartWording {
    @Test func theOutcomeChartIsTitledFromTheAnalysis() throws {
        var result = try SmallSurveyStore().outcomeTable()
        result.definition.title = "What difference the day centre made, as its members report it"
        let html = HTMLReport.render([result], context: ReportContext(waves: []))
        #expect(html.contains(">What difference the day centre made, as its members report it, by domain</title>"))
        #expect(!html.contains("budget made"))
    }
}

/// A share withheld by disclosure control has no bar in the diverging chart, and a * in its place.
@Suite struct DivergingWithheldShares {
    @Test func aWithheldNegativeShareIsAStarNotABar() {
        let svg = SVGCharts.diverging(id: "d", title: "t", description: "d", rows: [
            SVGCharts.DivergingRow(label: "Safety", negative: .nan, neutral: 30, positive: 68, n: 370),
        ])
        #expect(!svg.contains("Safety: negative") && svg.contains("Safety: positive 68.0%"))
        #expect(svg.contains(">*</text>") && !svg.contains("nan"))
    }
}
