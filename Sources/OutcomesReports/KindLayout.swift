import Foundation
import OutcomesAnalyses

/// How one kind's result is laid out for people and for tools: its tables, its charts for the report
/// and the methods text written from what was computed. Each kind's result conforms in the kind's
/// layout file (`OutcomeTableLayout.swift`, ...); `ReportWriter` and `HTMLReport` call nothing else.
protocol KindLayout: AnalysisResult {
    /// The machine-readable tables, each with the suffix of its CSV file name ("" for the main table).
    var csvTables: [(suffix: String, table: ReportTable)] { get }
    /// The tables for people, in reading order (Markdown and HTML both use them).
    var humanTables: [ReportTable] { get }
    /// The report's charts, each with the table of its figures.
    var charts: [Chart] { get }
    /// How each figure was computed, for the report's methods section.
    var methods: String { get }
    /// One sentence on the data covered: instrument and version, waves, responses, sites.
    var dataDescription: String { get }
    /// The JSON's `data` object.
    var jsonData: [String: Any] { get }
    /// Responses and sites per wave that the analysis read, for the report's data table.
    var wavesRead: (instrument: String, version: String,
                    waves: [(wave: String, responses: Int, sites: [String])]) { get }
    /// One line for the console: what was analysed.
    var summary: String { get }
    /// Whether every figure of its tables, notes and charts goes through the analysis's disclosure
    /// rules. A kind that does not is never marked fit for publication.
    var appliesDisclosureControl: Bool { get }
}

extension KindLayout {
    var charts: [Chart] { [] }
    var appliesDisclosureControl: Bool { false }
}

/// What every single-wave survey analysis says about its data.
public protocol SurveyAnalysisResult: Sendable {
    var instrumentID: String { get }
    var instrumentVersion: String { get }
    var instrumentTitle: String { get }
    var wave: String? { get }
    var responses: Int { get }
    var sites: [String] { get }
    /// The instrument versions pooled (empty when every response is to the version labelling the tables).
    var versions: InstrumentVersions { get }
}

extension KindLayout where Self: SurveyAnalysisResult {
    var dataDescription: String {
        let sites = sites.count == 1 ? "1 site" : "\(sites.count) sites"
        let wave = wave.map { ", wave \($0)" } ?? ""
        return "Instrument: \(instrumentTitle) (`\(instrumentID)` \(instrumentVersion))\(wave). "
            + "Responses: \(responses) from \(sites) (\(self.sites.joined(separator: ", ")))."
            + (versions.sentence.map { " " + $0 } ?? "")
    }

    var jsonData: [String: Any] {
        var data: [String: Any] = ["instrument": instrumentID, "instrument_version": instrumentVersion,
                                   "wave": wave as Any? ?? NSNull(), "responses": responses, "sites": sites]
        // Only where versions were pooled or left out: a one-version store's JSON is as it was.
        if versions.isShown {
            let counts = { (counts: [InstrumentVersions.Count]) in
                counts.map { ["version": $0.version, "responses": $0.responses] as [String: Any] }
            }
            data["versions"] = counts(versions.pooled.isEmpty
                ? [.init(version: instrumentVersion, responses: responses)] : versions.pooled)
            data["versions_not_analysed"] = counts(versions.excluded)
            data["version_notes"] = versions.notes
        }
        return data
    }

    var wavesRead: (instrument: String, version: String, waves: [(wave: String, responses: Int, sites: [String])]) {
        let version = versions.pooled.isEmpty ? instrumentVersion
            : versions.pooled.map(\.version).joined(separator: ", ")
        return (instrumentID, version, [(wave ?? "", responses, sites)])
    }
}
