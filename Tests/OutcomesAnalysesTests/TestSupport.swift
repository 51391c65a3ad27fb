import Foundation
import Testing
import OutcomesAnalyses
import OutcomesInstruments
import OutcomesReports
import OutcomesStore

/// The path of a test fixture (copied into the test bundle).
func fixture(_ name: String) -> String {
    Bundle.module.bundleURL.appendingPathComponent("Fixtures/\(name)").path
}

/// A fixture instrument and its responses imported into a fresh store in a temporary folder.
class FixtureStore {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("outcomes-analyses-\(UUID().uuidString)")
    let store: Store
    let instrument: Instrument
    let yaml: String

    /// `csvText` replaces the CSV file's content (for hand-written edge cases).
    init(instrumentPath: String, csvPath: String, csvText: String? = nil) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        store = try Store(path: directory.appendingPathComponent("t.sqlite").path)
        yaml = try String(contentsOfFile: instrumentPath, encoding: .utf8)
        let name = (instrumentPath as NSString).lastPathComponent
        instrument = try InstrumentParser.parse(yaml, file: name)
        let text = try csvText ?? String(contentsOfFile: csvPath, encoding: .utf8)
        _ = try store.importCSV(data: Data(text.utf8), file: (csvPath as NSString).lastPathComponent, instrument: instrument, definition: yaml)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// The repository's root (for the shipped instruments, samples and analyses).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A shipped instrument's committed sample (`instruments/ID.yaml`, `samples/ID.csv`).
    static func shippedSample(_ instrumentID: String) throws -> FixtureStore {
        try FixtureStore(instrumentPath: root.appendingPathComponent("instruments/\(instrumentID).yaml").path,
                         csvPath: root.appendingPathComponent("samples/\(instrumentID).csv").path)
    }

    /// Runs a shipped analysis file (`analyses/NAME`) on this store.
    func runShipped(_ analysisFile: String,
                    _ edit: (inout AnalysisDefinition) -> Void = { _ in }) throws -> any AnalysisResult {
        var definition = try AnalysisDefinition.load(file: Self.root.appendingPathComponent("analyses/\(analysisFile)").path)
        edit(&definition)
        return try AnalysisRunner.run(definition, store: store)
    }

    /// Runs an analysis fixture, after `edit` has had its say.
    func run(_ analysisFile: String, _ edit: (inout AnalysisDefinition) -> Void = { _ in }) throws -> any AnalysisResult {
        var definition = try AnalysisDefinition.load(file: fixture(analysisFile))
        edit(&definition)
        return try AnalysisRunner.run(definition, store: store)
    }
}

/// Compares `text` with a committed snapshot; `OUTCOMES_UPDATE_SNAPSHOTS=1 swift test` rewrites it in
/// the source tree (review the diff).
func expectSnapshot(_ text: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    if ProcessInfo.processInfo.environment["OUTCOMES_UPDATE_SNAPSHOTS"] == "1" {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)")
        try text.write(to: source, atomically: true, encoding: .utf8)
    }
    let snapshot = try String(contentsOfFile: fixture(name), encoding: .utf8)
    #expect(text == snapshot, "\(name) changed; if intended, regenerate it with OUTCOMES_UPDATE_SNAPSHOTS=1", sourceLocation: sourceLocation)
}

extension AnalysisDefinition {
    /// Changes the kind's settings of a loaded analysis file, as a test's variant of it.
    mutating func edit<Settings: AnalysisSettings>(_ type: Settings.Type, _ change: (inout Settings) -> Void) {
        var edited = settings(as: type)
        change(&edited)
        settings = edited
    }
}
