import Foundation
import Testing
@testable import OutcomesInstruments

/// The repository root, for the shipped instruments.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A minimal valid instrument; each validation test breaks one thing in it.
let validInstrument = """
id: test-survey
version: "1"
title: Test survey
domains:
  independence: Independence
choice_sets:
  impact:
    - {code: 1, label: Better, valence: positive}
    - {code: 3, label: Same, valence: neutral}
    - {code: 5, label: Worse, valence: negative}
    - {code: 8, label: Not applicable, special: not_applicable}
  yes_no:
    - {code: 1, label: "Yes"}
    - {code: 2, label: "No"}
sections:
  - id: main
    title: Main
    items:
      - {id: has_carer, text: Do you have a carer?, type: single_choice, choices: yes_no}
      - {id: carer_hours, text: Hours of care, type: integer, range: {min: 0, max: 168}, show_if: {item: has_carer, equals: 1}}
      - {id: outcome_independence, text: Independence, type: single_choice, choices: impact, domain: independence, required: true}
"""

/// Parses text that must fail and returns its diagnostics.
func problems(_ yaml: String) -> [Diagnostic] {
    do {
        _ = try InstrumentParser.parse(yaml, file: "t.yaml")
        Issue.record("expected the instrument to be rejected")
        return []
    } catch let list as DiagnosticList {
        return list.diagnostics
    } catch {
        Issue.record("unexpected error \(error)")
        return []
    }
}

/// Replaces one exact piece of the valid instrument (the piece must occur).
func breaking(_ old: String, _ new: String) -> String {
    precondition(validInstrument.contains(old), "test setup: '\(old)' not in the valid instrument")
    return validInstrument.replacingOccurrences(of: old, with: new)
}

