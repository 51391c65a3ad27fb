import Foundation
import OutcomesAnalyses

enum AnalysisDefinitionFixture {
    /// An outcome table of the test survey, split by site.
    static func outcomeTable() throws -> AnalysisDefinition {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("outcomes-server-analysis-\(UUID().uuidString).yaml")
        try """
        id: survey-outcomes
        title: Survey outcomes
        kind: outcome_table
        instrument: survey
        items: all_outcomes
        subgroups:
          - {field: site, label: Site}
        """.write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        return try AnalysisDefinition.load(file: url.path)
    }
}
