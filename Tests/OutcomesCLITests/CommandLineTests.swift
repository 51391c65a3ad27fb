import Foundation
import Testing

/// Runs the built `outcomes` executable as a user would, in a fresh working folder.
struct CLI {
    let directory: URL

    static var executable: URL {
        // The test bundle sits in the build products folder, beside the executable.
        let products = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return products.appendingPathComponent("outcomes")
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("outcomes-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for folder in ["instruments", "analyses", "samples"] {
            try FileManager.default.copyItem(at: Self.root.appendingPathComponent(folder), to: directory.appendingPathComponent(folder))
        }
    }

    func write(_ name: String, _ text: String) throws {
        try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    @discardableResult
    func run(_ arguments: String..., input: String? = nil) throws -> (status: Int32, out: String, err: String) {
        try run(arguments, input: input)
    }

    @discardableResult
    func run(_ arguments: [String], input: String? = nil) throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let out = Pipe(), err = Pipe(), stdin = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        // A crash (signal) would show as an uncaught-signal termination: never acceptable.
        #expect(process.terminationReason == .exit, "outcomes \(arguments.joined(separator: " ")) crashed")
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }
}

@Suite(.serialized) struct CommandLine_ {
    @Test func theMainJobOnTheShippedSamples() throws {
        let cli = try CLI()
        #expect(try cli.run("instrument", "check", "instruments/budget-holder.yaml", "instruments/carer.yaml").status == 0)
        let imported = try cli.run("import", "--instrument", "budget-holder", "samples/budget-holder.csv")
        #expect(imported.status == 0)
        #expect(imported.out.contains("400 rows: stored 400 new responses, 0 duplicates skipped, 0 rejected"))
        #expect(try cli.run("import", "--instrument", "carer", "samples/carer.csv").status == 0)
        let again = try cli.run("import", "--instrument", "carer", "samples/carer.csv")
        #expect(again.out.contains("stored 0 new responses, 150 duplicates skipped"))
        #expect(try cli.run("import", "--instrument", "activation", "samples/activation.csv").status == 0)
        #expect(try cli.run("import", "--instrument", "quality-of-life", "samples/quality-of-life.csv").status == 0)
        let files = try FileManager.default.contentsOfDirectory(atPath: cli.directory.appendingPathComponent("analyses").path)
            .filter { $0.hasSuffix(".yaml") }.sorted().map { "analyses/" + $0 }
        #expect(files.count >= 9)
        let analysed = try cli.run(["analyse"] + files + ["--out", "tables"])
        #expect(analysed.status == 0, "\(analysed.err)")
        #expect(analysed.out.contains("Report: tables/report.html"))
        #expect(analysed.out.contains("Tables are in tables/"))
        // Progress is for terminals: with standard error a pipe, nothing is redrawn in place.
        #expect(!analysed.err.contains("\r") && analysed.err.isEmpty, "\(analysed.err)")
        for file in ["budget-holder-outcomes.csv", "budget-holder-outcomes.md", "budget-holder-outcomes.json", "carer-outcomes.md",
                     "activation-change.md", "activation-change-transitions.csv", "pilot-vs-control.md", "pilot-vs-control-cost.csv",
                     "budget-holder-subgroups-tests.csv", "budget-holder-processes-summary.csv", "budget-holder-index-distribution.csv",
                     "budget-holder-confidence.md", "report.html"] {
            #expect(FileManager.default.fileExists(atPath: cli.directory.appendingPathComponent("tables/\(file)").path), "\(file)")
        }
        let status = try cli.run("status")
        #expect(status.out.contains("budget-holder, wave 2026: 400 responses"))
    }

    @Test func missingFile() throws {
        let cli = try CLI()
        let result = try cli.run("instrument", "check", "instruments/nope.yaml")
        #expect(result.status == 1)
        #expect(result.err == "instruments/nope.yaml: no such file\n")
        let importing = try cli.run("import", "--instrument", "carer", "nope.csv")
        #expect(importing.status == 1)
        #expect(importing.err.hasPrefix("nope.csv: no such file\n"))
    }

    @Test func aFoldersSettingsFileAloneIsNotAnAnalysis() throws {
        let cli = try CLI()
        try cli.write("analyses/sites.yaml", "s1: North\n")
        let result = try cli.run("analyse", "analyses/sites.yaml", "--out", "tables")
        #expect(result.status != 0)
        #expect(result.err.contains("no analysis file among analyses/sites.yaml"), "\(result.err)")
        #expect(!result.out.contains("Tables are in"))
    }

