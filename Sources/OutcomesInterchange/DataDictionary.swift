import Foundation
import OutcomesInstruments
import OutcomesStore

/// What exported data mean, for the statistician's own tools: a data dictionary (CSV), and loader
/// scripts that read an export into R or Stata with every question and answer labelled.
public enum DataDictionary {
    /// The four columns every response file starts with.
    static let identity: [(variable: String, label: String)] = [
        ("respondent_id", "Respondent id (unique within a site)"), ("site", "Site code"),
        ("arm", "Evaluation arm: pilot, control, or empty"), ("wave", "Survey wave (e.g. baseline, followup)"),
    ]

    /// One row per variable:
    /// `variable,label,type,section,required,range,shown_if,domain,value_labels,special_codes,source`.
    /// `value_labels` is `code=label` pairs joined by ` | `; `special_codes` lists codes that are answers
    /// but not on the item's scale (not applicable, don't know); `source` is the variable's name, and
    /// its codes where they differ (`code=name | ...`), in the tool the instrument was converted from,
    /// so that the data can be matched to that tool's own exports. Multiple-choice answers are codes
    /// joined by ';'. In a long export the variables are the values of the `item` column.
    /// With `scores`, each scale's score and level columns (`export --scores`) follow the items.
    public static func csv(for instrument: Instrument, scores: Bool = false) -> String {
        var rows = [["variable", "label", "type", "section", "required", "range", "shown_if", "domain", "value_labels",
                     "special_codes", "source"]]
        let recordID = instrument.source?.recordID
        for (variable, label) in identity {
            rows.append([variable, label, "text", "", "yes", "", "", "", "", "",
                         variable == "respondent_id" ? recordID ?? "" : ""])
        }
        for section in instrument.sections {
            for item in section.items {
                let set = instrument.choiceSet(for: item)
                let type = item.type == .multipleChoice ? "multiple_choice (codes joined by ';')" : item.type.rawValue
                rows.append([
                    item.id, item.text, type, section.id, item.required ? "yes" : "no",
                    item.range.map { $0.description } ?? "",
                    item.showIf?.description ?? "",
                    item.domain.map { instrument.domain($0)?.label ?? $0 } ?? "",
                    set?.choices.map { "\($0.code)=\($0.label)" }.joined(separator: " | ") ?? "",
                    set?.choices.filter { $0.special != nil }.map { "\($0.code) (\($0.special!.rawValue.replacingOccurrences(of: "_", with: " ")))" }
                        .joined(separator: ", ") ?? "",
                    Self.source(of: item, in: section, set: set, instrument: instrument),
                ])
            }
        }
        for scale in scores ? instrument.scales : [] {
            let rule = "\(scale.method.rawValue) of \(scale.items.joined(separator: ", ")), at least "
                + "\(scale.minAnswered ?? scale.items.count) answered; blank with fewer"
            rows.append([scale.id, "\(scale.label) (\(rule))", "number (score)", "", "no",
                         scale.range.map { $0.description } ?? "", "", "", "", "", ""])
            guard !scale.levels.isEmpty else { continue }
            rows.append(["\(scale.id)_level", "Level of \(scale.label)", "integer (level)", "", "no", "", "", "",
                         scale.levels.map { "\($0.level)=\($0.label)" }.joined(separator: " | "), "", ""])
        }
        return rows.map { $0.map(csvEscape).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    /// The item's name in its source tool (with the group path for XLSForm) and any codes that differ.
    static func source(of item: Item, in section: Section, set: ChoiceSet?, instrument: Instrument) -> String {
        guard instrument.source != nil else { return "" }
        let name = item.source ?? item.id
        var text = instrument.source?.format == .xlsform ? (section.source.map { "\($0)/\(name)" } ?? name) : name
        let renamed = set?.choices.filter { $0.source != nil }.map { "\($0.code)=\($0.sourceCode)" } ?? []
        if !renamed.isEmpty { text += " (" + renamed.joined(separator: " | ") + ")" }
        return text
    }

    /// An R script (base R only) that loads `dataFile` with labels. Wide: choice items become factors
    /// in the instrument's order, dates become Dates, and every column carries its question as the
    /// "label" attribute. Long: each row gains `item_label` and `value_label`.
    public static func rScript(for instrument: Instrument, dataFile: String, format: ExportFormat) -> String {
        let file = (dataFile as NSString).lastPathComponent
        var lines = [
            "# Loads \(file) (\(instrument.title), \(instrument.id) \(instrument.version)) with its labels.",
            "# Written by `outcomes export`. Run it from the folder that holds \(file), e.g. source(\"\(rName(file))\").",
            "",
        ]
        switch format {
        case .csv:
            lines.append("data <- read.csv(\(r(file)), stringsAsFactors = FALSE, na.strings = \"\",")
            lines.append("                 colClasses = c(respondent_id = \"character\", site = \"character\", arm = \"character\", wave = \"character\"))")
            for (variable, label) in identity { lines.append("attr(data$\(variable), \"label\") <- \(r(label))") }
            for item in instrument.items {
                let column = "data$\(item.id)"
                if item.type == .singleChoice, let set = instrument.choiceSet(for: item) {
                    lines.append("\(column) <- factor(\(column), levels = c(\(set.choices.map { String($0.code) }.joined(separator: ", "))),")
                    lines.append("  labels = c(\(set.choices.map { r($0.label) }.joined(separator: ", "))))")
                } else if item.type == .date {
                    lines.append("\(column) <- as.Date(\(column))")
                } else if item.type == .multipleChoice || item.type == .text {
                    lines.append("\(column) <- as.character(\(column))")
                }
                lines.append("attr(\(column), \"label\") <- \(r(item.text))")
            }
        case .longCSV:
            lines.append("data <- read.csv(\(r(file)), stringsAsFactors = FALSE, na.strings = \"\", colClasses = \"character\")")
            lines.append("item_labels <- c(")
            lines.append(instrument.items.map { "  \($0.id) = \(r($0.text))" }.joined(separator: ",\n"))
            lines.append(")")
            lines.append("data$item_label <- unname(item_labels[data$item])")
            var items: [String] = [], values: [String] = [], labels: [String] = []
            for item in instrument.items where item.type == .singleChoice {
                for choice in instrument.choiceSet(for: item)?.choices ?? [] {
                    items.append(r(item.id)); values.append(r(String(choice.code))); labels.append(r(choice.label))
                }
            }
            lines.append("value_labels <- data.frame(")
            lines.append("  item = c(\(items.joined(separator: ", "))),")
            lines.append("  value = c(\(values.joined(separator: ", "))),")
            lines.append("  value_label = c(\(labels.joined(separator: ", "))),")
            lines.append("  stringsAsFactors = FALSE)")
            lines.append("data <- merge(data, value_labels, by = c(\"item\", \"value\"), all.x = TRUE, sort = FALSE)")
        }
        lines.append("")
        return lines.joined(separator: "\n")
    }

    /// A Stata do-file that loads a wide export (`--format csv`) with variable and value labels.
    /// Returns notes on what Stata cannot hold as given (names over 32 characters).
    public static func stataScript(for instrument: Instrument, dataFile: String) -> (script: String, notes: [String]) {
        let file = (dataFile as NSString).lastPathComponent
        var notes: [String] = []
        var lines = [
            "* Loads \(file) (\(instrument.title), \(instrument.id) \(instrument.version)) with its labels.",
            "* Written by `outcomes export`. Run it from the folder that holds \(file): do \(rName(file).replacingOccurrences(of: ".R", with: ".do"))",
            "import delimited using \(stata(file)), varnames(1) case(preserve) stringcols(1 2 3 4) encoding(utf-8) clear",
        ]
        for (variable, label) in identity { lines.append("label variable \(variable) \(stata(label))") }
        var defined = Set<String>()
        for item in instrument.items {
            if item.id.count > 32 { notes.append("\(item.id): Stata names are at most 32 characters; import delimited will rename it, and the labels for it will fail"); continue }
            let label = item.text.count > 80 ? String(item.text.prefix(77)) + "..." : item.text
            lines.append("label variable \(item.id) \(stata(label))")
            if item.type == .singleChoice, let set = instrument.choiceSet(for: item) {
                let name = String(set.id.prefix(32))
                if defined.insert(name).inserted {
                    lines.append("label define \(name) " + set.choices.map { "\($0.code) \(stata($0.label))" }.joined(separator: " ") + ", replace")
                }
                lines.append("label values \(item.id) \(name)")
            } else if item.type == .date, item.id.count <= 27 {
                lines.append("generate \(item.id)_d = date(\(item.id), \"YMD\")")
                lines.append("format \(item.id)_d %td")
                lines.append("label variable \(item.id)_d \(stata(String(("\(label) (date)").prefix(80))))")
            }
        }
        lines.append("")
        return (lines.joined(separator: "\n"), notes)
    }

    /// An R string literal.
    static func r(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n") + "\""
    }

    /// A Stata compound-quoted string, which may itself hold double quotes.
    static func stata(_ text: String) -> String { "`\"" + text.replacingOccurrences(of: "\n", with: " ") + "\"'" }

    static func rName(_ file: String) -> String { ((file as NSString).deletingPathExtension) + ".R" }
}
