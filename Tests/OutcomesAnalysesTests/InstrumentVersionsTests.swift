import Foundation
import Testing
@testable import OutcomesAnalyses
import OutcomesInstruments
import OutcomesReports
@testable import OutcomesStore

/// The shipped budget-holder sample (400 responses to version 1.1.0) and 120 more people answering a
/// second version (`Fixtures/budget-holder-2.0.0.yaml`: the independence question reworded, "Don't
/// know yet" added after the confidence question's last code), in one store and one wave, as a survey
/// whose questionnaire changed part-way through.
final class TwoVersionStore: FixtureStore {
    let secondRows: [[String: String]]
    let firstRows: [[String: String]]
    let second: Instrument

    /// `edit` changes the second version's definition (for versions whose codes changed meaning).
    init(_ edit: (String) -> String = { $0 }) throws {
        let sample = try Data(contentsOf: FixtureStore.root.appendingPathComponent("samples/budget-holder.csv"))
        let records = try readCSVRecords(sample, file: "budget-holder.csv").map(\.fields)
        let header = records[0]
        let rows = records.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
        firstRows = rows
        // Other people (BV... rather than BH...), some of whom do not know yet how confident they are.
        secondRows = rows.prefix(120).enumerated().map { index, row in
            var row = row
            row["respondent_id"] = "BV" + row["respondent_id"]!.dropFirst(2)
            if index % 10 == 0 { row["confidence_needs_met"] = "6" }
            return row
        }
        let secondCSV = ([header.joined(separator: ",")]
                         + secondRows.map { row in header.map { csvField(row[$0]!) }.joined(separator: ",") })
            .joined(separator: "\n") + "\n"
        let secondYAML = edit(try String(contentsOfFile: fixture("budget-holder-2.0.0.yaml"), encoding: .utf8))
        second = try InstrumentParser.parse(secondYAML, file: "budget-holder-2.0.0.yaml")
        try super.init(instrumentPath: FixtureStore.root.appendingPathComponent("instruments/budget-holder.yaml").path,
                       csvPath: FixtureStore.root.appendingPathComponent("samples/budget-holder.csv").path)
        _ = try store.importCSV(data: Data(secondCSV.utf8), file: "budget-holder-2.csv", instrument: second,
                                definition: secondYAML)
    }

    /// A shipped analysis file with `edit` applied.
    func shipped(_ file: String, _ edit: (inout AnalysisDefinition) -> Void = { _ in }) throws -> any AnalysisResult {
        var definition = try AnalysisDefinition.load(file: Self.root.appendingPathComponent("analyses/\(file)").path)
        edit(&definition)
        return try AnalysisRunner.run(definition, store: store)
    }
}

/// A CSV field, quoted where it holds a comma, a quote or a line break (the sample's comments do).
private func csvField(_ text: String) -> String {
    text.contains(where: { ",\"\n\r".contains($0) })
        ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
}

@Suite struct InstrumentVersionsPooled {
    @Test func theFrameKnowsEachResponsesVersion() throws {
        let two = try TwoVersionStore()
        let frame = try two.store.responses(instrument: "budget-holder", items: ["outcome_independence"])
        #expect(frame.versions.levels == ["1.1.0", "2.0.0"])
        #expect(frame.versionDefinitions.map(\.version) == ["1.1.0", "2.0.0"])
        #expect(frame.versionCounts.map(\.version) == ["1.1.0", "2.0.0"])
        #expect(frame.versionCounts.map(\.responses) == [400, 120])
        // Each row's version is the one it was imported under (the BV... people answered 2.0.0).
        let respondents = try two.store.responses(instrument: "budget-holder", items: [], respondentCodes: true)
        for row in 0..<respondents.count {
            #expect(respondents.versions.codes[row] == (respondents.respondents[row].hasPrefix("BV") ? 1 : 0))
        }
        // A subset keeps every version, and the rows' own.
        let subset = frame.subset(rows: [0, frame.count - 1])
        #expect(subset.versions.levels == ["1.1.0", "2.0.0"])
        #expect(subset.versionCounts.map(\.responses) == [1, 1])
        // A store of one version: one level, every row on it.
        let one = try FixtureStore.shippedSample("budget-holder")
        let single = try one.store.responses(instrument: "budget-holder", items: [])
        #expect(single.versions.levels == ["1.1.0"])
        #expect(single.versionCounts.map(\.responses) == [400])
    }

