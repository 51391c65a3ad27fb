import Foundation
import OutcomesInstruments
import OutcomesStore

/// REDCap data dictionaries (the CSV REDCap's Online Designer downloads and uploads), to and from the
/// toolkit's instruments.
///
/// What maps: forms and section headers become sections; `text` (with integer, number or date
/// validation and numeric min/max), `notes`, `radio`, `dropdown`, `checkbox`, `yesno`, `truefalse`
/// and `slider` fields become items; choices become choice sets (identical lists shared); "Required
/// Field?" becomes `required`; branching logic of the form `[q] = '1' or [q] = '2'` on an earlier
/// single-choice field becomes `show_if`. Everything else (calculated, descriptive, file and SQL
/// fields, other validations, other logic, identifiers, annotations, field notes) is listed in the
/// conversion notes.
public enum REDCapDictionary {
    /// The 18 columns of a REDCap data dictionary, in REDCap's order.
    public static let columns = [
        "Variable / Field Name", "Form Name", "Section Header", "Field Type", "Field Label",
        "Choices, Calculations, OR Slider Labels", "Field Note", "Text Validation Type OR Show Slider Number",
        "Text Validation Min", "Text Validation Max", "Identifier?", "Branching Logic (Show field only if...)",
        "Required Field?", "Custom Alignment", "Question Number (surveys only)", "Matrix Group Name",
        "Matrix Ranking?", "Field Annotation",
    ]

    private enum Column: Int, CaseIterable {
        case variable, form, sectionHeader, type, label, choices, note, validation, min, max, identifier,
             branching, required, alignment, questionNumber, matrixGroup, matrixRanking, annotation
    }

    // MARK: Import

    /// Converts a data dictionary (CSV bytes) to an instrument. Throws `DiagnosticList` if the file is
    /// not a data dictionary or a row cannot be read at all; conversions are in the result's notes.
    public static func instrument(csv data: Data, file: String, naming: InstrumentNaming) throws -> ConvertedInstrument {
        let records = try readCSVRecords(data, file: file)
        guard let header = records.first else { throw DiagnosticList([Diagnostic(file: file, message: "the file is empty: expected a REDCap data dictionary")]) }
        // REDCap has renamed some headers over the years; match on how each begins.
        let prefixes = ["variable", "form", "section", "field type", "field label", "choices", "field note", "text validation type",
                        "text validation min", "text validation max", "identifier", "branching", "required", "custom alignment",
                        "question number", "matrix group", "matrix ranking", "field annotation"]
        var position: [Column: Int] = [:]
        for (index, name) in header.fields.enumerated() {
            let lower = name.trimmingCharacters(in: .whitespaces).lowercased()
            if let column = Column.allCases.first(where: { lower.hasPrefix(prefixes[$0.rawValue]) }), position[column] == nil { position[column] = index }
        }
        let missing = [Column.variable, .form, .type, .label].filter { position[$0] == nil }
        guard missing.isEmpty else {
            throw DiagnosticList([Diagnostic(file: file, line: header.line, message: "not a REDCap data dictionary: no column "
                + missing.map { "'\(columns[$0.rawValue])'" }.joined(separator: ", ") + " in the header")])
        }

        var converter = Converter(file: file)
        for (index, record) in records.dropFirst().enumerated() {
            func value(_ column: Column) -> String {
                guard let at = position[column], at < record.fields.count else { return "" }
                return record.fields[at].trimmingCharacters(in: .whitespacesAndNewlines)
            }
            converter.add(line: record.line, isFirstField: index == 0, field: Field(
                variable: value(.variable), form: value(.form), sectionHeader: value(.sectionHeader), type: value(.type).lowercased(),
                label: value(.label), choices: value(.choices), note: value(.note), validation: value(.validation).lowercased(),
                min: value(.min), max: value(.max), identifier: value(.identifier).lowercased() == "y", branching: value(.branching),
                required: value(.required).lowercased() == "y", alignment: value(.alignment), matrixRanking: value(.matrixRanking),
                annotation: value(.annotation)))
        }
        if !converter.errors.isEmpty { throw DiagnosticList(converter.errors) }
        converter.summarise()
        guard !converter.sections.isEmpty else {
            throw DiagnosticList([Diagnostic(file: file, message: "no field converts to an item: nothing to write (see the notes above)")]
                                 + converter.notes.map { Diagnostic(file: file, message: $0.description) })
        }
        let instrument = Instrument(id: naming.id, version: naming.version, title: naming.title,
                                    choiceSets: converter.pool.sets, sections: converter.sections)
        return try InstrumentYAML.checked(instrument, source: (file as NSString).lastPathComponent, notes: converter.notes)
    }

