import Foundation
import Testing
import OutcomesAnalyses
import OutcomesInstruments
import OutcomesReports
import OutcomesStore

/// A weighted outcome table, end to end (analysis file, import, CSV output), against R's survey package
/// on the same responses (scripts/reference/weighted_outcome_reference.R): sites as clusters with beta
/// intervals, and strata with raking to population totals with logit intervals. Every share, interval,
/// SE and design effect of every group and item, to the 3 decimals the CSV gives.
@Suite struct WeightedOutcomeTableAgainstR {
    static let designs = [
        "clustered": "design: {clusters: site, interval: beta}",
        "raked": "design: {strata: support_need}\ncalibrate: {margins: weighted-poet-margins.csv, by: [age_band]}",
    ]

    static func analysis(_ design: String, disclosure: String = "{policy: none}") -> String {
        """
        id: weighted
        title: Weighted outcomes
        kind: outcome_table
        instrument: weighted-poet
        subgroups:
          - {item: age_band, label: Age}
        weight: survey_weight
        disclosure: \(disclosure)
        \(design)
        """
    }

    static func table(_ text: String, store: Store) throws -> [[String: String]] {
        let definition = try AnalysisDefinition.parse(text, file: fixture("weighted.yaml"))
        let csv = ReportWriter.csv(try AnalysisRunner.run(definition, store: store)).split(separator: "\n").map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
        return csv.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(csv[0], $0)) }
    }

    @Test func everyShareIntervalAndDesignEffectMatchesR() throws {
        let store = try FixtureStore(instrumentPath: fixture("weighted-poet.yaml"),
                                     csvPath: fixture("weighted-poet.csv"))
        let url = URL(fileURLWithPath: fixture("weighted-poet.expected.json"))
        let reference = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        var checked = 0
        for (name, design) in Self.designs {
            let rows = try Self.table(Self.analysis(design), store: store.store)
            for r in try #require(reference[name] as? [[String: Any]]) {
                let group = r["group"] as! String, item = r["item"] as! String, share = r["share"] as! String
                let ageBands = ["1": "Under 45", "2": "45-64", "3": "65 or over"]
                let row = try #require(rows.first {
                    $0["group"] == (group == "All respondents" ? group : ageBands[group]!) && $0["item"] == item
                })
                let label = "\(name) \(group) \(item) \(share)"
                func near(_ column: String, _ value: Any?, _ tolerance: Double = 0.0006) {
                    let want = (value as? [[Double]])?.first?.first ?? (value as! Double)
                    let got = Double(row[column] ?? "") ?? .nan
                    #expect(abs(got - want) <= tolerance, "\(label) \(column): \(got) vs \(want)")
                }
                near("\(share)_pct", r["pct"])
                near("\(share)_ci_low", r["lower"])
                near("\(share)_ci_high", r["upper"])
                if share == "positive" {
                    near("positive_se", r["se"])
                    near("design_effect", r["deff"])
                    near("weighted_n", r["weighted_n"], 0.06)
                }
                checked += 1
            }
        }
        #expect(checked == 2 * 4 * 4 * 3)
    }

    @Test func theNotesSayHowTheSharesWereWeighted() throws {
        let store = try FixtureStore(instrumentPath: fixture("weighted-poet.yaml"),
                                     csvPath: fixture("weighted-poet.csv"))
        let definition = try AnalysisDefinition.parse(Self.analysis(Self.designs["raked"]!),
                                                      file: fixture("weighted.yaml"))
        let markdown = ReportWriter.markdown(try AnalysisRunner.run(definition, store: store.store))
        #expect(markdown.contains("Weighted by survey_weight, raked to the population totals of age_band"))
        #expect(markdown.contains("in 3 strata of support_need") && markdown.contains("svyciprop method logit"))
        #expect(markdown.contains("| Design effect | Effective N |"))
    }

    @Test func disclosureControlWithholdsAWeightedShareOfFewPeopleButDoesNotRecomputeIt() throws {
        let store = try FixtureStore(instrumentPath: fixture("weighted-poet.yaml"),
                                     csvPath: fixture("weighted-poet.csv"))
        let open = try Self.table(Self.analysis(Self.designs["clustered"]!), store: store.store)
        let safe = try Self.table(Self.analysis(Self.designs["clustered"]!,
                                                disclosure: "{policy: nhs_digital, minimum_base: 0}"),
                                  store: store.store)
        var withheld = 0, kept = 0
        for (o, s) in zip(open, safe) {
            for share in ["positive", "no_change", "negative"] {
                let count = Int(o["\(share)_n"]!)!
                if (1...7).contains(count) {
                    #expect(s["\(share)_pct"] == "*" && s["\(share)_n"] == "*")
                    withheld += 1
                } else if count > 7, Int(o["n_answering"]!)! > 7 {
                    #expect(s["\(share)_pct"] == o["\(share)_pct"], "the weighted share is shown as estimated")
                    kept += 1
                }
            }
        }
        #expect(withheld > 0 && kept > 0)
    }

    @Test func badWeightsAndDesignsAreReportedWithTheirPlace() throws {
        let store = try FixtureStore(instrumentPath: fixture("weighted-poet.yaml"),
                                     csvPath: fixture("weighted-poet.csv"))
        func failure(_ text: String) -> String {
            do {
                _ = try AnalysisRunner.run(try AnalysisDefinition.parse(text, file: fixture("weighted.yaml")),
                                           store: store.store)
                return ""
            } catch { return "\(error)" }
        }
        #expect(failure(Self.analysis("design: {clusters: region}")).contains("clusters should be site"))
        #expect(failure(Self.analysis("design: {interval: wald}")).contains("interval should be logit"))
        #expect(failure(Self.analysis("").replacingOccurrences(of: "survey_weight", with: "age_band"))
            .contains("weight item 'age_band' is single_choice, not a number"))
        #expect(failure(Self.analysis("calibrate: {margins: nowhere.csv, by: [age_band]}"))
            .contains("cannot read the calibration margins file"))
        #expect(failure(Self.analysis("calibrate: {margins: weighted-poet-margins.csv, by: [support_need]}"))
            .contains("no totals for support_need"))
        let twoWave = "kind: scale_change\nscale: wellbeing\nbaseline_wave: a\nfollowup_wave: b"
        let other = Self.analysis("").replacingOccurrences(of: "kind: outcome_table", with: twoWave)
        #expect(failure(other).contains("not yet used by kind scale_change"))
    }
}
