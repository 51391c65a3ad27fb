import Foundation
import Testing
@testable import OutcomesAnalyses
import OutcomesInstruments
import OutcomesReports
import OutcomesSamples
import OutcomesStore

@Suite struct ShippedPilotVsControlSample {
    /// The committed sample has a known true effect on quality of life and none on wellbeing: the
    /// analysis must recover the first inside its interval and not flag the second.
    @Test func recoversTheKnownEffectAndDoesNotFlagTheNullOne() throws {
        guard let result = try FixtureStore.shippedSample("quality-of-life").runShipped("pilot-vs-control.yaml") as? PilotVsControlResult else {
            Issue.record("not a pilot-vs-control result")
            return
        }
        let truth = EvaluationSampleGenerator.trueQualityOfLifeIndexEffect
        let quality = try #require(result.overall.comparisons.first { $0.outcome == "qol_index" }?.adjusted)
        #expect(quality.lower <= truth && truth <= quality.upper, "true effect \(truth) outside \(quality.lower) to \(quality.upper)")
        let wellbeing = try #require(result.overall.comparisons.first { $0.outcome == "wellbeing_score" })
        #expect(try #require(wellbeing.adjustedP) > 0.05, "the null wellbeing effect must not be flagged")
        print("true index effect \(truth); adjusted \(quality.estimate) (\(quality.lower) to \(quality.upper))")
    }
}

/// The small hand-made evaluation imported into a fresh store.
final class SmallEvaluationStore: FixtureStore {
    init(csv: String? = nil) throws { try super.init(instrumentPath: fixture("quality-of-life.yaml"), csvPath: fixture("small-pvc.csv"), csvText: csv) }

    func result(_ edit: (inout AnalysisDefinition) -> Void = { _ in }) throws -> PilotVsControlResult {
        var definition = try AnalysisDefinition.load(file: fixture("small-pvc.analysis.yaml"))
        edit(&definition)
        guard let result = try AnalysisRunner.run(definition, store: store) as? PilotVsControlResult else {
            throw StoreError("not a pilot-vs-control result")
        }
        return result
    }
}

@Suite struct PilotVsControlAgainstStatsmodels {
    struct Expected: Decodable {
        struct Estimate: Decodable { var estimate, lower, upper, p: Double }
        struct Outcome: Decodable {
            var outcome: String
            var followup_pilot, followup_control: [Double]
            var unadjusted, adjusted: Estimate
            var did: Estimate?
            var hedges_g: [Double]?
            var n_model: Int
            var holm: Double
        }
        /// Arms allocated by site: R's clubSandwich (CR2, Satterthwaite df) and the ANOVA ICC.
        struct SiteEstimate: Decodable { var estimate, lower, upper, p, df: Double }
        struct SiteOutcome: Decodable {
            var outcome: String
            var unadjusted, adjusted: SiteEstimate
            var did: SiteEstimate?
            var hedges_g: [Double]?
            var holm: Double
            var icc: [Double]
        }
        var sites: [SiteOutcome]
        /// model: mixed, from lmerTest with Satterthwaite and Kenward-Roger df.
        struct MixedEstimate: Decodable { var estimate, se, df, p, lower, upper: Double }
        struct MixedOutcome: Decodable {
            var outcome: String
            var Satterthwaite: MixedEstimate
            var `Kenward-Roger`: MixedEstimate
        }
        var mixed: [MixedOutcome]
        /// inference: wild_bootstrap, Rademacher weights enumerated over the 6 sites, from wildboottest.
        struct WildTest: Decodable { var estimate, pValue, se, t: Double; var replicates, ties: Int; var enumerated: Bool }
        struct WildOutcome: Decodable { var outcome: String; var unadjusted, adjusted: WildTest }
        var wild: [WildOutcome]
        struct Balance: Decodable { var item: String; var level: Int?; var pilot, control: Double; var smd: Double? }
        struct Cost: Decodable { var delta_cost, delta_effect, icer: Double; var net_benefit: [Double] }
        var outcomes: [Outcome]
        var balance: [Balance]
        var attrition: [String: Int]
        var cost: Cost
    }

