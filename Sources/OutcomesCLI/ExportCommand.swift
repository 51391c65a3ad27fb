import ArgumentParser
import Foundation
import OutcomesInterchange
import OutcomesStore

extension ExportFormat: ExpressibleByArgument {}

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write stored responses back out as CSV.",
        discussion: """
        --format csv writes the interchange format (one row per response, one column per item): the \
        file re-imports to identical data. --format long-csv writes one row per answer \
        (respondent_id,site,arm,wave,item,value), leaving out missing answers.

        Beside the data it writes a data dictionary, FILE-dictionary.csv: one row per variable with \
        its question, type, section, range, skip condition, domain, value labels (code=label | ...), \
        special codes (not applicable, don't know) and, for an instrument converted from REDCap or an \
        XLSForm, the variable's name and codes in that tool, so that the data load into R, SPSS or \
        Stata with labels and match the tool's own exports. --loaders also writes FILE.R (base R: choice \
        items as labelled factors, dates as \
        Dates, each column's question as its "label" attribute; for long-csv, item and value labels \
        as columns) and, for --format csv, FILE.do (Stata: variable and value labels).

        Examples:
          outcomes export --instrument activation --wave baseline --out baseline.csv
          outcomes export --instrument carer --format long-csv --out long.csv --loaders
          outcomes export --instrument activation --scores --out activation-scored.csv
        """)

    @Option(help: ArgumentHelp("The id of the instrument to export.", valueName: "id"))
    var instrument: String

    @Option(help: ArgumentHelp("Only this wave (default: every wave).", valueName: "name"))
    var wave: String?

    @Option(help: "csv (the interchange format) or long-csv (one row per answer).")
    var format: ExportFormat = .csv

    @Option(help: ArgumentHelp("File to write.", valueName: "file.csv"))
    var out: String

    @Flag(inversion: .prefixedNo, help: "Write FILE-dictionary.csv beside the data.")
    var dictionary = true

    @Flag(help: "Also write loader scripts beside the data: FILE.R, and FILE.do for --format csv.")
    var loaders = false

    @Flag(help: ArgumentHelp("Add each scale's score and level (as the analyses compute them).",
                             discussion: "Columns <scale id> and <scale id>_level (long-csv: rows with those items); "
                                 + "blank where too few items were answered. For analysis elsewhere: "
                                 + "the file does not import again."))
    var scores = false

    @OptionGroup var database: DatabaseOption

    func run() throws {
        do {
            let store = try database.openExisting()
            let count = try store.export(instrument: instrument, wave: wave, format: format, to: out, scores: scores)
            print("\(out): \(count) responses to \(instrument)\(wave.map { ", wave \($0)" } ?? "") (\(format.rawValue))")
            guard dictionary || loaders, let definition = try store.instrument(id: instrument) else { return }
            let stem = (out as NSString).deletingPathExtension
            func write(_ text: String, _ path: String, _ what: String) throws {
                try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
                print("\(path): \(what)")
            }
            if dictionary {
                try write(DataDictionary.csv(for: definition, scores: scores), stem + "-dictionary.csv",
                          "data dictionary")
            }
            if loaders {
                try write(DataDictionary.rScript(for: definition, dataFile: out, format: format), stem + ".R", "R loader (source it from this folder)")
                if format == .csv {
                    let (script, notes) = DataDictionary.stataScript(for: definition, dataFile: out)
                    for note in notes { printError("note: \(note)") }
                    try write(script, stem + ".do", "Stata loader (do it from this folder)")
                } else {
                    print("No Stata loader for long-csv: Stata labels values per variable, so export --format csv for Stata.")
                }
            }
        } catch {
            throw reportAndExit(error)
        }
    }
}
