import Foundation
import OutcomesInstruments
import OutcomesStore

/// XLSForm forms (the spreadsheet format of ODK, KoboToolbox and SurveyCTO) to the toolkit's
/// instruments, from the .xlsx workbook or from its sheets saved as CSV.
///
/// What maps: `integer`, `decimal`, `range`, `text`, `date`, `select_one` and `select_multiple`
/// questions (with `or_other`, as pyxform expands it); groups become sections, and a group's
/// `relevant` is carried down to its questions; `required`; `relevant` with `and`, `or`, `not()`,
/// `selected()` and comparisons; `constraint` of the form `. >= 0 and . <= 10` on numbers. The form's
/// question and choice names are kept where they are not the toolkit's ids and codes, so that the
/// tool's exports import as they are. Everything else (notes, calculations, metadata, media, repeats,
/// other expressions, hints, other languages) is listed in the conversion notes.
public enum XLSForm {
    /// One sheet of the form: its rows of text with the numbers a spreadsheet shows.
    public struct Sheet: Sendable {
        public var name: String
        /// Where it came from, for messages ("form.xlsx [survey]", "survey.csv").
        public var source: String
        public var rows: [(number: Int, cells: [String])]

        public init(name: String, source: String, rows: [(number: Int, cells: [String])]) {
            self.name = name
            self.source = source
            self.rows = rows
        }
    }

    /// The survey, choices and settings sheets of an .xlsx workbook: numbers as the numbers they are
    /// (a version 2024091201, a choice name 5), dates as YYYY-MM-DD.
    public static func sheets(xlsx file: String) throws -> [Sheet] {
        try XLSXReader.sheets(file: file).map { sheet in
            Sheet(name: sheet.name.lowercased(), source: "\(file) [\(sheet.name)]",
                  rows: sheet.rows.map { ($0.number, $0.cells.map(\.text)) })
        }
    }

    /// A sheet saved as CSV.
    public static func sheet(csv file: String, name: String, text: TextOptions = TextOptions()) throws -> Sheet {
        Sheet(name: name, source: file, rows: try readCSVRecords(readInputFile(file), file: file, options: text)
            .map { ($0.line, $0.fields) })
    }

    /// Converts a form's sheets. `naming` overrides the settings sheet's form_id, version and title.
    public static func instrument(sheets: [Sheet], naming: InstrumentNaming?,
                                  defaultNaming: InstrumentNaming) throws -> ConvertedInstrument {
        guard let survey = sheets.first(where: { $0.name == "survey" }) else {
            throw DiagnosticList([Diagnostic(file: sheets.first?.source ?? "form", message: "no 'survey' sheet "
                + "(found: \(sheets.map(\.name).joined(separator: ", ")))")])
        }
        var converter = Converter()
        let choicesSheet = sheets.first(where: { $0.name == "choices" })
        let choices = try choicesSheet.map { try converter.readChoices($0) } ?? [:]
        let settings = sheets.first(where: { $0.name == "settings" }).map(Table.init)
        let setting = { (key: String) -> String? in
            settings.flatMap { table in table.rows.first.flatMap { table.value(key, in: $0) } }
                .flatMap { $0.isEmpty ? nil : $0 }
        }
        try converter.convert(Table(survey), lists: choices, hasChoicesSheet: choicesSheet != nil)
        if !converter.errors.isEmpty { throw DiagnosticList(converter.errors) }
        converter.summarise(survey.source)
        guard !converter.sections.allSatisfy(\.items.isEmpty) else {
            throw DiagnosticList(
                [Diagnostic(file: survey.source, message: "no question converts to an item: nothing to write")]
                + converter.notes.map {
                    Diagnostic(file: $0.location, message: "note: " + ($0.field.map { "\($0): " } ?? "") + $0.message)
                })
        }
        let formID = setting("form_id").map { InstrumentNaming.fromFile($0).id }
        let naming = naming ?? InstrumentNaming(id: formID ?? defaultNaming.id,
                                                version: setting("version") ?? defaultNaming.version,
                                                title: setting("form_title") ?? defaultNaming.title)
        var instrument = Instrument(id: naming.id, version: naming.version, title: naming.title,
                                    choiceSets: converter.pool.sets,
                                    sections: converter.sections.filter { !$0.items.isEmpty })
        let file = ((survey.source.components(separatedBy: " [").first ?? survey.source) as NSString).lastPathComponent
        instrument.source = InstrumentSource(format: .xlsform, file: file)
        return try InstrumentYAML.checked(instrument, source: file, notes: converter.notes)
    }

