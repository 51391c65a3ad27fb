import Foundation
import Testing
import OutcomesAnalyses
import OutcomesReports

/// The dot plots of subgroup comparisons and distributions, read back from the SVG: each dot where its
/// share puts it on the 0-100% axis, its interval's ends likewise, a `*` for each withheld share, and
/// the title from the analysis, not the shipped survey.
@Suite struct DotPlots {
    struct Dot { var x: Double; var y: Double; var tip: String }

    static func dots(_ svg: String) throws -> [Dot] {
        let circle = try Regex(##"<circle cx="([-0-9.]+)" cy="([-0-9.]+)" r="4" fill="#[0-9A-F]{6}">"##
                               + ##"<title>([^<]*)</title>"##)
        return svg.matches(of: circle).map {
            Dot(x: Double($0.output[1].substring!)!, y: Double($0.output[2].substring!)!,
                tip: String($0.output[3].substring!))
        }
    }

    /// The x of an axis label ("40%").
    static func tick(_ svg: String, _ percent: Int) throws -> Double {
        let label = try Regex(##"<text x="([-0-9.]+)" y="[-0-9.]+" text-anchor="middle" font-size="11" "##
                              + ##"fill="#222222">"## + "\(percent)%</text>")
        return try #require(svg.firstMatch(of: label).map { Double($0.output[1].substring!)! })
    }

    @Test func eachDotAndIntervalSitsWhereItsShareIs() throws {
        let shares: [[SVGCharts.Dot?]] = [
            [.init(estimate: 12.5, lower: 5, upper: 30), .init(estimate: 50, lower: 40, upper: 60), nil],
            [.init(estimate: 0, lower: 0, upper: 8), .init(estimate: 100, lower: 91, upper: 100),
             .init(estimate: 73.2, lower: 61.4, upper: 82.9)],
        ]
        let svg = SVGCharts.dotPlot(id: "p", title: "Chosen title", description: "d",
                                    rows: ["A domain", "Another domain"], groups: ["Under 45", "45-64", "65 or over"],
                                    dots: shares, axisLabel: "% positive")
        let (x0, x100) = (try Self.tick(svg, 0), try Self.tick(svg, 100))
        #expect(x100 > x0 + 100)
        let drawn = try Self.dots(svg)
        let expected = shares.joined().compactMap { $0 }
        #expect(drawn.count == expected.count)
        for (dot, share) in zip(drawn, expected) {
            #expect(abs(dot.x - (x0 + share.estimate / 100 * (x100 - x0))) < 0.06, "\(dot.tip)")
            // Its interval: a line at the dot's height from the lower to the upper limit.
            let low = x0 + share.lower / 100 * (x100 - x0), high = x0 + share.upper / 100 * (x100 - x0)
            let y = String(format: "%.1f", dot.y)
            #expect(svg.contains("x1=\"\(String(format: "%.1f", low))\" y1=\"\(y)\" x2=\"\(String(format: "%.1f", high))\""),
                    "\(dot.tip): interval \(low) to \(high)")
        }
        // Groups in one row are drawn apart, in order.
        #expect(drawn[0].y < drawn[1].y)
        #expect(svg.components(separatedBy: ">*</text>").count - 1 == 1, "one withheld share, one *")
        for group in ["Under 45", "45-64", "65 or over"] { #expect(svg.contains(">\(group)</text>"), "legend") }
        #expect(svg.contains("<title id=\"p-title\">Chosen title</title>"))
    }

    @Test func aSubgroupComparisonDrawsItsPublishedSharesUnderItsOwnTitle() throws {
        let store = try WeightedKindsAgainstR.store()
        let text = """
            id: day-centre
            title: Day centre members by age
            kind: subgroup_comparison
            instrument: weighted-kinds
            subgroups:
              - {item: age_band, label: Age}
            disclosure: {policy: nhs_digital, minimum_base: 10}
            """
        let result = try AnalysisRunner.run(try AnalysisDefinition.parse(text, file: fixture("day-centre.yaml")),
                                            store: store.store)
        let html = HTMLReport.render([result], context: ReportContext(waves: []))
        let svg = try #require(html.firstMatch(of: try Regex(#"<svg [^>]*day-centre-dots-0[^>]*>.*?</svg>"#))
            .map { String($0.output[0].substring!) })
        #expect(svg.contains(">Day centre members by age: % positive by age</title>"))
        #expect(!svg.contains("What difference"), "no wording from the shipped survey")
        // Every dot is a share the tables publish, for its domain and group, to the tip's rounding.
        let lines = ReportWriter.csv(result).split(separator: "\n").map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
        let rows = lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(lines[0], $0)) }
        let drawn = try Self.dots(svg)
        #expect(drawn.count > 0)
        for dot in drawn {
            let parts = try #require(dot.tip.firstMatch(of: try Regex(#"^(.*), (.*): ([0-9.]+)% "#)))
            let (domain, group) = (String(parts.output[1].substring!), String(parts.output[2].substring!))
            let percent = Double(parts.output[3].substring!)!
            let row = try #require(rows.first { $0["domain"] == domain && $0["group"] == group }, "\(dot.tip)")
            let published = try #require(Double(row["positive_pct"] ?? ""), "\(dot.tip): shown in the table")
            #expect(abs(published - percent) <= 0.05, "\(dot.tip) vs \(published)")
        }
        let stars = svg.components(separatedBy: ">*</text>").count - 1
        #expect(drawn.count + stars == 4 * 3, "4 domains x 3 age bands: a dot or a *")
    }

    @Test func aDistributionDrawsItsAnswersAndItsTopShareByGroup() throws {
        let store = try WeightedKindsAgainstR.store()
        let text = """
            id: confidence
            title: Confidence of day centre members
            kind: distribution
            instrument: weighted-kinds
            item: confidence_needs_met
            top: {label: Confident, codes: [1, 2]}
            subgroups:
              - {item: age_band, label: Age}
            """
        let result = try AnalysisRunner.run(try AnalysisDefinition.parse(text, file: fixture("confidence.yaml")),
                                            store: store.store)
        let html = HTMLReport.render([result], context: ReportContext(waves: []))
        #expect(html.contains(">Confidence of day centre members: the answers</title>"))
        #expect(html.contains(">Confidence of day centre members: Confident by age</title>"))
        // The answers' squares: one per answer on the scale, at its share's place.
        let answers = try #require(html.firstMatch(of: try Regex(#"<svg [^>]*confidence-answers[^>]*>.*?</svg>"#))
            .map { String($0.output[0].substring!) })
        let squares = answers.matches(of: try Regex(##"<rect [^>]*fill="#0072B2"><title>"##)).count
        let choices = try #require(result as? DistributionResult).choices
        #expect(squares == choices.count)
        for choice in choices {
            #expect(answers.contains(try Regex("<title>\(choice.label): [0-9.]+ \\([0-9.]+ to [0-9.]+\\)</title>")),
                    "\(choice.label)")
        }
    }
}