    @Test func theOutcomeTableSaysWhichVersionsItPooledAndWhatDiffers() throws {
        let two = try TwoVersionStore()
        let result = try #require(try two.shipped("budget-holder-outcomes.yaml") as? OutcomeTableResult)
        #expect(result.versions.pooled == [.init(version: "1.1.0", responses: 400),
                                           .init(version: "2.0.0", responses: 120)])
        #expect(result.versions.labelledWith == "2.0.0")
        // Of the items the table reads, only the independence question's wording differs (the
        // confidence question is not one of them).
        #expect(result.versions.notes == ["item outcome_independence: wording differs between 1.1.0 and 2.0.0"])
        let description = ReportWriter.dataDescription(result)
        #expect(description.hasSuffix("Instrument versions pooled: 1.1.0 (400 responses), 2.0.0 (120 responses)."))
        let notes = ReportWriter.humanTables(result)[0].notes
        #expect(notes.contains("Instrument versions 1.1.0 and 2.0.0 pooled, labelled with version 2.0.0's wording; "
                               + "items that differ:"))
        #expect(notes.contains("item outcome_independence: wording differs between 1.1.0 and 2.0.0."))
        #expect(ReportWriter.markdown(result).contains("- item outcome_independence: wording differs"))

        let json = try JSONSerialization.jsonObject(with: Data(try ReportWriter.json(result).utf8)) as? [String: Any]
        let data = try #require(json?["data"] as? [String: Any])
        let versions = try #require(data["versions"] as? [[String: Any]])
        #expect(versions.map { $0["version"] as? String } == ["1.1.0", "2.0.0"])
        #expect(versions.map { $0["responses"] as? Int } == [400, 120])
        #expect(data["version_notes"] as? [String]
                    == ["item outcome_independence: wording differs between 1.1.0 and 2.0.0"])
        let tables = try #require(json?["tables"] as? [[String: Any]])
        #expect((tables[0]["notes"] as? [String])?.contains {
            $0.hasPrefix("item outcome_independence: wording differs") } == true)
        #expect(ReportWriter.waves(result).version == "1.1.0, 2.0.0")
    }

    @Test func theFiguresPoolBothVersionsResponses() throws {
        let two = try TwoVersionStore()
        let result = try #require(try two.shipped("budget-holder-outcomes.yaml") { $0.disclosure = .off }
            as? OutcomeTableResult)
        #expect(result.responses == 520)
        let rows = two.firstRows + two.secondRows
        for row in result.overall.rows {
            let answers = rows.map { $0[row.item]! }
            let expected = OutcomeCounts(positive: answers.filter { $0 == "1" || $0 == "2" }.count,
                                         neutral: answers.filter { $0 == "3" }.count,
                                         negative: answers.filter { $0 == "4" || $0 == "5" }.count,
                                         notApplicable: answers.filter { $0 == "8" }.count,
                                         missing: answers.filter(\.isEmpty).count)
            #expect(row.counts == expected, "\(row.item)")
        }
    }

    @Test func aChoiceAddedAtTheEndIsNamedAndItsAnswersCounted() throws {
        let two = try TwoVersionStore()
        let result = try #require(try two.shipped("budget-holder-confidence.yaml") { $0.disclosure = .off }
            as? DistributionResult)
        #expect(result.responses == 520)
        #expect(result.versions.notes == ["item confidence_needs_met: choices differ between 1.1.0 and 2.0.0 "
                                          + "(code 6 'Don't know yet' added in 2.0.0)"])
        // "Don't know yet" is a special answer: counted, not in the shares.
        let answers = (two.firstRows + two.secondRows).map { $0["confidence_needs_met"]! }
        #expect(result.overall.n == answers.filter { ["1", "2", "3", "4", "5"].contains($0) }.count)
        #expect(result.overall.special == answers.filter { $0 == "6" }.count)
        #expect(result.overall.special == 12)
        // One version alone, for a kind that reads one item rather than every outcome item.
        let first = try #require(try two.shipped("budget-holder-confidence.yaml") { $0.instrumentVersion = "1.1.0" }
            as? DistributionResult)
        #expect(first.responses == 400)
        #expect(first.choices.count == 5)
    }

    @Test func aCodeWhoseValenceChangedIsRefused() throws {
        let two = try TwoVersionStore {
            $0.replacingOccurrences(of: "{code: 3, label: Stayed the same, valence: neutral}",
                                    with: "{code: 3, label: Stayed the same, valence: positive}")
        }
        #expect(two.second.choiceSets["impact"]?.choice(3)?.valence == .positive)
        do {
            _ = try two.shipped("budget-holder-outcomes.yaml")
            Issue.record("pooled versions whose code 3 changed valence")
        } catch let error as Diagnostic {
            #expect(error.message.hasPrefix("item outcome_independence, code 3: 'Stayed the same' (neutral) in "
                                            + "version 1.1.0 but 'Stayed the same' (positive) in version 2.0.0: "
                                            + "the code changed meaning"))
            #expect(error.message.contains("Analyse one version (instrument_version: 2.0.0 in the analysis file)"))
            #expect(error.message.contains("recode the 1.1.0 answers"))
        }
        // Either version alone is analysed, labelled with its own wording, and says what it left out.
        for (version, responses, other) in [("1.1.0", 400, "2.0.0 (120 responses)"),
                                            ("2.0.0", 120, "1.1.0 (400 responses)")] {
            let result = try #require(try two.shipped("budget-holder-outcomes.yaml") {
                $0.instrumentVersion = version
            } as? OutcomeTableResult)
            #expect(result.responses == responses)
            #expect(result.instrumentVersion == version)
            #expect(result.versions.pooled.isEmpty)
            #expect(ReportWriter.dataDescription(result).hasSuffix(
                "Only version \(version) analysed (instrument_version); not analysed: \(other)."))
        }
    }

    @Test func oneVersionAloneGivesTheTablesOfAStoreOfThatVersion() throws {
        let two = try TwoVersionStore()
        let one = try FixtureStore.shippedSample("budget-holder")
        var definition = try AnalysisDefinition.load(
            file: FixtureStore.root.appendingPathComponent("analyses/budget-holder-outcomes.yaml").path)
        let alone = try AnalysisRunner.run(definition, store: one.store)
        definition.instrumentVersion = "1.1.0"
        let chosen = try AnalysisRunner.run(definition, store: two.store)
        #expect(ReportWriter.csvTables(chosen).map { TableFormat.csv($0.table) }
                    == ReportWriter.csvTables(alone).map { TableFormat.csv($0.table) })
        definition.instrumentVersion = "3.0"
        #expect(throws: Diagnostic.self) { try AnalysisRunner.run(definition, store: two.store) }
    }

    @Test func theKeyIsReadFromTheAnalysisFile() throws {
        let definition = try AnalysisDefinition.parse("""
            id: t
            kind: outcome_table
            instrument: budget-holder
            instrument_version: "2.0.0"
            """)
        #expect(definition.instrumentVersion == "2.0.0")
    }

    @Test func responsesHeldInMemoryKeepTheirVersions() throws {
        let two = try TwoVersionStore()
        let frame = try two.store.responses(instrument: "budget-holder", respondentCodes: true)
        let rows = 0..<frame.count
        var answers: [String: [AnswerValue?]] = [:]
        for item in frame.instrument.items {
            answers[item.id] = rows.map { frame.column(item.id)!.answer($0, type: item.type) }
        }
        let memory = ResponseFrame(instrument: frame.instrument, responseIDs: frame.responseIDs,
                                   respondentKeys: frame.respondentKeys, respondents: frame.respondents,
                                   sites: rows.map { frame.sites.level($0)! },
                                   waves: rows.map { frame.waves.level($0)! },
                                   arms: rows.map { frame.arms.level($0) }, answers: answers,
                                   versions: rows.map { frame.versions.level($0)! },
                                   versionDefinitions: frame.versionDefinitions)
        let source = InMemoryResponses(frames: [memory], description: "memory")
        let definition = try AnalysisDefinition.load(
            file: FixtureStore.root.appendingPathComponent("analyses/budget-holder-outcomes.yaml").path)
        let fromMemory = try AnalysisRunner.run(definition, store: source)
        let fromStore = try AnalysisRunner.run(definition, store: two.store)
        #expect(ReportWriter.markdown(fromMemory) == ReportWriter.markdown(fromStore))
        #expect(ReportWriter.markdown(fromMemory).contains("Instrument versions pooled: 1.1.0 (400 responses)"))
        // Without versions, a frame is taken to be all of its instrument's version.
        let unversioned = ResponseFrame(instrument: frame.instrument, responseIDs: [1], respondentKeys: [1],
                                        respondents: ["a"], sites: ["s"], waves: ["w"], arms: [nil], answers: [:])
        #expect(unversioned.versionCounts.map(\.version) == ["2.0.0"])
    }
}