    func close(_ a: Double?, _ b: Double, _ tolerance: Double = 1e-9) -> Bool {
        guard let a else { return false }
        return abs(a - b) <= tolerance * abs(b) + 1e-12
    }

    /// The default: arms allocated by site, every comparison with CR2 errors by site on Satterthwaite df,
    /// against clubSandwich (scripts/reference/pilot_vs_control_sites.R): least squares to 1e-8, the
    /// logistic model (iterated on both sides) to 1e-6, the ICC to 1e-9.
    @Test func everyComparisonIsClusteredBySiteAsClubSandwichHasIt() throws {
        let result = try SmallEvaluationStore().result()
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: URL(fileURLWithPath: fixture("small-pvc.expected.json"))))
        #expect(expected.sites.count == 3)
        func matches(_ value: (estimate: Double, lower: Double, upper: Double, p: Double?, df: Double?),
                     _ reference: Expected.SiteEstimate, _ tolerance: Double) -> Bool {
            close(value.estimate, reference.estimate, tolerance) && close(value.lower, reference.lower, tolerance)
                && close(value.upper, reference.upper, tolerance) && close(value.p, reference.p, tolerance)
                && close(value.df, reference.df, tolerance)
        }
        for reference in expected.sites {
            let c = try #require(result.overall.comparisons.first { $0.outcome == reference.outcome })
            let name = reference.outcome, tolerance = c.kind == .binary ? 1e-6 : 1e-8
            let u = try #require(c.unadjusted)
            #expect(matches((u.estimate, u.lower, u.upper, c.unadjustedP, c.unadjustedDF), reference.unadjusted, 1e-8),
                    "\(name) unadjusted \(u), p \(c.unadjustedP ?? .nan), df \(c.unadjustedDF ?? .nan)")
            #expect(c.unadjustedTest == "CR2 by site")
            if let did = reference.did {
                let d = try #require(c.differenceInDifferences)
                #expect(matches((d.estimate, d.lower, d.upper, c.differenceInDifferencesP, c.differenceInDifferencesDF),
                                did, 1e-8), "\(name) difference in differences")
            }
            let a = try #require(c.adjusted, "\(name) adjusted: \(c.notes)")
            #expect(matches((a.estimate, a.lower, a.upper, a.pValue, a.df), reference.adjusted, tolerance),
                    "\(name) adjusted \(a) vs \(reference.adjusted)")
            #expect(close(c.adjustedP, reference.holm, tolerance), "\(name) Holm")
            #expect(close(c.icc?.icc, reference.icc[0], 1e-9) && close(c.icc?.designEffect, reference.icc[1], 1e-9),
                    "\(name) ICC \(String(describing: c.icc)) vs \(reference.icc)")
            if let g = reference.hedges_g {
                let effect = try #require(c.effectSize)
                #expect(close(effect.estimate, g[0]) && close(effect.lower, g[1]) && close(effect.upper, g[2]), "\(name) Hedges' g")
            }
        }
    }

    /// model: mixed: the adjusted difference of a continuous outcome from a random-intercept model by REML,
    /// on Satterthwaite or Kenward-Roger df, against lmerTest and pbkrtest, to 1e-6 relative.
    @Test(arguments: [PilotVsControlSettings.MixedDegreesOfFreedom.satterthwaite, .kenwardRoger])
    func theMixedModelIsLmerTests(_ method: PilotVsControlSettings.MixedDegreesOfFreedom) throws {
        let result = try SmallEvaluationStore().result {
            $0.edit(PilotVsControlSettings.self) { $0.model = .mixed; $0.degreesOfFreedom = method }
        }
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: URL(fileURLWithPath: fixture("small-pvc.expected.json"))))
        #expect(expected.mixed.count == 2)
        for reference in expected.mixed {
            let r = method == .satterthwaite ? reference.Satterthwaite : reference.`Kenward-Roger`
            let c = try #require(result.overall.comparisons.first { $0.outcome == reference.outcome })
            let a = try #require(c.adjusted, "\(reference.outcome): \(c.notes)")
            #expect(close(a.estimate, r.estimate, 1e-6) && close(a.se, r.se, 1e-6) && close(a.df, r.df, 1e-6)
                    && close(a.pValue, r.p, 1e-6) && close(a.lower, r.lower, 1e-6) && close(a.upper, r.upper, 1e-6),
                    "\(reference.outcome) \(method): \(a) vs \(r)")
            #expect(c.mixedModel != nil)
        }
        // A yes/no outcome keeps its logistic model.
        #expect(result.overall.comparisons.first { $0.kind == .binary }?.adjustedIsOddsRatio == true)
    }

    /// inference: wild_bootstrap: with 6 sites Rademacher's 64 sign patterns are enumerated, so the p-values
    /// are exact and must be wildboottest's, with the draws as extreme as the data (ties) counted.
    @Test func theWildClusterBootstrapIsWildboottests() throws {
        let result = try SmallEvaluationStore().result {
            $0.edit(PilotVsControlSettings.self) {
                $0.inference = .wildBootstrap(replicates: 9999, weights: .rademacher, seed: 1)
            }
        }
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: URL(fileURLWithPath: fixture("small-pvc.expected.json"))))
        #expect(expected.wild.count == 2)
        for reference in expected.wild {
            let c = try #require(result.overall.comparisons.first { $0.outcome == reference.outcome })
            let u = try #require(c.unadjusted), a = try #require(c.adjusted)
            #expect(reference.unadjusted.enumerated && reference.unadjusted.replicates == 64)
            #expect(close(u.estimate, reference.unadjusted.estimate, 1e-9) && close(a.estimate, reference.adjusted.estimate, 1e-9))
            // The analysis counts the tied draws too (p >= 2/64 with 6 sites); wildboottest counts only those beyond.
            func withTies(_ w: Expected.WildTest) -> Double { w.pValue + Double(w.ties) / Double(w.replicates) }
            #expect(close(c.unadjustedP, withTies(reference.unadjusted), 1e-12), "\(reference.outcome) unadjusted p \(c.unadjustedP ?? .nan)")
            #expect(close(a.pValue, withTies(reference.adjusted), 1e-12), "\(reference.outcome) adjusted p \(a.pValue)")
            #expect(a.pValue >= 2.0 / 64)
            #expect(c.unadjustedTest == "wild cluster bootstrap by site" && u.lower < u.estimate && u.estimate < u.upper)
        }
    }

    /// `allocation: individuals`: Welch, Newcombe and chi-square, HC1 errors, against SciPy and statsmodels.
    @Test func everyFigureMatchesTheReference() throws {
        let result = try SmallEvaluationStore().result { $0.edit(PilotVsControlSettings.self) { $0.allocation = .individuals } }
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: URL(fileURLWithPath: fixture("small-pvc.expected.json"))))
        for reference in expected.outcomes {
            let c = try #require(result.overall.comparisons.first { $0.outcome == reference.outcome })
            let name = reference.outcome
            #expect(c.followupPilot?.n == Int(reference.followup_pilot[0]) && close(c.followupPilot?.mean, reference.followup_pilot[1]), "\(name) pilot")
            #expect(c.followupControl?.n == Int(reference.followup_control[0]) && close(c.followupControl?.mean, reference.followup_control[1]), "\(name) control")
            let u = try #require(c.unadjusted)
            #expect(close(u.estimate, reference.unadjusted.estimate) && close(u.lower, reference.unadjusted.lower)
                    && close(u.upper, reference.unadjusted.upper) && close(c.unadjustedP, reference.unadjusted.p), "\(name) unadjusted")
            if let did = reference.did {
                let d = try #require(c.differenceInDifferences)
                #expect(close(d.estimate, did.estimate) && close(d.lower, did.lower) && close(d.upper, did.upper)
                        && close(c.differenceInDifferencesP, did.p), "\(name) difference in differences")
            }
            // OLS is the same closed form (1e-9); the logistic fit is iterative on both sides (1e-6).
            let tolerance = c.kind == .binary ? 1e-6 : 1e-9
            let a = try #require(c.adjusted, "\(name) adjusted: \(c.notes)")
            #expect(close(a.estimate, reference.adjusted.estimate, tolerance) && close(a.lower, reference.adjusted.lower, tolerance)
                    && close(a.upper, reference.adjusted.upper, tolerance) && close(a.pValue, reference.adjusted.p, tolerance),
                    "\(name) adjusted \(a) vs \(reference.adjusted)")
            #expect(c.adjustedN == reference.n_model)
            #expect(close(c.adjustedP, reference.holm, tolerance), "\(name) Holm")
            if let g = reference.hedges_g {
                let effect = try #require(c.effectSize)
                #expect(close(effect.estimate, g[0]) && close(effect.lower, g[1]) && close(effect.upper, g[2]), "\(name) Hedges' g")
            }
        }
        for (row, reference) in zip(result.balance, expected.balance) {
            #expect(close(row.pilotValue, reference.pilot) && close(row.controlValue, reference.control) && (reference.smd.map { close(row.smd, $0) } ?? row.smd.isNaN),
                    "balance \(reference.item) \(reference.level.map(String.init) ?? "")")
        }
        #expect(result.attrition.baselinePilot == expected.attrition["baseline_pilot"])
        #expect(result.attrition.lostPilot == expected.attrition["lost_pilot"] && result.attrition.lostControl == expected.attrition["lost_control"])
        let cost = try #require(result.cost)
        #expect(close(cost.incrementalCost.estimate, expected.cost.delta_cost) && close(cost.incrementalEffect.estimate, expected.cost.delta_effect)
                && close(cost.icer, expected.cost.icer))
        for (nb, reference) in zip(cost.netBenefits, expected.cost.net_benefit) { #expect(close(nb.estimate, reference)) }
    }

    @Test func theMarkdownIsStable() throws {
        let markdown = ReportWriter.markdown(try SmallEvaluationStore().result())
        try expectSnapshot(markdown, "small-pvc.expected.md")
    }

    /// Bootstrap intervals cannot match another program's random stream: they must be reproducible
    /// from the seed, contain the point estimate, and move when the seed does.
    /// Issue #22: a pilot that costs more and does worse is dominated, never a negative ICER; the plane's
    /// quadrants and the acceptability curve come from the same replicates as the net benefits.
    @Test func costEffectivenessSaysDominatedOrDominantAndShowsThePlane() throws {
        #expect(CostEffectiveness.Verdict(incrementalCost: 500, incrementalEffect: -0.02) == .dominated)
        #expect(CostEffectiveness.Verdict(incrementalCost: -500, incrementalEffect: 0.02) == .dominant)
        #expect(CostEffectiveness.Verdict(incrementalCost: 500, incrementalEffect: 0.02) == .tradeOff)
        #expect(CostEffectiveness.Verdict(incrementalCost: -500, incrementalEffect: -0.02) == .tradeOff)
        let cost = try #require(try SmallEvaluationStore().result().cost)
        let q = cost.quadrants
        #expect(abs(q.northEast + q.northWest + q.southEast + q.southWest - 1) < 1e-12)
        #expect(cost.replicateIncrements.count == cost.replicates)
        let northWest = Double(cost.replicateIncrements.count { $0.effect < 0 && $0.cost >= 0 }) / Double(cost.replicates)
        #expect(q.northWest == northWest)
        // At a willingness to pay of 0, cost-effective means cheaper.
        let cheaper = Double(cost.replicateIncrements.count { $0.cost < 0 }) / Double(cost.replicates)
        #expect(cost.acceptability.first?.threshold == 0 && cost.acceptability.first?.probability == cheaper)
        #expect(cost.acceptability.map(\.threshold) == cost.acceptability.map(\.threshold).sorted())
        // The curve at each net-benefit threshold is that threshold's probability.
        for nb in cost.netBenefits {
            let p = Double(cost.replicateIncrements.count { nb.threshold * $0.effect - $0.cost > 0 }) / Double(cost.replicates)
            #expect(p == nb.probabilityCostEffective)
        }
        let table = PilotVsControlLayout.costTable(cost)
        let icer = try #require(table.rows.first { $0.first == .text("ICER (cost per unit of effect)") })
        #expect(cost.verdict == .tradeOff ? icer[1] != .empty : icer[1] == .empty)
        let markdown = ReportWriter.markdown(try SmallEvaluationStore().result())
        #expect(markdown.contains("north-west: dominated"))
    }

    @Test func costBootstrapIsSeeded() throws {
        let setup = try SmallEvaluationStore()
        let first = try #require(try setup.result().cost)
        let again = try #require(try setup.result().cost)
        #expect(first.incrementalCost.lower == again.incrementalCost.lower && first.netBenefits[0].upper == again.netBenefits[0].upper)
        #expect(first.incrementalCost.lower < first.incrementalCost.estimate && first.incrementalCost.estimate < first.incrementalCost.upper)
        let other = try #require(try setup.result { $0.edit(PilotVsControlSettings.self) { $0.cost?.seed = 6 } }.cost)
        #expect(other.incrementalCost.lower != first.incrementalCost.lower)
        #expect((0...1).contains(first.netBenefits[0].probabilityCostEffective))
    }
}

