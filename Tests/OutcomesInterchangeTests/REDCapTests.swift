import Foundation
import OutcomesInstruments
import OutcomesInterchange
import Testing

func fixture(_ name: String) -> String { Bundle.module.bundleURL.appendingPathComponent("Fixtures/\(name)").path }

/// The repository's instruments folder (for round trips of the shipped instruments).
func shippedInstrument(_ id: String) throws -> Instrument {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return try InstrumentParser.load(file: root.appendingPathComponent("instruments/\(id).yaml").path)
}

/// An item as the other formats can carry it: choice sets compared by their choices, not their ids.
struct PortableItem: Equatable, CustomStringConvertible {
    var id: String, text: String, type: ItemType, choices: [Choice]?, required: Bool, range: ValueRange?, showIf: SkipCondition?
    init(_ item: Item, in instrument: Instrument) {
        (id, text, type, required, range, showIf) = (item.id, item.text, item.type, item.required, item.range, item.showIf)
        choices = instrument.choiceSet(for: item)?.choices.map { Choice(code: $0.code, label: $0.label) }
    }
    var description: String { "\(id) \(type) \(required) \(String(describing: range)) \(String(describing: showIf)) \(choices?.map(\.code) ?? [])" }
}

@Suite struct REDCapDictionaryImport {
    let converted: ConvertedInstrument

