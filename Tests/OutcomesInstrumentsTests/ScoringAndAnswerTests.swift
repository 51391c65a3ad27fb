import Foundation
import Testing
@testable import OutcomesInstruments

/// Four agree/disagree items scored as the activation scale is: mean of answered items (at least 3),
/// item 4 reversed, rescaled 1-4 -> 0-100, levels at 47.0, 55.1 and 67.0.
let scaleInstrument = """
id: scale-test
version: "1"
title: Scale test
choice_sets:
  agree:
    - {code: 1, label: Strongly disagree}
    - {code: 2, label: Disagree}
    - {code: 3, label: Agree}
    - {code: 4, label: Strongly agree}
    - {code: 8, label: Not applicable, special: not_applicable}
sections:
  - id: s
    items:
      - {id: a1, text: A1, type: single_choice, choices: agree}
      - {id: a2, text: A2, type: single_choice, choices: agree}
      - {id: a3, text: A3, type: single_choice, choices: agree}
      - {id: a4, text: A4, type: single_choice, choices: agree}
      - {id: note, text: Note, type: text}
scales:
  - id: score
    label: Score
    items: [a1, a2, a3, a4]
    method: mean
    reverse: [a4]
    min_answered: 3
    rescale: {from: [1, 4], to: [0, 100]}
    levels:
      - {level: 1, max: 47.0}
      - {level: 2, max: 55.1}
      - {level: 3, max: 67.0}
      - {level: 4}
"""

@Suite struct Scoring {
    func scorer(_ yaml: String = scaleInstrument) throws -> ScaleScorer {
        let instrument = try InstrumentParser.parse(yaml)
        return try ScaleScorer(scale: instrument.scales[0], instrument: instrument)
    }

    @Test func meanReverseRescaleAndLevel() throws {
        let s = try scorer()
        // a4 = 1 reversed to 4: mean (4 + 3 + 3 + 4) / 4 = 3.5 -> (3.5 - 1) / 3 * 100 = 83.33.. -> level 4.
        let full = s.score([4, 3, 3, 1])
        #expect(full.answered == 4)
        #expect(full.raw == 3.5)
        #expect(abs(full.score! - 250.0 / 3.0) < 1e-12)
        #expect(full.level == 4)
        // "Not applicable" (8) is unanswered; three answers are enough: (2 + 2 + 3) / 3 = 7/3 -> 44.44 -> level 1.
        let partial = s.score([2, 8, 2, 2])
        #expect(partial.answered == 3)
        #expect(abs(partial.raw! - 7.0 / 3.0) < 1e-12)
        #expect(abs(partial.score! - 400.0 / 9.0) < 1e-12)
        #expect(partial.level == 1)
        // Two answers are too few: no score.
        let tooFew = s.score([2, nil, 8, 2])
        #expect(tooFew.answered == 2)
        #expect(tooFew.raw == nil && tooFew.score == nil && tooFew.level == nil)
    }

