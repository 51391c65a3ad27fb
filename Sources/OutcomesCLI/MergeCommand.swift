import ArgumentParser
import Foundation
import OutcomesStore

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge databases captured offline at sites into the central one.",
        discussion: """
        Each site file is merged whole or not at all, with import's rules: a response already here
        with the same answers is a duplicate and not stored again; one with different answers is
        refused (or, with --corrections, applied and kept in the audit trail); an instrument version
        whose definition differs from the one here is refused. Drafts stay at the site.

        Example: outcomes merge --db central.sqlite north.sqlite south.sqlite
        """)

    @Argument(help: ArgumentHelp("Site databases to merge.", valueName: "site.sqlite"))
    var sites: [String]

    @Flag(help: "Apply changed answers to responses already stored, keeping old and new in the audit trail.")
    var corrections = false

    @OptionGroup var database: DatabaseOption

    func run() throws {
        do {
            let store = try database.open()
            Store.toolVersion = Outcomes.version
            var failed = false
            for site in sites {
                do {
                    for summary in try store.merge(from: site, applyCorrections: corrections) {
                        print("\(site): \(summary.instrumentID): \(summary.responses) responses: \(summary.new) new, \(summary.duplicates) duplicates"
                              + (summary.corrected > 0 ? ", \(summary.corrected) corrected" : "") + " -> \(store.path)")
                    }
                } catch {
                    failed = true
                    printError("\(error)")
                    printError("\(site): nothing merged")
                }
            }
            if failed { throw ExitCode.failure }
        } catch {
            throw reportAndExit(error)
        }
    }
}
