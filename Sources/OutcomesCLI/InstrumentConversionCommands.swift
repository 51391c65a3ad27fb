import ArgumentParser
import Foundation
import OutcomesInstruments
import OutcomesInterchange

/// Where a converted instrument goes, and what it is called.
struct ConversionOutput: ParsableArguments {
    @Option(help: ArgumentHelp("Instrument id (default: from the file name, or the form's form_id).", valueName: "id"))
    var id: String?

    @Option(help: ArgumentHelp("Instrument version (default: 1.0.0, or the form's version).", valueName: "version"))
    var instrumentVersion: String?

    @Option(help: ArgumentHelp("Instrument title (default: from the file name, or the form's form_title).", valueName: "text"))
    var title: String?

    @Option(help: ArgumentHelp("Write the instrument here (default: standard output).", valueName: "file.yaml"))
    var out: String?

    @Flag(help: "Replace the --out file if it exists.")
    var force = false

    /// The naming given on the command line, filled in from `defaults` where not given.
    func naming(defaults: InstrumentNaming) -> InstrumentNaming {
        InstrumentNaming(id: id ?? defaults.id, version: instrumentVersion ?? defaults.version, title: title ?? defaults.title)
    }

    var anyNamingGiven: Bool { id != nil || instrumentVersion != nil || title != nil }

    /// Prints every conversion note (standard error), then writes the YAML.
    func write(_ converted: ConvertedInstrument) throws {
        for note in converted.notes { printError("note: \(note)") }
        guard let out else {
            print(converted.yaml, terminator: "")
            return
        }
        if FileManager.default.fileExists(atPath: out), !force {
            throw ValidationError("\(out) exists; pass --force to replace it")
        }
        try Data(converted.yaml.utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
        let instrument = converted.instrument
        printError("\(out): \(instrument.id) \(instrument.version), \(instrument.items.count) items in \(instrument.sections.count) sections, "
                   + "\(instrument.choiceSets.count) choice sets; \(converted.notes.count) note(s) above on what did not map")
    }
}

extension InstrumentCommand {
    struct ImportREDCap: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import-redcap",
            abstract: "Convert a REDCap data dictionary (CSV) or instrument zip to an instrument file.",
            discussion: """
            Forms and section headers become sections; text (integer, number, number_comma_decimal and \
            date validations, with numeric min/max), notes, radio, dropdown, checkbox, yesno, truefalse \
            and slider fields become items; identical choice lists become one choice set; "Required \
            Field?" becomes required (in a dictionary of one form); branching logic becomes show_if: \
            [q] = '1', [q] <> '1', [q(2)] = '1' on a checkbox, [age] > 65, [q] <> '', joined by and, or \
            and parentheses. Choice codes that are not whole numbers are renumbered, and the REDCap codes \
            are kept in the instrument, so that `outcomes import --format redcap` reads REDCap's exports \
            as they are. The first field is REDCap's record id when it looks like one (a text field \
            named or labelled as an id): it becomes respondent_id, not an item; an instrument zip (the \
            Shared Library's, or "Download instrument ZIP") has none. Whatever does not map \
            (calculated, descriptive and file fields, other validations or logic, action tags, field \
            notes, matrix layout) is listed as a note on standard error.

            The result has no outcome domains, valences or scales (REDCap has none): add them before \
            using the instrument for outcome tables. `outcomes instrument check` it afterwards.

            Examples:
              outcomes instrument import-redcap Baseline_DataDictionary.csv \\
                --id baseline --out instruments/baseline.yaml
              outcomes instrument import-redcap PHQ9_instrument.zip --id phq9
              outcomes instrument import-redcap dictionary.csv --record-id none
            """)

        @Argument(help: ArgumentHelp("The data dictionary (CSV, as REDCap's Online Designer downloads it) "
                                     + "or an instrument zip.",
                                     valueName: "dictionary.csv|instrument.zip"))
        var dictionary: String

        @Option(help: ArgumentHelp("""
            The record id field: 'detect' (the first field, if it looks like an id; the default for a CSV), a field \
            name, or 'none' (every field is a question; the default for a zip).
            """, valueName: "field|detect|none"))
        var recordID: String?

        @OptionGroup var text: TextFileOptions

        @OptionGroup var output: ConversionOutput