@Suite struct InstrumentVersionRule {
    let definition = AnalysisDefinition(id: "t", title: "t", kind: .init(OutcomeTable.self), instrument: "i",
                                        settings: OutcomeTableSettings())
    let scale = [Choice(code: 1, label: "Better", valence: .positive),
                 Choice(code: 2, label: "Same", valence: .neutral),
                 Choice(code: 3, label: "Worse", valence: .negative),
                 Choice(code: 8, label: "Not applicable", special: .notApplicable)]

    func changes(_ new: [Choice], old: [Choice]? = nil, used: Set<Int> = []) throws -> [String] {
        try InstrumentVersions.choiceChanges(item: "q", old: old ?? scale, new: new, versions: ("1", "2"),
                                             definition: definition) { used.contains($0) }
    }

    @Test func sameChoicesNoteNothing() throws {
        #expect(try changes(scale).isEmpty)
    }

    @Test func labelsDifferingInCaseOrPunctuationOnlyAreANote() throws {
        var new = scale
        new[3].label = "Not applicable."
        new[0].label = "better"
        #expect(try changes(new) == ["labels of codes 1, 8 differ in case, punctuation or spacing only"])
    }

    @Test func aRelabelledCodeIsRefused() throws {
        var new = scale
        new[1].label = "A little better"
        #expect(throws: Diagnostic.self) { try changes(new) }
    }

