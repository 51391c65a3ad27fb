import Foundation
import OutcomesInstruments
import OutcomesStore

/// XLSForm forms (the spreadsheet format of ODK, KoboToolbox and SurveyCTO) to the toolkit's
/// instruments, from the .xlsx workbook or from its sheets saved as CSV.
///
/// What maps: `integer`, `decimal`, `range`, `text`, `date`, `select_one` and `select_multiple`
/// questions; groups become sections; `required`; `relevant` of the form `${q} = '1'` or
/// `selected(${q}, '1')` (several joined by `or`) on an earlier select_one; `constraint` of the form
/// `. >= 0 and . <= 10` on numbers. Everything else (notes, calculations, metadata, media, repeats,
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

    /// The survey, choices and settings sheets of an .xlsx workbook.
    public static func sheets(xlsx file: String) throws -> [Sheet] {
        try XLSXReader.sheets(file: file).map { Sheet(name: $0.name.lowercased(), source: "\(file) [\($0.name)]", rows: $0.rows) }
    }

    /// A sheet saved as CSV.
    public static func sheet(csv file: String, name: String) throws -> Sheet {
        Sheet(name: name, source: file, rows: try readCSVRecords(readInputFile(file), file: file).map { ($0.line, $0.fields) })
    }

    /// Converts a form's sheets. `naming` overrides the settings sheet's form_id, version and title.
    public static func instrument(sheets: [Sheet], naming: InstrumentNaming?, defaultNaming: InstrumentNaming) throws -> ConvertedInstrument {
        guard let survey = sheets.first(where: { $0.name == "survey" }) else {
            throw DiagnosticList([Diagnostic(file: sheets.first?.source ?? "form", message: "no 'survey' sheet (found: \(sheets.map(\.name).joined(separator: ", ")))")])
        }
        var converter = Converter()
        let choices = try sheets.first(where: { $0.name == "choices" }).map { try converter.readChoices($0) } ?? [:]
        let settings = sheets.first(where: { $0.name == "settings" }).map(Table.init)
        let setting = { (key: String) -> String? in
            settings.flatMap { table in table.rows.first.flatMap { table.value(key, in: $0) } }.flatMap { $0.isEmpty ? nil : $0 }
        }
        try converter.convert(Table(survey), lists: choices)
        if !converter.errors.isEmpty { throw DiagnosticList(converter.errors) }
        converter.summarise(survey.source)
        guard !converter.sections.allSatisfy(\.items.isEmpty) else {
            throw DiagnosticList([Diagnostic(file: survey.source, message: "no question converts to an item: nothing to write")]
                                 + converter.notes.map { Diagnostic(file: survey.source, message: $0.description) })
        }
        let formID = setting("form_id").map { InstrumentNaming.fromFile($0).id }
        let naming = naming ?? InstrumentNaming(id: formID ?? defaultNaming.id, version: setting("version") ?? defaultNaming.version,
                                                title: setting("form_title") ?? defaultNaming.title)
        let instrument = Instrument(id: naming.id, version: naming.version, title: naming.title,
                                    choiceSets: converter.pool.sets, sections: converter.sections.filter { !$0.items.isEmpty })
        return try InstrumentYAML.checked(instrument, source: (survey.source as NSString).lastPathComponent, notes: converter.notes)
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

        init(_ sheet: Sheet) {
            self.sheet = sheet
            let header = sheet.rows.first?.cells ?? []
            for (index, name) in header.enumerated() {
                let key = name.trimmingCharacters(in: .whitespaces).lowercased()
                if !key.isEmpty, columns[key] == nil { columns[key] = index }
            }
            // Keys are matched lower-case; messages show the header as written.
            let labels = header.map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0.lowercased() == "label" || $0.lowercased().hasPrefix("label::") }
            let chosen = labels.first { $0.lowercased() == "label" } ?? labels.first
            labelColumn = chosen?.lowercased()
            otherLabels = labels.filter { $0 != chosen }
            hintColumns = header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { $0 == "hint" || $0.hasPrefix("hint::") }
            rows = Array(sheet.rows.dropFirst()).filter { !$0.cells.allSatisfy { $0.trimmingCharacters(in: .whitespaces).isEmpty } }
        }

        func value(_ column: String, in row: (number: Int, cells: [String])) -> String? {
            guard let index = columns[column], index < row.cells.count else { return nil }
            return row.cells[index].trimmingCharacters(in: .whitespacesAndNewlines)
        }
        func label(_ row: (number: Int, cells: [String])) -> String { labelColumn.flatMap { value($0, in: row) } ?? "" }
        func location(_ row: (number: Int, cells: [String])) -> String { "\(sheet.source) row \(row.number)" }
    }

    /// A choice list: its choices with toolkit codes, and the XLSForm name of each code.
    struct ChoiceList {
        var choices: [Choice]
        var codeOfName: [String: Int]
    }

    private struct Converter {
        var sections: [Section] = []
        var pool = ChoiceSetPool()
        var notes: [ConversionNote] = []
        var errors: [Diagnostic] = []
        var items: [String: (item: Item, list: ChoiceList?)] = [:]
        var idOfName: [String: String] = [:]
        var hints: [String] = [], appearances: [String] = [], messages: [String] = []
        var metadata: [String] = []

        mutating func note(_ location: String, _ field: String?, _ message: String) {
            notes.append(ConversionNote(location: location, field: field, message: message))
        }

        mutating func readChoices(_ sheet: Sheet) throws -> [String: ChoiceList] {
            let table = Table(sheet)
            for column in ["list_name", "name"] where table.columns[column] == nil {
                throw DiagnosticList([Diagnostic(file: sheet.source, line: sheet.rows.first?.number, message: "the choices sheet has no '\(column)' column")])
            }
            var entries: [String: [(name: String, label: String, row: Int)]] = [:]
            var order: [String] = []
            for row in table.rows {
                let list = table.value("list_name", in: row) ?? "", name = table.value("name", in: row) ?? ""
                guard !list.isEmpty, !name.isEmpty else {
                    errors.append(Diagnostic(file: table.location(row), message: "a choice needs a list_name and a name"))
                    continue
                }
                if entries[list] == nil { order.append(list) }
                entries[list, default: []].append((name, plainText(table.label(row)).text, row.number))
            }
            var lists: [String: ChoiceList] = [:]
            for list in order {
                let parsed = entries[list]!
                if Set(parsed.map(\.name)).count != parsed.count {
                    errors.append(Diagnostic(file: sheet.source, line: parsed[0].row, message: "choice list '\(list)' has a name twice"))
                    continue
                }
                if parsed.allSatisfy({ Int($0.name) != nil }) {
                    lists[list] = ChoiceList(choices: parsed.map { Choice(code: Int($0.name)!, label: $0.label.isEmpty ? $0.name : $0.label) },
                                             codeOfName: Dictionary(uniqueKeysWithValues: parsed.map { ($0.name, Int($0.name)!) }))
                } else {
                    note("\(sheet.source) row \(parsed[0].row)", list, "choice names are not all whole numbers, so they are numbered in order: "
                         + parsed.enumerated().map { "\($0.element.name) -> \($0.offset + 1)" }.joined(separator: ", ")
                         + " (recode data exported from the form the same way before importing it)")
                    lists[list] = ChoiceList(choices: parsed.enumerated().map { Choice(code: $0.offset + 1, label: $0.element.label.isEmpty ? $0.element.name : $0.element.label) },
                                             codeOfName: Dictionary(uniqueKeysWithValues: parsed.enumerated().map { ($0.element.name, $0.offset + 1) }))
                }
            }
            if !table.otherLabels.isEmpty { note(sheet.source, nil, "choice labels in \(table.otherLabels.joined(separator: ", ")) are not carried (the instrument keeps '\(table.labelColumn ?? "label")')") }
            return lists
        }

        static let metadataTypes: Set<String> = ["start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber", "username",
                                                  "email", "audit", "start-geopoint", "background-audio", "caseid"]

        mutating func convert(_ table: Table, lists: [String: ChoiceList]) throws {
            for column in ["type", "name"] where table.columns[column] == nil {
                throw DiagnosticList([Diagnostic(file: table.sheet.source, line: table.sheet.rows.first?.number, message: "the survey sheet has no '\(column)' column")])
            }
            if !table.otherLabels.isEmpty { note(table.sheet.source, nil, "labels in \(table.otherLabels.joined(separator: ", ")) are not carried (the instrument keeps '\(table.labelColumn ?? "label")')") }
            var groups: [(name: String, title: String)] = []
            var repeats = 0
            var sectionForGroups: [String]? = nil
            var sectionCount: [String: Int] = [:]
            for row in table.rows {
                let location = table.location(row)
                let typeText = (table.value("type", in: row) ?? "").replacingOccurrences(of: "\\s+", with: " ", options: .regularExpression)
                let words = typeText.split(separator: " ").map(String.init)
                let type = (words.first ?? "").lowercased()
                let name = table.value("name", in: row) ?? ""
                let label = plainText(table.label(row)).text
                switch type {
                case "begin" where words.count > 1 && words[1].lowercased() == "group", "begin_group":
                    groups.append((name, label.isEmpty ? titleFromName(name) : label))
                    if let relevant = table.value("relevant", in: row), !relevant.isEmpty {
                        note(location, name, "the group's relevant '\(relevant)' is not carried: the questions inside are always asked")
                    }
                    if let appearance = table.value("appearance", in: row), !appearance.isEmpty { appearances.append(name) }
                    continue
                case "end" where words.count > 1 && words[1].lowercased() == "group", "end_group":
                    _ = groups.popLast(); continue
                case "begin" where words.count > 1 && words[1].lowercased() == "repeat", "begin_repeat":
                    repeats += 1
                    note(location, name, "repeat groups (the same questions answered several times) are not carried: the questions inside are not converted")
                    continue
                case "end" where words.count > 1 && words[1].lowercased() == "repeat", "end_repeat":
                    repeats = max(0, repeats - 1); continue
                case "":
                    if !name.isEmpty { errors.append(Diagnostic(file: location, message: "'\(name)' has no type")) }
                    continue
                default: break
                }
                if repeats > 0 { continue }
                if Self.metadataTypes.contains(type) { metadata.append(name.isEmpty ? type : name); continue }
                guard !name.isEmpty else { errors.append(Diagnostic(file: location, message: "a '\(typeText)' row has no name")); continue }
                let id = identifier(from: name)
                if id != name { note(location, name, "becomes item id '\(id)' (ids are lower-case letters, digits and '_')") }
                if items[id] != nil {
                    errors.append(Diagnostic(file: location, message: "'\(name)' gives item id '\(id)', which is already used")); continue
                }
                var item = Item(id: id, text: label.isEmpty ? name : label, type: .text)
                var list: ChoiceList?
                switch type {
                case "integer": item.type = .integer
                case "decimal": item.type = .number
                case "text": item.type = .text
                case "date": item.type = .date
                case "range":
                    let parameters = parseParameters(table.value("parameters", in: row) ?? "")
                    let start = parameters["start"].flatMap(Double.init) ?? 1, end = parameters["end"].flatMap(Double.init) ?? 10
                    let step = parameters["step"].flatMap(Double.init) ?? 1
                    item.type = [start, end, step].allSatisfy { $0 == $0.rounded() } ? .integer : .number
                    item.range = ValueRange(min: min(start, end), max: max(start, end))
                case "select_one", "select_multiple":
                    guard words.count >= 2 else { errors.append(Diagnostic(file: location, message: "'\(name)': \(type) needs a choice list name")); continue }
                    guard let found = lists[words[1]] else {
                        errors.append(Diagnostic(file: location, message: "'\(name)': no choice list '\(words[1])' on the choices sheet")); continue
                    }
                    if words.count > 2 { note(location, name, "'\(words.dropFirst(2).joined(separator: " "))' after the list name is not carried") }
                    item.type = type == "select_one" ? .singleChoice : .multipleChoice
                    item.choiceSetID = pool.id(for: found.choices, preferred: identifier(from: words[1]))
                    list = found
                case "note":
                    note(location, name, "a note (text shown, no answer) is not converted: '\(String(label.prefix(60)))'"); continue
                case "calculate":
                    note(location, name, "a calculation (\(table.value("calculation", in: row) ?? "")) is not converted: if it is a score, define it as a scale"); continue
                default:
                    note(location, name, "question type '\(typeText)' has no counterpart in the toolkit: not converted"); continue
                }
                convertRequired(table.value("required", in: row) ?? "", &item, location)
                if let relevant = table.value("relevant", in: row), !relevant.isEmpty { item.showIf = convertRelevant(relevant, id: id, location: location) }
                if let constraint = table.value("constraint", in: row), !constraint.isEmpty { convertConstraint(constraint, &item, location) }
                for (column, message) in [("default", "a default answer"), ("choice_filter", "a choice filter"), ("read_only", "read-only"),
                                          ("calculation", "a calculation")] {
                    if let value = table.value(column, in: row), !value.isEmpty, value.lowercased() != "no", value.lowercased() != "false" {
                        note(location, name, "\(message) ('\(value)') is not carried")
                    }
                }
                if table.hintColumns.contains(where: { !(table.value($0, in: row) ?? "").isEmpty }) { hints.append(id) }
                if let appearance = table.value("appearance", in: row), !appearance.isEmpty { appearances.append(id) }
                if let message = table.value("constraint_message", in: row), !message.isEmpty { messages.append(id) }

                // Questions outside any group go in a first section named after the form; each group is a section.
                let context = groups.map(\.name)
                if sectionForGroups != context || sections.isEmpty {
                    sectionForGroups = context
                    let base = identifier(from: groups.last?.name ?? "questions")
                    sectionCount[base, default: 0] += 1
                    let title = groups.last?.title ?? "Questions"
                    sections.append(Section(id: sectionCount[base]! == 1 ? base : "\(base)_\(sectionCount[base]!)", title: title, items: []))
                    if groups.count > 1, sectionCount[base]! == 1 {
                        note(location, groups.last!.name, "nested groups are flattened: this group becomes its own section")
                    }
                }
                sections[sections.count - 1].items.append(item)
                items[id] = (item, list)
                idOfName[name] = id
            }
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

        static let terms = [
            try! NSRegularExpression(pattern: "^\\$\\{([A-Za-z_][A-Za-z0-9_.-]*)\\}\\s*=\\s*['\"]?([^'\"\\s]+)['\"]?$"),
            try! NSRegularExpression(pattern: "^selected\\(\\s*\\$\\{([A-Za-z_][A-Za-z0-9_.-]*)\\}\\s*,\\s*['\"]([^'\"]+)['\"]\\s*\\)$"),
        ]

        mutating func convertRelevant(_ expression: String, id: String, location: String) -> SkipCondition? {
            guard let condition = Disjunction.parse(expression, terms: Self.terms) else {
                note(location, id, "relevant '\(expression)' is not of the form ${question} = 'choice' (or several joined by 'or'): not carried, so the item is always asked")
                return nil
            }
            guard let otherID = idOfName[condition.variable], let (other, list) = items[otherID], other.type == .singleChoice, let list else {
                note(location, id, "relevant '\(expression)' tests '\(condition.variable)', which is not an earlier select_one question: not carried")
                return nil
            }
            var codes: [Int] = []
            for value in condition.values {
                guard let code = list.codeOfName[value] else {
                    note(location, id, "relevant '\(expression)' tests for '\(value)', which is not a choice of '\(condition.variable)': not carried")
                    return nil
                }
                codes.append(code)
            }
            return SkipCondition(item: otherID, codes: codes)
        }

        static let bound = try! NSRegularExpression(pattern: "^\\.\\s*(>=|<=|>|<)\\s*(-?[0-9]+(?:\\.[0-9]+)?)$")

        mutating func convertConstraint(_ expression: String, _ item: inout Item, _ location: String) {
            guard item.type == .integer || item.type == .number else {
                note(location, item.id, "constraint '\(expression)' is not carried (the toolkit checks ranges of numbers only)")
                return
            }
            var low = item.range?.min, high = item.range?.max
            for part in expression.components(separatedBy: try! NSRegularExpression(pattern: "\\s+and\\s+", options: .caseInsensitive)) {
                let term = part.trimmingCharacters(in: .whitespaces)
                let range = NSRange(term.startIndex..., in: term)
                guard let match = Self.bound.firstMatch(in: term, range: range), let op = Range(match.range(at: 1), in: term),
                      let number = Range(match.range(at: 2), in: term), let value = Double(term[number]) else {
                    note(location, item.id, "constraint '\(expression)' is not a range of the form . >= a and . <= b: not carried")
                    return
                }
                switch term[op] {
                case ">=": low = value
                case "<=": high = value
                case ">":
                    if item.type == .integer { low = value.rounded(.down) + 1 } else { low = value; note(location, item.id, "'\(term)' is kept as \(term[op])= (ranges are inclusive)") }
                default:
                    if item.type == .integer { high = value.rounded(.up) - 1 } else { high = value; note(location, item.id, "'\(term)' is kept as \(term[op])= (ranges are inclusive)") }
                }
            }
            item.range = ValueRange(min: low, max: high)
        }

        mutating func summarise(_ source: String) {
            if !metadata.isEmpty { note(source, nil, "metadata fields recorded by the form app are not converted: \(metadata.joined(separator: ", "))") }
            if !hints.isEmpty { note(source, nil, "hints are not carried, on \(hints.count) question(s): \(hints.joined(separator: ", "))") }
            if !appearances.isEmpty { note(source, nil, "appearance (layout only) is not carried, on \(appearances.count) question(s): \(appearances.joined(separator: ", "))") }
            if !messages.isEmpty { note(source, nil, "constraint messages are not carried (the toolkit writes its own), on \(messages.count) question(s): \(messages.joined(separator: ", "))") }
        }
    }
}