        func run() throws {
            do {
                let naming = output.naming(defaults: .fromFile(dictionary))
                let choice: REDCapDictionary.RecordIDField? = recordID.map {
                    $0 == "detect" ? .detect : $0 == "none" ? .none : .field($0)
                }
                let converted: ConvertedInstrument
                if dictionary.lowercased().hasSuffix(".zip") {
                    converted = try REDCapDictionary.instrument(zip: dictionary, naming: naming,
                                                                recordID: choice ?? .none)
                } else {
                    converted = try REDCapDictionary.instrument(csv: readInputFile(dictionary), file: dictionary,
                                                                naming: naming, recordID: choice ?? .detect,
                                                                text: text.textOptions())
                }
                try output.write(converted)
            } catch {
                throw reportAndExit(error)
            }
        }
    }

    struct ImportXLSForm: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import-xlsform",
            abstract: "Convert an XLSForm (ODK, KoboToolbox, SurveyCTO) to an instrument file.",
            discussion: """
            Reads the form's .xlsx workbook, or its survey sheet saved as CSV (with --choices and \
            --settings for the other sheets). integer, decimal, range, text, date, select_one and \
            select_multiple questions (with or_other) become items; groups become sections; required, \
            relevant (on questions and on groups: ${q} = 'yes', selected(${q}, 'a'), ${age} > 65, \
            ${q} != '', not(), and, or) and constraints such as . >= 0 and . <= 10 carry over. Choice \
            names that are not whole numbers are numbered in order, and the names are kept in the \
            instrument, as are question names that are not valid ids, so that `outcomes import --format \
            kobo` reads the form's exports as they are. Notes, calculations, metadata, media, repeats, \
            other expressions, hints and other languages are listed as notes on standard error. A legacy \
            .xls workbook is not read: save it as .xlsx.

            Examples:
              outcomes instrument import-xlsform form.xlsx --out instruments/form.yaml
              outcomes instrument import-xlsform survey.csv --choices choices.csv \\
                --settings settings.csv
            """)

        @Argument(help: ArgumentHelp("The form: an .xlsx workbook, or its survey sheet as CSV.", valueName: "form"))
        var form: String

        @Option(help: ArgumentHelp("The choices sheet as CSV (with a CSV survey sheet).", valueName: "choices.csv"))
        var choices: String?

        @Option(help: ArgumentHelp("The settings sheet as CSV (with a CSV survey sheet).", valueName: "settings.csv"))
        var settings: String?

        @OptionGroup var text: TextFileOptions

        @OptionGroup var output: ConversionOutput

        func run() throws {
            do {
                var sheets: [XLSForm.Sheet]
                if form.lowercased().hasSuffix(".csv") {
                    let options = try text.textOptions()
                    sheets = [try XLSForm.sheet(csv: form, name: "survey", text: options)]
                    if let choices { sheets.append(try XLSForm.sheet(csv: choices, name: "choices", text: options)) }
                    if let settings { sheets.append(try XLSForm.sheet(csv: settings, name: "settings", text: options)) }
                } else {
                    guard choices == nil, settings == nil else {
                        throw ValidationError("--choices and --settings go with a survey sheet saved as CSV; a workbook holds its own sheets")
                    }
                    guard FileManager.default.fileExists(atPath: form) else { throw DiagnosticList([Diagnostic(file: form, message: "no such file")]) }
                    sheets = try XLSForm.sheets(xlsx: form)
                }
                let converted = try XLSForm.instrument(sheets: sheets, naming: output.anyNamingGiven ? output.naming(defaults: .fromFile(form)) : nil,
                                                       defaultNaming: .fromFile(form))
                try output.write(converted)
            } catch {
                throw reportAndExit(error)
            }
        }
    }

    struct ExportREDCap: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export-redcap",
            abstract: "Write an instrument as a REDCap data dictionary (CSV) to upload in the Online Designer.",
            discussion: """
            Each section becomes a form (its title the first field's section header), choice items \
            become radio or checkbox fields, integer/number/date items become validated text fields \
            with their ranges, text items become notes fields, show_if becomes branching logic and \
            required becomes "Required Field?". A record_id field comes first, as REDCap requires. \
            What REDCap cannot hold (outcome domains, valences, special codes, scales) is listed on \
            standard error.

            Example:
              outcomes instrument export-redcap instruments/carer.yaml --out carer.csv
            """)

        @Argument(help: ArgumentHelp("The instrument file.", valueName: "instrument.yaml"))
        var instrument: String

        @Option(help: ArgumentHelp("Write the dictionary here (default: standard output).", valueName: "file.csv"))
        var out: String?

        @Flag(help: "Replace the --out file if it exists.")
        var force = false

        func run() throws {
            do {
                let parsed = try InstrumentParser.load(file: instrument)
                let (csv, notes) = REDCapDictionary.csv(for: parsed)
                for note in notes { printError("note: \(note)") }
                guard let out else { print(csv, terminator: ""); return }
                if FileManager.default.fileExists(atPath: out), !force { throw ValidationError("\(out) exists; pass --force to replace it") }
                try Data(csv.utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
                printError("\(out): \(parsed.items.count + 1) fields in \(parsed.sections.count) forms")
            } catch {
                throw reportAndExit(error)
            }
        }
    }
}
