import Foundation
import Testing
import OutcomesAnalyses
import OutcomesInstruments
import OutcomesReports
import OutcomesStore

/// Site display names from sites.yaml beside the analysis files, in tables, charts and the report.
@Suite struct SiteDisplayNames {
    static func folder(_ sites: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("site-names-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try String(contentsOfFile: fixture("small-survey.analysis.yaml"), encoding: .utf8)
            .write(to: folder.appendingPathComponent("outcomes.yaml"), atomically: true, encoding: .utf8)
        try sites.write(to: folder.appendingPathComponent("sites.yaml"), atomically: true, encoding: .utf8)
        return folder
    }

    @Test func namesReplaceCodesEverywhere() throws {
        let folder = try Self.folder("sites:\n  - {code: north, name: Northshire Council}\n  - {code: south, name: Southvale NHS Trust}\n")
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(!SiteNames.isAnalysisFile(folder.appendingPathComponent("sites.yaml").path))
        var definition = try AnalysisDefinition.load(file: folder.appendingPathComponent("outcomes.yaml").path)
        #expect(definition.siteNames == ["north": "Northshire Council", "south": "Southvale NHS Trust"])
        definition.disclosure = .off
        let result = try #require(try AnalysisRunner.run(definition, store: SmallSurveyStore().store) as? OutcomeTableResult)
        #expect(result.sites == ["Northshire Council", "Southvale NHS Trust"])
        #expect(Set(result.groups.compactMap(\.level)).isSuperset(of: ["Northshire Council", "Southvale NHS Trust"]))
        let html = HTMLReport.render([result], context: ReportContext(waves: []))
        let csv = ReportWriter.csv(result)
        for text in [html, csv, ReportWriter.markdown(result)] {
            #expect(text.contains("Northshire Council") && !text.contains(",north,") && !text.contains("(north,"))
        }
    }

    @Test func twoSitesWithOneNameAreRefused() throws {
        let folder = try Self.folder("sites:\n  - {code: north, name: The Council}\n  - {code: south, name: The Council}\n")
        defer { try? FileManager.default.removeItem(at: folder) }
        do { _ = try AnalysisDefinition.load(file: folder.appendingPathComponent("outcomes.yaml").path); Issue.record("accepted") } catch {
            #expect("\(error)".contains("sites.yaml:3: sites north and south are both named 'The Council'"), "\(error)")
        }
    }
}