@Suite struct PilotVsControlThinData {
    static let header = "respondent_id,site,arm,wave,age_group,qol_control,qol_care,qol_food,qol_safety,qol_social,qol_occupation,qol_home,qol_dignity,wb_01,wb_02,wb_03,wb_04,wb_05,wb_06,wb_07,unplanned_admission,cost_total"

    static func row(_ id: String, _ site: String, _ arm: String, _ wave: String, age: Int, level: Int, wb: Int, admission: Int) -> String {
        ([id, site, arm, wave, String(age)] + Array(repeating: String(level), count: 8) + Array(repeating: String(wb), count: 7)
            + [String(admission), "1000"]).joined(separator: ",")
    }

    @Test func anArmWithNoFollowUpIsSaidNotCrashed() throws {
        var lines = [Self.header]
        for i in 0..<6 {
            lines.append(Self.row("P\(i)", "p\(i % 2)", "pilot", "baseline", age: 1 + i % 3, level: 1 + i % 4, wb: 1 + i % 5, admission: 1 + i % 2))
            lines.append(Self.row("P\(i)", "p\(i % 2)", "pilot", "followup", age: 1 + i % 3, level: 1 + (i + 1) % 4, wb: 1 + (i + 2) % 5, admission: 1 + (i + 1) % 2))
            lines.append(Self.row("C\(i)", "c\(i % 2)", "control", "baseline", age: 1 + i % 3, level: 1 + i % 4, wb: 1 + i % 5, admission: 1 + i % 2))
        }
        let result = try SmallEvaluationStore(csv: lines.joined(separator: "\n") + "\n").result { $0.edit(PilotVsControlSettings.self) { $0.cost = nil } }
        let quality = try #require(result.overall.comparisons.first)
        #expect(quality.adjusted == nil && quality.unadjusted == nil)
        #expect(quality.notes.contains("no control respondents have this outcome at follow-up: no comparison"))
        #expect(result.attrition.lostControl == 6)
    }