    init() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: fixture("redcap-every-type.csv")))
        converted = try REDCapDictionary.instrument(csv: data, file: "redcap-every-type.csv",
                                                    naming: InstrumentNaming(id: "every-type", title: "Every REDCap field type"))
    }

    func item(_ id: String) throws -> Item { try #require(converted.instrument.item(id), "no item \(id)") }
    func notes(about field: String) -> [String] { converted.notes.filter { $0.field == field }.map(\.message) }

    @Test func everyFieldTypeMapsOrIsListed() throws {
        let instrument = converted.instrument
        #expect(instrument.items.map(\.id) == ["participant_name", "age_years", "weight_kg", "visit_date", "email", "phone_calls", "comments",
                                               "has_budget", "budget_type", "budget_type_other", "region", "region_detail", "helpers",
                                               "helper_thanks", "true_or_false", "mood", "mood_low", "same_choices"])
        #expect(try item("age_years").type == .integer && item("age_years").range == ValueRange(min: 18, max: 110) && item("age_years").required)
        #expect(try item("weight_kg").type == .number && item("weight_kg").range == ValueRange(min: 30, max: 250.5))
        #expect(try item("visit_date").type == .date && item("comments").type == .text && item("email").type == .text)
        #expect(try item("helpers").type == .multipleChoice && item("mood").range == ValueRange(min: 0, max: 100))
        #expect(try instrument.choiceSet(for: item("has_budget"))?.choices.map(\.code) == [1, 0])
        #expect(try instrument.choiceSet(for: item("true_or_false"))?.choices.map(\.label) == ["True", "False"])
        // Fields that do not map are named, with the reason, and are not items.
        for (field, reason) in [("record_id", "record id"), ("score", "calculated"), ("consent_form", "file field")] {
            #expect(instrument.item(field) == nil)
            #expect(notes(about: field).contains { $0.contains(reason) }, "\(field): \(notes(about: field))")
        }
        #expect(instrument.item("welcome") == nil)
        #expect(converted.notes.contains { $0.field == nil && $0.message.contains("descriptive text fields") && $0.message.contains("welcome") })
        #expect(instrument.source == InstrumentSource(format: .redcap, file: "redcap-every-type.csv", recordID: "record_id"))
    }

    @Test func sectionsComeFromFormsAndSectionHeaders() {
        #expect(converted.instrument.sections.map(\.id) == ["about_you", "your_budget", "your_budget_2"])
        #expect(converted.instrument.sections.map(\.title) == ["Tell us about you", "Your budget", "Your budget"])
    }

    @Test func branchingLogicBecomesShowIf() throws {
        #expect(try item("budget_type").showIf == SkipCondition(item: "has_budget", codes: [1]))
        #expect(try item("budget_type_other").showIf == SkipCondition(item: "budget_type", codes: [2, 3]))
        // Renumbered codes are followed: 'N' is code 1, and the REDCap code is kept.
        #expect(try item("region_detail").showIf == SkipCondition(item: "region", codes: [1]))
        #expect(try converted.instrument.choiceSet(for: item("region"))?.choices.map(\.source) == ["N", "M", "S"])
        // A checkbox option and a comparison.
        #expect(try item("helper_thanks").showIf == .answer(item: "helpers", test: .includes(1)))
        #expect(try item("mood_low").showIf == .answer(item: "mood", test: .compare(.lessThan, 30)))
    }

    @Test func whatDoesNotMapIsSaid() throws {
        #expect(notes(about: "participant_name").contains { $0.contains("identifier") })
        #expect(notes(about: "email").contains { $0.contains("'email' is not checked") })
        #expect(notes(about: "visit_date").contains { $0.contains("'2020-01-01'/'today'") })
        #expect(try item("phone_calls").range == ValueRange(min: 0, max: nil))
        #expect(notes(about: "phone_calls").contains { $0.contains("[age_years]") })
        #expect(notes(about: "region").contains { $0.contains("N -> 1, M -> 2, S -> 3") })
        #expect(notes(about: "mood").contains { $0.contains("Bad | Okay | Good") })
        #expect(try item("comments").text == "Anything else you'd like to say?")
        #expect(converted.notes.contains { $0.message.contains("HTML") && $0.message.contains("comments") })
        #expect(converted.notes.contains { $0.message.contains("field notes") && $0.message.contains("comments") })
        #expect(converted.notes.contains { $0.message.contains("custom alignment") && $0.message.contains("budget_type") })
        // Identical choice lists share one set.
        #expect(try item("same_choices").choiceSetID == item("budget_type").choiceSetID)
        #expect(converted.notes.allSatisfy { $0.location.hasPrefix("redcap-every-type.csv") })
    }

    @Test func theYAMLIsAValidInstrumentFile() throws {
        let parsed = try InstrumentParser.parse(converted.yaml, file: "converted.yaml")
        #expect(parsed == converted.instrument)
        #expect(parsed.id == "every-type" && parsed.title == "Every REDCap field type")
    }

    @Test func badDictionariesAreErrorsWithLines() throws {
        func errors(_ text: String) -> [String] {
            do {
                _ = try REDCapDictionary.instrument(csv: Data(text.utf8), file: "bad.csv", naming: InstrumentNaming(id: "bad", title: "Bad"))
                return []
            } catch let list as DiagnosticList { return list.diagnostics.map(\.description) } catch { return ["\(error)"] }
        }
        #expect(errors("name,type\nx,text\n").first?.contains("not a REDCap data dictionary") == true)
        let header = REDCapDictionary.columns.map(csvEscape).joined(separator: ",")
        let duplicate = errors(header + "\nrecord_id,f,,text,Id\nq1,f,,text,One\nq1,f,,text,Again\n")
        #expect(duplicate == ["bad.csv:4: variable 'q1' appears twice"])
        // A name REDCap would not allow is given a valid id and kept as the item's source.
        let renamed = try REDCapDictionary.instrument(csv: Data((header + "\nrecord_id,f,,text,Id\nQ-1,f,,text,One\n").utf8), file: "ok.csv",
                                                      naming: InstrumentNaming(id: "ok", title: "OK"))
        #expect(renamed.instrument.item("q_1")?.source == "Q-1")
        #expect(errors(header + "\nrecord_id,f,,text,Id\nQ-1,f,,text,One\nq_1,f,,text,Two\n") == ["bad.csv:4: variable 'q_1' gives item id 'q_1', which another field already has"])
        #expect(errors(header + "\nrecord_id,f,,text,Id\nq1,f,,radio,One,\"Yes | No\"\n").first?.contains("'code, label'") == true)
        #expect(errors(header + "\n\"unclosed,f\n").first?.contains("malformed CSV") == true)
        // Required only under logic that cannot be carried (a date compared): not required, and said so.
        let dated = try REDCapDictionary.instrument(csv: Data((header + "\nrecord_id,f,,text,Id\nvisit,f,,text,Visit,,,date_ymd\n"
            + "why,f,,text,Why late?,,,,,,,\"[visit] > '2024-01-01'\",y\n").utf8), file: "d.csv", naming: InstrumentNaming(id: "d", title: "D"))
        #expect(dated.instrument.item("why")?.required == false && dated.instrument.item("why")?.showIf == nil)
        #expect(dated.notes.contains { $0.field == "why" && $0.message.contains("the logic is not carried, so neither is required") })
    }
}

