import Testing
@testable import OutcomesCapture
@testable import OutcomesInstruments

let captureInstrument = try! InstrumentParser.parse("""
id: capture-test
version: "1"
title: Capture test
domains:
  independence: Independence
choice_sets:
  yes_no:
    - {code: 1, label: "Yes"}
    - {code: 2, label: "No"}
  impact:
    - {code: 1, label: Better, valence: positive}
    - {code: 3, label: Same, valence: neutral}
    - {code: 5, label: Worse, valence: negative}
    - {code: 8, label: Not applicable, special: not_applicable}
sections:
  - id: s
    items:
      - {id: has_carer, text: Do you have a carer?, type: single_choice, choices: yes_no, required: true}
      - {id: carer_hours, text: Hours of care a week, type: integer, range: {min: 0, max: 168}, show_if: {item: has_carer, equals: 1}}
      - {id: helpers, text: Who helps?, type: multiple_choice, choices: yes_no}
      - {id: outcome_independence, text: Independence, type: single_choice, choices: impact, domain: independence, required: true}
""")

/// Feeds lines to a session and returns the final step.
func feed(_ session: CaptureSession, _ lines: [String]) -> (messages: [String], step: CaptureSession.Step) {
    var messages: [String] = []
    var step = CaptureSession.Step.asking
    for line in lines {
        let (message, next) = session.handle(line)
        if let message { messages.append(message) }
        step = next
        if case .asking = next { continue }
        break
    }
    return (messages, step)
}

@Suite struct CaptureDialogue {
    @Test func aCompleteWalkWithNumbersAndCodes() {
        let session = CaptureSession(instrument: captureInstrument)
        // Hours are not counted until the answer to "carer?" shows them.
        #expect(session.prompt.contains("[1/3] Do you have a carer?"))
        // "4" is the fourth shown choice (code 8); the outcome scale shows its codes where they differ.
        let (messages, step) = feed(session, ["1", "20", "1,2", "4", "y"])
        #expect(messages.isEmpty)
        #expect(step == .finished(["has_carer": .integer(1), "carer_hours": .integer(20), "helpers": .codes([1, 2]),
                                   "outcome_independence": .integer(8)]))
    }

    @Test func badAnswersAreAskedAgainAndSkipConditionsFollowed() {
        let session = CaptureSession(instrument: captureInstrument)
        let (messages, step) = feed(session, ["3", "", "2", "", "9", "x", "2", "y"])
        #expect(messages == [
            "Not accepted: 3 is not one of the numbers shown (1 to 2). Please try again.",
            "has_carer is required: please answer it.",
            "Not accepted: 9 is not one of the numbers shown (1 to 4). Please try again.",
            "Not accepted: 'x' is not one of the numbers shown. Please try again.",
        ])
        // "No" carer: the hours question is skipped; helpers (optional) skipped with Enter; code 3 via number 2.
        #expect(step == .finished(["has_carer": .integer(2), "outcome_independence": .integer(3)]))
    }

    @Test func goingBackChangesAnAnswerAndHidesWhatNoLongerApplies() {
        let session = CaptureSession(instrument: captureInstrument)
        let (_, step) = feed(session, ["1", "30", "b", "b", "2", "", "1", "y"])
        // Back to the first question, answer "No": the hours given before no longer apply.
        #expect(step == .finished(["has_carer": .integer(2), "outcome_independence": .integer(1)]))
        let out = CaptureSession(instrument: captureInstrument)
        #expect(out.handle("b").message == "This is the first question.")
    }

    /// A question asked only when a multiple choice answer includes a code, and a number passes a bound.
    @Test func combinedConditionsAreFollowed() throws {
        let yaml = """
        id: walk
        version: "1"
        title: Walk
        choice_sets:
          helpers:
            - {code: 1, label: Family}
            - {code: 2, label: Broker}
        sections:
          - id: main
            items:
              - {id: helpers, text: Who helps?, type: multiple_choice, choices: helpers}
              - {id: age, text: Age?, type: integer}
              - {id: broker, text: Which broker?, type: text, show_if: {all: [{item: helpers, includes: 2}, {item: age, at_least: 18}]}}
              - {id: done, text: Anything else?, type: text}
        """
        let instrument = try InstrumentParser.parse(yaml)
        let (_, asked) = feed(CaptureSession(instrument: instrument), ["1,2", "40", "Acme", "", "y"])
        #expect(asked == .finished(["helpers": .codes([1, 2]), "age": .integer(40), "broker": .text("Acme")]))
        let (_, skipped) = feed(CaptureSession(instrument: instrument), ["1", "40", "", "y"])
        #expect(skipped == .finished(["helpers": .codes([1]), "age": .integer(40)]))
        let (_, young) = feed(CaptureSession(instrument: instrument), ["2", "12", "", "y"])
        #expect(young == .finished(["helpers": .codes([2]), "age": .integer(12)]))
    }

    @Test func outOfRangeIsRefusedAtOnce() {
        let session = CaptureSession(instrument: captureInstrument)
        let (messages, _) = feed(session, ["1", "200", "q"])
        #expect(messages == ["Not accepted: 200 is out of range (0 to 168). Please try again."])
    }

    @Test func quittingKeepsADraftAndResumingStartsWhereItStopped() {
        let first = CaptureSession(instrument: captureInstrument)
        let (_, step) = feed(first, ["1", "12", "q"])
        guard case let .quit(draft) = step else { Issue.record("expected a quit"); return }
        #expect(draft == ["has_carer": .integer(1), "carer_hours": .integer(12)])
        let resumed = CaptureSession(instrument: captureInstrument, resuming: draft)
        #expect(resumed.prompt.contains("[3/4] Who helps?"))
        // Going back from the resumed point shows the earlier answer, which Enter keeps.
        #expect(resumed.handle("b").step == .asking)
        #expect(resumed.prompt.contains("current answer: 12 (Enter keeps it)"))
        let (_, final) = feed(resumed, ["", "", "1", "y"])
        #expect(final == .finished(["has_carer": .integer(1), "carer_hours": .integer(12), "outcome_independence": .integer(1)]))
    }
}