    @Test func malformedYAML() throws {
        let cli = try CLI()
        try cli.write("broken.yaml", "id: x\nversion: \"1\ntitle: [\n")
        let result = try cli.run("instrument", "check", "broken.yaml")
        #expect(result.status == 1)
        #expect(result.err.hasPrefix("broken.yaml:"))
        #expect(result.err.contains("malformed YAML"))
    }

    @Test func unknownInstrument() throws {
        let cli = try CLI()
        let result = try cli.run("import", "--instrument", "budget-holders", "samples/budget-holder.csv")
        #expect(result.status != 0)
        #expect(result.err.contains("no instrument with id 'budget-holders' in instruments (found: activation, budget-holder, carer, quality-of-life)"))
        let analysis = try cli.run("analyse", "analyses/carer-outcomes.yaml")
        #expect(analysis.status == 1)
        #expect(analysis.err.contains("no database at outcomes.sqlite"))
    }

    @Test func wrongColumnBadCodeAndOutOfRange() throws {
        let cli = try CLI()
        try cli.write("bad.csv", """
        respondent_id,site,arm,wave,carer_age_band,carer_quality_of_lif
        C1,north,,2026,2,1

        """)
        let wrongColumn = try cli.run("import", "--instrument", "carer", "bad.csv")
        #expect(wrongColumn.status == 1)
        #expect(wrongColumn.err.hasPrefix("bad.csv:1:6: column 'carer_quality_of_lif' names no item of instrument carer 1.1.0\n"))
        #expect(wrongColumn.err.contains("bad.csv: nothing stored"))

        try cli.write("codes.csv", """
        respondent_id,site,arm,wave,carer_age_band,carer_quality_of_life,carer_hours
        C1,north,,2026,7,1,1
        C2,north,,2026,2,6,1
        C3,north,,2026,2,1,x

        """)
        let badCodes = try cli.run("import", "--instrument", "carer", "codes.csv")
        #expect(badCodes.status == 1)
        #expect(badCodes.err.split(separator: "\n").prefix(3) == [
            "codes.csv:2:5: carer_age_band: 7 is not a code of choice set age_band (expected 1, 2, 3, 4 or 5)",
            "codes.csv:3:6: carer_quality_of_life: 6 is not a code of choice set impact (expected 1, 2, 3, 4, 5 or 8)",
            "codes.csv:4:7: carer_hours: 'x': expected a code (1, 2 or 3)",
        ])
        // Nothing was stored, so the store holds no carer responses.
        #expect(try cli.run("status").out.contains("carer, wave") == false)

        try cli.write("range.yaml", """
        id: ranged
        version: "1"
        title: Ranged
        sections:
          - id: s
            items:
              - {id: hours, text: Hours, type: integer, range: {min: 0, max: 168}}
        """)
        try FileManager.default.moveItem(at: cli.directory.appendingPathComponent("range.yaml"),
                                         to: cli.directory.appendingPathComponent("instruments/range.yaml"))
        try cli.write("range.csv", "respondent_id,site,wave,hours\nR1,a,b,169\n")
        let outOfRange = try cli.run("import", "--instrument", "ranged", "range.csv")
        #expect(outOfRange.status == 1)
        #expect(outOfRange.err.hasPrefix("range.csv:2:4: hours: 169 is out of range (0 to 168)\n"))
    }

    @Test func captureThroughStandardInputWithADraftAndResume() throws {
        let cli = try CLI()
        let who = ["capture", "--instrument", "carer", "--site", "north", "--respondent", "C9", "--wave", "2026"]
        // Two answers, a bad one asked again, then quit: a draft, exit status 3.
        let first = try cli.run(who[0], who[1], who[2], who[3], who[4], who[5], who[6], who[7], who[8], input: "2\n9\n3\nq\n")
        #expect(first.status == 3, "\(first.err)")
        #expect(first.out.contains("Not accepted: 9 is not one of the numbers shown (1 to 5)"))
        #expect(first.out.contains("Saved as a draft (2 answers)"))
        #expect(try cli.run("status").out.contains("carer, wave 2026: 0 responses (and 1 drafts, not counted in analyses)"))
        // Resume: the hours (optional) skipped, nine outcomes, confirm.
        let second = try cli.run(who[0], who[1], who[2], who[3], who[4], who[5], who[6], who[7], who[8],
                                 input: "\n1\n2\n3\n4\n5\n6\n1\n2\n3\ny\n")
        #expect(second.status == 0, "\(second.err)")
        #expect(second.out.contains("Resuming the draft for respondent C9 (2 answers so far)"))
        #expect(second.out.contains("Stored: 11 answers for respondent C9"))
        #expect(try cli.run("status").out.contains("carer, wave 2026: 1 responses"))
        // Capturing the same respondent again is refused; the stored response is not touched.
        let again = try cli.run(who[0], who[1], who[2], who[3], who[4], who[5], who[6], who[7], who[8], input: "y\n")
        #expect(again.status == 1)
        #expect(again.err.contains("already has a complete 2026 response to carer"))
    }

    @Test func dryRunAndHelp() throws {
        let cli = try CLI()
        let dry = try cli.run("import", "--dry-run", "--instrument", "carer", "samples/carer.csv")
        #expect(dry.status == 0 && dry.out.contains("would store 150 new responses"))
        let help = try cli.run("import", "--help")
        let text = help.out.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
        #expect(text.contains("stored whole, in one transaction, or not at all"))
    }
}