@Suite struct REDCapRoundTrip {
    /// Every shipped instrument survives export to REDCap and back in everything REDCap can carry, and
    /// what it cannot carry is listed on the way out.
    @Test(arguments: ["budget-holder", "carer", "activation", "quality-of-life"])
    func shippedInstrumentsRoundTrip(id: String) throws {
        let original = try shippedInstrument(id)
        let (csv, notes) = REDCapDictionary.csv(for: original)
        let back = try REDCapDictionary.instrument(csv: Data(csv.utf8), file: "\(id).csv",
                                                   naming: InstrumentNaming(id: original.id, version: original.version, title: original.title)).instrument
        #expect(back.items.map { PortableItem($0, in: back) } == original.items.map { PortableItem($0, in: original) })
        #expect(back.sections.map(\.id) == original.sections.map(\.id))
        #expect(back.sections.map(\.title) == original.sections.map(\.title))
        if !original.outcomeItems.isEmpty { #expect(notes.contains { $0.message.contains("outcome domains") }) }
        if !original.scales.isEmpty { #expect(notes.contains { $0.message.contains("scales") }) }
    }

    @Test func theExportedDictionaryHasREDCapsColumnsAndRecordIDFirst() throws {
        let (csv, _) = REDCapDictionary.csv(for: try shippedInstrument("budget-holder"))
        let lines = csv.split(separator: "\n")
        #expect(lines[0].hasPrefix("Variable / Field Name,Form Name,Section Header,Field Type,Field Label,\"Choices, Calculations, OR Slider Labels\""))
        #expect(lines[1].hasPrefix("record_id,about_you,,text,Record ID"))
        #expect(csv.contains("process_views_missing,planning,,notes,What would have helped your views to be heard?,,,,,,,[process_views] = '2' or [process_views] = '3',"))
        #expect(csv.contains("support_hours_week,your_budget,,text,About how many hours of paid support do you get in a usual week?,,,integer,0,168,"))
    }
}

@Suite struct REDCapBranchingRoundTrip {
    /// Every kind of skip condition written as REDCap branching logic reads back as itself (a negated
    /// test pushed down to <>, a checkbox's '0' or the opposite comparison with an empty answer).
    @Test func conditionsSurviveExportAndImport() throws {
        let yaml = """
        id: logic
        version: "1"
        title: Logic
        choice_sets:
          yes_no:
            - {code: 1, label: "Yes"}
            - {code: 2, label: "No"}
          helpers:
            - {code: 1, label: Family}
            - {code: 2, label: Friend}
            - {code: 3, label: Broker}
        sections:
          - id: main
            items:
              - {id: has_carer, text: Carer?, type: single_choice, choices: yes_no}
              - {id: helpers, text: Who helps?, type: multiple_choice, choices: helpers}
              - {id: age, text: Age, type: integer}
              - {id: a, text: A, type: text, show_if: {item: has_carer, in: [1, 2]}}
              - {id: b, text: B, type: text, show_if: {item: helpers, includes: 3}}
              - {id: c, text: C, type: text, show_if: {not: {item: helpers, includes: 2}}}
              - {id: d, text: D, type: text, show_if: {all: [{item: has_carer, equals: 1}, {any: [{item: age, greater_than: 65}, {item: age, less_than: 18}]}]}}
              - {id: e, text: E, type: text, show_if: {not: {item: age, at_least: 18}}}
              - {id: f, text: F, type: text, show_if: {item: a, answered: true}}
        """
        let original = try InstrumentParser.parse(yaml)
        let (csv, _) = REDCapDictionary.csv(for: original)
        #expect(csv.contains("[helpers(2)] = '0'") && csv.contains("([age] > 65 or [age] < 18)") && csv.contains("[age] = '' or [age] < 18"))
        let back = try REDCapDictionary.instrument(csv: Data(csv.utf8), file: "logic.csv", naming: InstrumentNaming(id: "logic", title: "Logic")).instrument
        for id in ["a", "b", "c", "d", "f"] {
            #expect(back.item(id)?.showIf == original.item(id)?.showIf, "\(id): \(String(describing: back.item(id)?.showIf))")
        }
        // not (age at least 18) goes out as "empty or under 18", which reads back as that.
        #expect(back.item("e")?.showIf == .any([.answer(item: "age", test: .answered(false)), .answer(item: "age", test: .compare(.lessThan, 18))]))
    }
}
