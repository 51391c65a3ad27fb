import ArgumentParser
import Foundation
import OutcomesInstruments
import OutcomesStore

@main
struct Outcomes: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "outcomes",
        abstract: "Run and evaluate person-reported outcomes surveys in health and social care.",
        discussion: """
        Instruments (questionnaires) and analyses are YAML files; responses are stored in SQLite.
        A typical run on the shipped samples:

          outcomes instrument check instruments/*.yaml
          outcomes import --instrument budget-holder samples/budget-holder.csv
          outcomes import --instrument carer samples/carer.csv
          outcomes analyse analyses/*.yaml --out out/tables

        The database is outcomes.sqlite in the working directory unless --db names another.
        """,
        version: version,
        subcommands: [InstrumentCommand.self, ImportCommand.self, CaptureCommand.self, AnalyseCommand.self, ExportCommand.self, MergeCommand.self, StatusCommand.self,
                      SamplesCommand.self, ServeCommand.self, TokenCommand.self]
    )
}

/// Shared by every command that uses the store.
struct DatabaseOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The SQLite database of responses.", valueName: "path"))
    var db: String = Store.defaultPath

    /// Opens the database, creating it if needed; says so on standard error if it must be upgraded first.
    func open() throws -> Store { try Store(path: db, upgradeNotice: { printError("note: \($0)") }) }
    /// Opens an existing database only (a mistyped path must not create an empty one).
    func openExisting() throws -> Store { try Store.openExisting(path: db, upgradeNotice: { printError("note: \($0)") }) }
}

/// Prints problems the way compilers do (one `file:line:column: message` per line, on standard
/// error) and exits non-zero: bad input is reported, never a crash or a stack trace.
func reportAndExit(_ error: Error) -> ExitCode {
    switch error {
    case let list as DiagnosticList:
        for diagnostic in list.diagnostics { printError("\(diagnostic)") }
    case let exit as ExitCode:
        return exit
    default:
        printError("error: \(error)")
    }
    return .failure
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Whether standard error is a terminal (progress is shown only there).
var standardErrorIsTerminal: Bool { isatty(FileHandle.standardError.fileDescriptor) == 1 }

/// How a text file is to be read, for every command that reads sites' or other tools' CSV files.
struct TextFileOptions: ParsableArguments {
    @Option(help: ArgumentHelp("""
        The file's character encoding: utf-8 (the default), windows-1252 (Excel's "CSV (Comma delimited)"), \
        latin1 or utf-16 (Excel's "Unicode Text"; read without this when it starts with a byte order mark).
        """, valueName: "name"))
    var encoding: String?

    @Option(help: ArgumentHelp("The field separator: ',', ';' or tab (default: detected from the header line).",
                               valueName: "char"))
    var delimiter: String?

    func textOptions() throws -> TextOptions {
        var options = TextOptions()
        if let encoding {
            guard let parsed = TextEncoding(name: encoding) else {
                throw ValidationError("--encoding '\(encoding)': expected one of "
                                      + "\(TextEncoding.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            options.encoding = parsed
        }
        if let delimiter {
            guard let byte = TextOptions.delimiter(named: delimiter) else {
                throw ValidationError("--delimiter '\(delimiter)': expected ',', ';', tab or '|'")
            }
            options.delimiter = byte
        }
        return options
    }
}