    /// A sheet with its header row: cells by column name.
    struct Table {
        var sheet: Sheet
        var columns: [String: Int] = [:]
        /// The label column used ("label", else the first "label::language"), and the others.
        var labelColumn: String?
        var otherLabels: [String] = []
        var hintColumns: [String] = []
        var rows: [(number: Int, cells: [String])]

        /// Header names as pyxform matches them: case and spaces aside ("List Name" is list_name),
        /// and SurveyCTO's spellings (value for name, relevance for relevant).
        static func key(_ header: String) -> String {
            var key = header.trimmingCharacters(in: .whitespaces).lowercased()
            if !key.contains("::"), !key.contains(":") { key = key.replacingOccurrences(of: " ", with: "_") }
            // label:English (pyxform's older single colon) is label::English.
            if let range = key.range(of: ":"), !key.contains("::") { key.replaceSubrange(range, with: "::") }
            // pyxform's older spellings: bind:relevant, bind:constraint, bind:jr:constraintMsg, ...
            for prefix in ["bind::", "bind:"] where key.hasPrefix(prefix) { key = String(key.dropFirst(prefix.count)) }
            return ["relevance": "relevant", "list name": "list_name", "jr::constraintmsg": "constraint_message",
                    "jr:constraintmsg": "constraint_message", "constraint message": "constraint_message"][key] ?? key
        }

        init(_ sheet: Sheet) {
            self.sheet = sheet
            let header = sheet.rows.first?.cells ?? []
            for (index, name) in header.enumerated() {
                let key = Self.key(name)
                if !key.isEmpty, columns[key] == nil { columns[key] = index }
            }
            if columns["name"] == nil, let value = columns["value"] { columns["name"] = value }
            let labels = header.map { Self.key($0) }.filter { $0 == "label" || $0.hasPrefix("label::") }
            let chosen = labels.first { $0 == "label" } ?? labels.first
            labelColumn = chosen
            otherLabels = header
                .filter { Self.key($0) != chosen && (Self.key($0) == "label" || Self.key($0).hasPrefix("label::")) }
                .map { $0.trimmingCharacters(in: .whitespaces) }
            hintColumns = header.map { Self.key($0) }.filter { $0 == "hint" || $0.hasPrefix("hint::") }
            rows = Array(sheet.rows.dropFirst())
                .filter { !$0.cells.allSatisfy { $0.trimmingCharacters(in: .whitespaces).isEmpty } }
        }

        func value(_ column: String, in row: (number: Int, cells: [String])) -> String? {
            guard let index = columns[column], index < row.cells.count else { return nil }
            return row.cells[index].trimmingCharacters(in: .whitespacesAndNewlines)
        }
        func label(_ row: (number: Int, cells: [String])) -> String { labelColumn.flatMap { value($0, in: row) } ?? "" }
        func location(_ row: (number: Int, cells: [String])) -> String { "\(sheet.source) row \(row.number)" }
    }

    /// A choice list: its choices with toolkit codes, and the toolkit code of each XLSForm name.
    struct ChoiceList {
        var choices: [Choice]
        var codeOfName: [String: Int]
    }

    private struct Converter {
        var sections: [Section] = []
        var pool = ChoiceSetPool()
        var notes: [ConversionNote] = []
        var errors: [Diagnostic] = []
        /// Questions converted so far by their XLSForm name.
        var fields: [String: LogicField] = [:]
        var ids: Set<String> = []
        var hints: [String] = [], appearances: [String] = [], messages: [String] = [], renamed: [String] = []
        var metadata: [String] = [], unnamedNotes: [String] = [], references: [String] = [],
            requiredDropped: [String] = []