@Suite(.serialized) struct Reliability {
    /// An import killed part-way (SIGKILL) leaves all or none of the file, and a sound database.
    @Test func anImportKilledPartWayLeavesAllOrNothing() throws {
        let cli = try CLI()
        #expect(try cli.run("samples", "--respondents", "100000", "--carers", "0", "--evaluation-respondents", "0", "--out", "big").status == 0)
        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = ["import", "--instrument", "budget-holder", "big/budget-holder.csv"]
        process.currentDirectoryURL = cli.directory
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait until the transaction has spilled pages to the write-ahead log, then kill.
        let wal = cli.directory.appendingPathComponent("outcomes.sqlite-wal").path
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning, Date() < deadline {
            let size = (try? FileManager.default.attributesOfItem(atPath: wal)[.size] as? Int) ?? 0
            if size > 2_000_000 { break }
            usleep(20_000)
        }
        let killedMidway = process.isRunning
        if killedMidway { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        #expect(killedMidway, "the import finished before it could be killed; the test proved nothing")
        #expect(process.terminationReason == .uncaughtSignal)

        let status = try cli.run("status")
        #expect(!status.out.contains("budget-holder, wave"), "a killed import must store nothing: \(status.out)")
        // The database opens and the same file then imports completely.
        let again = try cli.run("import", "--instrument", "budget-holder", "big/budget-holder.csv")
        #expect(again.status == 0 && again.out.contains("stored 100000 new responses"), "\(again.err)")
    }

    /// Two imports into one database at once: one waits for the other; both succeed, nothing is lost.
    @Test func twoImportsAtOnceBothSucceed() throws {
        let cli = try CLI()
        #expect(try cli.run("samples", "--respondents", "3000", "--carers", "1000", "--evaluation-respondents", "0", "--out", "two").status == 0)
        let processes = ["budget-holder", "carer"].map { id -> Process in
            let process = Process()
            process.executableURL = CLI.executable
            process.arguments = ["import", "--instrument", id, "two/\(id).csv"]
            process.currentDirectoryURL = cli.directory
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            return process
        }
        for process in processes { try process.run() }
        for process in processes { process.waitUntilExit() }
        #expect(processes.allSatisfy { $0.terminationStatus == 0 })
        let status = try cli.run("status").out
        #expect(status.contains("budget-holder, wave 2026: 3000 responses") && status.contains("carer, wave 2026: 1000 responses"), "\(status)")
    }
}

@Suite(.serialized) struct CommandLineInterchange {
    /// An instrument out to REDCap and back, checked by `instrument check`; notes on standard error;
    /// an existing file is not overwritten without --force.
    @Test func redcapRoundTripFromTheCommandLine() throws {
        let cli = try CLI()
        let exported = try cli.run("instrument", "export-redcap", "instruments/carer.yaml", "--out", "carer-dictionary.csv")
        #expect(exported.status == 0 && exported.err.contains("carer-dictionary.csv:"))
        let imported = try cli.run("instrument", "import-redcap", "carer-dictionary.csv", "--id", "carer-copy", "--out", "carer-copy.yaml")
        #expect(imported.status == 0, "\(imported.err)")
        #expect(imported.err.contains("note: carer-dictionary.csv:2: record_id: the first field is taken as REDCap's record id"))
        #expect(try cli.run("instrument", "check", "carer-copy.yaml").out.contains("ok: carer-copy 1.0.0"))
        let again = try cli.run("instrument", "import-redcap", "carer-dictionary.csv", "--out", "carer-copy.yaml")
        #expect(again.status != 0 && again.err.contains("exists; pass --force"))
        let stdout = try cli.run("instrument", "import-redcap", "carer-dictionary.csv")
        #expect(stdout.status == 0 && stdout.out.hasPrefix("# Converted from carer-dictionary.csv"))
        let missing = try cli.run("instrument", "import-xlsform", "nope.xlsx")
        #expect(missing.status != 0 && missing.err.contains("nope.xlsx: no such file"))
    }