    struct Field {
        var variable, form, sectionHeader, type, label, choices, note, validation, min, max: String
        var identifier: Bool
        var branching: String
        var required: Bool
        var alignment, matrixRanking, annotation: String
    }

    /// Row-by-row conversion, keeping the notes and what has been built so far.
    private struct Converter {
        let file: String
        var sections: [Section] = []
        var pool = ChoiceSetPool()
        var notes: [ConversionNote] = []
        var errors: [Diagnostic] = []
        var items: [String: Item] = [:]
        /// REDCap codes that were not whole numbers, renumbered: field -> REDCap code -> toolkit code.
        var renumbered: [String: [String: Int]] = [:]
        var currentForm = ""
        var sectionCount: [String: Int] = [:]
        var fieldNotes: [String] = [], alignments: [String] = [], rankings: [String] = []

        init(file: String) { self.file = file }

        mutating func note(_ line: Int, _ field: String?, _ message: String) {
            notes.append(ConversionNote(location: "\(file):\(line)", field: field, message: message))
        }

        mutating func add(line: Int, isFirstField: Bool, field: Field) {
            guard !field.variable.isEmpty || !field.type.isEmpty else { return }
            let id = field.variable
            guard YAMLReader.isIdentifier(id) else {
                errors.append(Diagnostic(file: file, line: line, message: "variable name '\(id)' should be lower-case letters, digits and '_', starting with a letter (as REDCap requires)"))
                return
            }
            guard items[id] == nil else {
                errors.append(Diagnostic(file: file, line: line, message: "variable '\(id)' appears twice"))
                return
            }
            if isFirstField {
                note(line, id, "the first field is REDCap's record id; the toolkit keeps respondent_id in every response file instead of an item, so it is not converted")
                return
            }
            // A new form, or a section header inside a form, starts a new section: the form's first is
            // named after the form, later ones (and a form that comes back) get _2, _3, ...
            let header = plainText(field.sectionHeader).text
            let newForm = field.form != currentForm || sections.isEmpty
            if newForm || !header.isEmpty {
                currentForm = field.form
                let formID = YAMLReader.isIdentifier(field.form) ? field.form : identifier(from: field.form)
                sectionCount[formID, default: 0] += 1
                let number = sectionCount[formID]!
                sections.append(Section(id: number == 1 ? formID : "\(formID)_\(number)",
                                        title: header.isEmpty ? titleFromName(field.form) : header, items: []))
            }

            let (text, hadMarkup) = plainText(field.label)
            if hadMarkup { note(line, id, "the label's HTML formatting is removed (plain text kept)") }
            var item = Item(id: id, text: text.isEmpty ? id : text, type: .text, required: field.required)
            switch field.type {
            case "text":
                convertText(&item, field, line)
            case "notes":
                item.type = .text
            case "radio", "dropdown", "checkbox":
                item.type = field.type == "checkbox" ? .multipleChoice : .singleChoice
                guard let choices = parseChoices(field.choices, id: id, line: line) else { return }
                item.choiceSetID = pool.id(for: choices, preferred: id)
            case "yesno", "truefalse":
                item.type = .singleChoice
                let labels = field.type == "yesno" ? ("Yes", "No") : ("True", "False")
                item.choiceSetID = pool.id(for: [Choice(code: 1, label: labels.0), Choice(code: 0, label: labels.1)], preferred: field.type == "yesno" ? "yes_no" : "true_false")
            case "slider":
                item.type = .integer
                let low = Double(field.min) ?? 0, high = Double(field.max) ?? 100
                item.range = ValueRange(min: low, max: high)
                if !field.choices.isEmpty { note(line, id, "slider labels '\(field.choices)' are not carried: the item is a whole number from \(Int(low)) to \(Int(high))") }
            case "calc":
                note(line, id, "calculated field (\(field.choices)) is not converted: REDCap computes it; if it is a score, define it as a scale in the instrument")
                return
            case "descriptive":
                note(line, id, "descriptive text is not converted (the toolkit's items are questions): '\(String(text.prefix(60)))'")
                return
            case "file", "sql":
                note(line, id, "\(field.type) field is not converted: the toolkit stores no \(field.type == "file" ? "uploads" : "database queries")")
                return
            default:
                note(line, id, "field type '\(field.type)' is not a REDCap type the toolkit knows: not converted")
                return
            }
            if field.identifier { note(line, id, "marked as an identifier in REDCap; the toolkit has no identifier flag, so keep this item out of shared exports yourself") }
            if !field.annotation.isEmpty { note(line, id, "field annotation '\(field.annotation)' is not carried") }
            if !field.note.isEmpty { fieldNotes.append(id) }
            if !field.alignment.isEmpty { alignments.append(id) }
            if !field.matrixRanking.isEmpty, field.matrixRanking.lowercased() == "y" { rankings.append(id) }
            if !field.branching.isEmpty { item.showIf = convertBranching(field.branching, id: id, line: line) }
            items[id] = item
            sections[sections.count - 1].items.append(item)
        }

