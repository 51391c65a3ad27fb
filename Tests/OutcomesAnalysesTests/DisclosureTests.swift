import Foundation
import Testing
import OutcomesAnalyses
import OutcomesInstruments
import OutcomesReports
import OutcomesStore

/// Disclosure control on the small POET-style survey with two small sites added (s5: 6 people,
/// s6: 9), every cell of the published outcome table checked against the file counted here and
/// NHS Digital's rules applied here: 1 to 7 as *, other counts rounded to the nearest 5, percentages
/// and Wilson intervals from the rounded figures, groups of fewer than 10 answering not shown.
@Suite struct DisclosureControlOnSmallSites {
    static func csv() throws -> (text: String, rows: [[String: String]]) {
        let lines = try String(contentsOfFile: fixture("small-poet.csv"), encoding: .utf8).split(separator: "\n").map(String.init)
        let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        var rows: [[String: String]] = []
        for (index, line) in lines.dropFirst().enumerated() {
            var row = Dictionary(uniqueKeysWithValues: zip(header, line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)))
            if index < 6 { row["site"] = "s5" } else if index < 15 { row["site"] = "s6" }
            rows.append(row)
        }
        let text = ([header.joined(separator: ",")] + rows.map { row in header.map { row[$0]! }.joined(separator: ",") })
            .joined(separator: "\n") + "\n"
        return (text, rows)
    }

    static let analysis = """
        id: sites
        title: Outcomes by site
        kind: outcome_table
        instrument: small-poet
        subgroups:
          - {field: site, label: Site}
        """

    static func rounded(_ n: Int) -> String { (1...7).contains(n) ? "*" : String((n + 2) / 5 * 5) }

    static func wilson(_ count: Int, _ n: Int) -> (Double, Double) {
        let z = 1.959963984540054, p = Double(count) / Double(n), nn = Double(n)
        let centre = p + z * z / (2 * nn), spread = z * ((p * (1 - p) + z * z / (4 * nn)) / nn).squareRoot()
        return ((centre - spread) / (1 + z * z / nn), (centre + spread) / (1 + z * z / nn))
    }

    /// The published cells of one group and item, as the rules give them.
    static func expected(_ rows: [[String: String]], item: String, isTotal: Bool) -> [String] {
        let answers = rows.map { $0[item]! }
        let positive = answers.filter { ["1", "2"].contains($0) }.count, neutral = answers.filter { $0 == "3" }.count
        let negative = answers.filter { ["4", "5"].contains($0) }.count
        let answering = positive + neutral + negative
        if !isTotal, answering < 10 {
            return [rows.count < 10 ? "fewer than 10" : rounded(rows.count)] + Array(repeating: "fewer than 10", count: 17)
        }
        var cells = [rounded(rows.count), rounded(answering)]
        for count in [positive, neutral, negative] {
            cells.append(rounded(count))
            if rounded(count) == "*" || rounded(answering) == "*" {
                cells += ["*", "*", "*"]
            } else {
                let k = Int(rounded(count))!, n = Int(rounded(answering))!
                let (low, high) = wilson(k, n)
                cells += [String(format: "%.3f", 100 * Double(k) / Double(n)), String(format: "%.3f", 100 * low),
                          String(format: "%.3f", 100 * high)]
            }
        }
        cells += [rounded(answers.filter { $0 == "8" }.count), "0", rounded(answers.filter(\.isEmpty).count), "0"]
        return cells
    }

    @Test func everyCellOfTheOutcomeTableFollowsTheRules() throws {
        let (text, rows) = try Self.csv()
        let store = try FixtureStore(instrumentPath: fixture("small-poet.yaml"), csvPath: fixture("small-poet.csv"), csvText: text)
        let result = try AnalysisRunner.run(try AnalysisDefinition.parse(Self.analysis, file: "sites.yaml"), store: store.store)
        let table = ReportWriter.csv(result).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(table[0].first == "subgroup", "no publication stamp: disclosure control is on")
        let items = ["outcome_independence", "outcome_safety", "outcome_paid_job", "outcome_volunteering"]
        var checked = 0, stars = 0, fewer = 0
        for (group, members) in [("All respondents", rows)] + ["s1", "s2", "s3", "s4", "s5", "s6"].map({ site in (site, rows.filter { $0["site"] == site }) }) {
            for item in items {
                let line = try #require(table.first { $0[1] == group && $0[2] == item }, "\(group) \(item)")
                let want = Self.expected(members, item: item, isTotal: group == "All respondents")
                #expect(Array(line[4...]) == want, "\(group) \(item)")
                checked += want.count
                stars += want.filter { $0 == "*" }.count
                fewer += want.filter { $0 == "fewer than 10" }.count
            }
        }
        #expect(checked == 7 * 4 * 18 && stars > 0 && fewer > 0, "the fixture exercises every rule")
        // The small sites are named in the people's table as "fewer than 10", with no figures.
        let markdown = ReportWriter.markdown(result)
        #expect(markdown.contains("| s5 (fewer than 10) |") && markdown.contains("| s6 (fewer than 10) |"))
        #expect(markdown.contains("In this table: "))
        // The JSON marks a withheld cell as withheld, not as missing.
        let json = try #require(try JSONSerialization.jsonObject(with: Data(ReportWriter.json(result).utf8)) as? [String: Any])
        let disclosure = try #require(json["disclosure"] as? [String: Any])
        #expect(disclosure["policy"] as? String == "nhs_digital" && disclosure["for_publication"] as? Bool == true)
        let jsonRows = try #require(((json["tables"] as? [[String: Any]])?.first?["rows"]) as? [[String: Any]])
        let s5 = try #require(jsonRows.first { $0["group"] as? String == "s5" })
        let withheld = try #require(s5["positive_n"] as? [String: Any])
        #expect(withheld["suppressed"] as? Bool == true && withheld["shown"] as? String == "fewer than 10")
    }

    @Test func aWholeSurveyOfFewerThanTheBaseIsStillShownRounded() throws {
        let (text, rows) = try Self.csv()
        let few = text.split(separator: "\n").prefix(10).joined(separator: "\n") + "\n"     // the header and 9 people
        let store = try FixtureStore(instrumentPath: fixture("small-poet.yaml"), csvPath: fixture("small-poet.csv"), csvText: few)
        let result = try AnalysisRunner.run(try AnalysisDefinition.parse(Self.analysis, file: "sites.yaml"), store: store.store)
        let table = ReportWriter.csv(result).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let line = try #require(table.first { $0[1] == "All respondents" && $0[2] == "outcome_independence" })
        #expect(Array(line[4...]) == Self.expected(Array(rows.prefix(9)), item: "outcome_independence", isTotal: true))
        #expect(!line.contains("fewer than 10"), "totals of the whole survey are exempt from the minimum base")
    }

    @Test func turnedOffEveryOutputSaysNotForPublication() throws {
        let (text, _) = try Self.csv()
        let store = try FixtureStore(instrumentPath: fixture("small-poet.yaml"), csvPath: fixture("small-poet.csv"), csvText: text)
        let definition = try AnalysisDefinition.parse(Self.analysis + "\ndisclosure: {policy: none}\n", file: "sites.yaml")
        #expect(definition.disclosure == .off)
        let result = try AnalysisRunner.run(definition, store: store.store)
        let csv = ReportWriter.csv(result)
        #expect(csv.hasPrefix("publication,subgroup,") && !csv.contains("fewer than") && !csv.contains(",*,"))
        #expect(csv.split(separator: "\n").dropFirst().allSatisfy { $0.hasPrefix("NOT FOR PUBLICATION,") })
        #expect(ReportWriter.markdown(result).contains("**NOT FOR PUBLICATION: disclosure control is off"))
        let html = HTMLReport.render([result], context: ReportContext(waves: []))
        #expect(html.contains("<p class=\"stamp\" role=\"alert\"><strong>NOT FOR PUBLICATION.</strong>"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(ReportWriter.json(result).utf8)) as? [String: Any])
        #expect((json["disclosure"] as? [String: Any])?["for_publication"] as? Bool == false)
    }

    @Test func everyKindAppliesDisclosureControl() throws {
        // Every fixture result (one of each kind) is stamped exactly when it is not for publication.
        for result in try allFixtureResults() {
            let stamped = ReportWriter.csvTables(result).allSatisfy { $0.table.columns.first?.key == "publication" }
            #expect(stamped == !ReportWriter.isForPublication(result), "\(result.definition.kind)")
            #expect(ReportWriter.isForPublication(result) == result.definition.disclosure.isOn, "\(result.definition.kind)")
        }
        for file in ["small-activation.analysis.yaml", "small-pvc.analysis.yaml"] {
            var definition = try AnalysisDefinition.load(file: fixture(file))
            definition.disclosure = .standard
            let store: FixtureStore = file.hasPrefix("small-activation") ? try SmallActivationStore() : try SmallEvaluationStore()
            let result = try AnalysisRunner.run(definition, store: store.store)
            #expect(ReportWriter.isForPublication(result), "\(definition.kind)")
            let csv = ReportWriter.csvTables(result).map { TableFormat.csv($0.table) }.joined()
            #expect(csv.contains(",*,") || csv.contains("fewer than 10"), "\(definition.kind): small figures withheld")
        }
    }

    @Test func scaleChangeAndPilotAgainstControlRoundAndWithhold() throws {
        var change = try AnalysisDefinition.load(file: fixture("small-activation.analysis.yaml"))
        change.disclosure = .standard
        let changeResult = try #require(try AnalysisRunner.run(change, store: SmallActivationStore().store) as? ScaleChangeResult)
        let transitions = ReportWriter.csvTables(changeResult).first { $0.suffix == "-transitions" }!.table
        let n = transitions.columns.firstIndex { $0.key == "n" }!
        var index = 0
        for group in changeResult.groups {
            let hidden = group.variable != nil && group.n < 10
            for row in group.transitions { for count in row {
                let cell = transitions.rows[index][n]
                if hidden { #expect(cell == .suppressed("fewer than 10")) } else if (1...7).contains(count) {
                    #expect(cell == .suppressed("*"))
                } else { #expect(cell == .integer((count + 2) / 5 * 5)) }
                index += 1
            } }
        }
        #expect(index == transitions.rows.count)

        var pilot = try AnalysisDefinition.load(file: fixture("small-pvc.analysis.yaml"))
        pilot.disclosure = .standard
        let pilotResult = try #require(try AnalysisRunner.run(pilot, store: SmallEvaluationStore().store) as? PilotVsControlResult)
        let balance = ReportWriter.csvTables(pilotResult).first { $0.suffix == "-balance" }!.table
        for (row, source) in zip(balance.rows, pilotResult.balance) {
            #expect(row[2] == .integer((source.pilotN + 2) / 5 * 5) || ((1...7).contains(source.pilotN) && row[2] == .suppressed("*")))
            if source.level != nil, (1...7).contains(Int((source.pilotValue * Double(source.pilotN)).rounded())) {
                #expect(row[3] == .suppressed("*") && row[8] == .suppressed("*"), "\(source.characteristic) \(source.level ?? "")")
            }
        }
        let json = try #require(try JSONSerialization.jsonObject(with: Data(ReportWriter.json(pilotResult).utf8)) as? [String: Any])
        let attrition = try #require((json["data"] as? [String: Any])?["attrition"] as? [String: Any])
        let lost = pilotResult.attrition.lostPilot
        if (1...7).contains(lost) {
            #expect((attrition["lost_pilot"] as? [String: Any])?["shown"] as? String == "*")
        } else {
            #expect(attrition["lost_pilot"] as? Int == (lost + 2) / 5 * 5)
        }
    }

    @Test func theOutcomeIndexWithholdsSmallGroupsSmallCountsAndTheExtremes() throws {
        let yaml = try String(contentsOfFile: fixture("small-poet.index.yaml"), encoding: .utf8)
        let result = try #require(try AnalysisRunner.run(try AnalysisDefinition.parse(yaml, file: "index.yaml"), store: SmallPoetStore().store)
                                     as? OutcomeIndexResult)
        #expect(ReportWriter.isForPublication(result))
        let tables = ReportWriter.csvTables(result)
        let groups = tables[0].table, distribution = tables[1].table
        let column = { (table: ReportTable, key: String) in table.columns.firstIndex { $0.key == key }! }
        for (row, group) in zip(groups.rows, result.groups) {
            if group.variable != nil && group.scored < 10 {
                #expect(row[column(groups, "mean")] == .suppressed("fewer than 10"))
            } else {
                #expect(row[column(groups, "min")] == .suppressed("*") && row[column(groups, "max")] == .suppressed("*"))
                #expect(row[column(groups, "n")] == .integer((group.scored + 2) / 5 * 5))
            }
        }
        #expect(result.groups.contains { $0.variable != nil && $0.scored < 10 }, "the fixture has a small group")
        let total = (result.distribution.reduce(0) { $0 + $1.count } + 2) / 5 * 5
        for (row, entry) in zip(distribution.rows, result.distribution) {
            if (1...7).contains(entry.count) {
                #expect(row[1] == .suppressed("*") && row[2] == .suppressed("*"))
            } else {
                let published = (entry.count + 2) / 5 * 5
                #expect(row[1] == .integer(published) && row[2] == .number(Double(published) / Double(total) * 100, decimals: 1))
            }
        }
    }

    @Test func theFolderDefaultAppliesAndAFileCanSayOtherwise() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("disclosure-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "disclosure: {minimum_base: 30}\n".write(to: folder.appendingPathComponent("defaults.yaml"), atomically: true, encoding: .utf8)
        let file = folder.appendingPathComponent("a.yaml").path
        try Self.analysis.write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try AnalysisDefinition.load(file: file).disclosure == Disclosure(policy: .nhsDigital, minimumBase: 30))
        try (Self.analysis + "\ndisclosure: {minimum_base: 5}\n").write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try AnalysisDefinition.load(file: file).disclosure.minimumBase == 5)
        // Without a defaults file: the standard rules.
        #expect(try AnalysisDefinition.parse(Self.analysis).disclosure == .standard)
        // Bad values are named with their line.
        for (bad, message) in [
            ("disclosure: {policy: strict}", "a.yaml:7: disclosure policy should be nhs_digital"),
            ("disclosure: {minimum_base: -1}", "a.yaml:7: minimum_base should be 0 or more"),
            ("disclosure: {policy: none, minimum_base: 10}", "a.yaml:7: minimum_base applies with policy nhs_digital"),
            ("disclosure: {round: 5}", "a.yaml:7:"),
        ] {
            do {
                _ = try AnalysisDefinition.parse(Self.analysis + "\n" + bad + "\n", file: "a.yaml")
                Issue.record("\(bad) accepted")
            } catch { #expect("\(error)".hasPrefix(message), "\(error)") }
        }
        try "disclosure: {policy: sometimes}\n".write(to: folder.appendingPathComponent("defaults.yaml"), atomically: true, encoding: .utf8)
        do { _ = try AnalysisDefinition.load(file: file); Issue.record("a bad defaults.yaml accepted") } catch {
            #expect("\(error)".contains("defaults.yaml:1: disclosure policy should be nhs_digital"))
        }
    }
}
