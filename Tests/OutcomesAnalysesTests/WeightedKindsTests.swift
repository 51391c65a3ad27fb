import Foundation
import Testing
import OutcomesAnalyses
import OutcomesInstruments
import OutcomesReports
import OutcomesStore

/// The other weighted one-wave kinds (distribution, multiple_choice, scale_summary, outcome_index), end to
/// end from the analysis file to the CSV, against R's survey package on the same responses
/// (scripts/reference/weighted_kinds_reference.R): with sites as clusters and beta intervals, and with
/// strata and raking and logit intervals, each also with the weights trimmed first (trimWeights). Each
/// share, mean, interval, SE, design effect, SD, quartile and Rao-Scott test, to the decimals the CSV gives.
@Suite struct WeightedKindsAgainstR {
    static let designs = WeightedOutcomeTableAgainstR.designs.merging([
        "trimmed": "design: {clusters: site, interval: beta, trim: {lower: 0.75, upper: 2.5}}",
        "trimmed_raked": "design: {strata: support_need, trim: {lower: 0.75, upper: 2.5}}\n"
            + "calibrate: {margins: weighted-poet-margins.csv, by: [age_band]}",
    ]) { $1 }

    static func analysis(_ kind: String, _ design: String, disclosure: String = "{policy: none}") -> String {
        """
        id: weighted
        title: Weighted figures
        instrument: weighted-kinds
        subgroups:
          - {item: age_band, label: Age}
        weight: survey_weight
        disclosure: \(disclosure)
        \(kind)
        \(design)
        """
    }

    static let kinds = [
        "distribution": "kind: distribution\nitem: confidence_needs_met\ntop: {label: Confident, codes: [1, 2]}",
        "multiple_choice": "kind: multiple_choice\nitem: planning_helpers",
        "scale_summary": "kind: scale_summary\nscale: wellbeing",
        "outcome_index": "kind: outcome_index",
    ]