        mutating func convertText(_ item: inout Item, _ field: Field, _ line: Int) {
            let id = item.id
            switch field.validation {
            case "": item.type = .text
            case "integer": item.type = .integer
            case "number", "number_comma_decimal": item.type = .number
            case let v where v.hasPrefix("number_") && v.hasSuffix("dp"): item.type = .number
            case "date_ymd", "date_dmy", "date_mdy": item.type = .date
            default:
                item.type = .text
                note(line, id, "text validation '\(field.validation)' is not checked by the toolkit: the item is free text")
            }
            guard !field.min.isEmpty || !field.max.isEmpty else { return }
            if item.type == .integer || item.type == .number {
                let low = Double(field.min), high = Double(field.max)
                if (!field.min.isEmpty && low == nil) || (!field.max.isEmpty && high == nil) {
                    note(line, id, "validation min/max '\(field.min)'/'\(field.max)' are not both numbers (REDCap allows field references): \(low == nil && high == nil ? "no range" : "only the numeric bound") is kept")
                }
                if low != nil || high != nil { item.range = ValueRange(min: low, max: high) }
            } else {
                note(line, id, "validation min/max '\(field.min)'/'\(field.max)' on a \(item.type.rawValue) item are not checked by the toolkit")
            }
        }

        /// "1, Yes | 2, No" -> choices. Codes that are not whole numbers are renumbered 1, 2, ... (noted).
        mutating func parseChoices(_ text: String, id: String, line: Int) -> [Choice]? {
            var parsed: [(code: String, label: String)] = []
            for entry in text.split(separator: "|") {
                let trimmed = entry.trimmingCharacters(in: .whitespacesAndNewlines)
                guard !trimmed.isEmpty else { continue }
                guard let comma = trimmed.firstIndex(of: ",") else {
                    errors.append(Diagnostic(file: file, line: line, message: "\(id): choice '\(trimmed)' should be 'code, label'"))
                    return nil
                }
                parsed.append((trimmed[..<comma].trimmingCharacters(in: .whitespaces),
                               plainText(String(trimmed[trimmed.index(after: comma)...])).text))
            }
            guard !parsed.isEmpty else {
                errors.append(Diagnostic(file: file, line: line, message: "\(id): a choice field with no choices (expected e.g. '1, Yes | 2, No')"))
                return nil
            }
            if parsed.allSatisfy({ Int($0.code) != nil }) {
                let codes = parsed.map { Int($0.code)! }
                guard Set(codes).count == codes.count else {
                    errors.append(Diagnostic(file: file, line: line, message: "\(id): a choice code appears twice"))
                    return nil
                }
                return parsed.map { Choice(code: Int($0.code)!, label: $0.label) }
            }
            var mapping: [String: Int] = [:]
            for (index, entry) in parsed.enumerated() { mapping[entry.code] = index + 1 }
            renumbered[id] = mapping
            note(line, id, "choice codes are not all whole numbers, so they are renumbered: "
                 + parsed.enumerated().map { "\($0.element.code) -> \($0.offset + 1)" }.joined(separator: ", ")
                 + " (recode REDCap exports the same way before importing them)")
            return parsed.enumerated().map { Choice(code: $0.offset + 1, label: $0.element.label) }
        }

        static let equality = try! NSRegularExpression(pattern: "^\\[([a-z][a-z0-9_]*)\\]\\s*==?\\s*['\"]?([^'\"\\s]+)['\"]?$")

        mutating func convertBranching(_ logic: String, id: String, line: Int) -> SkipCondition? {
            guard let condition = Disjunction.parse(logic, terms: [Self.equality]) else {
                note(line, id, "branching logic '\(logic)' is not of the form [item] = 'code' (or several joined by 'or'): not carried, so the item is always asked")
                return nil
            }
            guard let other = items[condition.variable] else {
                note(line, id, "branching logic '\(logic)' refers to '\(condition.variable)', which is not an earlier converted item: not carried")
                return nil
            }
            guard other.type == .singleChoice, let set = pool.sets[other.choiceSetID ?? ""] else {
                note(line, id, "branching logic '\(logic)' tests '\(condition.variable)', which is not a single-choice item: not carried")
                return nil
            }
            var codes: [Int] = []
            for value in condition.values {
                let code = renumbered[condition.variable]?[value] ?? Int(value)
                guard let code, set.choice(code) != nil else {
                    note(line, id, "branching logic '\(logic)' tests for '\(value)', which is not a choice of '\(condition.variable)': not carried")
                    return nil
                }
                codes.append(code)
            }
            return SkipCondition(item: condition.variable, codes: codes)
        }

