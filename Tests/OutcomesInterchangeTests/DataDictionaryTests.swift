import Foundation
import OutcomesInstruments
import OutcomesInterchange
import OutcomesStore
import Testing

@Suite struct DataDictionaryForExports {
    @Test func oneRowPerVariableWithValueLabelsAndSpecialCodes() throws {
        let instrument = try shippedInstrument("budget-holder")
        let text = DataDictionary.csv(for: instrument)
        let records = try readCSVRecords(Data(text.utf8), file: "dictionary.csv")
        #expect(records[0].fields == ["variable", "label", "type", "section", "required", "range", "shown_if", "domain", "value_labels", "special_codes", "source"])
        #expect(records.dropFirst().map { $0.fields[0] } == ["respondent_id", "site", "arm", "wave"] + instrument.items.map(\.id))
        let byVariable = Dictionary(uniqueKeysWithValues: records.dropFirst().map { ($0.fields[0], $0.fields) })
        let outcome = try #require(byVariable["outcome_independence"])
        #expect(outcome[2] == "single_choice" && outcome[3] == "difference_made" && outcome[4] == "no" && outcome[7] == "Independence")
        #expect(outcome[8] == "1=Got a lot better | 2=Got a bit better | 3=Stayed the same | 4=Got a bit worse | 5=Got a lot worse | 8=Not applicable")
        #expect(outcome[9] == "8 (not applicable)")
        #expect(byVariable["support_hours_week"]?[5] == "0 to 168")
        #expect(byVariable["process_views_missing"]?[6] == "process_views is 2 or 3")
        #expect(byVariable["planning_helpers"]?[2] == "multiple_choice (codes joined by ';')")
        // Every choice set's labels are there, whatever characters they hold (CSV-escaped, read back).
        for item in instrument.items {
            guard let set = instrument.choiceSet(for: item) else { continue }
            #expect(byVariable[item.id]?[8] == set.choices.map { "\($0.code)=\($0.label)" }.joined(separator: " | "))
        }
    }

    @Test func withScoresEachScaleHasItsScoreAndLevelRows() throws {
        let instrument = try shippedInstrument("activation")
        let records = try readCSVRecords(Data(DataDictionary.csv(for: instrument, scores: true).utf8),
                                         file: "dictionary.csv")
        #expect(records.suffix(2).map { $0.fields[0] } == ["activation_score", "activation_score_level"])
        let score = try #require(records.first { $0.fields[0] == "activation_score" }).fields
        #expect(score[1].hasPrefix("Activation score (0-100) (mean of act_01") && score[1].contains("at least 10"))
        #expect(score[2] == "number (score)" && score[5] == "0 to 100")
        let level = try #require(records.first { $0.fields[0] == "activation_score_level" }).fields
        #expect(level[8].hasPrefix("1=Level 1: may feel overwhelmed | 2=Level 2"))
        #expect(!DataDictionary.csv(for: instrument).contains("activation_score_level"), "only with scores")
    }

    @Test func theRLoaderLabelsEveryColumn() throws {
        let instrument = try shippedInstrument("budget-holder")
        let script = DataDictionary.rScript(for: instrument, dataFile: "/tmp/out/bh.csv", format: .csv)
        #expect(script.contains("data <- read.csv(\"bh.csv\", stringsAsFactors = FALSE, na.strings = \"\","))
        #expect(script.contains("data$gender <- factor(data$gender, levels = c(1, 2, 3, 9),\n  labels = c(\"Woman\", \"Man\", \"In another way\", \"Prefer not to say\"))"))
        #expect(script.contains("data$budget_start <- as.Date(data$budget_start)"))
        for item in instrument.items { #expect(script.contains("attr(data$\(item.id), \"label\") <- ")) }
        // Quotes and backslashes in labels are escaped for R.
        #expect(DataDictionary.rScript(for: labelled("He said \"no\" \\ twice"), dataFile: "x.csv", format: .csv)
            .contains("labels = c(\"He said \\\"no\\\" \\\\ twice\")"))
        let long = DataDictionary.rScript(for: instrument, dataFile: "answers.csv", format: .longCSV)
        #expect(long.contains("colClasses = \"character\")"))
        #expect(long.contains("data <- merge(data, value_labels, by = c(\"item\", \"value\"), all.x = TRUE, sort = FALSE)"))
        #expect(long.contains("  outcome_independence = \"Since your budget started - being able to do things for yourself and live the way you want\""))
    }

    @Test func theStataLoaderDefinesValueLabelsOncePerChoiceSet() throws {
        let instrument = try shippedInstrument("budget-holder")
        let (script, notes) = DataDictionary.stataScript(for: instrument, dataFile: "bh.csv")
        #expect(notes.isEmpty)
        #expect(script.contains("import delimited using `\"bh.csv\"', varnames(1) case(preserve) stringcols(1 2 3 4) encoding(utf-8) clear"))
        #expect(script.components(separatedBy: "label define impact ").count == 2)
        #expect(script.contains("label define impact 1 `\"Got a lot better\"' 2 `\"Got a bit better\"' 3 `\"Stayed the same\"' 4 `\"Got a bit worse\"' 5 `\"Got a lot worse\"' 8 `\"Not applicable\"', replace"))
        #expect(script.contains("label values outcome_paid_job impact"))
        #expect(script.contains("generate budget_start_d = date(budget_start, \"YMD\")"))
        // Stata's variable labels hold 80 characters.
        for line in script.split(separator: "\n") where line.hasPrefix("label variable ") {
            let label = line.split(separator: " ", maxSplits: 3)[3]
            #expect(label.count <= 80 + 4, "\(line)")
        }
        let long = Instrument(id: "x", version: "1", title: "X", sections: [Section(id: "s", title: "S", items: [
            Item(id: String(repeating: "a", count: 33), text: "Long", type: .integer)])])
        #expect(DataDictionary.stataScript(for: long, dataFile: "x.csv").notes.first?.contains("at most 32 characters") == true)
    }

    private func labelled(_ label: String) -> Instrument {
        Instrument(id: "x", version: "1", title: "X", choiceSets: ["s": ChoiceSet(id: "s", choices: [Choice(code: 1, label: label)])],
                   sections: [Section(id: "s", title: "S", items: [Item(id: "q", text: "Q", type: .singleChoice, choiceSetID: "s")])])
    }
}
