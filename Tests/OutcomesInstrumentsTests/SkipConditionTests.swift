import Foundation
import Testing
@testable import OutcomesInstruments

/// Skip conditions as real forms write them: tests of one answer combined with all / any / not.
@Suite struct SkipConditions {
    static func instrument(_ showIf: String) -> String {
        """
        id: t
        version: "1"
        title: T
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
              - {id: cost, text: Cost, type: number}
              - {id: note, text: Note, type: text}
              - {id: asked, text: Asked?, type: text, show_if: \(showIf)}
        """
    }

    func parsed(_ showIf: String) throws -> SkipCondition? {
        try InstrumentParser.parse(Self.instrument(showIf), file: "t.yaml").item("asked")?.showIf
    }

    func problems(_ showIf: String) -> [String] {
        do {
            _ = try InstrumentParser.parse(Self.instrument(showIf), file: "t.yaml")
            Issue.record("\(showIf) was accepted")
        } catch let list as DiagnosticList {
            return list.diagnostics.map(\.description)
        } catch {
            Issue.record("\(error)")
        }
        return []
    }

    @Test func everyFormParses() throws {
        #expect(try parsed("{item: has_carer, equals: 1}") == .answer(item: "has_carer", test: .oneOf([1])))
        #expect(try parsed("{item: helpers, includes: 3}") == .answer(item: "helpers", test: .includes(3)))
        #expect(try parsed("{item: age, greater_than: 65}") == .answer(item: "age", test: .compare(.greaterThan, 65)))
        #expect(try parsed("{item: cost, at_most: 2.5}") == .answer(item: "cost", test: .compare(.atMost, 2.5)))
        #expect(try parsed("{item: note, answered: true}") == .answer(item: "note", test: .answered(true)))
        #expect(try parsed("{all: [{item: has_carer, equals: 1}, {not: {item: helpers, includes: 2}}]}")
                == .all([.answer(item: "has_carer", test: .oneOf([1])), .not(.answer(item: "helpers", test: .includes(2)))]))
        #expect(try parsed("{any: [{item: age, less_than: 18}, {item: age, at_least: 65}]}")
                == .any([.answer(item: "age", test: .compare(.lessThan, 18)), .answer(item: "age", test: .compare(.atLeast, 65))]))
    }

    /// The checker validates combined conditions as it does single ones: earlier items, known codes,
    /// tests that fit the item's type; each problem on the item's line.
    @Test func everyPartIsChecked() {
        let cases: [(String, String)] = [
            ("{item: helpers, includes: 7}", "skip condition code 7 is not in helpers's choice set helpers"),
            ("{item: has_carer, includes: 1}", "'includes' tests a multiple_choice item; has_carer is single_choice"),
            ("{item: note, greater_than: 3}", "a comparison needs an integer, number or single_choice item; note is text"),
            ("{all: [{item: has_carer, equals: 1}, {item: nope, equals: 1}]}", "skip condition names a missing item 'nope'"),
            ("{not: {item: asked, answered: true}}", "skip condition refers to the item itself"),
            ("{item: has_carer, equals: 1, includes: 2}", "give one test (combine several with all: or any:)"),
            ("{item: has_carer}", "needs a test of has_carer"),
            ("{all: []}", "'all' needs at least one condition"),
            ("{all: [{item: age, at_least: 1}], item: age}", "'all' stands alone in its condition"),
            ("{item: note, equals: 1}", "equals and in test choice or integer items"),
        ]
        for (condition, words) in cases {
            let found = problems(condition)
            #expect(found.contains { $0.contains(words) && $0.hasPrefix("t.yaml:20:") }, "\(condition): \(found)")
        }
    }

    @Test func evaluationFollowsREDCapAndODK() {
        let condition: SkipCondition = .all([.answer(item: "has_carer", test: .oneOf([1])), .not(.answer(item: "helpers", test: .includes(2)))])
        func shown(_ answers: [String: AnswerValue?]) -> Bool? { condition.evaluate { answers[$0] } }
        #expect(shown(["has_carer": .integer(1), "helpers": .codes([1, 3])]) == true)
        #expect(shown(["has_carer": .integer(1), "helpers": .codes([2])]) == false)
        // An unanswered item meets no test, so its negation holds.
        #expect(shown(["has_carer": .integer(1), "helpers": AnswerValue?.none]) == true)
        #expect(shown(["has_carer": AnswerValue?.none, "helpers": .codes([1])]) == false)
        // An item the file does not have decides nothing on its own.
        #expect(shown(["helpers": .codes([1])]) == nil)
        #expect(shown(["helpers": .codes([2])]) == false, "false whatever the unknown answer is")
        let any: SkipCondition = .any([.answer(item: "age", test: .compare(.atLeast, 65)), .answer(item: "cost", test: .compare(.greaterThan, 100))])
        #expect(any.evaluate { ["age": .integer(70)][$0] } == true, "true whatever the unknown cost is")
        #expect(any.evaluate { ["age": .integer(40), "cost": .number(50)][$0] } == false)
        #expect(condition.description == "all of (has_carer is 1; not (helpers includes 2))")
    }
}