        mutating func summarise() {
            let location = file
            if !fieldNotes.isEmpty {
                notes.append(ConversionNote(location: location, message: "field notes (help text under a question) are not carried, on \(fieldNotes.count) field(s): \(fieldNotes.joined(separator: ", "))"))
            }
            if !alignments.isEmpty {
                notes.append(ConversionNote(location: location, message: "custom alignment (layout only) is not carried, on \(alignments.count) field(s): \(alignments.joined(separator: ", "))"))
            }
            if !rankings.isEmpty {
                notes.append(ConversionNote(location: location, message: "matrix ranking is not carried, on \(rankings.count) field(s): \(rankings.joined(separator: ", "))"))
            }
        }
    }

    // MARK: Export

    /// A REDCap data dictionary for `instrument`, and what it cannot carry. The first row is a
    /// `record_id` field, as REDCap requires; each section becomes a form (its title the first field's
    /// section header); skip conditions become branching logic.
    public static func csv(for instrument: Instrument) -> (csv: String, notes: [ConversionNote]) {
        var rows = [columns]
        let firstForm = instrument.sections.first?.id ?? "survey"
        rows.append(["record_id", firstForm, "", "text", "Record ID"] + Array(repeating: "", count: 13))
        for section in instrument.sections {
            for (index, item) in section.items.enumerated() {
                var row = Array(repeating: "", count: columns.count)
                row[Column.variable.rawValue] = item.id
                row[Column.form.rawValue] = section.id
                if index == 0 { row[Column.sectionHeader.rawValue] = section.title }
                row[Column.label.rawValue] = item.text
                switch item.type {
                case .singleChoice: row[Column.type.rawValue] = "radio"
                case .multipleChoice: row[Column.type.rawValue] = "checkbox"
                case .integer: row[Column.type.rawValue] = "text"; row[Column.validation.rawValue] = "integer"
                case .number: row[Column.type.rawValue] = "text"; row[Column.validation.rawValue] = "number"
                case .date: row[Column.type.rawValue] = "text"; row[Column.validation.rawValue] = "date_ymd"
                case .text: row[Column.type.rawValue] = "notes"
                }
                if let set = instrument.choiceSet(for: item) {
                    row[Column.choices.rawValue] = set.choices.map { "\($0.code), \($0.label)" }.joined(separator: " | ")
                }
                if let range = item.range {
                    row[Column.min.rawValue] = range.min.map(InstrumentYAML.number) ?? ""
                    row[Column.max.rawValue] = range.max.map(InstrumentYAML.number) ?? ""
                }
                if let condition = item.showIf {
                    row[Column.branching.rawValue] = condition.codes.map { "[\(condition.item)] = '\($0)'" }.joined(separator: " or ")
                }
                if item.required { row[Column.required.rawValue] = "y" }
                rows.append(row)
            }
        }
        var notes: [ConversionNote] = []
        let location = "\(instrument.id) \(instrument.version)"
        let outcomeItems = instrument.outcomeItems.map(\.id)
        if !outcomeItems.isEmpty {
            notes.append(ConversionNote(location: location, message: "outcome domains are not carried (REDCap has none), on \(outcomeItems.count) item(s): \(outcomeItems.joined(separator: ", "))"))
        }
        let valenced = instrument.choiceSets.values.filter { $0.choices.contains { $0.valence != nil } }.map(\.id).sorted()
        if !valenced.isEmpty { notes.append(ConversionNote(location: location, message: "answer valences (positive, neutral, negative) are not carried, in choice set(s): \(valenced.joined(separator: ", "))")) }
        let special = instrument.choiceSets.values.filter { $0.choices.contains { $0.special != nil } }.map(\.id).sorted()
        if !special.isEmpty { notes.append(ConversionNote(location: location, message: "special codes (not applicable, don't know) become ordinary choices, in choice set(s): \(special.joined(separator: ", "))")) }
        if !instrument.scales.isEmpty {
            notes.append(ConversionNote(location: location, message: "scales are not carried (REDCap would need calculated fields): \(instrument.scales.map(\.id).joined(separator: ", "))"))
        }
        if instrument.description != nil { notes.append(ConversionNote(location: location, message: "the instrument's description is not carried")) }
        let text = rows.map { $0.map(csvEscape).joined(separator: ",") }.joined(separator: "\n") + "\n"
        return (text, notes)
    }
}
