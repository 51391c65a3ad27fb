import ArgumentParser
import Foundation
import OutcomesInstruments
import OutcomesStore

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import responses from CSV files in the interchange format.",
        discussion: """
        Each file has a header `respondent_id,site,arm,wave,<item ids...>` and one row per completed
        questionnaire: choice codes as the instrument defines them, an empty cell for a missing answer,
        multiple choice codes separated by ';', dates as YYYY-MM-DD. `arm` (pilot or control) may be
        empty or left out. Columns may come in any order and any subset of items may be present.

        Every row is validated. A file is stored whole, in one transaction, or not at all: if any row
        is bad, every problem is printed as file:line:column: message and nothing from that file is
        stored. Responses already stored with the same answers are counted as duplicates and skipped,
        so importing a file twice is safe. A stored response whose answers the file changes is refused,
        unless --corrections is given: then it is updated and the old and new answers are kept in the
        audit trail (the audit_trail view of the database).

        Example: outcomes import --instrument budget-holder samples/budget-holder.csv
        """)

    @Option(help: ArgumentHelp("The id of the instrument the files answer (e.g. budget-holder).", valueName: "id"))
    var instrument: String

    @Option(help: ArgumentHelp("Folder of instrument files.", valueName: "dir"))
    var instruments: String = "instruments"

    @OptionGroup var database: DatabaseOption

    @Flag(help: "Validate and report what would be stored, without storing anything.")
    var dryRun = false

    @Flag(help: "Apply changed answers to responses already stored, keeping old and new in the audit trail.")
    var corrections = false

    @OptionGroup var text: TextFileOptions

    @Argument(help: ArgumentHelp("CSV files to import.", valueName: "file.csv"))
    var files: [String]

    func run() throws {
        do {
            let found = try findInstrument(id: instrument, in: instruments)
            let textOptions = try text.textOptions()
            let store = try database.open()
            Store.toolVersion = Outcomes.version
            var failed = false
            for file in files {
                do {
                    let progress = standardErrorIsTerminal ? ProgressLine(label: "importing \(file)") : nil
                    let summary = try store.importCSV(file: file, instrument: found.instrument, definition: found.text,
                                                      options: ImportOptions(dryRun: dryRun, applyCorrections: corrections, text: textOptions), progress: progress.map { line in { line.update(rows: $0, fraction: $1) } })
                    progress?.finish()
                    let verb = dryRun ? "would store" : "stored"
                    if let from = summary.transcodedFrom {
                        print("\(file): read as \(from.rawValue), stored as UTF-8")
                    }
                    if summary.delimiter != "," { print("\(file): read as \(summary.delimiter)-separated") }
                    print("\(file): \(summary.rows) rows: \(verb) \(summary.new) new responses, \(summary.duplicates) duplicates skipped, "
                          + (summary.corrected > 0 ? "\(summary.corrected) corrected, " : "")
                          + "0 rejected (\(summary.instrumentID) \(summary.instrumentVersion) -> \(store.path))")
                    if !summary.absentRequiredItems.isEmpty {
                        print("\(file): note: \(summary.absentRequiredItems.count) required items have no column and are stored as missing: "
                              + summary.absentRequiredItems.joined(separator: ", "))
                    }
                } catch let list as DiagnosticList {
                    failed = true
                    _ = reportAndExit(list)
                    let rows = Set(list.diagnostics.compactMap(\.line)).count
                    printError("\(file): nothing stored: \(list.diagnostics.count) problem\(list.diagnostics.count == 1 ? "" : "s") on \(rows) line\(rows == 1 ? "" : "s")")
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