        mutating func note(_ location: String, _ field: String?, _ message: String) {
            notes.append(ConversionNote(location: location, field: field, message: message))
        }

        mutating func readChoices(_ sheet: Sheet) throws -> [String: ChoiceList] {
            let table = Table(sheet)
            for column in ["list_name", "name"] where table.columns[column] == nil {
                throw DiagnosticList([Diagnostic(file: sheet.source, line: sheet.rows.first?.number,
                                                 message: "the choices sheet has no '\(column)' column"
                                                    + (column == "list_name" ? " (or 'list name')" : ""))])
            }
            var entries: [String: [(name: String, label: String, row: Int)]] = [:]
            var order: [String] = []
            for row in table.rows {
                let list = table.value("list_name", in: row) ?? "", name = table.value("name", in: row) ?? ""
                if list.isEmpty, name.isEmpty {
                    // pyxform passes over such a row (a stray label), and so do forms in use.
                    note(table.location(row), nil, "a row with neither list_name nor name is left out")
                    continue
                }
                guard !list.isEmpty, !name.isEmpty else {
                    errors.append(Diagnostic(file: table.location(row),
                                             message: "a choice needs a list_name and a name"))
                    continue
                }
                if entries[list] == nil { order.append(list) }
                if table.label(row).contains("${") { references.append("\(list)/\(name)") }
                entries[list, default: []].append((name, plainText(table.label(row)).text, row.number))
            }
            var lists: [String: ChoiceList] = [:]
            for list in order {
                // A name repeated in a list is one answer (cascading selects list a choice once per
                // parent, filtered by choice_filter): the export writes the same name for both.
                var parsed: [(name: String, label: String, row: Int)] = []
                var repeated: [String] = []
                for entry in entries[list]! {
                    if parsed.contains(where: { $0.name == entry.name }) {
                        if !repeated.contains(entry.name) { repeated.append(entry.name) }
                    } else {
                        parsed.append(entry)
                    }
                }
                if !repeated.isEmpty {
                    note("\(sheet.source) row \(parsed[0].row)", list,
                         "choice names \(repeated.map { "'\($0)'" }.joined(separator: ", ")) "
                         + "appear more than once (as cascading selects list them for each parent choice): "
                         + "each is one answer, "
                         + "with its first label; the choice_filter is not carried")
                }
                // Whole numbers as written ("05" is a name, not the code 5).
                if parsed.allSatisfy({ entry in Int(entry.name).map { String($0) == entry.name } ?? false }) {
                    lists[list] = ChoiceList(
                        choices: parsed.map {
                            Choice(code: Int($0.name)!, label: $0.label.isEmpty ? $0.name : $0.label)
                        },
                        codeOfName: Dictionary(uniqueKeysWithValues: parsed.map { ($0.name, Int($0.name)!) }))
                } else {
                    let numbered = wholeNumberCodes(parsed.map(\.name))
                    note("\(sheet.source) row \(parsed[0].row)", list, "choice names are not all whole numbers, "
                         + "so those that are not are "
                         + "numbered: " + zip(parsed, numbered).filter { $0.0.name != String($0.1) }
                            .map { "\($0.0.name) -> \($0.1)" }
                            .joined(separator: ", ")
                         + " (the names are kept in the instrument, so the form's exports import as they are)")
                    lists[list] = ChoiceList(choices: zip(parsed, numbered).map { entry, code in
                        Choice(code: code, label: entry.label.isEmpty ? entry.name : entry.label,
                               source: entry.name == String(code) ? nil : entry.name)
                    }, codeOfName: Dictionary(uniqueKeysWithValues: zip(parsed.map(\.name), numbered).map { ($0, $1) }))
                }
            }
            if !table.otherLabels.isEmpty {
                note(sheet.source, nil, "choice labels in \(table.otherLabels.joined(separator: ", ")) are not carried "
                    + "(the instrument keeps '\(table.labelColumn ?? "label")')")
            }
            return lists
        }

        static let metadataTypes: Set<String> = ["start", "end", "today", "deviceid", "subscriberid", "simserial",
                                                  "phonenumber", "username", "email", "audit", "start-geopoint",
                                                  "background-audio", "caseid", "imei", "uri:deviceid"]

