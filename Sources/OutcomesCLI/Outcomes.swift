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
