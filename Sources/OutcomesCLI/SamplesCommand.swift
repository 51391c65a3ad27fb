import ArgumentParser
import Foundation
import OutcomesSamples
import OutcomesStatistics

struct SamplesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "samples",
        abstract: "Generate seeded, realistic sample responses (budget holders and carers) as CSV.",
        discussion: """
        Writes, in the interchange format: budget-holder.csv and carer.csv (a POET-style survey, one \
        wave) and activation.csv (a controlled evaluation: pilot and control sites, baseline and \
        follow-up) and quality-of-life.csv (the same design: quality of life, wellbeing, admissions \
        and cost). The same seed always gives the same files. The shipped samples/ were made with:

          outcomes samples --respondents 400 --seed 2026 --out samples
        """)

    @Option(help: "Number of budget holders.")
    var respondents: Int = 400

    @Option(help: "Number of carers (default: 3/8 of the budget holders).")
    var carers: Int?

    @Option(help: "Number of people in the controlled evaluation (pilot and control, two waves).")
    var evaluationRespondents: Int = 600

    @Option(help: ArgumentHelp("Number of sites (default: the five fictional survey sites and ten evaluation sites). With N, sites are named site-001 ... and the evaluation's first half are pilot sites.", valueName: "n"))
    var sites: Int?

    @Option(help: "Random seed.")
    var seed: UInt64 = 2026

    @Option(help: "Wave name written in every row.")
    var wave: String = "2026"

    @Option(help: ArgumentHelp("Folder to write the CSV files to.", valueName: "dir"))
    var out: String = "samples"

    func validate() throws {
        guard respondents >= 0 else { throw ValidationError("--respondents must be 0 or more") }
        if let carers, carers < 0 { throw ValidationError("--carers must be 0 or more") }
        guard evaluationRespondents >= 0 else { throw ValidationError("--evaluation-respondents must be 0 or more") }
        if let sites, sites < 2 { throw ValidationError("--sites must be 2 or more (the evaluation needs a pilot and a control site)") }
    }

    func run() throws {
        do {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            let siteNames = sites.map { count in (1...count).map { String(format: "site-%03d", $0) } }
            let surveyOptions = SampleGenerator.Options(budgetHolders: respondents, carers: carers, seed: seed, wave: wave,
                                                        sites: siteNames ?? SampleGenerator.defaultSites)
            let budgetHolders = (out as NSString).appendingPathComponent("budget-holder.csv")
            let carerFile = (out as NSString).appendingPathComponent("carer.csv")
            var options = EvaluationSampleGenerator.Options(respondents: evaluationRespondents, seed: seed)
            if let siteNames {
                options.pilotSites = Array(siteNames.prefix(siteNames.count / 2))
                options.controlSites = Array(siteNames.dropFirst(siteNames.count / 2))
            }
            let evaluationOptions = options
            let activationFile = (out as NSString).appendingPathComponent("activation.csv")
            let qualityFile = (out as NSString).appendingPathComponent("quality-of-life.csv")
            // The surveys and the controlled evaluation draw from random streams of their own: made on
            // two cores at once (each generator on the thread that uses it), each file is what it
            // would be made alone.
            _ = try parallelMap([0, 1]) { part in
                if part == 0 {
                    var surveys = SampleGenerator(options: surveyOptions)
                    try Data(surveys.budgetHolderCSV().utf8).write(to: URL(fileURLWithPath: budgetHolders), options: .atomic)
                    try Data(surveys.carerCSV().utf8).write(to: URL(fileURLWithPath: carerFile), options: .atomic)
                } else {
                    let evaluation = EvaluationSampleGenerator(options: evaluationOptions)
                    try Data(evaluation.activationCSV().utf8).write(to: URL(fileURLWithPath: activationFile), options: .atomic)
                    try Data(evaluation.qualityOfLifeCSV().utf8).write(to: URL(fileURLWithPath: qualityFile), options: .atomic)
                }
            }
            print("wrote \(budgetHolders) (\(surveyOptions.budgetHolders) budget holders), \(carerFile) (\(surveyOptions.carers) carers) "
                  + "\(activationFile) and \(qualityFile) (\(evaluationRespondents) people each, two waves), seed \(seed)")
        } catch {
            throw reportAndExit(error)
        }
    }
}
