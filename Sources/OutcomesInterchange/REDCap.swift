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

    enum Column: Int, CaseIterable {
        case variable, form, sectionHeader, type, label, choices, note, validation, min, max, identifier,
             branching, required, alignment, questionNumber, matrixGroup, matrixRanking, annotation
    }

    // MARK: Import

    /// Which field of a dictionary is the record id: REDCap's projects list it first, but an
    /// instrument downloaded from the Shared Library (a zip of `instrument.csv`) has none.
    public enum RecordIDField: Sendable, Equatable {
        /// The first field, when it looks like an id (a text field named or labelled as one).
        case detect
        case field(String)
        /// Every field is a question.
        case none
    }

    /// Converts a data dictionary (CSV bytes) to an instrument. Throws `DiagnosticList` if the file is
    /// not a data dictionary or a row cannot be read at all; conversions are in the result's notes.
    public static func instrument(csv data: Data, file: String, naming: InstrumentNaming,
                                  recordID: RecordIDField = .detect,
                                  text: TextOptions = TextOptions()) throws -> ConvertedInstrument {
        let records = try readCSVRecords(data, file: file, options: text)
        guard let header = records.first else {
            throw DiagnosticList([Diagnostic(file: file, message: "the file is empty: "
                + "expected a REDCap data dictionary")])
        }
        // REDCap has renamed some headers over the years, and its API names them in snake case: match
        // on how each begins.
        let prefixes: [[String]] = [["variable", "field_name"], ["form"], ["section"], ["field type", "field_type"],
                                    ["field label", "field_label"], ["choices", "select_choices"],
                                    ["field note", "field_note"], ["text validation type", "text_validation_type"],
                                    ["text validation min", "text_validation_min"],
                                    ["text validation max", "text_validation_max"], ["identifier"], ["branching"],
                                    ["required"], ["custom alignment", "custom_alignment"],
                                    ["question number", "question_number"], ["matrix group", "matrix_group"],
                                    ["matrix ranking", "matrix_ranking"], ["field annotation", "field_annotation"]]
        var position: [Column: Int] = [:]
        for (index, name) in header.fields.enumerated() {
            let lower = name.trimmingCharacters(in: .whitespaces).lowercased()
            if let column = Column.allCases.first(
                where: { column in prefixes[column.rawValue].contains { lower.hasPrefix($0) } }),
               position[column] == nil { position[column] = index }
        }
        let missing = [Column.variable, .form, .type, .label].filter { position[$0] == nil }
        guard missing.isEmpty else {
            throw DiagnosticList([Diagnostic(file: file, line: header.line, message: "not a REDCap data dictionary: "
                + "no column "
                + missing.map { "'\(columns[$0.rawValue])'" }.joined(separator: ", ") + " in the header")])
        }

        var converter = Converter(file: file)
        var fields: [(line: Int, field: Field)] = []
        for record in records.dropFirst() {
            func value(_ column: Column) -> String {
                guard let at = position[column], at < record.fields.count else { return "" }
                return record.fields[at].trimmingCharacters(in: .whitespacesAndNewlines)
            }
            let field = Field(
                variable: value(.variable), form: value(.form), sectionHeader: value(.sectionHeader),
                type: value(.type).lowercased(), label: value(.label), choices: value(.choices), note: value(.note),
                validation: value(.validation).lowercased(), min: value(.min), max: value(.max),
                identifier: value(.identifier).lowercased() == "y", branching: value(.branching),
                required: value(.required).lowercased() == "y", alignment: value(.alignment),
                questionNumber: value(.questionNumber),
                matrixGroup: value(.matrixGroup),
                matrixRanking: value(.matrixRanking), annotation: value(.annotation))
            guard !field.variable.isEmpty || !field.type.isEmpty else { continue }
            fields.append((record.line, field))
        }
        // A Shared Library or "Download instrument ZIP" file is one form's instrument.csv: no record id.
        let isInstrumentFile = (file as NSString).lastPathComponent.lowercased().hasSuffix("instrument.csv")
        converter.recordID = converter.chooseRecordID(recordID == .detect && isInstrumentFile ? .none : recordID,
                                                      first: fields.first)
        if isInstrumentFile, recordID == .detect {
            converter.notes.append(ConversionNote(location: file, message: "an instrument.csv (one form, "
                + "as REDCap's instrument zips hold "
                + "it) has no record id field: every field is converted as a question "
                + "(name one with --record-id FIELD)"))
        }
        for (line, field) in fields { converter.add(line: line, field: field) }
        if !converter.errors.isEmpty { throw DiagnosticList(converter.errors) }
        converter.summarise()
        let kept = converter.sections.filter { !$0.items.isEmpty }
        guard !kept.isEmpty else {
            throw DiagnosticList(
                [Diagnostic(file: file, message: "no field converts to an item: nothing to write "
                                                 + "(see the notes below)")]
                + converter.notes.map {
                    Diagnostic(file: $0.location, message: "note: " + ($0.field.map { "\($0): " } ?? "") + $0.message)
                })
        }
        var instrument = Instrument(id: naming.id, version: naming.version, title: naming.title,
                                    choiceSets: converter.pool.sets, sections: kept)
        instrument.source = InstrumentSource(format: .redcap, file: (file as NSString).lastPathComponent,
                                             recordID: converter.recordID)
        return try InstrumentYAML.checked(instrument, source: (file as NSString).lastPathComponent,
                                          notes: converter.notes)
    }

    /// Converts an instrument zip, as REDCap's Shared Library and "Download instrument ZIP" give it: the
    /// `instrument.csv` inside is a data dictionary of one form with no record id field.
    public static func instrument(zip file: String, naming: InstrumentNaming,
                                  recordID: RecordIDField = .none) throws -> ConvertedInstrument {
        let entries = try ZipEntries.read(file)
        guard let csv = entries.first(where: {
            ($0.path as NSString).lastPathComponent.lowercased() == "instrument.csv"
        }) else {
            throw DiagnosticList([Diagnostic(file: file, message: "no instrument.csv in the zip (found: "
                + entries.map(\.path).prefix(10).joined(separator: ", ") + "): is it a REDCap instrument zip?")])
        }
        var converted = try instrument(csv: csv.data, file: "\(file) [\(csv.path)]", naming: naming, recordID: recordID)
        let others = entries.filter { $0.path != csv.path && !$0.path.hasSuffix("/") }.map(\.path)
        if !others.isEmpty {
            converted.notes.append(ConversionNote(location: file, message: "other files in the zip are not carried: "
                + others.joined(separator: ", ") + " (attachments, author and origin notes)"))
        }
        return converted
    }

    struct Field {
        var variable, form, sectionHeader, type, label, choices, note, validation, min, max: String
        var identifier: Bool
        var branching: String
        var required: Bool
        var alignment, questionNumber, matrixGroup, matrixRanking, annotation: String
    }

    /// Row-by-row conversion, keeping the notes and what has been built so far.
    private struct Converter {
        let file: String
        var sections: [Section] = []
        var pool = ChoiceSetPool()
        var notes: [ConversionNote] = []
        var errors: [Diagnostic] = []
        var items: [String: Item] = [:]
        /// The toolkit code of each REDCap code, by field (codes that are not whole numbers are renumbered).
        var codes: [String: [String: Int]] = [:]
        var recordID: String?
        /// The record id row's section header, for the first section (the id itself is no item).
        var pendingHeader = ""
        var currentForm = ""
        var sectionCount: [String: Int] = [:]
        // Properties of many fields, reported once each with the fields they are on.
        var fieldNotes: [String] = [], alignments: [String] = [], rankings: [String] = [], markup: [String] = []
        var questionNumbers: [String] = []
        var annotations: [String] = [], descriptive: [String] = [], unlabelled: [String] = [], renamed: [String] = []
        var ids: Set<String> = []
        var softRanges: [String] = []
        var matrixGroups: [(name: String, fields: [String])] = []

        init(file: String) { self.file = file }

        mutating func note(_ line: Int, _ field: String?, _ message: String) {
            notes.append(ConversionNote(location: "\(file):\(line)", field: field, message: message))
        }

        /// The record id field: the first field when it looks like one (or as told), else none.
        mutating func chooseRecordID(_ choice: RecordIDField, first: (line: Int, field: Field)?) -> String? {
            guard let first else { return nil }
            switch choice {
            case .none: return nil
            case let .field(name):
                guard name == first.field.variable else {
                    errors.append(Diagnostic(file: file, line: first.line, message: "the record id field '\(name)' "
                        + "should be the first field "
                        + "(REDCap lists it first); the first is '\(first.field.variable)'"))
                    return nil
                }
                note(first.line, name, "REDCap's record id: it becomes respondent_id, not an item")
                return name
            case .detect:
                let field = first.field
                // The names and labels REDCap and its users give the record id; a question merely about
                // an id ("Residential history id 1") is not one.
                let label = plainText(field.label).text.lowercased()
                    .split(whereSeparator: { !$0.isLetter && !$0.isNumber }).joined(separator: " ")
                let names: Set<String> = ["record_id", "study_id", "participant_id", "subject_id", "patient_id",
                                          "respondent_id", "redcap_id", "id", "pid", "record", "studyid", "subjid",
                                          "subject", "participant"]
                let labels: Set<String> = ["record id", "study id", "participant id", "subject id", "patient id",
                                           "respondent id", "id", "record", "record number", "study number",
                                           "participant number", "subject number"]
                let looksLikeID = field.type == "text" && field.branching.isEmpty && field.choices.isEmpty
                    && (names.contains(field.variable.lowercased()) || labels.contains(label))
                if looksLikeID {
                    note(first.line, field.variable, "the first field is taken as REDCap's record id: "
                         + "it becomes respondent_id, not an item "
                         + "(if it is a question, convert with --record-id none)")
                    return field.variable
                }
                note(first.line, field.variable, "the first field does not look like a record id (\(field.type) field "
                     + "'\(String(plainText(field.label).text.prefix(40)))'), so it is converted as a question; "
                     + "REDCap exports start with "
                     + "the record id: name it with --record-id FIELD if this dictionary has one")
                return nil
            }
        }

        mutating func add(line: Int, field: Field) {
            let variable = field.variable
            guard !variable.isEmpty else {
                errors.append(Diagnostic(file: file, line: line, message: "a \(field.type) field has no variable name"))
                return
            }
            // REDCap wants lower-case names, but older projects and hand-made dictionaries have others:
            // the item gets a valid id and keeps the name as its source.
            let id = YAMLReader.isIdentifier(variable) ? variable : identifier(from: variable)
            guard items[variable] == nil, !ids.contains(id) else {
                errors.append(Diagnostic(file: file, line: line, message: items[variable] != nil
                    ? "variable '\(variable)' appears twice"
                    : "variable '\(variable)' gives item id '\(id)', which another field already has"))
                return
            }
            if variable == recordID {
                pendingHeader = plainText(field.sectionHeader).text
                return
            }
            // A new form, or a section header inside a form, starts a new section: the form's first is
            // named after the form, later ones (and a form that comes back) get _2, _3, ...
            var header = plainText(field.sectionHeader).text
            if sections.isEmpty, header.isEmpty { header = pendingHeader }
            let newForm = field.form != currentForm || sections.isEmpty
            if newForm || !header.isEmpty {
                currentForm = field.form
                let formID = YAMLReader.isIdentifier(field.form) ? field.form : identifier(from: field.form)
                sectionCount[formID, default: 0] += 1
                let number = sectionCount[formID]!
                sections.append(Section(id: number == 1 ? formID : "\(formID)_\(number)",
                                        title: header.isEmpty ? titleFromName(field.form) : header, items: [],
                                        source: field.form))
            }

            let (text, hadMarkup) = plainText(field.label)
            if hadMarkup { markup.append(id) }
            var item = Item(id: id, text: text.isEmpty ? variable : text, type: .text, required: field.required)
            if id != variable {
                item.source = variable
                renamed.append("\(variable) -> \(id)")
            }
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
                codes[id] = ["1": 1, "0": 0]
                item.choiceSetID = pool.id(for: [Choice(code: 1, label: labels.0), Choice(code: 0, label: labels.1)],
                                           preferred: field.type == "yesno" ? "yes_no" : "true_false")
            case "slider":
                item.type = .integer
                let low = Double(field.min) ?? 0, high = Double(field.max) ?? 100
                item.range = ValueRange(min: low, max: high)
                if !field.choices.isEmpty {
                    note(line, id, "slider labels '\(field.choices)' are not carried: "
                        + "the item is a whole number from \(Int(low)) to \(Int(high))")
                }
            case "calc":
                note(line, id, "calculated field (\(field.choices)) is not converted: REDCap computes it; "
                    + "if it is a score, define it as a scale in the instrument")
                return
            case "descriptive":
                descriptive.append(id)
                return
            case "file", "sql":
                note(line, id, "\(field.type) field is not converted: "
                    + "the toolkit stores no \(field.type == "file" ? "uploads" : "database queries")")
                return
            default:
                note(line, id, "field type '\(field.type)' is not a REDCap type the toolkit knows: not converted")
                return
            }
            if text.isEmpty { unlabelled.append(id) }
            if field.identifier {
                note(line, id, "marked as an identifier in REDCap; the toolkit has no identifier flag, "
                    + "so keep this item out of shared exports yourself")
            }
            if !field.annotation.isEmpty { annotations.append("\(id) (\(oneLine(field.annotation, 40)))") }
            if !field.note.isEmpty { fieldNotes.append(id) }
            if !field.alignment.isEmpty { alignments.append(id) }
            if !field.questionNumber.isEmpty { questionNumbers.append("\(id) (\(field.questionNumber))") }
            if !field.matrixRanking.isEmpty, field.matrixRanking.lowercased() == "y" { rankings.append(id) }
            if !field.matrixGroup.isEmpty {
                if matrixGroups.last?.name == field.matrixGroup {
                    matrixGroups[matrixGroups.count - 1].fields.append(id)
                } else {
                    matrixGroups.append((field.matrixGroup, [id]))
                }
            }
            if !field.branching.isEmpty {
                item.showIf = convertBranching(field.branching, id: id, line: line)
                // A question REDCap asks only under a condition cannot be required of every row.
                if item.showIf == nil, item.required {
                    item.required = false
                    note(line, id, "is required in REDCap only when its branching logic shows it; "
                        + "the logic is not carried, so neither is required")
                }
            }
            items[variable] = item
            ids.insert(id)
            sections[sections.count - 1].items.append(item)
        }

        mutating func convertText(_ item: inout Item, _ field: Field, _ line: Int) {
            let id = item.id
            switch field.validation {
            case "": item.type = .text
            case "integer": item.type = .integer
            case "number": item.type = .number
            case "number_comma_decimal":
                item.type = .number
                item.decimalComma = true
                note(line, id, "number_comma_decimal: a number item that takes a decimal comma "
                    + "(decimal_separator: comma), as REDCap exports it ('1,54')")
            case let v where v.hasPrefix("number_") && v.hasSuffix("dp_comma_decimal"):
                item.type = .number
                item.decimalComma = true
                note(line, id, "\(v): a number item that takes a decimal comma (decimal_separator: comma); "
                    + "the number of decimal places is not checked")
            case let v where v.hasPrefix("number_") && v.hasSuffix("dp"):
                item.type = .number
                note(line, id, "\(v): a number item; the number of decimal places is not checked")
            case "date_ymd", "date_dmy", "date_mdy":
                // REDCap's raw exports write every date as YYYY-MM-DD, whatever the entry format.
                item.type = .date
            default:
                item.type = .text
                note(line, id, "text validation '\(field.validation)' is not checked by the toolkit: "
                    + "the item is free text")
            }
            guard !field.min.isEmpty || !field.max.isEmpty else { return }
            if item.type == .integer || item.type == .number {
                let low = Double(field.min.replacingOccurrences(of: ",", with: item.decimalComma ? "." : ",")),
                    high = Double(field.max.replacingOccurrences(of: ",", with: item.decimalComma ? "." : ","))
                if (!field.min.isEmpty && low == nil) || (!field.max.isEmpty && high == nil) {
                    note(line, id, "validation min/max '\(field.min)'/'\(field.max)' are not both numbers "
                        + "(REDCap allows field references): "
                        + "\(low == nil && high == nil ? "no range" : "only the numeric bound") is kept")
                }
                if low != nil || high != nil {
                    item.range = ValueRange(min: low, max: high)
                    softRanges.append(id)
                }
            } else {
                note(line, id, "validation min/max '\(field.min)'/'\(field.max)' on a \(item.type.rawValue) item "
                    + "are not checked by the toolkit")
            }
        }

        /// "1, Yes | 2, No" -> choices. Codes that are not whole numbers are renumbered 1, 2, ... and keep
        /// their REDCap code as `source`, so that exports import as they are.
        mutating func parseChoices(_ text: String, id: String, line: Int) -> [Choice]? {
            var parsed: [(code: String, label: String)] = []
            for entry in text.split(separator: "|") {
                let trimmed = entry.trimmingCharacters(in: .whitespacesAndNewlines)
                guard !trimmed.isEmpty else { continue }
                guard let comma = trimmed.firstIndex(of: ",") else {
                    errors.append(Diagnostic(file: file, line: line,
                                             message: "\(id): choice '\(trimmed)' should be 'code, label'"))
                    return nil
                }
                parsed.append((trimmed[..<comma].trimmingCharacters(in: .whitespaces),
                               plainText(String(trimmed[trimmed.index(after: comma)...])).text))
            }
            guard !parsed.isEmpty else {
                errors.append(Diagnostic(file: file, line: line, message: "\(id): a choice field with no choices "
                    + "(expected e.g. '1, Yes | 2, No')"))
                return nil
            }
            guard Set(parsed.map(\.code)).count == parsed.count else {
                errors.append(Diagnostic(file: file, line: line, message: "\(id): a choice code appears twice"))
                return nil
            }
            if parsed.allSatisfy({ Int($0.code) != nil && String(Int($0.code)!) == $0.code }) {
                codes[id] = Dictionary(uniqueKeysWithValues: parsed.map { ($0.code, Int($0.code)!) })
                return parsed.map { Choice(code: Int($0.code)!, label: $0.label.isEmpty ? $0.code : $0.label) }
            }
            let numbered = wholeNumberCodes(parsed.map(\.code))
            codes[id] = Dictionary(uniqueKeysWithValues: zip(parsed.map(\.code), numbered).map { ($0, $1) })
            note(line, id, "choice codes are not all whole numbers, so those that are not are numbered: "
                 + zip(parsed, numbered).filter { $0.0.code != String($0.1) }.map { "\($0.0.code) -> \($0.1)" }
                    .joined(separator: ", ")
                 + " (the REDCap codes are kept in the instrument, so REDCap exports import as they are)")
            return zip(parsed, numbered).map { entry, code in
                Choice(code: code, label: entry.label.isEmpty ? entry.code : entry.label,
                       source: entry.code == String(code) ? nil : entry.code)
            }
        }

        mutating func convertBranching(_ logic: String, id: String, line: Int) -> SkipCondition? {
            do {
                let expression = try LogicExpression.parse(logic, syntax: .redcap)
                return try expression.condition { name in
                    items[name].map { LogicField(item: $0, codeOfSource: codes[name] ?? [:]) }
                }.simplified
            } catch let unsupported as LogicExpression.Unsupported {
                note(line, id, "branching logic '\(logic)' is not carried (\(unsupported.reason)), "
                    + "so the item is always asked")
            } catch {
                note(line, id, "branching logic '\(logic)' is not carried (\(error)), so the item is always asked")
            }
            return nil
        }

        mutating func summarise() {
            let location = file
            func summary(_ fields: [String], _ message: String) {
                guard !fields.isEmpty else { return }
                notes.append(ConversionNote(location: location, message: "\(message), on \(fields.count) field(s): "
                    + "\(fields.joined(separator: ", "))"))
            }
            summary(renamed, "variable names become item ids of lower-case letters, digits and '_' "
                    + "(the names are kept as each item's source)")
            summary(softRanges, "validation min/max become the item's range; REDCap's are soft "
                    + "(a value outside is saved after a "
                    + "warning), the toolkit's are not: an export holding such a value is refused at its cell "
                    + "until the range is edited")
            summary(markup, "labels' HTML formatting is removed (plain text kept)")
            summary(unlabelled, "fields with an empty label take their variable name as their text")
            summary(descriptive, "descriptive text fields are not converted (the toolkit's items are questions)")
            summary(annotations, "field annotations (action tags such as @HIDDEN, @DEFAULT) are not carried")
            summary(fieldNotes, "field notes (help text under a question) are not carried")
            summary(alignments, "custom alignment (layout only) is not carried")
            summary(rankings, "matrix ranking is not carried")
            summary(questionNumbers, "survey question numbers are not carried (the toolkit numbers questions in order)")
            for group in matrixGroups {
                notes.append(ConversionNote(location: location, field: group.name, message: "matrix group: "
                    + "its \(group.fields.count) fields "
                    + "(\(group.fields.joined(separator: ", "))) become ordinary questions with the same choices; "
                    + "the grid layout is not carried"))
            }
        }
    }

    // MARK: Export

    /// A skip condition in REDCap's branching logic: `[q] = '1' or [q] = '2'`, `[q(3)] = '1'` for a
    /// checkbox, `[age] > 65`, `[q] <> ''`, with `and`, `or` and parentheses. REDCap has no `not`, so a
    /// negation is pushed down to the tests (`<>`, a checkbox's '0', the opposite comparison or empty).
    static func branchingLogic(_ condition: SkipCondition, in instrument: Instrument, negated: Bool = false,
                               nested: Bool = false) -> String {
        func group(_ parts: [SkipCondition], _ joiner: String) -> String {
            let text = parts.map { branchingLogic($0, in: instrument, negated: negated, nested: parts.count > 1) }
                .joined(separator: " \(joiner) ")
            return nested && parts.count > 1 ? "(\(text))" : text
        }
        switch condition {
        case let .all(parts): return group(parts, negated ? "or" : "and")
        case let .any(parts): return group(parts, negated ? "and" : "or")
        case let .not(inner): return branchingLogic(inner, in: instrument, negated: !negated, nested: nested)
        case let .answer(name, test):
            let checkbox = instrument.item(name)?.type == .multipleChoice
            let codes = instrument.item(name).flatMap { instrument.choiceSet(for: $0)?.choices.map(\.code) } ?? []
            var terms: [String]
            var joiner = negated ? "and" : "or"
            switch test {
            case let .oneOf(values):
                terms = values.map {
                    checkbox ? "[\(name)(\($0))] = '\(negated ? 0 : 1)'" : "[\(name)] \(negated ? "<>" : "=") '\($0)'"
                }
            case let .includes(code):
                terms = ["[\(name)(\(code))] = '\(negated ? 0 : 1)'"]
            case let .compare(comparison, bound):
                let symbols: [SkipCondition.Comparison: (String, String)] = [
                    .greaterThan: (">", "<="), .atLeast: (">=", "<"), .lessThan: ("<", ">="), .atMost: ("<=", ">")
                ]
                let symbol = negated ? symbols[comparison]!.1 : symbols[comparison]!.0
                let term = "[\(name)] \(symbol) \(InstrumentYAML.number(bound))"
                // An empty answer meets no comparison, so its negation holds for an empty answer.
                terms = negated ? ["[\(name)] = ''", term] : [term]
                joiner = "or"
            case let .answered(answered):
                if checkbox {
                    let asked = answered != negated
                    terms = codes.map { "[\(name)(\($0))] = '\(asked ? 1 : 0)'" }
                    joiner = asked ? "or" : "and"
                } else {
                    terms = ["[\(name)] \(answered != negated ? "<>" : "=") ''"]
                }
            }
            let text = terms.joined(separator: " \(joiner) ")
            return nested && terms.count > 1 ? "(\(text))" : text
        }
    }

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
                    row[Column.choices.rawValue] = set.choices.map { "\($0.code), \($0.label)" }
                        .joined(separator: " | ")
                }
                if let range = item.range {
                    row[Column.min.rawValue] = range.min.map(InstrumentYAML.number) ?? ""
                    row[Column.max.rawValue] = range.max.map(InstrumentYAML.number) ?? ""
                }
                if let condition = item.showIf {
                    row[Column.branching.rawValue] = branchingLogic(condition, in: instrument)
                }
                if item.required { row[Column.required.rawValue] = "y" }
                rows.append(row)
            }
        }
        var notes: [ConversionNote] = []
        let location = "\(instrument.id) \(instrument.version)"
        let outcomeItems = instrument.outcomeItems.map(\.id)
        if !outcomeItems.isEmpty {
            notes.append(ConversionNote(location: location, message: "outcome domains are not carried "
                + "(REDCap has none), on \(outcomeItems.count) item(s): \(outcomeItems.joined(separator: ", "))"))
        }
        let valenced = instrument.choiceSets.values.filter { $0.choices.contains { $0.valence != nil } }
            .map(\.id).sorted()
        if !valenced.isEmpty {
            notes.append(ConversionNote(location: location, message: "answer valences (positive, neutral, negative) "
                + "are not carried, in choice set(s): \(valenced.joined(separator: ", "))"))
        }
        let special = instrument.choiceSets.values.filter { $0.choices.contains { $0.special != nil } }
            .map(\.id).sorted()
        if !special.isEmpty {
            notes.append(ConversionNote(location: location, message: "special codes (not applicable, don't know) "
                + "become ordinary choices, in choice set(s): \(special.joined(separator: ", "))"))
        }
        if !instrument.scales.isEmpty {
            notes.append(ConversionNote(location: location, message: "scales are not carried "
                + "(REDCap would need calculated fields): \(instrument.scales.map(\.id).joined(separator: ", "))"))
        }
        if instrument.description != nil {
            notes.append(ConversionNote(location: location, message: "the instrument's description is not carried"))
        }
        let text = rows.map { $0.map(csvEscape).joined(separator: ",") }.joined(separator: "\n") + "\n"
        return (text, notes)
    }
}
