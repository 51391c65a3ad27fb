import Foundation
import Testing
import OutcomesAnalyses
import OutcomesInstruments
import OutcomesReports
import OutcomesStatistics
import OutcomesSamples
import OutcomesStore

/// The small POET-style survey (scripts/reference/make_small_poet.py) in a fresh store.
final class SmallPoetStore: FixtureStore {
    init(csv: String? = nil) throws { try super.init(instrumentPath: fixture("small-poet.yaml"), csvPath: fixture("small-poet.csv"), csvText: csv) }

    nonisolated(unsafe) static let expected: [String: Any] = {
        let data = try! Data(contentsOf: URL(fileURLWithPath: fixture("small-poet.expected.json")))
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }()
}

/// Relative closeness to a reference value (nil/NSNull in the reference: no value expected).
func near(_ actual: Double?, _ expected: Any?, _ tolerance: Double = 1e-9) -> Bool {
    guard let expected = expected as? Double else { return actual == nil || actual!.isNaN }
    guard let actual else { return false }
    return abs(actual - expected) <= tolerance * max(1, abs(expected))
}

/// Each figure against scripts/reference/poet_reference.py (pandas, SciPy, statsmodels; Fisher's
/// exact test by enumeration in exact fractions). Tolerance 1e-9 relative for closed forms and
/// exact tests, 1e-6 for the iteratively fitted logistic models.
@Suite struct PoetDepthAgainstReference {
    @Test func subgroupComparison() throws {
        guard let result = try SmallPoetStore().run("small-poet.subgroups.yaml") as? SubgroupComparisonResult else { throw StoreError("kind") }
        let variables = try #require(SmallPoetStore.expected["subgroup_comparison"] as? [[String: Any]])
        #expect(result.variables.count == variables.count)
        var methods: Set<IndependenceTest.Method> = []
        for (variable, reference) in zip(result.variables, variables) {
            let domains = try #require(reference["domains"] as? [[String: Any]])
            for (domain, ref) in zip(variable.domains, domains) {
                let label = "\(variable.label) / \(domain.item)"
                #expect(domain.item == ref["item"] as? String)
                let levels = try #require(ref["levels"] as? [[String: Any]])
                #expect(variable.levels == levels.map { $0["level"] as! String }, "\(label)")
                for (index, level) in levels.enumerated() {
                    #expect(variable.sizes[index] == level["responses"] as? Int, "\(label) size")
                    #expect(domain.counts[index].answering == level["answering"] as? Int, "\(label) answering")
                    #expect(domain.counts[index].positive == level["positive"] as? Int, "\(label) positive")
                    #expect(near(domain.positive[index].n == 0 ? nil : domain.positive[index].lower, level["lower"]), "\(label) lower")
                    #expect(near(domain.positive[index].n == 0 ? nil : domain.positive[index].upper, level["upper"]), "\(label) upper")
                }
                #expect(domain.n == ref["n"] as? Int, "\(label) N")
                #expect(domain.excluded == 120 - domain.n, "\(label) excluded")
                if let test = ref["test"] as? [String: Any] {
                    let actual = try #require(domain.test, "\(label): \(domain.notTested ?? "")")
                    #expect(actual.method.rawValue == test["method"] as? String, "\(label) method")
                    methods.insert(actual.method)
                    #expect(near(actual.pValue, test["p"]), "\(label) p \(actual.pValue) vs \(test["p"]!)")
                    #expect(near(actual.smallestExpected, test["smallest_expected"]), "\(label) smallest expected")
                    if actual.method == .chiSquare {
                        #expect(near(actual.statistic, test["statistic"]), "\(label) chi-square")
                        #expect(actual.df == test["df"] as? Int)
                    }
                    #expect(near(domain.adjustedP, ref["p_adjusted"]), "\(label) Holm")
                } else {
                    #expect(domain.test == nil && domain.notTested != nil, "\(label)")
                }
            }
        }
        // The data were built to need both tests.
        #expect(methods == [.chiSquare, .fisher])
    }

