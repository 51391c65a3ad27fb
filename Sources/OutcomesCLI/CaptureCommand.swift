import ArgumentParser
import Foundation
import OutcomesCapture
import OutcomesInstruments
import OutcomesStore

struct CaptureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capture",
        abstract: "Type in one questionnaire at the terminal, with the person.",
        discussion: """
        Walks through the instrument one item at a time. For a choice item type the number shown (or
        the choice's code); for several choices, numbers separated by commas. Answers are checked at
        once and asked again if not accepted; items are skipped when their skip condition says so.

          b      go back to the previous question
          Enter  skip an optional question (or keep the answer shown as current)
          q      save what has been answered as a draft and stop

        A draft is kept in the database but never counted in analyses; running the same command again
        resumes it. At the end a summary is shown: y stores the response, in one transaction.

        Answers can also be piped in, one per line, for scripts and tests:
          printf '3\\n1\\n...\\ny\\n' | outcomes capture --instrument carer --site north --respondent C1 --wave 2026
        Exit status: 0 stored, 3 saved as a draft (quit or end of input), 1 an error.
        """)

    @Option(help: ArgumentHelp("The id of the instrument (e.g. budget-holder).", valueName: "id"))
    var instrument: String

    @Option(help: "The site the response belongs to.")
    var site: String

    @Option(help: "The respondent's id at that site.")
    var respondent: String

    @Option(help: "The wave (e.g. baseline, followup, 2026).")
    var wave: String

    @Option(help: "pilot or control, where the evaluation has arms.")
    var arm: String?

    @Option(help: ArgumentHelp("Folder of instrument files.", valueName: "dir"))
    var instruments: String = "instruments"

    @OptionGroup var database: DatabaseOption

    func validate() throws {
        if let arm, arm != "pilot", arm != "control" { throw ValidationError("--arm must be pilot or control") }
        for (name, field, value) in [("site", IdentityField.site, site), ("respondent", .respondent, respondent),
                                     ("wave", .wave, wave)] {
            if let problem = field.problem(IdentityField.normalised(value)) {
                throw ValidationError("--\(name): \(problem)")
            }
        }
    }

    func run() throws {
        do {
            let found = try findInstrument(id: instrument, in: instruments)
            let store = try database.open()
            Store.toolVersion = Outcomes.version
            var resumed: [String: AnswerValue] = [:]
            switch try store.storedResponse(instrument: found.instrument, site: site, respondent: respondent, wave: wave) {
            case .complete:
                throw ValidationError("respondent \(respondent) at site \(site) already has a complete \(wave) response to \(instrument); change it with import --corrections")
            case let .draft(answers):
                resumed = answers
                print("Resuming the draft for respondent \(respondent) (\(answers.count) answers so far).")
            case .none:
                print("\(found.instrument.title): respondent \(respondent), site \(site), wave \(wave).")
            }
            let session = CaptureSession(instrument: found.instrument, resuming: resumed)
            while true {
                print(session.prompt, terminator: "")
                fflush(nil)  // flush every stream: the prompt must show before input is read
                guard let line = readLine() else {
                    // End of input mid-way: keep what there is, as a draft.
                    print("")
                    try saveDraft(session.answers, store: store, found: found)
                    throw ExitCode(3)
                }
                let (message, step) = session.handle(line)
                if let message { print(message) }
                switch step {
                case .asking: continue
                case let .quit(answers):
                    try saveDraft(answers, store: store, found: found)
                    throw ExitCode(3)
                case let .finished(answers):
                    try store.storeCaptured(instrument: found.instrument, definition: found.text, site: site, respondent: respondent,
                                            wave: wave, arm: arm, answers: answers, draft: false)
                    print("Stored: \(answers.count) answers for respondent \(respondent) (\(instrument) \(found.instrument.version) -> \(store.path)).")
                    return
                }
            }
        } catch {
            throw reportAndExit(error)
        }
    }

    func saveDraft(_ answers: [String: AnswerValue], store: Store, found: (instrument: Instrument, file: String, text: String)) throws {
        try store.storeCaptured(instrument: found.instrument, definition: found.text, site: site, respondent: respondent,
                                wave: wave, arm: arm, answers: answers, draft: true)
        print("Saved as a draft (\(answers.count) answers); run the same command to resume. Drafts are not counted in analyses.")
    }
}
