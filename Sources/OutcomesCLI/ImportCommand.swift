import ArgumentParser
import Foundation
import OutcomesInstruments
import OutcomesInterchange
import OutcomesStore

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import responses: the CSV interchange format, or REDCap, KoboToolbox/ODK, Excel, SPSS "
                  + "and Stata exports.",
        discussion: """
        The interchange format (--format csv, the default) has a header \
        `respondent_id,site,arm,wave,<item ids...>` and one row per completed questionnaire: choice codes \
        as the instrument defines them, an empty cell for a missing answer, multiple choice codes \
        separated by ';', dates as YYYY-MM-DD. `arm` (pilot or control) may be empty or left out. Columns \
        may come in any order and any subset of items may be present. Files are UTF-8 (or name the \
        encoding with --encoding); the separator (',', ';' or tab) is read from the header; spaces around \
        a cell are ignored.

        Other tools' exports are read as they come, for an instrument converted from that tool \
        (`outcomes instrument import-redcap` / `import-xlsform`), which keeps their names and codes.

        --format redcap reads a REDCap "raw data" export: the record id is the respondent, \
        redcap_event_name the wave (as the instrument's source events map it, or --event), \
        redcap_data_access_group the site (or --site), checkbox columns field___code one answer. Rows \
        with no form of the instrument entered are left out, and rows with an incomplete or unverified \
        form too unless --include-incomplete; both are counted. Repeating instruments are refused.

        --format kobo reads a KoboToolbox or ODK Central export: group paths in headers, choice names as \
        answers, metadata columns (start, _uuid, meta/instanceID, ...) left out with a note. Each \
        submission is a respondent unless --respondent-column names a question; give the site and wave \
        with --site/--wave or --site-column/--wave-column.

        Whatever the format, an .xlsx workbook (first sheet, or --sheet), an SPSS .sav or a Stata .dta \
        file is recognised by its contents: numbers and dates are read as values, SPSS and Stata value \
        labels are checked against the instrument's choices. Their places are sheet row:column, or \
        case:variable numbers.

        Every row is validated. A file is stored whole, in one transaction, or not at all: if any row \
        is bad, every problem is printed as file:line:column: message and nothing from that file is \
        stored. Responses already stored with the same answers are counted as duplicates and skipped, \
        so importing a file twice is safe. A stored response whose answers the file changes is refused, \
        unless --corrections is given: then it is updated and the old and new answers are kept in the \
        audit trail (the audit_trail view of the database, which names each file, its SHA-256 and format).

        Examples (each runs from the repository's folder; samples/README.md says how the exports were made):
          outcomes import --instrument budget-holder samples/budget-holder.csv
          outcomes import --instrument budget-holder --encoding windows-1252 \\
            samples/exports/budget-holder-dunmere-windows-1252.csv
          outcomes import --instrument budget-holder \\
            samples/exports/budget-holder-brackenmoor.xlsx
          outcomes import --instrument budget-holder --site elmstead --wave 2026 \\
            --respondent-column id samples/exports/budget-holder-elmstead.sav
          outcomes import --instrument budget-holder --format redcap \\
            --event wave_2026_arm_1=2026 samples/exports/budget-holder-redcap.csv
          outcomes import --instrument budget-holder --format kobo --site carrow-bay \\
            --wave 2026 --respondent-column participant_id \\
            samples/exports/budget-holder-carrow-bay-kobo.csv
        """)

    @Option(help: ArgumentHelp("The id of the instrument the files answer (e.g. budget-holder).", valueName: "id"))
    var instrument: String

    @Option(help: ArgumentHelp("Folder of instrument files.", valueName: "dir"))
    var instruments: String = "instruments"

    @Option(help: ArgumentHelp("The files' layout: csv (the interchange format), redcap or kobo (also ODK Central).",
                               valueName: "csv|redcap|kobo"))
    var format: String = "csv"

    @OptionGroup var database: DatabaseOption

    @Flag(help: "Validate and report what would be stored, without storing anything.")
    var dryRun = false

    @Flag(help: "Apply changed answers to responses already stored, keeping old and new in the audit trail.")
    var corrections = false

    @OptionGroup var text: TextFileOptions

    @Option(help: ArgumentHelp("The sheet of an .xlsx workbook (default: the first).", valueName: "name"))
    var sheet: String?

    @Option(help: ArgumentHelp("The site of every row, where the file has no site column (REDCap: of records with no "
                               + "data access group).",
                               valueName: "site"))
    var site: String?

    @Option(help: ArgumentHelp("The wave of every row, where the file has no wave column (a REDCap project "
                               + "without events).",
                               valueName: "wave"))
    var wave: String?

    @Option(help: ArgumentHelp("REDCap: the wave of an event, as EVENT=WAVE (EVENT=skip leaves its rows out); "
                               + "repeat for each.",
                               valueName: "event=wave"))
    var event: [String] = []

    @Flag(help: "REDCap: import records with an incomplete or unverified form too.")
    var includeIncomplete = false

    @Option(help: ArgumentHelp("""
        The column holding the respondent's id, where it is not respondent_id (Kobo/ODK: default the \
        submission's instance id).
        """, valueName: "name"))
    var respondentColumn: String?

    @Option(help: ArgumentHelp("The column holding the site, where it is not site.", valueName: "name"))
    var siteColumn: String?

    @Option(help: ArgumentHelp("The column holding the wave, where it is not wave.", valueName: "name"))
    var waveColumn: String?

    @Argument(help: ArgumentHelp("Files to import (.csv, .xlsx, .sav, .dta).", valueName: "file"))
    var files: [String]

    func validate() throws {
        guard let layout = ResponseLayoutName(rawValue: format) else {
            throw ValidationError("--format '\(format)': expected csv, redcap or kobo")
        }
        for mapping in event where mapping.split(separator: "=").count != 2 {
            throw ValidationError("--event '\(mapping)': expected EVENT=WAVE, e.g. baseline_arm_1=baseline")
        }
        if layout != .redcap, !event.isEmpty || includeIncomplete {
            throw ValidationError("--event and --include-incomplete go with --format redcap")
        }
        if layout == .redcap, respondentColumn != nil || siteColumn != nil || waveColumn != nil {
            throw ValidationError(
                "--respondent-column, --site-column and --wave-column go with --format kobo or csv (a REDCap "
                + "export's record id, data access group and event say them)")
        }
    }

    func run() throws {
        do {
            let found = try findInstrument(id: instrument, in: instruments)
            var options = ResponseImportOptions()
            options.layout = ResponseLayoutName(rawValue: format)!
            options.sheet = sheet
            options.site = site
            options.wave = wave
            options.respondentColumn = respondentColumn
            options.siteColumn = siteColumn
            options.waveColumn = waveColumn
            options.includeIncomplete = includeIncomplete
            for mapping in event {
                let parts = mapping.split(separator: "=").map { $0.trimmingCharacters(in: .whitespaces) }
                options.events[parts[0]] = parts[1]
            }
            options.store = ImportOptions(dryRun: dryRun, applyCorrections: corrections, text: try text.textOptions())
            let store = try database.open()
            Store.toolVersion = Outcomes.version
            var failed = false
            for file in files {
                do {
                    let progress = standardErrorIsTerminal ? ProgressLine(label: "importing \(file)") : nil
                    let result = try store.importResponses(
                        file: file, instrument: found.instrument, definition: found.text, options: options,
                        progress: progress.map { line in { line.update(rows: $0, fraction: $1) } })
                    progress?.finish()
                    let summary = result.stored
                    for note in result.notes { print("\(file): note: \(note)") }
                    for (reason, rows) in result.skipped {
                        print("\(file): left out \(rows) row\(rows == 1 ? "" : "s"): \(reason)")
                    }
                    if let from = summary.transcodedFrom { print("\(file): read as \(from.rawValue), stored as UTF-8") }
                    if summary.delimiter != "," { print("\(file): read as \(summary.delimiter)-separated") }
                    let verb = dryRun ? "would store" : "stored"
                    let read = result.format == "csv" ? "" : " (read as \(result.format))"
                    print("\(file): \(result.rowsRead) rows\(read): \(verb) \(summary.new) new responses, "
                          + "\(summary.duplicates) duplicates skipped, "
                          + (summary.corrected > 0 ? "\(summary.corrected) corrected, " : "")
                          + "0 rejected (\(summary.instrumentID) \(summary.instrumentVersion) -> \(store.path))")
                    if !summary.absentRequiredItems.isEmpty {
                        print("\(file): note: \(summary.absentRequiredItems.count) required items have no column and are stored as missing: "
                              + summary.absentRequiredItems.joined(separator: ", "))
                    }
                } catch let list as DiagnosticList {
                    failed = true
                    _ = reportAndExit(list)
                    let rows = list.rows
                    let count = "\(list.total) problem\(list.total == 1 ? "" : "s")"
                    printError("\(file): nothing stored: \(count)"
                               + (rows > 0 ? " on \(rows) line\(rows == 1 ? "" : "s")" : ""))
                }
            }
            if failed { throw ExitCode.failure }
        } catch {
            throw reportAndExit(error)
        }
    }
}

/// A one-line progress display on standard error, redrawn in place.
final class ProgressLine {
    let label: String
    private var lastDraw = Date.distantPast

    init(label: String) { self.label = label }

    func update(rows: Int, fraction: Double) {
        let now = Date()
        guard now.timeIntervalSince(lastDraw) > 0.2 else { return }
        lastDraw = now
        FileHandle.standardError.write(Data("\r\(label): \(rows) rows (\(Int(fraction * 100))%)\u{1B}[K".utf8))
    }

    func finish() {
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