    /// Each kind of standard errors: CR1 by site (statsmodels), classical, CR2 with Satterthwaite df
    /// (clubSandwich), and the default (auto), which is CR2 here because the fixture has 4 sites.
    @Test(arguments: [ProcessAssociationsSettings.StandardErrors.clusteredBySite, .classical, .cr2, .automatic])
    func processAssociations(errors: ProcessAssociationsSettings.StandardErrors) throws {
        guard let result = try SmallPoetStore().run("small-poet.processes.yaml", {
            $0.edit(ProcessAssociationsSettings.self) {
                #expect($0.standardErrors == .automatic, "the fixture leaves the default")
                $0.standardErrors = errors
            }
        }) as? ProcessAssociationsResult else { throw StoreError("kind") }
        #expect(result.clusteredBySite == (errors != .classical))
        #expect(result.standardErrors == (errors == .automatic ? .cr2 : errors))
        let key = errors == .clusteredBySite ? "estimates_by_site" : errors == .classical ? "estimates" : "estimates_cr2"
        let reference = try #require(SmallPoetStore.expected["process_associations"] as? [String: Any])
        let names = try #require(reference["contrasts"] as? [String])
        #expect(result.contrasts.map { "\($0.item)=\($0.level)" } == names)
        let domains = try #require(reference["domains"] as? [[String: Any]])
        var separated = 0
        for (domain, ref) in zip(result.domains, domains) {
            let label = domain.item
            #expect(domain.n == ref["n"] as? Int, "\(label) n")
            #expect(domain.positive == ref["positive"] as? Int, "\(label) positive")
            #expect(domain.notApplicable == ref["not_applicable"] as? Int, "\(label) n/a")
            #expect(domain.outcomeMissing == ref["outcome_missing"] as? Int, "\(label) missing")
            #expect(domain.predictorMissing == ref["predictor_missing"] as? Int, "\(label) predictor missing")
            #expect(domain.sites == ref["sites"] as? Int, "\(label) sites")
            if ref["not_computed"] is String {
                separated += 1
                #expect(domain.notComputed?.contains("separation") == true, "\(label): \(domain.notComputed ?? "fitted")")
                #expect(domain.estimates.allSatisfy { $0 == nil }, "\(label): no numbers when the model cannot be fitted")
                continue
            }
            let estimates = try #require(ref[key] as? [String: [String: Double]])
            for (index, name) in names.enumerated() {
                let e = try #require(domain.estimates[index], "\(label) \(name)")
                let r = try #require(estimates[name])
                for (actual, key) in [(e.oddsRatio, "or"), (e.lower, "lower"), (e.upper, "upper"), (e.pValue, "p"), (e.adjustedP!, "p_adjusted")] {
                    #expect(near(actual, r[key], 1e-6), "\(label) \(name) \(key): \(actual) vs \(r[key]!)")
                }
            }
        }
        #expect(separated >= 1, "the fixture includes a domain the model cannot fit")
        let summary = try #require(result.summaries.first { $0.contrast.level == "Fully" })
        #expect(summary.notEstimated == separated)
    }

    @Test func clusteredErrorsNeedTwoSites() throws {
        let oneSite = try String(contentsOfFile: fixture("small-poet.csv"), encoding: .utf8)
            .replacingOccurrences(of: #",s[1-4],"#, with: ",s1,", options: .regularExpression)
        #expect(throws: Diagnostic.self) {
            try SmallPoetStore(csv: oneSite).run("small-poet.processes.yaml") { $0.edit(ProcessAssociationsSettings.self) { $0.standardErrors = .clusteredBySite } }
        }
        guard let result = try SmallPoetStore(csv: oneSite).run("small-poet.processes.yaml") as? ProcessAssociationsResult
        else { throw StoreError("kind") }
        #expect(!result.clusteredBySite)
        #expect(result.domains.allSatisfy { $0.sites == 1 || $0.n == 0 })
    }

