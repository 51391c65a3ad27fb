import Foundation
import Testing
import OutcomesAnalyses
import OutcomesInstruments
import OutcomesReports
import OutcomesStore

/// The small POET-style survey with two questions behind skip conditions, as real questionnaires
/// have them: the paid-job outcome asked only of people whose main need is physical or mental health
/// (`support_need` 1 or 3), and the confidence question only of those whose views were taken into
/// account at least partly (`process_views` 1 or 2). Answers a condition did not ask are blanked;
/// a few asked ones are left blank too, so that Missing (asked, not answered) is not empty.
final class SkippedPoetStore: FixtureStore {
    struct Row { var fields: [String: String] }
    let rows: [Row]

    init() throws {
        let yaml = try String(contentsOfFile: fixture("small-poet.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "choices: impact, domain: paid_job}",
                                  with: "choices: impact, domain: paid_job, show_if: {item: support_need, in: [1, 3]}}")
            .replacingOccurrences(of: "type: single_choice, choices: confidence}",
                                  with: "type: single_choice, choices: confidence, show_if: {item: process_views, in: [1, 2]}}")
        let lines = try String(contentsOfFile: fixture("small-poet.csv"), encoding: .utf8).split(separator: "\n").map(String.init)
        let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        var rows: [Row] = []
        for (index, line) in lines.dropFirst().enumerated() {
            var fields = Dictionary(uniqueKeysWithValues: zip(header, line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)))
            if !["1", "3"].contains(fields["support_need"]) || index % 17 == 0 { fields["outcome_paid_job"] = "" }
            if !["1", "2"].contains(fields["process_views"]) || index % 13 == 0 { fields["confidence_needs_met"] = "" }
            rows.append(Row(fields: fields))
        }
        self.rows = rows
        let csv = ([header.joined(separator: ",")] + rows.map { row in header.map { row.fields[$0]! }.joined(separator: ",") })
            .joined(separator: "\n") + "\n"
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("skipped-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let instrumentPath = directory.appendingPathComponent("small-poet.yaml").path
        try yaml.write(toFile: instrumentPath, atomically: true, encoding: .utf8)
        try super.init(instrumentPath: instrumentPath, csvPath: fixture("small-poet.csv"), csvText: csv)
        try? FileManager.default.removeItem(at: directory)
    }

    /// Counted from the file as REDCap and ODK read a condition: asked when the deciding answer is
    /// one of the codes (an unanswered one meets no test).
    func expected(_ item: String, askedWhen deciding: String, in codes: Set<String>) -> (notAsked: Int, missing: Int) {
        let notAsked = rows.filter { !codes.contains($0.fields[deciding]!) }.count
        let missing = rows.filter { codes.contains($0.fields[deciding]!) && $0.fields[item]!.isEmpty }.count
        return (notAsked, missing)
    }

    func run(_ yaml: String) throws -> any AnalysisResult {
        // Exact figures, to check every count against the file: disclosure control off.
        var definition = try AnalysisDefinition.parse(yaml, file: "skip.yaml")
        definition.disclosure = .off
        return try AnalysisRunner.run(definition, store: store)
    }
}

@Suite struct SkippedIsNotMissing {
    @Test func theOutcomeTableCountsNotAskedApartFromMissing() throws {
        let setup = try SkippedPoetStore()
        let paid = setup.expected("outcome_paid_job", askedWhen: "support_need", in: ["1", "3"])
        #expect(paid.notAsked > 20 && paid.missing > 0, "the fixture exercises both")
        // The analysis names neither support_need nor a subgroup: the condition's item is read anyway.
        let result = try #require(try setup.run("""
            id: paid
            kind: outcome_table
            instrument: small-poet
            items: [outcome_paid_job, outcome_safety]
            """) as? OutcomeTableResult)
        let row = try #require(result.overall.rows.first { $0.item == "outcome_paid_job" })
        #expect(row.counts.notAsked == paid.notAsked && row.counts.missing == paid.missing)
        #expect(row.counts.total == setup.rows.count)
        #expect(row.counts.answering == setup.rows.count - paid.notAsked - paid.missing - row.counts.notApplicable)
        let safety = try #require(result.overall.rows.first { $0.item == "outcome_safety" })
        #expect(safety.counts.notAsked == 0, "an item without a condition is always asked")

        let markdown = ReportWriter.markdown(result)
        #expect(markdown.contains("| Not asked |"))
        #expect(markdown.contains("neither in N nor in Missing: Getting or keeping a paid job \(paid.notAsked)."))
        let csv = ReportWriter.csv(result).split(separator: "\n")
        let header = csv[0].split(separator: ",", omittingEmptySubsequences: false)
        let column = try #require(header.firstIndex(of: "not_asked_n"))
        let overall = try #require(csv.first { $0.hasPrefix("NOT FOR PUBLICATION,Overall,All respondents,outcome_paid_job,") })
        #expect(overall.split(separator: ",", omittingEmptySubsequences: false)[column] == "\(paid.notAsked)")
    }

    @Test func subgroupsProcessModelsAndDistributionsLeaveTheUnaskedOut() throws {
        let setup = try SkippedPoetStore()
        let paid = setup.expected("outcome_paid_job", askedWhen: "support_need", in: ["1", "3"])
        let subgroups = try #require(try setup.run(String(contentsOfFile: fixture("small-poet.subgroups.yaml"), encoding: .utf8))
                                        as? SubgroupComparisonResult)
        for variable in subgroups.variables {
            let domain = try #require(variable.domains.first { $0.item == "outcome_paid_job" })
            #expect(domain.counts.map(\.notAsked).reduce(0, +) == paid.notAsked)
            #expect(domain.counts.map(\.missing).reduce(0, +) == paid.missing)
        }
        // By main need, the unasked are exactly those whose need is neither physical nor mental health.
        let byNeed = try #require(subgroups.variables.first { $0.label == "Support need" })
        let domain = try #require(byNeed.domains.first { $0.item == "outcome_paid_job" })
        let learning = try #require(byNeed.levels.firstIndex(of: "Learning"))
        #expect(domain.counts[learning].notAsked == setup.rows.filter { $0.fields["support_need"] == "2" }.count)
        #expect(domain.counts[learning].answering == 0 && domain.counts[learning].missing == 0)

        let processes = try #require(try setup.run(String(contentsOfFile: fixture("small-poet.processes.yaml"), encoding: .utf8))
                                        as? ProcessAssociationsResult)
        let model = try #require(processes.domains.first { $0.item == "outcome_paid_job" })
        #expect(model.notAsked == paid.notAsked && model.outcomeMissing == paid.missing)

        let confidence = setup.expected("confidence_needs_met", askedWhen: "process_views", in: ["1", "2"])
        let distribution = try #require(try setup.run(String(contentsOfFile: fixture("small-poet.confidence.yaml"), encoding: .utf8))
                                           as? DistributionResult)
        #expect(distribution.overall.notAsked == confidence.notAsked && distribution.overall.missing == confidence.missing)
        #expect(distribution.overall.n + distribution.overall.special + confidence.notAsked + confidence.missing == setup.rows.count)
        // Those whose views were not taken into account were not asked: their group has no figures.
        let views = try #require(distribution.variables.first { $0.label == "Views taken into account" })
        let notAtAll = try #require(views.groups.first { $0.level == "Not at all" })
        #expect(notAtAll.n == 0 && notAtAll.missing == 0 && notAtAll.notAsked == notAtAll.responses)
    }
}
