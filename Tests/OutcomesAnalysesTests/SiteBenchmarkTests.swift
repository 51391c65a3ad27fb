import Foundation
import Testing
import OutcomesAnalyses
import OutcomesInstruments
import OutcomesReports
import OutcomesStatistics
import OutcomesStore

/// Each site against the rest on the small POET-style survey (4 sites of 30), every figure against
/// the file counted here, Wilson's and Newcombe's intervals written out here, and the funnel limits
/// (checked against SciPy in FunnelLimitsAgainstSciPy) placed as the table says.
@Suite struct SiteBenchmarks {
    static let yaml = """
        id: sites
        title: Each site against the rest
        kind: site_benchmark
        instrument: small-poet
        items: [outcome_independence, outcome_safety]
        """

    static func wilson(_ count: Int, _ n: Int) -> (p: Double, low: Double, high: Double) {
        let z = 1.959963984540054, p = Double(count) / Double(n), nn = Double(n)
        let centre = p + z * z / (2 * nn), spread = z * ((p * (1 - p) + z * z / (4 * nn)) / nn).squareRoot()
        return (p, (centre - spread) / (1 + z * z / nn), (centre + spread) / (1 + z * z / nn))
    }

    @Test func eachSiteAgainstTheRestMatchesTheFile() throws {
        var definition = try AnalysisDefinition.parse(Self.yaml, file: "sites.yaml")
        definition.disclosure = .off
        let result = try #require(try AnalysisRunner.run(definition, store: SmallPoetStore().store) as? SiteBenchmarkResult)
        let lines = try String(contentsOfFile: fixture("small-poet.csv"), encoding: .utf8).split(separator: "\n")
        let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let rows = lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init))) }
        #expect(result.sites == ["s1", "s2", "s3", "s4"] && result.domains.count == 2)
        for domain in result.domains {
            let answering = rows.filter { ["1", "2", "3", "4", "5"].contains($0[domain.item]!) }
            let positive = answering.filter { ["1", "2"].contains($0[domain.item]!) }
            #expect(domain.pooled.count == positive.count && domain.pooled.n == answering.count)
            for site in domain.sites {
                let n = answering.filter { $0["site"] == site.site }.count, k = positive.filter { $0["site"] == site.site }.count
                #expect(site.positive.count == k && site.positive.n == n && site.rest.count == positive.count - k)
                // Newcombe's hybrid score interval, from the two Wilson intervals.
                let a = Self.wilson(k, n), b = Self.wilson(positive.count - k, answering.count - n)
                let low = (a.p - b.p) - ((a.p - a.low) * (a.p - a.low) + (b.high - b.p) * (b.high - b.p)).squareRoot()
                let high = (a.p - b.p) + ((a.high - a.p) * (a.high - a.p) + (b.p - b.low) * (b.p - b.low)).squareRoot()
                let difference = try #require(site.difference)
                #expect(abs(difference.estimate - (a.p - b.p)) < 1e-12 && abs(difference.lower - low) < 1e-12
                        && abs(difference.upper - high) < 1e-12)
                let inner = try #require(site.inner), outer = try #require(site.outer)
                #expect(inner == (try FunnelLimits.binomial(target: domain.pooled.proportion, n: n, probability: 0.025))
                        ... (try FunnelLimits.binomial(target: domain.pooled.proportion, n: n, probability: 0.975)))
                let p = site.positive.proportion
                let expected: BenchmarkedSite.Position = p > outer.upperBound ? .above998 : p > inner.upperBound ? .above95
                    : p < outer.lowerBound ? .below998 : p < inner.lowerBound ? .below95 : .within
                #expect(site.position == expected)
            }
        }
        let html = HTMLReport.render([result], context: ReportContext(waves: []))
        #expect(html.contains("id=\"sites-funnel-0-title\"") && html.contains("id=\"sites-funnel-1-title\""))
        #expect(html.contains("stroke-dasharray") && html.contains("pooled "))
    }

    @Test func publishedFiguresAreRoundedAndSmallSitesNotShown() throws {
        // Site s4 cut to 6 people: fewer than 10 answering, so not shown; the rest rounded.
        let lines = try String(contentsOfFile: fixture("small-poet.csv"), encoding: .utf8).split(separator: "\n").map(String.init)
        var kept = [lines[0]], s4 = 0
        for line in lines.dropFirst() {
            if line.contains(",s4,") { s4 += 1; if s4 > 6 { continue } }
            kept.append(line)
        }
        let store = try FixtureStore(instrumentPath: fixture("small-poet.yaml"), csvPath: fixture("small-poet.csv"),
                                     csvText: kept.joined(separator: "\n") + "\n")
        let result = try AnalysisRunner.run(try AnalysisDefinition.parse(Self.yaml, file: "sites.yaml"), store: store.store)
        let table = ReportWriter.csvTables(result)[0].table
        let site = table.columns.firstIndex { $0.key == "site" }!, n = table.columns.firstIndex { $0.key == "n_answering" }!
        for row in table.rows {
            if row[site] == .text("s4") {
                #expect(row[n] == .suppressed("fewer than 10") && row.last == .suppressed("fewer than 10"))
            } else if case let .integer(value) = row[n] {
                #expect(value % 5 == 0)
            } else { Issue.record("n answering is \(row[n])") }
        }
        #expect(ReportWriter.isForPublication(result))
        #expect(!HTMLReport.render([result], context: ReportContext(waves: [])).contains("s4: "), "s4 is not drawn")
    }

    @Test func subgroupsAreRefused() throws {
        let definition = try AnalysisDefinition.parse(Self.yaml + "\nsubgroups: [{field: site}]\n", file: "sites.yaml")
        do { _ = try AnalysisRunner.run(definition, store: SmallPoetStore().store); Issue.record("accepted") } catch {
            #expect("\(error)".contains("subgroups do not apply to a site_benchmark analysis"))
        }
    }
}