@Suite struct InstrumentParsing {
    @Test func shippedInstrumentsAreValid() throws {
        let budget = try InstrumentParser.load(file: repositoryRoot.appendingPathComponent("instruments/budget-holder.yaml").path)
        #expect(budget.id == "budget-holder")
        #expect(budget.outcomeItems.map(\.id) == [
            "outcome_independence", "outcome_physical_health", "outcome_mental_wellbeing", "outcome_support_wanted",
            "outcome_dignity", "outcome_control_support", "outcome_control_life", "outcome_long_term_condition",
            "outcome_safety", "outcome_paid_supporters", "outcome_family", "outcome_friends", "outcome_where_live",
            "outcome_volunteering", "outcome_paid_job"])
        // The codes are an interface: check the ones the issue fixes.
        let impact = try #require(budget.choiceSet(for: budget.item("outcome_dignity")!))
        #expect(impact.choices.map(\.code) == [1, 2, 3, 4, 5, 8])
        #expect(impact.choice(8)?.special == .notApplicable)
        #expect(budget.choiceSet(for: budget.item("budget_management")!)?.choices.map(\.code) == [1, 2, 3, 4, 9])
        #expect(budget.choiceSet(for: budget.item("support_need")!)?.choices.map(\.code) == [1, 2, 3, 4, 5, 6])
        #expect(budget.choiceSet(for: budget.item("process_views")!)?.choices.map(\.label) == ["Fully", "Partly", "Not at all"])
        #expect(budget.choiceSet(for: budget.item("confidence_needs_met")!)?.choices.map(\.code) == [1, 2, 3, 4, 5])

        let carer = try InstrumentParser.load(file: repositoryRoot.appendingPathComponent("instruments/carer.yaml").path)
        #expect(carer.outcomeItems.map(\.id) == [
            "carer_quality_of_life", "carer_wellbeing", "carer_relationship_cared_for", "carer_relationships_others",
            "carer_social_life", "carer_finances", "carer_continue_caring", "carer_support_to_care", "carer_paid_work"])
    }

    @Test func validInstrumentParses() throws {
        let instrument = try InstrumentParser.parse(validInstrument)
        #expect(instrument.items.map(\.id) == ["has_carer", "carer_hours", "outcome_independence"])
        #expect(instrument.item("carer_hours")?.showIf == SkipCondition(item: "has_carer", codes: [1]))
        #expect(instrument.item("carer_hours")?.range == ValueRange(min: 0, max: 168))
        #expect(instrument.item("outcome_independence")?.required == true)
    }

    @Test func missingFileAndEmptyFile() {
        #expect(throws: DiagnosticList.self) { try InstrumentParser.load(file: "/nonexistent/x.yaml") }
        do { _ = try InstrumentParser.load(file: "/nonexistent/x.yaml") } catch {
            #expect("\(error)" == "/nonexistent/x.yaml: no such file")
        }
        #expect(problems("").first?.message == "the file is empty")
    }

    @Test func malformedYAMLNamesTheLine() {
        let found = problems("id: a\nversion: \"1\ntitle: x\n")
        #expect(found.count == 1)
        #expect(found.first?.message.hasPrefix("malformed YAML") == true)
        #expect(found.first?.line != nil)
    }

    /// Each case: a change to the valid instrument, the line the problem must be reported on, and
    /// words the message must contain.
    static let cases: [(String, String, String, Int?, String)] = [
        ("unknown choice set", "choices: yes_no}", "choices: yesno}", 19, "unknown choice set 'yesno'"),
        ("duplicate item id", "id: carer_hours,", "id: has_carer,", 20, "duplicate item id 'has_carer'"),
        ("skip condition naming a missing item", "show_if: {item: has_carer,", "show_if: {item: has_car,", 20,
         "skip condition names a missing item 'has_car'"),
        ("skip condition code not in the choice set", "equals: 1}", "equals: 7}", 20, "code 7 is not in has_carer's choice set"),
        ("unknown item type", "type: integer", "type: integr", 20, "unknown type 'integr'"),
        ("unknown key (a typo)", "required: true}", "requird: true}", 21, "unknown key 'requird'"),
        ("missing required key", "title: Test survey\n", "", 1, "missing 'title'"),
        ("unknown domain", "domain: independence,", "domain: freedom,", 21, "unknown domain 'freedom'"),
        ("outcome item without valences", "{code: 3, label: Same, valence: neutral}", "{code: 3, label: Same}", 21,
         "gives no valence for code(s) 3"),
        ("range on a choice item", "choices: yes_no}", "choices: yes_no, range: {min: 1}}", 19, "'range' applies to integer and number items"),
        ("range min above max", "range: {min: 0, max: 168}", "range: {min: 10, max: 1}", 20, "range min 10.0 is above max 1.0"),
        ("choice item without choice set", "type: single_choice, choices: yes_no}", "type: single_choice}", 19, "names no choice set"),
        ("duplicate choice code", "{code: 2, label: \"No\"}", "{code: 1, label: \"No\"}", 14, "code 1 appears twice"),
        ("bad valence", "valence: negative", "valence: bad", 10, "unknown valence 'bad'"),
        ("bad special code kind", "special: not_applicable", "special: n_a", 11, "unknown special code kind 'n_a'"),
        ("reserved item id", "id: has_carer,", "id: site,", 19, "reserved for the CSV interchange format"),
        ("item id not an identifier", "id: carer_hours,", "id: Carer-Hours,", 20, "should be lower-case letters"),
        ("duplicate key", "title: Test survey\n", "title: Test survey\ntitle: Again\n", 4, "key 'title' appears twice"),
        ("wrong shape", "title: Test survey\n", "title: [a, b]\n", 3, "title should be a single value"),
    ]

    @Test(arguments: 0..<cases.count)
    func everyValidationErrorKind(_ index: Int) {
        let (name, old, new, line, words) = Self.cases[index]
        let found = problems(breaking(old, new))
        let match = found.first { $0.message.contains(words) }
        #expect(match != nil, "\(name): expected a message containing \"\(words)\", got \(found.map(\.description))")
        #expect(match?.line == line, "\(name): expected line \(line.map(String.init) ?? "none"), got \(match?.line.map(String.init) ?? "none")")
        #expect(match?.file == "t.yaml")
    }

    @Test func skipConditionNamingALaterItem() {
        let yaml = breaking("show_if: {item: has_carer, equals: 1}", "show_if: {item: outcome_independence, equals: 1}")
        #expect(problems(yaml).contains { $0.message.contains("comes later in the questionnaire") && $0.line == 20 })
    }

    @Test func everyProblemIsReportedNotJustTheFirst() {
        let yaml = breaking("choices: yes_no}", "choices: nope}").replacingOccurrences(of: "type: integer", with: "type: whole")
        #expect(problems(yaml).count == 2)
    }

    @Test func diagnosticsPrintAsFileLineMessage() {
        #expect(Diagnostic(file: "a.csv", line: 3, column: 7, message: "bad").description == "a.csv:3:7: bad")
        #expect(Diagnostic(file: "a.yaml", line: 3, message: "bad").description == "a.yaml:3: bad")
        #expect(Diagnostic(file: "a.yaml", message: "bad").description == "a.yaml: bad")
    }
}