    @Test func aChangedValenceOrSpecialMarkerIsRefused() throws {
        var valence = scale, special = scale
        valence[1].valence = .positive
        special[3].special = .dontKnow
        #expect(throws: Diagnostic.self) { try changes(valence) }
        #expect(throws: Diagnostic.self) { try changes(special) }
    }

    @Test func codesAddedAtTheEndAreANoteInTheMiddleRefused() throws {
        #expect(try changes(scale + [Choice(code: 9, label: "Don't know", special: .dontKnow)])
                    == ["code 9 'Don't know' added in 2"])
        // A special answer is off the scale wherever it is listed.
        #expect(try changes([Choice(code: 9, label: "Don't know", special: .dontKnow)] + scale)
                    == ["code 9 'Don't know' added in 2"])
        // A new point on the scale, even with a new code number, changes what the others mean.
        let middle = [scale[0], Choice(code: 4, label: "A little better", valence: .positive)] + scale.dropFirst()
        #expect(throws: Diagnostic.self) { try changes(Array(middle)) }
        // After the last shared code: a note.
        #expect(try changes(scale + [Choice(code: 10, label: "Much worse", valence: .negative)])
                    == ["code 10 'Much worse' added in 2"])
    }

    @Test func aRemovedCodeIsRefusedIfAnsweredOrInsideTheScale() throws {
        let withoutNA = Array(scale.prefix(3))
        #expect(try changes(withoutNA) == ["code 8 'Not applicable' of 1 not in 2, given by no response"])
        #expect(throws: Diagnostic.self) { try changes(withoutNA, used: [8]) }
        let withoutSame = [scale[0], scale[2], scale[3]]
        #expect(throws: Diagnostic.self) { try changes(withoutSame) }
    }

    @Test func choicesInAnotherOrderAreANote() throws {
        #expect(try changes([scale[2], scale[1], scale[0], scale[3]]) == ["choices listed in another order"])
    }
}