    @Test func exportWritesADictionaryAndLoaders() throws {
        let cli = try CLI()
        #expect(try cli.run("import", "--instrument", "budget-holder", "samples/budget-holder.csv").status == 0)
        let wide = try cli.run("export", "--instrument", "budget-holder", "--out", "bh.csv", "--loaders")
        #expect(wide.status == 0)
        for file in ["bh.csv", "bh-dictionary.csv", "bh.R", "bh.do"] {
            #expect(FileManager.default.fileExists(atPath: cli.directory.appendingPathComponent(file).path), "\(file)")
        }
        let long = try cli.run("export", "--instrument", "budget-holder", "--format", "long-csv", "--out", "long.csv", "--no-dictionary")
        #expect(long.status == 0 && !FileManager.default.fileExists(atPath: cli.directory.appendingPathComponent("long-dictionary.csv").path))
    }
}

@Suite(.serialized) struct CommandLineOtherFormats {
    static let real = CLI.root.appendingPathComponent("Tests/OutcomesInterchangeTests/Fixtures/real")

    /// A REDCap project as a user takes it in: the dictionary converted, the raw export imported with
    /// its events mapped, what was left out counted; the same export again is all duplicates.
    @Test func aREDCapProjectFromDictionaryToStore() throws {
        let cli = try CLI()
        let dictionary = Self.real.appendingPathComponent("redcap/redcapr_longitudinal_dictionary.csv").path
        let data = Self.real.appendingPathComponent("redcap/redcapr_longitudinal_data.csv").path
        let converted = try cli.run("instrument", "import-redcap", dictionary, "--id", "longitudinal", "--out", "instruments/longitudinal.yaml")
        #expect(converted.status == 0 && converted.err.contains("taken as REDCap's record id"), "\(converted.err)")
        let imported = try cli.run("import", "--instrument", "longitudinal", "--format", "redcap", "--site", "north", data)
        #expect(imported.status == 0, "\(imported.err)")
        #expect(imported.out.contains("left out 7 rows: incomplete records"))
        #expect(imported.out.contains("18 rows (read as redcap): stored 11 new responses"), "\(imported.out)")
        let again = try cli.run("import", "--instrument", "longitudinal", "--format", "redcap", "--site", "north", data)
        #expect(again.out.contains("stored 0 new responses, 11 duplicates skipped"))
        // An event mapping that misses events names them; nothing is stored.
        let partial = try cli.run("import", "--db", "other.sqlite", "--instrument", "longitudinal", "--format", "redcap", "--site", "north",
                                  "--event", "enrollment_arm_1=baseline", data)
        #expect(partial.status != 0 && partial.err.contains("event 'dose_1_arm_1' (2 row(s)) has no wave"), "\(partial.err)")
        #expect(try cli.run("import", "--instrument", "longitudinal", "--format", "nope", data).err.contains("expected csv, redcap or kobo"))
    }

    /// What Excel writes in Western Europe: refused as it is, read when named.
    @Test func aWindows1252FileFromTheCommandLine() throws {
        let cli = try CLI()
        let header = "respondent_id,site,wave,carer_quality_of_life\n"
        let bytes = Data(header.utf8) + Data([0x44, 0xC9]) + Data("1,north,2026,1\n".utf8)
        try bytes.write(to: cli.directory.appendingPathComponent("excel.csv"))
        let refused = try cli.run("import", "--instrument", "carer", "excel.csv")
        #expect(refused.status != 0 && refused.err.contains("excel.csv:2:2: byte 0xC9 is not UTF-8 (in Windows-1252, 'É')"))
        #expect(refused.err.contains("--encoding windows-1252"))
        let read = try cli.run("import", "--instrument", "carer", "--encoding", "windows-1252", "excel.csv")
        #expect(read.status == 0 && read.out.contains("read as windows-1252"), "\(read.err)")
        #expect(try cli.run("import", "--instrument", "carer", "--encoding", "ebcdic", "excel.csv").err.contains("expected one of utf-8, windows-1252"))
    }
}

@Suite(.serialized) struct CommandLineHelpExamples {
    /// Every example in `outcomes import --help` runs, from the repository's folder, on the shipped files.
    @Test func theImportExamplesRun() throws {
        let cli = try CLI()
        let help = try cli.run("import", "--help").out
        let text = help.replacingOccurrences(of: "\\\n", with: " ")
        let examples = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { $0.hasPrefix("outcomes import ") }
        #expect(examples.count == 6, "\(examples)")
        for example in examples {
            let arguments = example.split(separator: " ").dropFirst().map(String.init)
            let result = try cli.run(arguments)
            #expect(result.status == 0, "\(example): \(result.err)")
        }
    }
}