    @Test func aConstantCovariateAndASiteWithOneRespondentAreHandled() throws {
        var lines = [Self.header]
        for i in 0..<12 {
            // Everyone is in age group 2: the covariate cannot be adjusted for, and is left out with a note.
            let site = i == 11 ? "c-single" : (i < 6 ? "p\(i % 2)" : "c\(i % 2)")
            let arm = i < 6 ? "pilot" : "control"
            lines.append(Self.row("R\(i)", site, arm, "baseline", age: 2, level: 1 + i % 4, wb: 1 + i % 5, admission: 1 + i % 2))
            lines.append(Self.row("R\(i)", site, arm, "followup", age: 2, level: 1 + (i * 3 + 1) % 4, wb: 1 + (i + 3) % 5, admission: 1 + (i / 2) % 2))
        }
        let result = try SmallEvaluationStore(csv: lines.joined(separator: "\n") + "\n").result { $0.edit(PilotVsControlSettings.self) { $0.cost = nil } }
        let quality = try #require(result.overall.comparisons.first { $0.outcome == "qol_index" })
        #expect(result.notes.contains("Left out of every adjusted model as they have one value in the data: age_group."))
        #expect(quality.adjusted != nil, "\(quality.notes)")
        #expect(quality.clusters == 5)
    }

