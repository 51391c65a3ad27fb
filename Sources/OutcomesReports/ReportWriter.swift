import Foundation
import OutcomesAnalyses

/// Writes an analysis result as `<analysis id>.csv`, `.md` and `.json` in a folder.
///
/// Files are written whole or not at all (atomically), so a failed run never leaves a half table
/// beside good ones.
public enum ReportWriter {
    /// The version of the JSON layout; raised whenever a key is renamed or removed.
    public static let jsonSchema = "outcomes.tables/1"

    /// Writes the files and returns their paths.
    @discardableResult
    public static func write(_ result: AnalysisResult, to directory: String, generatedAt: Date = Date()) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let id = result.definition.id
        let base = (directory as NSString).appendingPathComponent(id)
        var files = csvTables(result).map { (suffix, table) in (base + suffix + ".csv", TableFormat.csv(table)) }
        files.append((base + ".md", markdown(result)))
        files.append((base + ".json", try json(result, generatedAt: generatedAt)))
        for (path, text) in files {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        }
        return files.map(\.0)
    }

    /// Writes `report.html` for all the results of a run (atomically) and returns its path.
    @discardableResult
    public static func writeReport(_ results: [AnalysisResult], context: ReportContext, to directory: String) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = (directory as NSString).appendingPathComponent("report.html")
        try Data(HTMLReport.render(results, context: context).utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        return path
    }

    /// The machine-readable tables of a result, each with the suffix of its CSV file name
    /// ("" for the main table, `<id>.csv`).
    public static func csvTables(_ result: AnalysisResult) -> [(suffix: String, table: ReportTable)] {
        switch result {
        case let .outcomeTable(table): return [("", OutcomeTableLayout.longTable(table))]
        case let .scaleChange(change):
            return [("", ScaleChangeLayout.summaryTable(change)), ("-levels", ScaleChangeLayout.levelsTable(change)),
                    ("-transitions", ScaleChangeLayout.transitionsTable(change)),
                    ("-by-baseline-level", ScaleChangeLayout.byBaselineLevelTable(change))]
        case let .pilotVsControl(evaluation):
            var tables = [("", PilotVsControlLayout.outcomesTable(evaluation)),
                          ("-balance", PilotVsControlLayout.balanceTable(evaluation.balance, title: "Baseline characteristics by arm",
                                                                         first: "pilot", second: "control")),
                          ("-attrition", PilotVsControlLayout.balanceTable(evaluation.attrition.comparison,
                                                                           title: "Baseline characteristics of those lost and those followed up",
                                                                           first: "lost", second: "followed_up"))]
            if let cost = evaluation.cost { tables.append(("-cost", PilotVsControlLayout.costTable(cost))) }
            return tables
        case let .subgroupComparison(comparison):
            return [("", SubgroupComparisonLayout.levelsTable(comparison)), ("-tests", SubgroupComparisonLayout.testsTable(comparison))]
        case let .processAssociations(associations):
            return [("", ProcessAssociationsLayout.estimatesTable(associations)), ("-summary", ProcessAssociationsLayout.summaryTable(associations))]
        case let .outcomeIndex(index):
            return [("", OutcomeIndexLayout.groupsTable(index)), ("-distribution", OutcomeIndexLayout.distributionTable(index))]
        case let .distribution(distribution):
            return [("", DistributionLayout.longTable(distribution)), ("-tests", DistributionLayout.testsTable(distribution))]
        }
    }

    /// A single-wave survey analysis's result, nil for the others (without laying out its tables,
    /// which for a national table is the costly part).
    static func survey(_ result: AnalysisResult) -> (any SurveyAnalysisResult)? {
        switch result {
        case let .outcomeTable(table): return table
        case let .subgroupComparison(comparison): return comparison
        case let .processAssociations(associations): return associations
        case let .outcomeIndex(index): return index
        case let .distribution(distribution): return distribution
        case .scaleChange, .pilotVsControl: return nil
        }
    }

    /// The main CSV of the result.
    public static func csv(_ result: AnalysisResult) -> String {
        TableFormat.csv(csvTables(result)[0].table)
    }

    /// The tables for people, in reading order (Markdown and HTML both use them).
    public static func humanTables(_ result: AnalysisResult) -> [ReportTable] {
        switch result {
        case let .scaleChange(change): return ScaleChangeLayout.humanTables(change)
        case let .pilotVsControl(evaluation): return PilotVsControlLayout.humanTables(evaluation)
        case let .outcomeTable(table): return OutcomeTableLayout.humanTables(table)
        case let .subgroupComparison(comparison): return SubgroupComparisonLayout.humanTables(comparison)
        case let .processAssociations(associations): return ProcessAssociationsLayout.humanTables(associations)
        case let .outcomeIndex(index): return OutcomeIndexLayout.humanTables(index)
        case let .distribution(distribution): return DistributionLayout.humanTables(distribution)
        }
    }

    /// The report's data table for a run: each instrument and wave the analyses read, once, sorted,
    /// with when its responses were first and last stored (`storedDates` of an instrument).
    public static func dataWaves(_ results: [AnalysisResult],
                                 storedDates: (String) throws -> (first: String, last: String)?) rethrows -> [ReportContext.Wave] {
        var waves: [ReportContext.Wave] = []
        for result in results {
            let read = ReportWriter.waves(result)
            let dates = try storedDates(read.instrument)
            for wave in read.waves where !waves.contains(where: { $0.instrument == read.instrument && $0.wave == wave.wave }) {
                waves.append(ReportContext.Wave(instrument: read.instrument, version: read.version, wave: wave.wave,
                                                responses: wave.responses, sites: wave.sites,
                                                firstStored: dates?.first ?? "", lastStored: dates?.last ?? ""))
            }
        }
        return waves.sorted { ($0.instrument, $0.wave) < ($1.instrument, $1.wave) }
    }

    /// Responses and sites per wave that an analysis read, for the report's data table.
    public static func waves(_ result: AnalysisResult) -> (instrument: String, version: String, waves: [(wave: String, responses: Int, sites: [String])]) {
        switch result {
        case let .scaleChange(change): return (change.instrumentID, change.instrumentVersion, change.waves)
        case let .pilotVsControl(evaluation): return (evaluation.instrumentID, evaluation.instrumentVersion, evaluation.waves)
        default:
            let survey = survey(result)!
            return (survey.instrumentID, survey.instrumentVersion, [(survey.wave ?? "", survey.responses, survey.sites)])
        }
    }

    /// One sentence on the data an analysis covers: instrument and version, waves, responses, sites.
    public static func dataDescription(_ result: AnalysisResult) -> String {
        switch result {
        case let .scaleChange(change):
            return "Instrument: \(change.instrumentTitle) (`\(change.instrumentID)` \(change.instrumentVersion)), "
                + "scale `\(change.scale.id)`, waves \(change.definition.baselineWave ?? "") to \(change.definition.followupWave ?? ""). "
                + "Sites: \(change.sites.count) (\(change.sites.joined(separator: ", ")))."
        case let .pilotVsControl(evaluation):
            return "Instrument: \(evaluation.instrumentTitle) (`\(evaluation.instrumentID)` \(evaluation.instrumentVersion)), "
                + "waves \(evaluation.definition.baselineWave ?? "") to \(evaluation.definition.followupWave ?? ""). "
                + "Pilot sites: \(evaluation.pilotSites.joined(separator: ", ")). Control sites: \(evaluation.controlSites.joined(separator: ", "))."
        default:
            return dataLine(survey(result)!)
        }
    }

    /// A Markdown document: title, what data it covers, then the tables.
    public static func markdown(_ result: AnalysisResult) -> String {
        var out = "# \(result.definition.title)\n\n" + dataDescription(result) + "\n\n"
        for table in humanTables(result) { out += TableFormat.markdown(table) + "\n" }
        return out
    }

    /// JSON for other tools: `{"schema", "analysis", "data", "tables": [...]}`; see docs/json-tables.md.
    public static func json(_ result: AnalysisResult, generatedAt: Date = Date()) throws -> String {
        let definition = result.definition
        let data: [String: Any]
        switch result {
        case .outcomeTable, .subgroupComparison, .processAssociations, .outcomeIndex, .distribution:
            let table = survey(result)!
            data = ["instrument": table.instrumentID, "instrument_version": table.instrumentVersion,
                    "wave": table.wave as Any? ?? NSNull(), "responses": table.responses, "sites": table.sites]
        case let .scaleChange(change):
            let l = change.linking
            data = ["instrument": change.instrumentID, "instrument_version": change.instrumentVersion, "scale": change.scale.id,
                    "baseline_wave": definition.baselineWave ?? "", "followup_wave": definition.followupWave ?? "",
                    "sites": change.sites,
                    "linking": ["linked": l.linked, "baseline_only": l.baselineOnly, "followup_only": l.followupOnly,
                                "unscored": l.unscored, "arm_changed": l.armChanged]]
        case let .pilotVsControl(evaluation):
            let a = evaluation.attrition
            data = ["instrument": evaluation.instrumentID, "instrument_version": evaluation.instrumentVersion,
                    "baseline_wave": definition.baselineWave ?? "", "followup_wave": definition.followupWave ?? "",
                    "pilot_sites": evaluation.pilotSites, "control_sites": evaluation.controlSites,
                    "attrition": ["baseline_pilot": a.baselinePilot, "baseline_control": a.baselineControl,
                                  "lost_pilot": a.lostPilot, "lost_control": a.lostControl, "followup_only": a.followupOnly]]
        }
        let object: [String: Any] = [
            "schema": jsonSchema,
            "generated_at": ISO8601DateFormatter().string(from: generatedAt),
            "analysis": ["id": definition.id, "title": definition.title, "kind": definition.kind.rawValue,
                         "confidence": definition.confidence],
            "data": data,
            "tables": csvTables(result).map { suffix, table in
                TableFormat.jsonObject(table).merging(["name": suffix.isEmpty ? "main" : String(suffix.dropFirst()),
                                                       "csv": "\(definition.id)\(suffix).csv"]) { first, _ in first }
            },
        ]
        return try JSONText.encode(object) + "\n"
    }

    static func dataLine(_ table: any SurveyAnalysisResult) -> String {
        let sites = table.sites.count == 1 ? "1 site" : "\(table.sites.count) sites"
        let wave = table.wave.map { ", wave \($0)" } ?? ""
        return "Instrument: \(table.instrumentTitle) (`\(table.instrumentID)` \(table.instrumentVersion))\(wave). "
            + "Responses: \(table.responses) from \(sites) (\(table.sites.joined(separator: ", ")))."
    }
}

/// What every single-wave survey analysis says about its data.
public protocol SurveyAnalysisResult: Sendable {
    var instrumentID: String { get }
    var instrumentVersion: String { get }
    var instrumentTitle: String { get }
    var wave: String? { get }
    var responses: Int { get }
    var sites: [String] { get }
}

extension OutcomeTableResult: SurveyAnalysisResult {}
extension SubgroupComparisonResult: SurveyAnalysisResult {}
extension ProcessAssociationsResult: SurveyAnalysisResult {}
extension OutcomeIndexResult: SurveyAnalysisResult {}
extension DistributionResult: SurveyAnalysisResult {}