        /// pyxform's aliases for question types.
        static func canonicalType(_ words: [String]) -> (type: String, rest: [String]) {
            let lower = words.map { $0.lowercased() }
            // Older forms write "select one from list" and "select all that apply from list".
            func list(after count: Int) -> [String] {
                let rest = Array(words.dropFirst(count))
                return rest.first?.lowercased() == "from" ? Array(rest.dropFirst()) : rest
            }
            if lower.count >= 3, lower[0] == "select", ["one", "multiple"].contains(lower[1]) {
                return ("select_\(lower[1])", list(after: 2))
            }
            if lower.count >= 5, lower.prefix(4) == ["select", "all", "that", "apply"] {
                return ("select_multiple", list(after: 4))
            }
            if lower.first == "select_all_that_apply" { return ("select_multiple", list(after: 1)) }
            if lower.first == "select_one" || lower.first == "select_multiple" { return (lower[0], list(after: 1)) }
            if lower.count >= 2, lower[0] == "begin" || lower[0] == "end" {
                return ("\(lower[0])_\(lower[1])", Array(words.dropFirst(2)))
            }
            return (lower.first ?? "", Array(words.dropFirst()))
        }

        mutating func convert(_ table: Table, lists: [String: ChoiceList], hasChoicesSheet: Bool) throws {
            for column in ["type", "name"] where table.columns[column] == nil {
                throw DiagnosticList([Diagnostic(file: table.sheet.source, line: table.sheet.rows.first?.number,
                                                 message: "the survey sheet has no '\(column)' column")])
            }
            if !hasChoicesSheet {
                // One line for the whole form, not one per list.
                let used = table.rows.compactMap { row -> String? in
                    let (type, rest) = Self.canonicalType((table.value("type", in: row) ?? "").split(separator: " ")
                        .map(String.init))
                    return type.hasPrefix("select_") && !type.hasSuffix("_from_file") ? rest.first : nil
                }
                if !used.isEmpty {
                    let names = used.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
                    throw DiagnosticList([Diagnostic(file: table.sheet.source, message: "the form has select questions "
                        + "(choice lists "
                        + names.joined(separator: ", ") + ") but no choices sheet: "
                        + "give it with --choices choices.csv")])
                }
            }
            if !table.otherLabels.isEmpty {
                note(table.sheet.source, nil, "labels in \(table.otherLabels.joined(separator: ", ")) are not carried "
                    + "(the instrument keeps '\(table.labelColumn ?? "label")')")
            }
            // Columns the converter does not read, with values: named, so that nothing is lost unsaid.
            let read: Set<String> = ["type", "name", "relevant", "required", "constraint", "constraint_message",
                                     "appearance", "calculation", "parameters", "default", "choice_filter", "read_only",
                                     "repeat_count", "label", "hint"]
            let header = table.sheet.rows.first?.cells ?? []
            let unread = header.enumerated().compactMap { index, name -> String? in
                let key = Table.key(name)
                guard !key.isEmpty, !read.contains(key), !key.hasPrefix("label::"), !key.hasPrefix("hint::"),
                      !key.hasPrefix("constraint_message::"), !key.hasPrefix("required_message"),
                      table.rows.contains(where: {
                          index < $0.cells.count && !$0.cells[index].trimmingCharacters(in: .whitespaces).isEmpty
                      })
                else { return nil }
                return name.trimmingCharacters(in: .whitespaces)
            }
            if !unread.isEmpty {
                note(table.sheet.source, nil, "columns not carried: \(unread.joined(separator: ", "))")
            }
            // Open groups: name, title, and their relevant as a condition (nil where it could not be carried).
            var groups: [(name: String, title: String, condition: SkipCondition?, relevantDropped: Bool)] = []
            var repeats = 0
            var sectionForGroups: [String]? = nil
            var sectionCount: [String: Int] = [:]
            for row in table.rows {
                let location = table.location(row)
                let typeText = (table.value("type", in: row) ?? "")
                    .replacingOccurrences(of: "\\s+", with: " ", options: .regularExpression)
                let (type, rest) = Self.canonicalType(typeText.split(separator: " ").map(String.init))
                let name = table.value("name", in: row) ?? ""
                let rawLabel = table.label(row)
                let label = plainText(rawLabel).text
                let relevant = table.value("relevant", in: row) ?? ""
                switch type {
                case "begin_group":
                    var condition: SkipCondition?
                    var dropped = false
                    if !relevant.isEmpty {
                        condition = convertRelevant(relevant, id: name, location: location,
                                                    what: "the group's relevant")
                        dropped = condition == nil
                    }
                    groups.append((name, label.isEmpty ? titleFromName(name) : label, condition, dropped))
                    if let appearance = table.value("appearance", in: row), !appearance.isEmpty {
                        appearances.append(name)
                    }
                    continue
                case "end_group":
                    _ = groups.popLast(); continue
                case "begin_repeat", "begin_loop":
                    repeats += 1
                    note(location, name, "repeat groups (the same questions answered several times) are not carried: "
                        + "the questions inside are not converted")
                    continue
                case "end_repeat", "end_loop":
                    repeats = max(0, repeats - 1); continue
                case "":
                    if !name.isEmpty { errors.append(Diagnostic(file: location, message: "'\(name)' has no type")) }
                    continue
                default: break
                }
                if repeats > 0 { continue }
                if Self.metadataTypes.contains(type) { metadata.append(name.isEmpty ? type : name); continue }
                if type == "note", name.isEmpty {
                    // pyxform names such notes itself; a note holds no answer either way.
                    unnamedNotes.append(location); continue
                }
                guard !name.isEmpty else {
                    errors.append(Diagnostic(file: location, message: "a '\(typeText)' row has no name")); continue
                }
                let id = identifier(from: name)
                if ids.contains(id) {
                    errors.append(Diagnostic(file: location, message: "'\(name)' gives item id '\(id)', "
                        + "which is already used")); continue
                }
                var item = Item(id: id, text: label.isEmpty ? name : label, type: .text)
                var list: ChoiceList?
                var orOther = false
                switch type {
                case "integer": item.type = .integer
                case "decimal": item.type = .number
                case "text", "string": item.type = .text
                case "date": item.type = .date
                case "range":
                    let parameters = parseParameters(table.value("parameters", in: row) ?? "")
                    let start = parameters["start"].flatMap(Double.init) ?? 1,
                        end = parameters["end"].flatMap(Double.init) ?? 10
                    let step = parameters["step"].flatMap(Double.init) ?? 1
                    item.type = [start, end, step].allSatisfy { $0 == $0.rounded() } ? .integer : .number
                    item.range = ValueRange(min: min(start, end), max: max(start, end))
                case "select_one", "select_multiple":
                    guard let listName = rest.first else {
                        errors.append(Diagnostic(file: location, message: "'\(name)': \(type) needs "
                            + "a choice list name")); continue
                    }
                    guard var found = lists[listName] else {
                        errors.append(Diagnostic(file: location, message: "'\(name)': no choice list '\(listName)' "
                            + "on the choices sheet")); continue
                    }
                    let extra = rest.dropFirst().map { $0.lowercased() }
                    if extra == ["or_other"] || extra == ["or", "specify", "other"] {
                        // pyxform adds a choice 'other' and a text question NAME_other asked when it is chosen.
                        orOther = true
                        if found.codeOfName["other"] == nil {
                            let code = (found.choices.map(\.code).max() ?? 0) + 1
                            found.choices.append(Choice(code: code, label: "Other", source: "other"))
                            found.codeOfName["other"] = code
                        }
                    } else if !extra.isEmpty {
                        note(location, name, "'\(rest.dropFirst().joined(separator: " "))' after the list name "
                            + "is not carried")
                    }
                    item.type = type == "select_one" ? .singleChoice : .multipleChoice
                    item.choiceSetID = pool.id(for: found.choices, preferred: identifier(from: listName))
                    list = found
                case "note":
                    note(location, name, "a note (text shown, no answer) is not converted: "
                        + "'\(String(label.prefix(60)))'"); continue
                case "calculate":
                    note(location, name, "a calculation (\(table.value("calculation", in: row) ?? "")) "
                        + "is not converted: if it is a score, define it as a scale"); continue
                default:
                    note(location, name, "question type '\(typeText)' has no counterpart in the toolkit: "
                        + "not converted"); continue
                }
                if id != name { renamed.append("\(name) -> \(id)"); item.source = name }
                if rawLabel.contains("${") { references.append(id) }
                convertRequired(table.value("required", in: row) ?? "", &item, location)
                // The question's own relevant, and every enclosing group's, must all hold.
                var conditions = groups.compactMap(\.condition)
                var conditionLost = groups.contains { $0.relevantDropped }
                if !relevant.isEmpty {
                    if let own = convertRelevant(relevant, id: id, location: location, what: "relevant") {
                        conditions.append(own)
                    } else {
                        conditionLost = true
                    }
                }
                if !conditions.isEmpty { item.showIf = SkipCondition.all(conditions).simplified }
                if conditionLost, item.required {
                    item.required = false
                    requiredDropped.append(id)
                }
                if let constraint = table.value("constraint", in: row), !constraint.isEmpty {
                    convertConstraint(constraint, &item, location)
                }
                for (column, message) in [("default", "a default answer"), ("choice_filter", "a choice filter"),
                                          ("read_only", "read-only"), ("calculation", "a calculation"),
                                          ("repeat_count", "a repeat count")] {
                    if let value = table.value(column, in: row), !value.isEmpty, value.lowercased() != "no",
                       value.lowercased() != "false" {
                        note(location, name, "\(message) ('\(value)') is not carried")
                    }
                }
                if table.hintColumns.contains(where: { !(table.value($0, in: row) ?? "").isEmpty }) { hints.append(id) }
                if let appearance = table.value("appearance", in: row), !appearance.isEmpty { appearances.append(id) }
                if let message = table.value("constraint_message", in: row), !message.isEmpty { messages.append(id) }

                // Questions outside any group go in a first section; each group is a section, named by its
                // path as Kobo's exports write it (outer/inner).
                let context = groups.map(\.name)
                if sectionForGroups != context || sections.isEmpty {
                    sectionForGroups = context
                    let base = identifier(from: groups.last?.name ?? "questions")
                    sectionCount[base, default: 0] += 1
                    let title = groups.last?.title ?? "Questions"
                    sections.append(Section(id: sectionCount[base]! == 1 ? base : "\(base)_\(sectionCount[base]!)",
                                            title: title, items: [],
                                            source: context.isEmpty ? nil : context.joined(separator: "/")))
                    if groups.count > 1, sectionCount[base]! == 1 {
                        note(location, groups.last!.name,
                             "nested groups are flattened: this group becomes its own section")
                    }
                }
                add(item, list: list, name: name)
                if orOther, let list {
                    let otherID = identifier(from: name + "_other")
                    guard !ids.contains(otherID) else { continue }
                    let chosen: SkipCondition = .answer(item: id, test: item.type == .multipleChoice
                                                        ? .includes(list.codeOfName["other"]!)
                                                        : .oneOf([list.codeOfName["other"]!]))
                    var other = Item(id: otherID, text: "Specify other.", type: .text,
                                     showIf: SkipCondition.all(conditions + [chosen]).simplified)
                    if otherID != name + "_other" { other.source = name + "_other" }
                    add(other, list: nil, name: name + "_other")
                    note(location, name, "or_other: an 'Other' choice (name 'other') "
                         + "and a text question \(otherID), asked when it is "
                         + "chosen, as pyxform makes them")
                }
            }
        }

