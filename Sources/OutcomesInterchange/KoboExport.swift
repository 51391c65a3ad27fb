import Foundation
import OutcomesInstruments

/// A KoboToolbox or ODK Central export (CSV, or Kobo's .xlsx) in the interchange layout.
///
/// Headers may carry the question's group path (`household/q1` in Kobo, `household-q1` in ODK
/// Central) or not; answers are choice names (or, in a labels export, choice labels) and
/// select_multiple answers are names separated by spaces, with Kobo's extra 0/1 column per choice
/// used only where the question's own column is missing. The form app's metadata (`start`, `end`,
/// `_uuid`, `_submission_time`, `meta/instanceID`, `KEY`, ...) is not answers: the respondent is the
/// submission's instance id unless `--respondent-column` names a question, and site and wave come
/// from `--site`/`--wave` or the questions `--site-column`/`--wave-column` name.
struct KoboLayout: ResponseLayout {
    static let metadata: Set<String> = [
        "start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber", "username", "email", "audit",
        "_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status", "_submitted_by", "__version__",
        "_tags", "_index", "_parent_table_name", "_parent_index", "_submission__id", "_submission__uuid",
        "_xform_id_string", "_attachments", "_geolocation", "_duration", "formhub/uuid", "meta/instanceid",
        "meta/instancename", "meta/deprecatedid", "meta/rootuuid", "submissiondate", "meta-instanceid",
        "meta-instancename", "key", "parent_key", "submitterid", "submittername", "attachmentspresent",
        "attachmentsexpected", "status", "reviewstate", "deviceid", "edits", "formversion",
    ]
    /// Columns that identify a submission, in the order they are looked for.
    static let instanceColumns = ["meta/instanceID", "_uuid", "KEY", "meta-instanceID", "instanceID", "_id"]