    @Test func outcomeIndex() throws {
        guard let result = try SmallPoetStore().run("small-poet.index.yaml") as? OutcomeIndexResult else { throw StoreError("kind") }
        let reference = try #require(SmallPoetStore.expected["outcome_index"] as? [String: Any])
        #expect(result.unscored == reference["unscored"] as? Int)
        let distribution = try #require(reference["distribution"] as? [[Int]])
        #expect(result.distribution.map { [$0.value, $0.count] } == distribution)
        #expect(near(result.meanDomainsAnswered, reference["mean_answered"]))
        let groups = try #require(reference["groups"] as? [[String: Any]])
        #expect(result.groups.map(\.level) == groups.map { $0["level"] as? String })
        for (group, ref) in zip(result.groups, groups) {
            #expect(group.responses == ref["responses"] as? Int)
            guard let s = ref["summary"] as? [String: Any] else { #expect(group.summary == nil); continue }
            let actual = try #require(group.summary)
            #expect(actual.n == s["n"] as? Int)
            for (value, key) in [(actual.mean.mean, "mean"), (actual.mean.lower, "lower"), (actual.mean.upper, "upper"), (actual.mean.sd, "sd"),
                                 (actual.median, "median"), (actual.q1, "q1"), (actual.q3, "q3"), (actual.min, "min"), (actual.max, "max")] {
                #expect(near(value, s[key]), "\(group.level ?? "all") \(key)")
            }
        }
    }

    @Test func distribution() throws {
        guard let result = try SmallPoetStore().run("small-poet.confidence.yaml") as? DistributionResult else { throw StoreError("kind") }
        let reference = try #require(SmallPoetStore.expected["distribution"] as? [String: Any])
        func check(_ group: DistributionGroup, _ ref: [String: Any]) {
            #expect(group.responses == ref["responses"] as? Int)
            #expect(group.n == ref["n"] as? Int)
            #expect(group.missing == ref["missing"] as? Int)
            let answers = ref["answers"] as! [[String: Any]]
            for (estimate, r) in zip(group.answers, answers) {
                #expect(estimate.count == r["count"] as? Int)
                #expect(near(estimate.lower, r["lower"]) && near(estimate.upper, r["upper"]), "\(group.level ?? "all")")
            }
            let top = ref["top"] as! [String: Any]
            #expect(group.top?.count == top["count"] as? Int)
            #expect(near(group.top?.lower, top["lower"]) && near(group.top?.upper, top["upper"]))
        }
        check(result.overall, try #require(reference["overall"] as? [String: Any]))
        let variables = try #require(reference["variables"] as? [[String: Any]])
        for (variable, ref) in zip(result.variables, variables) {
            let groups = ref["groups"] as! [[String: Any]]
            #expect(variable.groups.map(\.level) == groups.map { $0["level"] as? String })
            for (group, r) in zip(variable.groups, groups) { check(group, r) }
            let test = try #require(ref["test"] as? [String: Any])
            #expect(variable.test?.method.rawValue == test["method"] as? String)
            #expect(near(variable.test?.pValue, test["p"]), "\(variable.label) p")
        }
    }
}

/// Edge cases with hand-written data: the tables must say what could not be computed.
@Suite struct PoetDepthEdgeCases {
    static let header = "respondent_id,site,arm,wave,budget_management,support_need,age_band,process_views,process_planning,outcome_independence,outcome_safety,outcome_paid_job,outcome_volunteering,confidence_needs_met"

    /// 12 people; everyone answering independence reports a positive change; everyone planned easily.
    static let oneCategory: String = {
        var lines = [header]
        for i in 0..<12 {
            lines.append("E\(i),s\(i % 2),,2026,\(1 + i % 3),\(1 + i % 2),\(1 + i % 3),\(1 + i % 3),1,\(1 + i % 2),\(i % 4 == 0 ? 4 : 2),8,\(i < 6 ? 1 : 3),\(1 + i % 3)")
        }
        return lines.joined(separator: "\n") + "\n"
    }()

    @Test func oneOutcomeCategoryAndOneProcessLevelAreSaidNotComputed() throws {
        guard let result = try SmallPoetStore(csv: Self.oneCategory).run("small-poet.processes.yaml") as? ProcessAssociationsResult
        else { throw StoreError("kind") }
        let independence = try #require(result.domains.first { $0.item == "outcome_independence" })
        #expect(independence.notComputed == "the outcome is 1 for everyone: nothing to model")
        #expect(independence.estimates.allSatisfy { $0 == nil })
        #expect(independence.notes.contains { $0.hasPrefix("Planning: everyone in the model gave the same answer (Easy)") })
        let paidJob = try #require(result.domains.first { $0.item == "outcome_paid_job" })
        #expect(paidJob.n == 0 && paidJob.notComputed != nil)
        let markdown = ReportWriter.markdown(result)
        #expect(markdown.contains("not computed: the outcome is 1 for everyone"))
        #expect(!markdown.contains("nan") && !markdown.contains("inf"))
    }

    @Test func aDomainWithOneOutcomeCategoryIsNotTested() throws {
        guard let result = try SmallPoetStore(csv: Self.oneCategory).run("small-poet.subgroups.yaml") as? SubgroupComparisonResult
        else { throw StoreError("kind") }
        let independence = try #require(result.variables[0].domains.first { $0.item == "outcome_independence" })
        #expect(independence.test == nil)
        #expect(independence.notTested == "everyone is in the same outcome category: nothing to compare")
        #expect(independence.adjustedP == nil)
        let markdown = ReportWriter.markdown(result)
        #expect(markdown.contains("not tested: everyone is in the same outcome category"))
    }

    @Test func namesAndCodesAreCheckedAgainstTheInstrument() throws {
        let store = try SmallPoetStore()
        func problems(_ yaml: String) -> String {
            do {
                let definition = try AnalysisDefinition.parse(yaml, file: "a.yaml")
                _ = try AnalysisRunner.run(definition, store: store.store)
                return ""
            } catch { return "\(error)" }
        }
        let base = "id: a\ntitle: A\ninstrument: small-poet\n"
        #expect(problems(base + "kind: process_associations\nprocesses:\n  - {item: process_views, reference: Mostly}\n")
            .contains("a.yaml:6: reference 'Mostly' is not a level of process_views (levels: 1 Fully, 2 Partly, 3 Not at all)"))
        #expect(problems(base + "kind: process_associations\nprocesses:\n  - {item: process_planning, levels: {Easy: [1, 7], Hard: [3]}}\n")
            .contains("code 7 (level 'Easy') is not in process_planning's choice set ease"))
        #expect(problems(base + "kind: process_associations\nprocesses:\n  - {item: process_planning, levels: {Easy: [1, 2], Hard: [2, 3]}}\n")
            .contains("code 2 of process_planning is in two levels"))
        #expect(problems(base + "kind: distribution\nitem: confidence_needs_met\ntop: {label: Sure, codes: [1, 6]}\n")
            .contains("a.yaml:6: top code 6 is not in confidence_needs_met's choice set confidence"))
        #expect(problems(base + "kind: distribution\n").contains("a.yaml:1: a distribution analysis needs 'item'"))
        #expect(problems(base + "kind: subgroup_comparison\n").contains("a subgroup_comparison analysis needs 'subgroups'"))
        #expect(problems(base + "kind: outcome_index\nprocesses: [process_views]\n").contains("'processes' does not apply to kind outcome_index"))
        #expect(problems(base + "kind: pilot_vs_control\nbaseline_wave: a\nfollowup_wave: b\noutcomes: [{scale: x}]\ncovariates: [{item: age_band, levels: {A: [1], B: [2]}}]\n")
            .contains("grouped covariates (levels, reference) apply to process_associations"))
    }
}