    /// Complete separation: maximum likelihood has no odds ratio, so the table gives Firth's and says so
    /// (issue #22: it used to give none, and with iterations stopping early sometimes a wrong one).
    @Test func separationInTheLogisticModelIsFittedByFirthAndSaid() throws {
        var lines = [Self.header]
        for i in 0..<16 {
            let arm = i < 8 ? "pilot" : "control"
            // Every control respondent has the event at follow-up, no pilot respondent does: complete separation.
            lines.append(Self.row("S\(i)", "\(arm)-\(i % 3)", arm, "baseline", age: 1 + i % 3, level: 1 + i % 4, wb: 1 + i % 5, admission: 1 + i % 2))
            lines.append(Self.row("S\(i)", "\(arm)-\(i % 3)", arm, "followup", age: 1 + i % 3, level: 1 + (i + 2) % 4, wb: 1 + (i + 1) % 5,
                                  admission: arm == "pilot" ? 2 : 1))
        }
        let result = try SmallEvaluationStore(csv: lines.joined(separator: "\n") + "\n").result { $0.edit(PilotVsControlSettings.self) { $0.cost = nil } }
        let admission = try #require(result.overall.comparisons.first { $0.kind == .binary })
        #expect(admission.adjustedByFirth && (admission.adjusted?.estimate ?? .nan) < 1, "no pilot events")
        #expect(admission.notes.contains { $0.contains("separated") && $0.contains("Firth") }, "\(admission.notes)")
        #expect(admission.unadjusted != nil, "the unadjusted risk difference is still given")
    }
}

