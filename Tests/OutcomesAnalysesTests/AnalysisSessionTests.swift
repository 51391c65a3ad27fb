import Foundation
import Testing
@testable import OutcomesAnalyses
import OutcomesInstruments
import OutcomesReports
@testable import OutcomesStore

@Suite struct AnalysisSessions {
    /// One store holding all four shipped samples.
    static func everyShippedSample() throws -> FixtureStore {
        let samples = try FixtureStore.shippedSample("budget-holder")
        for id in ["carer", "activation", "quality-of-life"] {
            let yaml = try String(contentsOf: FixtureStore.root.appendingPathComponent("instruments/\(id).yaml"), encoding: .utf8)
            _ = try samples.store.importCSV(file: FixtureStore.root.appendingPathComponent("samples/\(id).csv").path,
                                            instrument: try InstrumentParser.parse(yaml), definition: yaml)
        }
        return samples
    }

    /// A session reads each survey once, with the items of all its analyses: every shipped analysis
    /// must give exactly the tables it gives when run alone (which reads only its own items).
    @Test func everyShippedAnalysisGivesTheSameTablesInASessionAsAlone() throws {
        let samples = try Self.everyShippedSample()
        let root = FixtureStore.root
        let files = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("analyses").path)
            .filter { $0.hasSuffix(".yaml") && $0 != Disclosure.defaultsFileName }.sorted()
        #expect(files.count == 12)
        let definitions = try files.map { try AnalysisDefinition.load(file: root.appendingPathComponent("analyses/\($0)").path) }
        let session = AnalysisSession(store: samples.store, definitions: definitions)
        let date = Date(timeIntervalSince1970: 0)
        // Run in reverse order too: a frame must serve its analyses in any order.
        for definition in definitions.reversed() {
            let together = try ReportWriter.json(session.run(definition), generatedAt: date)
            let alone = try ReportWriter.json(AnalysisRunner.run(definition, store: samples.store), generatedAt: date)
            #expect(together == alone, "\(definition.id) differs when run in a session")
        }
    }
}

extension AnalysisSessions {
    /// The submission server's PostgreSQL store hands analyses its responses in memory, built row by
    /// row: every shipped analysis must give the same tables from them as from the SQLite store.
    @Test func responsesHeldInMemoryGiveTheSameTablesAsTheStore() throws {
        let samples = try Self.everyShippedSample()
        let root = FixtureStore.root
        let frames = try ["budget-holder", "carer", "activation", "quality-of-life"].map { id -> ResponseFrame in
            let frame = try samples.store.responses(instrument: id, respondentCodes: true)
            let rows = 0..<frame.count
            var answers: [String: [AnswerValue?]] = [:]
            for item in frame.instrument.items { answers[item.id] = rows.map { frame.column(item.id)!.answer($0, type: item.type) } }
            return ResponseFrame(instrument: frame.instrument, responseIDs: frame.responseIDs, respondentKeys: frame.respondentKeys,
                                 respondents: frame.respondents, sites: rows.map { frame.sites.level($0)! },
                                 waves: rows.map { frame.waves.level($0)! }, arms: rows.map { frame.arms.level($0) }, answers: answers)
        }
        let memory = InMemoryResponses(frames: frames, description: "memory")
        let files = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("analyses").path)
            .filter { $0.hasSuffix(".yaml") && $0 != Disclosure.defaultsFileName }.sorted()
        let date = Date(timeIntervalSince1970: 0)
        for file in files {
            let definition = try AnalysisDefinition.load(file: root.appendingPathComponent("analyses/\(file)").path)
            let fromMemory = try ReportWriter.json(AnalysisRunner.run(definition, store: memory), generatedAt: date)
            let fromStore = try ReportWriter.json(AnalysisRunner.run(definition, store: samples.store), generatedAt: date)
            #expect(fromMemory == fromStore, "\(definition.id) differs from memory")
        }
    }
}

@Suite struct RespondentRowIndex {
    /// Dense keys (store ids) use a flat array, keys spread far apart a dictionary: both must answer alike.
    @Test func denseAndSparseKeysGiveTheSameRows() {
        for keys in [[Int64](100...199), (0..<100).map { Int64($0) * 1_000_003 }] {
            var index = RowsByRespondent(keys: keys)
            for (row, key) in keys.enumerated() where row % 3 != 0 { index[key] = row }
            for (row, key) in keys.enumerated() { #expect(index[key] == (row % 3 != 0 ? row : nil)) }
            index[keys[1]] = nil
            #expect(index[keys[1]] == nil)
        }
    }
}