/// The Markdown of each new table, as a reader sees it (review the diff when it changes).
@Suite struct PoetDepthSnapshots {
    @Test(arguments: ["subgroups", "processes", "index", "confidence"])
    func markdown(_ name: String) throws {
        let result = try SmallPoetStore().run("small-poet.\(name).yaml")
        try expectSnapshot(ReportWriter.markdown(result), "small-poet.\(name).expected.md")
    }
}

/// The shipped budget-holder sample carries known associations (SampleGenerator): direct payments
/// and views fully taken into account raise the chance of a positive answer in every domain, ease of
/// the processes adds nothing of its own. The sample run must show them with the right sign.
@Suite struct ShippedBudgetHolderSample {
    @Test func processAssociationsShowTheGeneratorsTruthWithTheRightSign() throws {
        #expect(SampleGenerator.directPaymentLogOdds > 0 && SampleGenerator.viewsFullyLogOdds > 0)
        let sample = try FixtureStore.shippedSample("budget-holder")
        func run(_ file: String) throws -> any AnalysisResult { try sample.runShipped(file) }
        guard let result = try run("budget-holder-processes.yaml") as? ProcessAssociationsResult else { throw StoreError("kind") }
        func summary(_ variable: String, _ level: String) throws -> ContrastSummary {
            try #require(result.summaries.first { $0.contrast.variable == variable && $0.contrast.level == level })
        }
        for (variable, level) in [("Budget management", "Direct payment"), ("Views taken into account", "Fully")] {
            let s = try summary(variable, level)
            let estimates = result.domains.compactMap { $0.estimates[result.contrasts.firstIndex(of: s.contrast)!] }
            let above = estimates.filter { $0.oddsRatio > 1 }.count
            #expect(above >= estimates.count - 1, "\(variable) \(level): odds ratio above 1 in \(above) of \(estimates.count) domains")
            // With 400 people and Holm's method across 15 domains, a log-odds of 0.5 is not always clear in
            // a given domain: the sign is the generator's truth; clear worse outcomes would contradict it.
            #expect(s.worse.isEmpty, "\(variable) \(level): worse in \(s.worse.count)")
        }
        // The sample's 5 sites give CR2 tests few degrees of freedom (the default, as people at a site could
        // be alike); the generator has no site effect, so with classical errors the strongest contrast
        // (log-odds 1.2) is clear somewhere.
        #expect(result.standardErrors == .cr2)
        guard let classical = try sample.runShipped("budget-holder-processes.yaml", {
            $0.edit(ProcessAssociationsSettings.self) { $0.standardErrors = .classical }
        }) as? ProcessAssociationsResult else { throw StoreError("kind") }
        let views = try #require(classical.summaries.first { $0.contrast.variable == "Views taken into account" && $0.contrast.level == "Fully" })
        #expect(views.better.count >= 1, "the strongest contrast (log-odds 1.2) is clear somewhere")
        // No effect of its own: the ease items should not come out as clear associations.
        let planning = try summary("Planning support", "Easy")
        #expect(planning.better.count + planning.worse.count <= 1)

        guard let index = try run("budget-holder-index.yaml") as? OutcomeIndexResult else { throw StoreError("kind") }
        func mean(_ level: String) -> Double? { index.groups.first { $0.level == level }?.summary?.mean.mean }
        #expect(try #require(mean("Direct payment")) > (try #require(mean("Council-managed"))))
        #expect(try #require(mean("Fully")) > (try #require(mean("Not at all"))))
    }
}