/// The cost-effectiveness bootstrap on data with strong site effects
/// (`scripts/reference/cluster_bootstrap_reference.py`): resampling sites must spread as statsmodels'
/// cluster-robust (CR0) standard errors say, resampling people as the standard errors that ignore
/// sites say; the two differ fourfold here, which is why sites are the default.
@Suite struct CostBootstrapAgainstStatsmodels {
    struct Expected: Decodable {
        struct Outcome: Decodable { var estimate: Double; var se_sites: Double; var se_people: Double }
        var cost: Outcome
        var change: Outcome
    }

    @Test func resamplingSitesSpreadsAsClusterRobustErrorsSay() throws {
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: URL(fileURLWithPath: fixture("clustered-costs.expected.json"))))
        let rows = try String(contentsOfFile: fixture("clustered-costs.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: ",").map(String.init) }
        let site = rows.map { Int32($0[0])! }, pilot = rows.map { $0[1] == "1" }
        let cost = rows.map { Double($0[2])! }, change = rows.map { Double($0[3])! }
        func spread(_ values: [Double]) -> Double {
            let mean = values.reduce(0, +) / Double(values.count)
            return (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)).squareRoot()
        }
        for resample in [PilotVsControlSettings.CostSettings.Resample.sites, .people] {
            let settings = PilotVsControlSettings.CostSettings(item: "cost", effect: "change", thresholds: [20_000], replicates: 2_000,
                                                           seed: 3, resample: resample)
            let run = try PilotVsControl.costBootstrap(pilot: pilot, site: site, cost: cost, change: change, settings: settings)
            #expect(run.units == (resample == .sites ? (30, 30) : (1254, 1210)))
            #expect(abs(run.observed[0] - expected.cost.estimate) < 1e-6 && abs(run.observed[1] - expected.change.estimate) < 1e-9)
            #expect(abs(run.observed[2] - (20_000 * run.observed[1] - run.observed[0])) < 1e-6)
            // 2,000 replicates estimate a standard deviation to about 1.6%; 7% is over 4 of those.
            let costSE = resample == .sites ? expected.cost.se_sites : expected.cost.se_people
            let changeSE = resample == .sites ? expected.change.se_sites : expected.change.se_people
            #expect(abs(spread(run.replicates.map { $0[0] }) / costSE - 1) < 0.07, "\(resample): cost SD vs \(costSE)")
            #expect(abs(spread(run.replicates.map { $0[1] }) / changeSE - 1) < 0.07, "\(resample): change SD vs \(changeSE)")
        }
    }
}