        mutating func add(_ item: Item, list: ChoiceList?, name: String) {
            sections[sections.count - 1].items.append(item)
            ids.insert(item.id)
            fields[name] = LogicField(item: item, codeOfSource: list?.codeOfName ?? [:])
        }

        func parseParameters(_ text: String) -> [String: String] {
            var result: [String: String] = [:]
            for pair in text.split(whereSeparator: { $0 == " " || $0 == ";" }) {
                let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if parts.count == 2 { result[parts[0].lowercased()] = parts[1] }
            }
            return result
        }

        mutating func convertRequired(_ value: String, _ item: inout Item, _ location: String) {
            switch value.lowercased() {
            case "yes", "true", "true()", "1": item.required = true
            case "", "no", "false", "false()", "0": item.required = false
            default: note(location, item.id, "required only when '\(value)' is not carried: the item is optional")
            }
        }

        mutating func convertRelevant(_ expression: String, id: String, location: String,
                                      what: String) -> SkipCondition? {
            do {
                let parsed = try LogicExpression.parse(expression, syntax: .xlsform)
                return try parsed.condition { fields[$0] }.simplified
            } catch let unsupported as LogicExpression.Unsupported {
                let consequence = what == "relevant" ? "so the item is always asked"
                    : "so the questions inside are asked whatever it says"
                note(location, id, "\(what) '\(expression)' is not carried (\(unsupported.reason)), \(consequence)")
            } catch {
                note(location, id, "\(what) '\(expression)' is not carried (\(error))")
            }
            return nil
        }