/// Issue #22: the JSON and CSV tests table says which 2 x 2 chi-square was used, as the notes do, and
/// `two_by_two: n_minus_1` gives Campbell's N − 1 chi-square.
@Suite struct TwoGroupChiSquareIsStated {
    @Test(arguments: [TwoByTwoChiSquare.yates, .nMinusOne])
    func theCorrectionIsInTheMachineTable(_ variant: TwoByTwoChiSquare) throws {
        let yaml = """
            id: two-groups
            title: Two groups
            kind: subgroup_comparison
            instrument: small-poet
            items: all_outcomes
            subgroups:
              - {item: budget_management, levels: {Direct payment: [1], Managed for them: [2, 3]}}
            two_by_two: \(variant.rawValue)

            """
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("two-groups-\(variant).yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try AnalysisRunner.run(try AnalysisDefinition.load(file: path), store: SmallPoetStore().store)
        let tests = try #require(ReportWriter.csvTables(result).first { $0.suffix == "-tests" }?.table)
        let rows = try #require(TableFormat.jsonObject(tests)["rows"] as? [[String: Any]])
        let chi = rows.filter { $0["method"] as? String == "chi_square" }
        #expect(!chi.isEmpty, "the small sample has chi-square tests for two groups")
        #expect(chi.allSatisfy { $0["correction"] as? String == variant.rawValue })
        let notes = ReportWriter.humanTables(result).flatMap(\.notes).joined(separator: " ")
        #expect(notes.contains(variant == .yates ? "Yates' continuity correction" : "'N − 1' chi-square"))
    }
}