    @Test func shippedActivationScale() throws {
        let instrument = try InstrumentParser.load(file: repositoryRoot.appendingPathComponent("instruments/activation.yaml").path)
        #expect(instrument.scale("activation_score")?.items == (1...13).map { String(format: "act_%02d", $0) })
        #expect(instrument.choiceSet(for: instrument.item("act_07")!)?.choices.map(\.code) == [1, 2, 3, 4, 8])
        let s = try ScaleScorer(scale: try #require(instrument.scale("activation_score")), instrument: instrument)
        // All 13 "agree" (3): mean 3 -> 66.67, level 3. Ten answered at 4 and three not applicable -> 100, level 4.
        let agree = s.score(Array(repeating: 3, count: 13))
        #expect(abs(agree.score! - 200.0 / 3.0) < 1e-12 && agree.level == 3)
        let ten = s.score(Array(repeating: 4, count: 10) + [8, 8, 8])
        #expect(ten.answered == 10 && ten.score == 100 && ten.level == 4)
        // Nine answered is below the minimum of ten: no score, whatever the answers.
        let nine = s.score(Array(repeating: 4, count: 9) + [8, nil, 8, nil])
        #expect(nine.answered == 9 && nine.score == nil)
        // A score exactly at a cutpoint belongs to the lower level (mean 2.41 gives exactly 47.0).
        #expect(instrument.scale("activation_score")!.level(for: 47.0)?.level == 1)
    }

    @Test func levelBoundariesAreInclusive() throws {
        let scale = try scorer().scale
        #expect(scale.level(for: 47.0)?.level == 1)
        #expect(scale.level(for: 47.01)?.level == 2)
        #expect(scale.level(for: 55.1)?.level == 2)
        #expect(scale.level(for: 67.0)?.level == 3)
        #expect(scale.level(for: 67.01)?.level == 4)
    }

    @Test func licenseeLookupTableReplacesTheRescale() throws {
        let yaml = scaleInstrument
            .replacingOccurrences(of: "method: mean", with: "method: sum")
            .replacingOccurrences(of: "rescale: {from: [1, 4], to: [0, 100]}",
                                  with: "lookup: [{raw: 14, score: 91.5}, {raw: 13, score: 80.2}]")
            .replacingOccurrences(of: "min_answered: 3", with: "min_answered: 4")
        let s = try scorer(yaml)
        // Sum with a4 reversed: 4 + 4 + 3 + (5 - 2) = 14 -> 91.5 from the table, level 4.
        let hit = s.score([4, 4, 3, 2])
        #expect(hit.raw == 14 && hit.score == 91.5 && hit.level == 4)
        // 12 is not in the table: a raw score but no final score.
        let miss = s.score([3, 3, 3, 2])
        #expect(miss.raw == 12 && miss.score == nil && miss.level == nil)
    }

    static let scaleCases: [(String, String, String)] = [
        ("items: [a1, a2, a3, a4]", "items: [a1, a2, a9]", "names a missing item 'a9'"),
        ("items: [a1, a2, a3, a4]", "items: [a1, a2, a3, note]", "item note is text"),
        ("reverse: [a4]", "reverse: [note]", "reverse-scored item 'note' is not one of the scale's items"),
        ("min_answered: 3", "min_answered: 5", "min_answered 5 should be between 1 and the number of items (4)"),
        ("method: mean", "method: median", "unknown method 'median'"),
        ("rescale: {from: [1, 4], to: [0, 100]}", "rescale: {from: [4, 1], to: [0, 100]}", "low 4.0 is not below high 1.0"),
        ("      - {level: 3, max: 67.0}", "      - {level: 3, max: 50.0}", "cutpoints should increase"),
        ("      - {level: 4}", "      - {level: 4, max: 100}", "the last level should have no 'max'"),
        ("    rescale: {from: [1, 4], to: [0, 100]}", "    rescale: {from: [1, 4], to: [0, 100]}\n    lookup: [{raw: 1, score: 2}]",
         "has both rescale and lookup"),
        ("    rescale: {from: [1, 4], to: [0, 100]}", "    lookup: [{raw: 1, score: 0}, {raw: 4, score: 120}]\n    range: {min: 0, max: 100}",
         "lookup score 120.0 (raw 4.0) is outside the scale's range 0 to 100"),
        ("    rescale: {from: [1, 4], to: [0, 100]}", "    rescale: {from: [1, 4], to: [0, 110]}\n    range: {min: 0, max: 100}",
         "rescale target 0.0 to 110.0 is outside the scale's range 0 to 100"),
    ]

    @Test(arguments: 0..<scaleCases.count)
    func scaleValidation(_ index: Int) {
        let (old, new, words) = Self.scaleCases[index]
        #expect(scaleInstrument.contains(old))
        var found: [Diagnostic] = []
        do { _ = try InstrumentParser.parse(scaleInstrument.replacingOccurrences(of: old, with: new), file: "s.yaml") } catch let list as DiagnosticList {
            found = list.diagnostics
        } catch {}
        #expect(found.contains { $0.message.contains(words) && $0.line != nil }, "expected \"\(words)\", got \(found.map(\.description))")
    }
}

@Suite struct AnswerRules {
    let instrument = try! InstrumentParser.parse("""
    id: answers
    version: "1"
    title: Answers
    choice_sets:
      colour:
        - {code: 1, label: Red}
        - {code: 2, label: Green}
        - {code: 9, label: Don't know, special: dont_know}
    sections:
      - id: s
        items:
          - {id: colour, text: Colour, type: single_choice, choices: colour}
          - {id: colours, text: Colours, type: multiple_choice, choices: colour}
          - {id: age, text: Age, type: integer, range: {min: 18, max: 120}}
          - {id: cost, text: Cost, type: number, range: {min: 0}}
          - {id: count, text: Count, type: integer}
          - {id: started, text: Started, type: date}
          - {id: note, text: Note, type: text}
    """)

    func parse(_ item: String, _ text: String) -> Result<AnswerValue, AnswerProblem> {
        AnswerRule(item: instrument.item(item)!, instrument: instrument).parse(text)
    }

    @Test func acceptsValidAnswers() {
        #expect(parse("colour", "2") == .success(.integer(2)))
        #expect(parse("colour", " 9 ") == .success(.integer(9)))
        #expect(parse("colours", "2;1;2") == .success(.codes([1, 2])))
        #expect(parse("age", "18") == .success(.integer(18)))
        #expect(parse("cost", "1250.50") == .success(.number(1250.5)))
        #expect(parse("started", "2024-02-29") == .success(.text("2024-02-29")))
        #expect(parse("note", "Fine, thanks") == .success(.text("Fine, thanks")))
    }

    @Test func rejectsWithAMessageSayingWhatWasExpected() {
        #expect(parse("colour", "3") == .failure(AnswerProblem(message: "3 is not a code of choice set colour (expected 1, 2 or 9)")))
        #expect(parse("colour", "red") == .failure(AnswerProblem(message: "'red': expected a code (1, 2 or 9)")))
        #expect(parse("colour", "1.0") == .failure(AnswerProblem(message: "'1.0': expected a code (1, 2 or 9)")))
        #expect(parse("colours", "1;4") == .failure(AnswerProblem(message: "4 is not a code of choice set colour (expected 1, 2 or 9)")))
        #expect(parse("age", "17") == .failure(AnswerProblem(message: "17 is out of range (18 to 120)")))
        #expect(parse("age", "30.5") == .failure(AnswerProblem(message: "'30.5': expected a whole number")))
        // Whole numbers are held in 32 bits by the analyses, so larger ones are refused, not wrapped.
        #expect(parse("count", "2147483648") == .failure(AnswerProblem(message: "'2147483648': expected a whole number between -2147483647 and 2147483647 (use a number item for larger values)")))
        #expect(parse("count", "-2147483647") == .success(.integer(-2_147_483_647)))
        #expect(parse("cost", "-1") == .failure(AnswerProblem(message: "-1 is out of range (at least 0)")))
        #expect(parse("cost", "lots") == .failure(AnswerProblem(message: "'lots': expected a number")))
        #expect(parse("started", "2023-02-29") == .failure(AnswerProblem(message: "2023-02-29 is not a date: February 2023 has 28 days")))
        #expect(parse("started", "29/02/2024") == .failure(AnswerProblem(message: "'29/02/2024': expected a date as YYYY-MM-DD (write this day/month/year date as 2024-02-29)")))
    }
}
