import ArgumentParser
import Foundation
import OutcomesInstruments

struct InstrumentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "instrument",
        abstract: "Work with instrument (questionnaire) definitions.",
        subcommands: [Check.self, ImportREDCap.self, ImportXLSForm.self, ExportREDCap.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate instrument files and report every problem as file:line: message.",
            discussion: """
            Checks the YAML syntax, every key and value, and every cross-reference: choice sets that
            exist, unique item ids, skip conditions naming earlier items and real codes, domains
            declared, outcome items whose answers all have a valence, scales over numeric items.
            Exits non-zero if any file has a problem.

            Example: outcomes instrument check instruments/*.yaml
            """)

        @Argument(help: ArgumentHelp("Instrument files (YAML).", valueName: "file"))
        var files: [String]

        func run() throws {
            var failed = false
            for file in files {
                do {
                    let instrument = try InstrumentParser.load(file: file)
                    print("\(file): ok: \(instrument.id) \(instrument.version), \(instrument.items.count) items, "
                          + "\(instrument.outcomeItems.count) outcome items, \(instrument.scales.count) scales")
                } catch {
                    failed = true
                    _ = reportAndExit(error)
                }
            }
            if failed { throw ExitCode.failure }
        }
    }
}

/// Finds the instrument file whose `id` matches, in a folder of instrument files.
func findInstrument(id: String, in directory: String) throws -> (instrument: Instrument, file: String, text: String) {
    var known: [String] = []
    for path in try yamlFiles(in: directory, what: "instruments", option: "--instruments") {
        // Only the file with the wanted id must be valid; a broken neighbour is reported only if it is that one.
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
        let instrument: Instrument
        do {
            instrument = try InstrumentParser.parse(text, file: path)
        } catch {
            if text.contains("id: \(id)\n") || text.contains("id: \"\(id)\"") { throw error }
            continue
        }
        if instrument.id == id { return (instrument, path, text) }
        known.append(instrument.id)
    }
    throw ValidationError("no instrument with id '\(id)' in \(directory)"
                          + (known.isEmpty ? "" : " (found: \(known.sorted().joined(separator: ", ")))"))
}

/// The YAML files of a folder (instruments or analyses), sorted, as paths; `what` and `option` name
/// the folder and the option that sets it when it does not exist.
func yamlFiles(in directory: String, what: String, option: String) throws -> [String] {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
        throw ValidationError("no \(what) folder at \(directory) (pass \(option) DIR)")
    }
    return try FileManager.default.contentsOfDirectory(atPath: directory)
        .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        .map { (directory as NSString).appendingPathComponent($0) }
}