    func translate(_ table: ResponseTable, instrument: Instrument, options: ResponseImportOptions) -> Translation {
        var translation = Translation()
        func problem(_ row: ResponseTable.Row?, _ column: Int?, _ message: String) {
            translation.problems.append(table.diagnostic(row: row, column: column, message))
        }
        let names = table.columns.map(\.name)
        // Each item by the names its column may have: the full group path with '/' or '-', the name.
        var byHeader: [String: Item] = [:], byLabel: [String: [Item]] = [:]
        for section in instrument.sections {
            for item in section.items {
                let name = item.source ?? item.id
                for key in [name, section.source.map { "\($0)/\(name)" },
                            section.source.map { "\($0.replacingOccurrences(of: "/", with: "-"))-\(name)" }]
                    .compactMap({ $0 }) where byHeader[key.lowercased()] == nil {
                    byHeader[key.lowercased()] = item
                }
                byLabel[item.text.lowercased(), default: []].append(item)
            }
        }
        var columnOfItem: [String: Int] = [:]
        var choiceColumns: [String: [(code: Int, column: Int)]] = [:]
        var ignored: [String] = [], metadataSeen: [String] = [], repeatColumns = 0, matchedByLabel = 0
        for (index, name) in names.enumerated() {
            let lower = name.lowercased()
            if let item = byHeader[lower] {
                if columnOfItem[item.id] == nil { columnOfItem[item.id] = index }
                continue
            }
            if Self.metadata.contains(lower) || lower.hasPrefix("_") || lower.hasPrefix("meta/")
                || lower.hasPrefix("meta-") {
                metadataSeen.append(name); continue
            }
            if name.contains("[") { repeatColumns += 1; continue }
            // Kobo's per-choice column of a select_multiple: `path/choice`.
            if let slash = name.lastIndex(of: "/") ?? name.lastIndex(of: "-"),
               let item = byHeader[String(name[..<slash]).lowercased()],
               item.type == .multipleChoice, let set = instrument.choiceSet(for: item),
               let choice = set.choices.first(where: {
                   $0.sourceCode.lowercased() == name[name.index(after: slash)...].lowercased()
               }) {
                choiceColumns[item.id, default: []].append((choice.code, index))
                continue
            }
            // A header without its group path, or with another one.
            if let slash = name.lastIndex(of: "/"),
               let item = byHeader[String(name[name.index(after: slash)...]).lowercased()],
               columnOfItem[item.id] == nil {
                columnOfItem[item.id] = index
                continue
            }
            // A labels export heads columns with question labels.
            if let items = byLabel[lower], items.count == 1, columnOfItem[items[0].id] == nil {
                columnOfItem[items[0].id] = index
                matchedByLabel += 1
                continue
            }
            ignored.append(name)
        }
        func column(named name: String?, _ what: String) -> Int? {
            guard let name else { return nil }
            if let index = table.index(of: name) ?? names.firstIndex(where: { $0.lowercased() == name.lowercased() })
                ?? instrument.item(name).flatMap({ columnOfItem[$0.id] })
                ?? byHeader[name.lowercased()].flatMap({ columnOfItem[$0.id] }) {
                return index
            }
            problem(nil, nil, "no column '\(name)' for the \(what) "
                + "(columns: \(names.prefix(8).joined(separator: ", "))\(names.count > 8 ? ", ..." : ""))")
            return nil
        }
        var respondentColumn = column(named: options.respondentColumn, "respondent id")
        if options.respondentColumn == nil {
            respondentColumn = Self.instanceColumns.lazy.compactMap { name in
                names.firstIndex { $0.lowercased() == name.lowercased() }
            }.first
            if let respondentColumn {
                translation.notes.append("each submission is a respondent, identified by \(names[respondentColumn]) "
                                         + "(name a question holding the respondent's id with --respondent-column)")
            } else {
                problem(nil, nil, "no submission id column (meta/instanceID, _uuid or KEY): "
                    + "name the respondent id's column with --respondent-column")
            }
        }
        let siteColumn = column(named: options.siteColumn, "site"),
            waveColumn = column(named: options.waveColumn, "wave")
        if options.site == nil, options.siteColumn == nil {
            problem(nil, nil, "give the site with --site NAME, or the question holding it with --site-column")
        }
        if options.wave == nil, options.waveColumn == nil {
            problem(nil, nil, "give the wave with --wave NAME, or the question holding it with --wave-column")
        }
        guard translation.problems.isEmpty, let respondentColumn else { return translation }

        let items = instrument.items.filter { columnOfItem[$0.id] != nil || choiceColumns[$0.id] != nil }
        guard !items.isEmpty else {
            problem(nil, nil, "no column of the export is a question of \(instrument.id) \(instrument.version): "
                + "is it the right form?")
            return translation
        }
        if !metadataSeen.isEmpty {
            translation.notes.append("the form app's metadata columns are not answers and are not imported: "
                + "\(metadataSeen.joined(separator: ", "))")
        }
        if repeatColumns > 0 {
            translation.notes.append("\(repeatColumns) column(s) of repeat groups ([1], [2], ...) are not imported: "
                + "repeats are not carried")
        }
        // The columns named for the respondent, site and wave are used, not ignored.
        let identity = Set([respondentColumn, siteColumn, waveColumn].compactMap { $0 }.map { names[$0] })
        ignored.removeAll { identity.contains($0) }
        if !ignored.isEmpty {
            translation.notes.append("\(ignored.count) column(s) are not questions of \(instrument.id) "
                                     + "and are not imported: "
                                     + ignored.prefix(12).joined(separator: ", ") + (ignored.count > 12 ? ", ..." : ""))
        }
        let perChoiceOnly = items.filter { columnOfItem[$0.id] == nil }.map(\.id)
        if !perChoiceOnly.isEmpty {
            translation.notes.append("read from their per-choice 0/1 columns: \(perChoiceOnly.joined(separator: ", "))")
        }
        if matchedByLabel > 0 {
            translation.notes.append("\(matchedByLabel) column(s) are headed by question labels, "
                + "and were matched by label")
        }

        translation.columns += items.map(\.id)
        translation.sourceColumns = [respondentColumn, siteColumn, nil, waveColumn]
            + items.map { columnOfItem[$0.id] ?? choiceColumns[$0.id]?.first?.column }
        let lookups = Dictionary(uniqueKeysWithValues: items.compactMap { item in
            instrument.choiceSet(for: item).map { (item.id, ChoiceLookup($0)) }
        })
        var answersByLabel = 0
        var notApplicable = 0
        for (index, row) in table.rows.enumerated() {
            // Kobocat and onadata write "n/a" for a question the form did not ask.
            let cell = { (column: Int) -> String in
                let value = row[column]
                if value == "n/a" { notApplicable += 1; return "" }
                return value
            }
            var cells = [cell(respondentColumn), siteColumn.map(cell) ?? options.site ?? "", "",
                         waveColumn.map(cell) ?? options.wave ?? ""]
            for item in items {
                guard let column = columnOfItem[item.id] else {
                    let ticked = (choiceColumns[item.id] ?? [])
                        .filter { ["1", "true"].contains(cell($0.column).lowercased()) }.map(\.code)
                    cells.append(ticked.map(String.init).joined(separator: ";"))
                    continue
                }
                let value = cell(column)
                guard !value.isEmpty, let lookup = lookups[item.id] else { cells.append(value); continue }
                if item.type == .multipleChoice {
                    var codes: [String] = []
                    for name in value.split(separator: " ") {
                        switch lookup.code(String(name)) {
                        case let .code(code), let .byLabel(code): codes.append(String(code))
                        case .none:
                            problem(row, column, "\(item.id): '\(name)' is not a choice of \(item.choiceSetID ?? "") "
                                + "(\(lookup.names))")
                        }
                    }
                    cells.append(codes.joined(separator: ";"))
                } else {
                    switch lookup.code(value) {
                    case let .code(code): cells.append(String(code))
                    case let .byLabel(code): cells.append(String(code)); answersByLabel += 1
                    case .none:
                        problem(row, column, "\(item.id): '\(value)' is not a choice of \(item.choiceSetID ?? "") "
                            + "(\(lookup.names))")
                        cells.append("")
                    }
                }
            }
            translation.add(source: index, cells: cells)
        }
        if notApplicable > 0 {
            translation.notes.append("\(notApplicable) cell(s) read 'n/a' (a question the form did not ask): "
                + "stored as not answered")
        }
        if answersByLabel > 0 {
            translation.notes.append("\(answersByLabel) answer(s) were choice labels, not names, "
                + "and were matched by label")
        }
        return translation
    }
}
