import Foundation
import OutcomesInstruments

/// A REDCap "raw data" export (CSV, or REDCap's SPSS/Stata export read as a table) in the interchange
/// layout: the record id field is the respondent, `redcap_event_name` the wave (through the instrument's
/// `source.events` or `--event`), `redcap_data_access_group` the site (or `--site`), checkbox options
/// (`field___code` 0/1 columns) one multiple choice answer, and REDCap codes the instrument's codes.
///
/// Each form's `*_complete` status says whether the form was entered for that record and event: 2
/// complete; 0 or 1 incomplete or unverified, unless the form holds no data at all (REDCap writes 0
/// for a form nobody opened). Rows whose forms are all unentered are left out; rows with an incomplete
/// form are left out unless `includeIncomplete`; both are counted. Items of a form not entered are
/// not asked in that row, so they may be empty even if required.
struct REDCapLayout: ResponseLayout {
    func translate(_ table: ResponseTable, instrument: Instrument, options: ResponseImportOptions) -> Translation {
        var translation = Translation()
        func problem(_ row: ResponseTable.Row?, _ column: Int?, _ message: String) {
            translation.problems.append(table.diagnostic(row: row, column: column, message))
        }
        let names = table.columns.map(\.name)
        guard let first = names.first else { problem(nil, nil, "the export has no columns"); return translation }
        let recordName = instrument.source?.recordID ?? first
        guard let recordColumn = table.index(of: recordName) else {
            // A labels export heads its columns with field labels ("Record ID", "Event Name").
            if names.contains(where: { $0.contains(" ") || $0.contains("?") }) {
                problem(nil, nil, "this looks like a REDCap export of labels (headers such as "
                        + "'\(names.prefix(3).joined(separator: "', '"))'): "
                        + "export 'CSV / Microsoft Excel (raw data)' instead, which has field names and codes")
            } else {
                problem(nil, nil, "no column '\(recordName)', the record id field of \(instrument.id)'s source "
                        + "(the first column is '\(first)')")
            }
            return translation
        }
        if recordName != instrument.source?.recordID {
            translation.notes.append("the first column, \(recordName), is taken as REDCap's record id (the respondent)")
        }
        let eventColumn = table.index(of: "redcap_event_name"),
            groupColumn = table.index(of: "redcap_data_access_group")
        let repeatColumn = table.index(of: "redcap_repeat_instrument")
        var events = Dictionary(instrument.source?.events.map { ($0.event, $0.wave) } ?? [],
                                uniquingKeysWith: { first, _ in first })
        for (event, wave) in options.events { events[event] = wave }
        if eventColumn == nil, options.wave == nil {
            problem(nil, nil, "the export has no redcap_event_name column (a project without events): "
                + "give the wave with --wave NAME")
            return translation
        }
        if eventColumn != nil, options.wave != nil {
            problem(nil, eventColumn, "the export has a redcap_event_name column, and --wave was given: "
                + "map events to waves with --event EVENT=WAVE")
        }

        // Which column holds each item: the field itself, or a checkbox's option columns.
        let lowerIndex = Dictionary(names.enumerated().map { ($0.element.lowercased(), $0.offset) },
                                    uniquingKeysWith: { first, _ in first })
        struct ItemSource {
            var item: Item
            var form: String?
            var column: Int?
            var options: [(code: Int, column: Int)]
            var lookup: ChoiceLookup?
        }
        var itemSources: [ItemSource] = []
        var used = Set([recordColumn] + [eventColumn, groupColumn, repeatColumn].compactMap { $0 })
        for section in instrument.sections {
            for item in section.items {
                let field = item.source ?? item.id
                let set = instrument.choiceSet(for: item)
                if item.type == .multipleChoice, let set {
                    let found = set.choices.compactMap { choice -> (Int, Int)? in
                        let suffix = Self.checkboxSuffix(choice.sourceCode)
                        return lowerIndex["\(field)___\(suffix)".lowercased()].map { (choice.code, $0) }
                    }
                    for (_, column) in found { used.insert(column) }
                    if !found.isEmpty {
                        itemSources.append(ItemSource(item: item, form: section.source, column: nil, options: found,
                                                      lookup: nil))
                    }
                } else if let column = table.index(of: field) ?? lowerIndex[field.lowercased()] {
                    used.insert(column)
                    itemSources.append(ItemSource(
                        item: item, form: section.source, column: column, options: [],
                        lookup: item.type == .singleChoice ? set.map(ChoiceLookup.init) : nil))
                }
            }
        }
        guard !itemSources.isEmpty else {
            problem(nil, nil, "no column of the export is a field of \(instrument.id) \(instrument.version): "
                + "is it the right instrument?")
            return translation
        }
        // Each form's status column, for the forms of the instrument.
        var forms: [String] = []
        for source in itemSources { if let form = source.form, !forms.contains(form) { forms.append(form) } }
        let statusColumns = Dictionary(
            forms.compactMap { form in table.index(of: "\(form)_complete").map { (form, $0) } },
            uniquingKeysWith: { first, _ in first })
        for column in statusColumns.values { used.insert(column) }
        let missingStatus = forms.filter { statusColumns[$0] == nil }
        if !missingStatus.isEmpty {
            translation.notes.append("no status column for form(s) \(missingStatus.joined(separator: ", ")): "
                                     + "their rows are taken as entered")
        }
        // Each form's answer columns and checkbox option columns, to tell a form with data from one without.
        var dataColumns: [String: [Int]] = [:], tickColumns: [String: [Int]] = [:]
        for source in itemSources {
            guard let form = source.form else { continue }
            if let column = source.column { dataColumns[form, default: []].append(column) }
            tickColumns[form, default: []] += source.options.map(\.column)
        }
        let ignored = names.enumerated().filter { !used.contains($0.offset) }.map(\.element)
        if !ignored.isEmpty {
            translation.notes.append("\(ignored.count) column(s) are not fields of \(instrument.id) "
                                     + "and are not imported: "
                                     + ignored.prefix(12).joined(separator: ", ") + (ignored.count > 12 ? ", ..." : ""))
        }

        translation.columns += itemSources.map(\.item.id)
        translation.sourceColumns = [recordColumn, groupColumn, nil, eventColumn]
            + itemSources.map { $0.column ?? $0.options.first?.column }
        var unmappedEvents: [String: (count: Int, row: ResponseTable.Row)] = [:]
        var repeated: [String: (count: Int, row: ResponseTable.Row)] = [:]
        var incomplete: [String] = []
        var labelled = 0
        var withoutSite: (count: Int, first: ResponseTable.Row?) = (0, nil)
        for (index, row) in table.rows.enumerated() {
            let cell = { (column: Int) in row[column] }
            if let repeatColumn, !cell(repeatColumn).isEmpty {
                let form = cell(repeatColumn)
                if forms.contains(form) {
                    repeated[form, default: (0, row)].count += 1
                } else {
                    translation.skip("rows of repeating instrument \(form), not part of \(instrument.id)")
                }
                continue
            }
            var wave = options.wave ?? ""
            if let eventColumn {
                let event = cell(eventColumn)
                if let mapped = events[event] {
                    if mapped == "skip" { translation.skip("rows of event \(event), mapped to skip"); continue }
                    wave = mapped
                } else if events.isEmpty {
                    wave = event
                } else {
                    unmappedEvents[event, default: (0, row)].count += 1
                    continue
                }
            }
            // The forms entered in this row, and whether each is complete.
            var notEntered: [String] = []
            var incompleteForms: [String] = []
            for form in forms {
                guard let column = statusColumns[form] else { continue }
                let status = cell(column)
                let hasData = dataColumns[form, default: []].contains { !row.isEmpty($0) }
                    || tickColumns[form, default: []].contains { cell($0) == "1" }
                if status.isEmpty || (status == "0" && !hasData) {
                    notEntered.append(form)
                } else if status != "2" {
                    incompleteForms.append(form)
                }
            }
            if notEntered.count == forms.count, !statusColumns.isEmpty {
                translation.skip("rows with no form of \(instrument.id) entered (status blank, or 0 with no data)")
                continue
            }
            if !incompleteForms.isEmpty, !options.includeIncomplete {
                translation.skip("incomplete records (a form's status 0 Incomplete or 1 Unverified); "
                    + "import them with --include-incomplete")
                incomplete.append(cell(recordColumn) + (eventColumn.map { " (\(cell($0)))" } ?? ""))
                continue
            }
            let site = groupColumn.map(cell).flatMap { $0.isEmpty ? nil : $0 } ?? options.site ?? ""
            if site.isEmpty { withoutSite.count += 1; if withoutSite.first == nil { withoutSite.first = row } }
            var cells = [cell(recordColumn), site, "", wave]
            for source in itemSources {
                if !source.options.isEmpty {
                    let ticked = source.options.filter { cell($0.column) == "1" }.map(\.code)
                    cells.append(ticked.map(String.init).joined(separator: ";"))
                    continue
                }
                let value = cell(source.column!)
                guard let lookup = source.lookup, !value.isEmpty else { cells.append(value); continue }
                switch lookup.code(value) {
                case let .code(code): cells.append(String(code))
                case let .byLabel(code): cells.append(String(code)); labelled += 1
                case .none:
                    problem(row, source.column, "\(source.item.id): '\(value)' is not a REDCap code of "
                        + "\(source.item.choiceSetID ?? "") (\(lookup.names))")
                    cells.append("")
                }
            }
            let unasked = Set(itemSources.filter { source in source.form.map(notEntered.contains) ?? false }
                .map(\.item.id))
            if !unasked.isEmpty { translation.notAsked[index] = unasked }
            translation.add(source: index, cells: cells)
        }
        if let first = withoutSite.first {
            problem(first, groupColumn, groupColumn == nil
                    ? "no site: the export has no redcap_data_access_group column; give one with --site NAME"
                    : "\(withoutSite.count) row(s) have no data access group, the first here: "
                    + "give the site of such records with --site NAME")
        }
        for (event, found) in unmappedEvents.sorted(by: { $0.value.row.place < $1.value.row.place }) {
            problem(found.row, eventColumn, "event '\(event)' (\(found.count) row(s)) has no wave: "
                    + "add it to the instrument's source events, "
                    + "or pass --event \(event)=WAVE (or --event \(event)=skip)")
        }
        for (form, found) in repeated.sorted(by: { $0.value.row.place < $1.value.row.place }) {
            problem(found.row, repeatColumn, "repeating instrument '\(form)' (\(found.count) row(s)): "
                    + "a form repeated within a record "
                    + "and event holds several answers to one question, which one response cannot; "
                    + "export the project without its "
                    + "repeating instances, or convert the form as an instrument of its own")
        }
        if eventColumn != nil, events.isEmpty {
            translation.notes.append("waves are the events' names as REDCap gives them "
                + "(map them with --event EVENT=WAVE, or source.events)")
        }
        if !incomplete.isEmpty {
            translation.notes.append("records left out as incomplete: " + incomplete.prefix(10).joined(separator: ", ")
                                     + (incomplete.count > 10 ? " and \(incomplete.count - 10) more" : ""))
        }
        if labelled > 0 {
            translation.notes.append("\(labelled) answer(s) were written as choice labels, not codes, "
                + "and were matched by label")
        }
        return translation
    }

    /// REDCap names a checkbox option's column by its code, lower-cased, with characters other than
    /// letters, digits and '_' as '_' (code "-1" is `field____1`).
    static func checkboxSuffix(_ code: String) -> String {
        String(code.lowercased().map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "_" })
    }
}