    /// The CSV tables of an analysis, by suffix, as rows of named cells.
    static func tables(_ text: String, store: Store) throws -> [String: [[String: String]]] {
        let definition = try AnalysisDefinition.parse(text, file: fixture("weighted.yaml"))
        let result = try AnalysisRunner.run(definition, store: store)
        var tables: [String: [[String: String]]] = [:]
        for (suffix, table) in ReportWriter.csvTables(result) {
            let csv = TableFormat.csv(table).split(separator: "\n").map {
                $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            }
            tables[suffix] = csv.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(csv[0], $0)) }
        }
        return tables
    }

    static let ageBands = ["All respondents": "All respondents", "1": "Under 45", "2": "45-64", "3": "65 or over"]

    /// A store of the fixture's 120 responses.
    static func store() throws -> FixtureStore {
        try FixtureStore(instrumentPath: fixture("weighted-kinds.yaml"), csvPath: fixture("weighted-kinds.csv"))
    }

    static func reference() throws -> [String: Any] {
        let url = URL(fileURLWithPath: fixture("weighted-kinds.expected.json"))
        return try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    /// R's value (a number, or SE as [[x]]) against the CSV's cell, within what its rounding allows.
    static func near(_ row: [String: String], _ column: String, _ value: Any?, tolerance: Double,
                     _ label: String) {
        let want = (value as? [[Double]])?.first?.first ?? (value as? Double) ?? .nan
        let got = Double(row[column] ?? "") ?? .nan
        #expect(abs(got - want) <= tolerance, "\(label) \(column): \(got) vs R \(want)")
    }

    @Test func everyWeightedShareMatchesR() throws {
        let store = try Self.store()
        let reference = try Self.reference()
        var checked = 0
        for (name, design) in Self.designs {
            let r = try #require(reference[name] as? [String: Any])
            // (kind, the table's suffix, the column naming the answer, the R field naming it, its CSV value)
            let cases: [(String, String, String, String, (String) -> String)] = [
                ("distribution", "", "answer_code", "answer", { $0 == "top" ? "1;2" : $0 }),
                ("multiple_choice", "", "option_code", "option", { $0 }),
                ("scale_summary", "-levels", "level", "level", { "Level \($0)" }),
            ]
            for (kind, suffix, column, field, value) in cases {
                let rows = try #require(try Self.tables(Self.analysis(Self.kinds[kind]!, design),
                                                        store: store.store)[suffix])
                for expected in try #require(r[kind] as? [[String: Any]]) where expected[field] != nil {
                    let group = Self.ageBands[expected["group"] as! String]!
                    let answer = value(expected[field] as! String)
                    let label = "\(name) \(kind) \(group) \(answer)"
                    let row = try #require(rows.first { $0["group"] == group && $0[column] == answer }, "\(label)")
                    Self.near(row, "pct", expected["pct"], tolerance: 0.0006, label)
                    Self.near(row, "ci_low", expected["lower"], tolerance: 0.0006, label)
                    Self.near(row, "ci_high", expected["upper"], tolerance: 0.0006, label)
                    Self.near(row, "se", expected["se"], tolerance: 0.0006, label)
                    Self.near(row, "design_effect", expected["deff"], tolerance: 0.0006, label)
                    checked += 1
                }
            }
        }
        // Per design: 4 groups x (3 answers + top), x 4 options, x 3 levels.
        #expect(checked == 4 * 4 * (4 + 4 + 3))
    }

    @Test func everyWeightedMeanSDAndQuartileMatchesR() throws {
        let store = try Self.store()
        let reference = try Self.reference()
        var checked = 0
        for (name, design) in Self.designs {
            let r = try #require(reference[name] as? [String: Any])
            for kind in ["scale_summary", "outcome_index"] {
                let rows = try #require(try Self.tables(Self.analysis(Self.kinds[kind]!, design),
                                                        store: store.store)[""])
                for expected in try #require(r[kind] as? [[String: Any]]) where expected["level"] == nil {
                    let group = Self.ageBands[expected["group"] as! String]!
                    let label = "\(name) \(kind) \(group)"
                    let row = try #require(rows.first { $0["group"] == group }, "\(label)")
                    #expect(row["n"] == String(expected["n"] as! Int), "\(label) n")
                    for (column, field) in [("mean", "mean"), ("ci_low", "lower"), ("ci_high", "upper"),
                                            ("sd", "sd"), ("median", "median"), ("q1", "q1"), ("q3", "q3"),
                                            ("se", "se")] {
                        Self.near(row, column, expected[field], tolerance: 6e-6, label)
                    }
                    Self.near(row, "design_effect", expected["deff"], tolerance: 0.0006, label)
                    checked += 1
                }
            }
        }
        #expect(checked == 4 * 2 * 4)
    }

    @Test func weightedTablesSayHowTheyWereWeighted() throws {
        let store = try Self.store()
        for (kind, text) in Self.kinds {
            let definition = try AnalysisDefinition.parse(Self.analysis(text, Self.designs["raked"]!),
                                                          file: fixture("weighted.yaml"))
            let markdown = ReportWriter.markdown(try AnalysisRunner.run(definition, store: store.store))
            #expect(markdown.contains("Weighted by survey_weight, raked to the population totals of age_band"),
                    "\(kind)")
            #expect(markdown.contains("in 3 strata of support_need"), "\(kind)")
            #expect(!markdown.contains("Wilson"), "\(kind): a weighted table names no Wilson interval")
        }
    }

    @Test func theTestBetweenGroupsOfWeightedSharesIsRaoScottsAsR() throws {
        let store = try Self.store()
        let reference = try Self.reference()
        for (name, design) in Self.designs {
            let r = try #require((reference[name] as? [String: Any])?["distribution_test"] as? [String: Double])
            let tests = try #require(try Self.tables(Self.analysis(Self.kinds["distribution"]!, design),
                                                     store: store.store)["-tests"])
            let row = try #require(tests.first)
            #expect(row["method"] == "rao_scott_f", "\(name): no unweighted test of weighted shares")
            Self.near(row, "statistic", r["f"], tolerance: 1e-6, name)
            Self.near(row, "df", r["ndf"], tolerance: 1e-4, name)
            Self.near(row, "denominator_df", r["ddf"], tolerance: 1e-4, name)
            Self.near(row, "p", r["p"], tolerance: 1e-6, name)
        }
    }

    @Test func aWeightedSubgroupComparisonTestsEachDomainAsRAndSharesTheOutcomeTablesFigures() throws {
        let store = try Self.store()
        let reference = try Self.reference()
        var checked = 0, compared = 0
        for (name, design) in Self.designs {
            let r = try #require((reference[name] as? [String: Any])?["subgroup_tests"] as? [[String: Any]])
            let tables = try Self.tables(Self.analysis("kind: subgroup_comparison", design), store: store.store)
            let tests = try #require(tables["-tests"])
            for expected in r {
                let item = expected["item"] as! String
                let row = try #require(tests.first { $0["item"] == item }, "\(name) \(item)")
                #expect(row["method"] == "rao_scott_f", "\(name) \(item)")
                Self.near(row, "statistic", expected["f"], tolerance: 1e-6, "\(name) \(item)")
                Self.near(row, "df", expected["ndf"], tolerance: 1e-4, "\(name) \(item)")
                Self.near(row, "denominator_df", expected["ddf"], tolerance: 1e-4, "\(name) \(item)")
                Self.near(row, "p", expected["p"], tolerance: 1e-6, "\(name) \(item)")
                checked += 1
            }
            // Each group's weighted % positive is the outcome table's, interval and design effect too.
            let outcome = try #require(try Self.tables(Self.analysis("kind: outcome_table", design),
                                                       store: store.store)[""])
            for row in try #require(tables[""]) {
                let same = try #require(outcome.first { $0["group"] == row["group"] && $0["item"] == row["item"] })
                for column in ["positive_pct", "positive_ci_low", "positive_ci_high", "positive_se", "design_effect"] {
                    #expect(row[column] == same[column], "\(name) \(row["group"]!) \(row["item"]!) \(column)")
                }
                compared += 1
            }
        }
        #expect(checked == 4 * 4 && compared == 4 * 3 * 4, "4 designs x 3 age bands x 4 items")
    }

    @Test func aWeightedProcessModelIsRsSvyglm() throws {
        let store = try Self.store()
        let reference = try Self.reference()
        let kind = "kind: process_associations\nprocesses:\n  - {item: process_views, label: Views}\n"
            + "covariates:\n  - {item: age_band, label: Age}"
        var compared = 0
        for (name, design) in Self.designs {
            let models = try #require((reference[name] as? [String: Any])?["process_models"] as? [[String: Any]])
            let rows = try #require(try Self.tables(Self.analysis(kind, design), store: store.store)[""])
            for model in models {
                let item = model["item"] as! String
                let mine = rows.filter { $0["item"] == item }
                guard model["fitted"] as? Bool == true else {
                    // Four sites as clusters leave no degrees of freedom for five coefficients.
                    #expect(mine.allSatisfy { $0["not_computed"]!.contains("too few clusters") }, "\(name) \(item)")
                    continue
                }
                let names = model["names"] as! [String], estimates = model["estimate"] as! [Double]
                // Models where R's estimates run off (near-separation) are not compared.
                guard estimates.allSatisfy({ abs($0) < 10 }) else { continue }
                for (coefficient, level) in [("views2", "Partly"), ("views3", "Not at all")] {
                    let j = try #require(names.firstIndex(of: coefficient))
                    let row = try #require(mine.first { $0["level"] == level }, "\(name) \(item) \(level)")
                    let label = "\(name) \(item) \(level)"
                    for (column, want) in [("odds_ratio", exp(estimates[j])),
                                           ("ci_low", exp((model["lower"] as! [Double])[j])),
                                           ("ci_high", exp((model["upper"] as! [Double])[j])),
                                           ("p", (model["p"] as! [Double])[j])] {
                        let got = Double(row[column] ?? "") ?? .nan
                        #expect(abs(got - want) <= 1e-5 * max(1, abs(want)), "\(label) \(column): \(got) vs R \(want)")
                    }
                    compared += 1
                }
            }
        }
        #expect(compared == 2 * 2 * 2, "raked and trimmed_raked: 2 items x 2 contrasts")
        let both = Self.analysis(kind + "\nstandard_errors: clustered_by_site", Self.designs["raked"]!)
        #expect(throws: Diagnostic.self) { try Self.tables(both, store: store.store) }
    }

    /// A site benchmark with weights, without subgroups (it compares sites).
    static func siteBenchmark(_ design: String, disclosure: String = "{policy: none}") -> String {
        """
        id: weighted
        title: Weighted sites
        instrument: weighted-kinds
        kind: site_benchmark
        weight: survey_weight
        disclosure: \(disclosure)
        \(design)
        """
    }

    @Test func aWeightedSiteBenchmarkIsRsSharesContrastAndFunnelAtTheEffectiveSampleSize() throws {
        let store = try Self.store()
        let reference = try Self.reference()
        var checked = 0
        for name in ["raked", "trimmed_raked"] {
            let items = try #require((reference[name] as? [String: Any])?["site_benchmark"] as? [[String: Any]])
            let rows = try #require(try Self.tables(Self.siteBenchmark(Self.designs[name]!), store: store.store)[""])
            for item in items {
                let id = item["item"] as! String
                for site in item["sites"] as! [[String: Any]] {
                    let label = "\(name) \(id) \(site["site"]!)"
                    let row = try #require(rows.first { $0["item"] == id && $0["site"] == site["site"] as? String },
                                           "\(label)")
                    for (column, field) in [("pct", "pct"), ("ci_low", "lower"), ("ci_high", "upper"),
                                            ("rest_pct", "rest_pct"), ("difference", "difference"),
                                            ("difference_ci_low", "difference_lower"),
                                            ("difference_ci_high", "difference_upper"),
                                            ("difference_se", "difference_se")] {
                        Self.near(row, column, site[field], tolerance: 0.0006, label)
                    }
                    Self.near(row, "pooled_pct", item["pooled"], tolerance: 0.0006, label)
                    Self.near(row, "funnel_n", site["effective_n"], tolerance: 0.05, label)
                    let limits = site["limits"] as! [Double]
                    let columns = ["limit95_low", "limit95_high", "limit998_low", "limit998_high"]
                    for (column, want) in zip(columns, limits) {
                        Self.near(row, column, want, tolerance: 0.0006, label)
                    }
                    #expect(row["n_answering"] == String(site["n"] as! Int), "\(label) n")
                    checked += 1
                }
            }
        }
        #expect(checked == 2 * 4 * 4, "2 designs x 4 items x 4 sites")
        // Sites as clusters would make each site one whole cluster: refused, with the reason.
        let clustered = Self.siteBenchmark(Self.designs["clustered"]!)
        #expect {
            try Self.tables(clustered, store: store.store)
        } throws: { error in
            "\(error)".contains("clusters: site does not apply to a site_benchmark")
        }
    }

    /// With every weight 1 (a design without `weight:`) the weighted N is the number answering: under a
    /// rounding policy it, and the effective N, are rounded as counts are.
    @Test func theWeightedAndEffectiveNAreRoundedAsCountsAre() throws {
        let store = try Self.store()
        let text = """
            id: weighted
            title: Design only
            instrument: weighted-kinds
            kind: outcome_table
            subgroups:
              - {item: age_band, label: Age}
            design: {strata: support_need}
            """
        let rows = try #require(try Self.tables(text, store: store.store)[""])
        var checked = 0
        for row in rows {
            for column in ["weighted_n", "effective_n"] {
                let cell = try #require(row[column], "\(column)")
                let shown = cell == "*" || cell.hasPrefix("fewer than") || (Int(cell).map { $0 % 5 == 0 } ?? false)
                #expect(shown, "\(column) \(cell)")
                checked += 1
            }
        }
        #expect(checked > 0)
        let open = text + "\ndisclosure: {policy: none}"
        let exact = try #require(try Self.tables(open, store: store.store)[""])
        #expect(exact.contains { row in
            Double(row["weighted_n"] ?? "").map { $0.truncatingRemainder(dividingBy: 5) != 0 } ?? false
        })
    }

    @Test func disclosureControlWithholdsWeightedFiguresOfFewPeople() throws {
        let store = try Self.store()
        func levels(_ disclosure: String) throws -> [[String: String]] {
            try #require(try Self.tables(Self.analysis(Self.kinds["scale_summary"]!, Self.designs["clustered"]!,
                                                       disclosure: disclosure), store: store.store)["-levels"])
        }
        let open = try levels("{policy: none}"), safe = try levels("{policy: nhs_digital, minimum_base: 0}")
        var withheld = 0, shown = 0
        for (o, s) in zip(open, safe) {
            let label = "\(o["group"]!) \(o["level"]!)"
            if let count = Int(o["n"]!), (1...7).contains(count) {
                #expect(s["n"] == "*" && s["pct"] == "*" && s["se"] == "*" && s["design_effect"] == "*", "\(label)")
                withheld += 1
            } else {
                // A weighted share shown is as estimated, not recomputed from the rounded counts.
                #expect(s["pct"] == o["pct"] && s["design_effect"] == o["design_effect"], "\(label)")
                #expect(Int(s["n"]!)! % 5 == 0, "\(label): counts rounded to 5")
                shown += 1
            }
        }
        #expect(withheld > 0 && shown > 0, "the fixture has levels held by 1-7 people in some age band, and more")
    }

    @Test func trimmingIsReportedAndItsBoundsChecked() throws {
        let store = try Self.store()
        let reference = try Self.reference()
        let range = try #require(reference["trimmed_weights"] as? [Double])
        let definition = try AnalysisDefinition.parse(Self.analysis(Self.kinds["outcome_index"]!,
                                                                    Self.designs["trimmed"]!),
                                                      file: fixture("weighted.yaml"))
        let markdown = ReportWriter.markdown(try AnalysisRunner.run(definition, store: store.store))
        #expect(markdown.contains("trimmed to at least 0.750 and at most 2.500 ("), "\(markdown.prefix(3000))")
        #expect(markdown.contains("weights from \(String(format: "%.3f", range[0])) to 2.500"))
        func failure(_ design: String) -> String {
            do {
                _ = try AnalysisDefinition.parse(Self.analysis(Self.kinds["outcome_index"]!, design),
                                                 file: fixture("weighted.yaml"))
                return ""
            } catch { return "\(error)" }
        }
        #expect(failure("design: {trim: {lower: 3, upper: 2}}").contains("below its upper bound"))
        #expect(failure("design: {trim: {lower: 0}}").contains("above 0"))
        #expect(failure("design: {trim: {}}").contains("lower, upper or both"))
        #expect(failure("design: {trim: {upper: 2, most: 3}}").contains("most"))
    }
}
