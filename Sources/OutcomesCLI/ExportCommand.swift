import ArgumentParser
import Foundation
import OutcomesStore

extension ExportFormat: ExpressibleByArgument {}

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write stored responses back out as CSV.",
        discussion: """
        --format csv writes the interchange format (one row per response, one column per item): the
        file re-imports to identical data. --format long-csv writes one row per answer
        (respondent_id,site,arm,wave,item,value), leaving out missing answers.

        Example: outcomes export --instrument activation --wave baseline --format csv --out baseline.csv
        """)

    @Option(help: ArgumentHelp("The id of the instrument to export.", valueName: "id"))
    var instrument: String

    @Option(help: ArgumentHelp("Only this wave (default: every wave).", valueName: "name"))
    var wave: String?

    @Option(help: "csv (the interchange format) or long-csv (one row per answer).")
    var format: ExportFormat = .csv

    @Option(help: ArgumentHelp("File to write.", valueName: "file.csv"))
    var out: String

    @OptionGroup var database: DatabaseOption

    func run() throws {
        do {
            let store = try Store.openExisting(path: database.db)
            let count = try store.export(instrument: instrument, wave: wave, format: format, to: out)
            print("\(out): \(count) responses to \(instrument)\(wave.map { ", wave \($0)" } ?? "") (\(format.rawValue))")
        } catch {
            throw reportAndExit(error)
        }
    }
}
