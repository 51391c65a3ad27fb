import ArgumentParser
import Foundation
import OutcomesAnalyses
import OutcomesInstruments
import OutcomesReports
import OutcomesStore

struct AnalyseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyse",
        abstract: "Run analysis files on the stored responses and write evaluation tables.",
        discussion: """
        Each analysis file (YAML, under analyses/) names an instrument, what to compute (its kind) and
        the subgroups to split by. Kinds: \(AnalysisDefinition.Kind.allCases.map(\.rawValue).joined(separator: ", ")) \
        (scale_change and pilot_vs_control link a baseline and a follow-up wave; the others take one wave).
        For each, the tables are written to the output folder as <analysis id>.csv (the
        main long table, plus <id>-<part>.csv for the others), .md (for people) and .json (for tools);
        then report.html: one self-contained file with every analysis, its charts and a methods note.

        Tables are made fit for publication by default: counts of 1 to 7 are shown as *, others
        rounded to the nearest 5, percentages computed from the rounded figures, and a group or site
        with fewer than 10 answering is shown as "fewer than 10" (NHS Digital's rules). An analysis
        file, or analyses/defaults.yaml for all of them, can say otherwise with `disclosure:`.

        Examples:
          outcomes analyse analyses/*.yaml --out out/tables
          outcomes analyse analyses/*.yaml --out out/check --no-disclosure-control   # exact, NOT FOR PUBLICATION
        """,
        aliases: ["analyze"])

    @Argument(help: ArgumentHelp("Analysis files (YAML).", valueName: "file"))
    var files: [String]

    @Option(help: ArgumentHelp("Folder to write the tables and report.html to (created if needed).", valueName: "dir"))
    var out: String = "tables"

    @Option(help: ArgumentHelp("Title of report.html.", valueName: "text"))
    var title: String = "Outcomes evaluation report"

    @Flag(help: ArgumentHelp("""
        Show every figure exactly, small counts included, for the evaluation team's own checks: every \
        output is stamped NOT FOR PUBLICATION. Without it each analysis's disclosure rules apply \
        (by default NHS Digital's: counts of 1 to 7 as *, others rounded to 5; groups of fewer than 10 not shown).
        """))
    var noDisclosureControl = false

    @OptionGroup var database: DatabaseOption

    func run() throws {
        do {
            // Check every file before computing anything, so a typo in the last file costs no time.
            var definitions: [AnalysisDefinition] = []
            var problems: [Diagnostic] = []
            // A folder's defaults.yaml and sites.yaml (analyses/*.yaml includes them) are not analyses.
            for file in files where SiteNames.isAnalysisFile(file) {
                do {
                    var definition = try AnalysisDefinition.load(file: file)
                    if noDisclosureControl { definition.disclosure = .off }
                    definitions.append(definition)
                } catch let list as DiagnosticList {
                    problems += list.diagnostics
                }
            }
            if !problems.isEmpty { throw DiagnosticList(problems) }
            guard !definitions.isEmpty else {
                throw ValidationError("no analysis file among \(files.joined(separator: ", ")): a folder's "
                                      + "defaults.yaml and sites.yaml are its settings, not analyses; "
                                      + "name the analysis file another way")
            }
            let store = try database.openExisting()
            // Each survey's responses are read once for all the analyses of it.
            let session = AnalysisSession(store: store, definitions: definitions)
            var results: [any AnalysisResult] = []
            var omitted: [String] = []
            // Progress on a terminal only: logs and pipes get the one summary line per analysis.
            let progress = standardErrorIsTerminal
            for (index, definition) in definitions.enumerated() {
                if progress { FileHandle.standardError.write(Data("\r[\(index + 1)/\(definitions.count)] \(definition.id)...\u{1B}[K".utf8)) }
                let started = Date()
                do {
                    let result = try session.run(definition)
                    let written = try ReportWriter.write(result, to: out)
                    if progress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
                    let seconds = Date().timeIntervalSince(started)
                    print("\(definition.file): \(ReportWriter.summary(result))"
                          + "\(seconds >= 1 ? String(format: " (%.1f s)", seconds) : "") -> "
                          + "\(written.joined(separator: ", "))")
                    results.append(result)
                } catch {
                    if progress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
                    omitted.append("\(definition.file): \(error)")
                    _ = reportAndExit(error)
                }
            }
            if !results.isEmpty {
                // The data table: each instrument and wave the analyses read, once.
                let waves = try ReportWriter.dataWaves(results) { try store.storedDates(instrument: $0) }
                let report = try ReportWriter.writeReport(results, context: ReportContext(title: title, waves: waves,
                                                                                        generator: "outcomes \(Outcomes.version)",
                                                                                        omitted: omitted), to: out)
                print("Report: \(report)\(omitted.isEmpty ? "" : " (leaves out \(omitted.count) failed analysis file\(omitted.count == 1 ? "" : "s"))")")
            }
            if !omitted.isEmpty { throw ExitCode.failure }
            print("Tables are in \(out)/")
        } catch {
            throw reportAndExit(error)
        }
    }
}

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show what the database holds: instruments, waves and response counts.")

    @OptionGroup var database: DatabaseOption

    func run() throws {
        do {
            let store = try database.openExisting()
            print("\(store.path):")
            for instrument in try store.instruments() {
                print("  instrument \(instrument.id) \(instrument.version): \(instrument.title)")
            }
            for count in try store.responseCounts() {
                print("  \(count.instrument), wave \(count.wave): \(count.complete) responses"
                      + (count.drafts > 0 ? " (and \(count.drafts) drafts, not counted in analyses)" : ""))
            }
        } catch {
            throw reportAndExit(error)
        }
    }
}