/// The keys of issue #22 are checked as the file is read, each problem named with its line.
@Suite struct PilotVsControlInferenceKeys {
    static func problems(_ extra: String) -> String {
        let base = try! String(contentsOfFile: fixture("small-pvc.analysis.yaml"), encoding: .utf8)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pvc-\(abs(extra.hashValue)).yaml").path
        try! (base + extra).write(toFile: path, atomically: true, encoding: .utf8)
        do { _ = try AnalysisDefinition.load(file: path); return "" } catch { return "\(error)" }
    }

    @Test func badValuesAreNamedWithTheirLine() {
        #expect(Self.problems("allocation: clusters\n").contains("allocation should be sites"))
        #expect(Self.problems("model: glmm\n").contains("model should be ancova"))
        #expect(Self.problems("degrees_of_freedom: kenward_roger\n").contains("applies to model: mixed"))
        #expect(Self.problems("inference: bootstrap\n").contains("inference should be cr2"))
        #expect(Self.problems("inference: wild_bootstrap\nbootstrap: {weights: normal}\n").contains("webb or rademacher"))
        #expect(Self.problems("bootstrap: {replicates: 9999}\n").contains("applies to inference: wild_bootstrap"))
        #expect(Self.problems("allocation: individuals\nmodel: mixed\n").contains("with allocation: individuals"))
        #expect(Self.problems("inference: wild_bootstrap\nbootstrap: {replicates: 9999, weights: webb, seed: 3}\n") == "")
        #expect(Self.problems("model: mixed\ndegrees_of_freedom: kenward_roger\n") == "")
    }
}

/// Issue #22: with no events among the control arm at follow-up, maximum likelihood has no odds ratio
/// (quasi-complete separation by arm); the table gives Firth's, says so, and the other outcomes keep theirs.
@Suite struct SeparatedOutcomeGetsFirthsOddsRatio {
    @Test func aSeparatedModelIsFittedByFirthAndSaysSo() throws {
        let csv = try String(contentsOfFile: fixture("small-pvc.csv"), encoding: .utf8)
        let lines = csv.split(separator: "\n").map(String.init).enumerated().map { index, line -> String in
            var fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard index > 0, fields[2] == "control", fields[3] == "followup" else { return line }
            fields[23] = "2"       // unplanned_admission: no
            return fields.joined(separator: ",")
        }
        let result = try SmallEvaluationStore(csv: lines.joined(separator: "\n") + "\n").result {
            $0.edit(PilotVsControlSettings.self) { $0.cost = nil }
        }
        let c = try #require(result.overall.comparisons.first { $0.outcome == "unplanned_admission" })
        let a = try #require(c.adjusted, "\(c.notes)")
        #expect(c.adjustedByFirth && a.estimate.isFinite && a.lower < a.estimate && a.estimate < a.upper)
        #expect(a.estimate > 1, "every event is in the pilot arm")
        #expect(c.notes.contains { $0.contains("Firth's penalised likelihood") && $0.contains("arm (pilot)") })
        #expect(result.overall.comparisons.filter { $0.kind == .continuous }.allSatisfy { !$0.adjustedByFirth })
    }
}