        static let bound = try! NSRegularExpression(pattern: "^\\.\\s*(>=|<=|>|<)\\s*(-?[0-9]+(?:\\.[0-9]+)?)$")

        mutating func convertConstraint(_ expression: String, _ item: inout Item, _ location: String) {
            guard item.type == .integer || item.type == .number else {
                note(location, item.id, "constraint '\(expression)' is not carried "
                    + "(the toolkit checks ranges of numbers only)")
                return
            }
            var low = item.range?.min, high = item.range?.max
            for part in expression.components(separatedBy: try! NSRegularExpression(pattern: "\\s+and\\s+",
                                                                                     options: .caseInsensitive)) {
                let term = part.trimmingCharacters(in: .whitespaces)
                let range = NSRange(term.startIndex..., in: term)
                guard let match = Self.bound.firstMatch(in: term, range: range),
                      let op = Range(match.range(at: 1), in: term),
                      let number = Range(match.range(at: 2), in: term), let value = Double(term[number]) else {
                    note(location, item.id, "constraint '\(expression)' is not a range of the form . >= a and . <= b: "
                        + "not carried")
                    return
                }
                switch term[op] {
                case ">=": low = value
                case "<=": high = value
                case ">":
                    if item.type == .integer {
                        low = value.rounded(.down) + 1
                    } else {
                        low = value; note(location, item.id, "'\(term)' is kept as \(term[op])= (ranges are inclusive)")
                    }
                default:
                    if item.type == .integer {
                        high = value.rounded(.up) - 1
                    } else {
                        high = value; note(location, item.id, "'\(term)' is kept as \(term[op])= "
                            + "(ranges are inclusive)")
                    }
                }
            }
            item.range = ValueRange(min: low, max: high)
        }

        mutating func summarise(_ source: String) {
            func summary(_ list: [String], _ message: String, unit: String = "question(s)") {
                if !list.isEmpty {
                    note(source, nil, "\(message), on \(list.count) \(unit): \(list.joined(separator: ", "))")
                }
            }
            if !metadata.isEmpty {
                note(source, nil, "metadata fields recorded by the form app are not converted: "
                    + "\(metadata.joined(separator: ", "))")
            }
            summary(renamed, "names become item ids of lower-case letters, digits and '_' "
                    + "(the names are kept as each item's source)")
            if !unnamedNotes.isEmpty {
                note(source, nil, "\(unnamedNotes.count) note(s) without a name (text shown, no answer) "
                     + "are not converted: "
                     + unnamedNotes.joined(separator: ", "))
            }
            summary(references, "labels that show an earlier answer (${...}) keep the reference as written "
                    + "(questions, and choices as list/name)", unit: "label(s)")
            summary(requiredDropped, "required is not carried where a relevant (the question's or its group's) "
                    + "is not: a question asked "
                    + "only under a condition cannot be required of every response")
            summary(hints, "hints are not carried")
            summary(appearances, "appearance (layout only) is not carried")
            summary(messages, "constraint messages are not carried (the toolkit writes its own)")
        }
    }
}
