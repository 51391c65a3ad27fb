import Foundation
import Testing
@testable import OutcomesInstruments
@testable import OutcomesStore

/// The store's schema as version 1 created it (Store.swift at schema version 1), to test the upgrade.
let schemaVersion1 = """
CREATE TABLE instruments (
    instrument_id TEXT NOT NULL,
    version TEXT NOT NULL,
    title TEXT NOT NULL,
    definition TEXT NOT NULL,      -- the instrument file as registered
    registered_at TEXT NOT NULL,
    PRIMARY KEY (instrument_id, version)
);
CREATE TABLE answer_tables (
    instrument_id TEXT PRIMARY KEY,
    table_name TEXT NOT NULL UNIQUE
);
CREATE TABLE sites (site_id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE);
CREATE TABLE waves (wave_id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE respondents (
    respondent_id INTEGER PRIMARY KEY,
    site_id INTEGER NOT NULL REFERENCES sites,
    code TEXT NOT NULL,
    UNIQUE (site_id, code)
);
CREATE TABLE imports (
    import_id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('csv', 'capture', 'merge')),
    source TEXT NOT NULL,          -- file path, database path, or 'terminal'
    sha256 TEXT,                   -- of the file or database as read
    instrument_id TEXT NOT NULL,
    instrument_version TEXT NOT NULL,
    rows_read INTEGER NOT NULL DEFAULT 0,
    responses_new INTEGER NOT NULL DEFAULT 0,
    responses_duplicate INTEGER NOT NULL DEFAULT 0,
    responses_corrected INTEGER NOT NULL DEFAULT 0,
    tool_version TEXT NOT NULL,
    stored_by TEXT NOT NULL,       -- the operating-system user who ran the tool
    imported_at TEXT NOT NULL
);
CREATE TABLE responses (
    response_id INTEGER PRIMARY KEY,
    -- Stable across databases: instrument, site, respondent and wave, joined by '/'.
    response_key TEXT NOT NULL UNIQUE,
    instrument_id TEXT NOT NULL,
    instrument_version TEXT NOT NULL,
    respondent_id INTEGER NOT NULL REFERENCES respondents,
    wave_id INTEGER NOT NULL REFERENCES waves,
    arm TEXT CHECK (arm IN ('pilot', 'control')),
    -- A draft (a capture stopped part-way) is never counted in analyses.
    status TEXT NOT NULL DEFAULT 'complete' CHECK (status IN ('complete', 'draft')),
    import_id INTEGER NOT NULL REFERENCES imports,
    source_line INTEGER,
    UNIQUE (instrument_id, respondent_id, wave_id),
    FOREIGN KEY (instrument_id, instrument_version) REFERENCES instruments
);
-- A stored response changed later keeps its history: old and new answers, as JSON objects.
CREATE TABLE corrections (
    correction_id INTEGER PRIMARY KEY,
    response_id INTEGER NOT NULL REFERENCES responses,
    import_id INTEGER NOT NULL REFERENCES imports,
    old_answers TEXT NOT NULL,
    new_answers TEXT NOT NULL
);
-- Who or what stored or changed each response, when, from which source.
CREATE VIEW audit_trail AS
    SELECT r.response_key, s.code AS site, 'stored' AS action, i.kind, i.source, i.sha256, i.tool_version,
           i.stored_by, i.imported_at AS at, NULL AS old_answers, NULL AS new_answers
    FROM responses r JOIN imports i ON i.import_id = r.import_id
    JOIN respondents p ON p.respondent_id = r.respondent_id JOIN sites s ON s.site_id = p.site_id
    UNION ALL
    SELECT r.response_key, s.code, 'corrected', i.kind, i.source, i.sha256, i.tool_version, i.stored_by,
           i.imported_at, c.old_answers, c.new_answers
    FROM corrections c JOIN responses r ON r.response_id = c.response_id JOIN imports i ON i.import_id = c.import_id
    JOIN respondents p ON p.respondent_id = r.respondent_id JOIN sites s ON s.site_id = p.site_id;
PRAGMA user_version = 1;
"""

@Suite struct SchemaUpgrade {
    /// A version 1 database with one response (corrected once), as the tool of that version left it.
    static func versionOneDatabase(at path: String) throws {
        let db = try SQLiteConnection(path: path)
        try db.execute("PRAGMA journal_mode = WAL")
        try db.execute(schemaVersion1)
        let definition = surveyYAML.replacingOccurrences(of: "'", with: "''")
        try db.execute("""
            INSERT INTO instruments VALUES ('survey', '1', 'Survey', '\(definition)', '2026-01-01T00:00:00Z');
            INSERT INTO answer_tables VALUES ('survey', 'answers_survey');
            CREATE TABLE answers_survey (response_id INTEGER PRIMARY KEY REFERENCES responses ON DELETE CASCADE,
                has_carer INTEGER, carer_hours INTEGER, helpers TEXT, cost REAL, started TEXT, note TEXT,
                outcome_independence INTEGER, outcome_safety INTEGER);
            INSERT INTO sites VALUES (7, 'b/c');
            INSERT INTO waves VALUES (3, 'baseline');
            INSERT INTO respondents VALUES (11, 7, '50%');
            INSERT INTO imports (import_id, kind, source, sha256, instrument_id, instrument_version, rows_read, responses_new,
                                 tool_version, stored_by, imported_at)
                VALUES (1, 'csv', 'old.csv', 'ab', 'survey', '1', 1, 1, '0.1.0', 'tester', '2026-01-01T00:00:00Z');
            INSERT INTO responses VALUES (42, 'survey/b%2Fc/50%25/baseline', 'survey', '1', 11, 3, 'pilot', 'complete', 1, 2);
            INSERT INTO answers_survey (response_id, outcome_independence, outcome_safety) VALUES (42, 1, 3);
            INSERT INTO corrections VALUES (1, 42, 1, '{"outcome_safety":5}', '{"outcome_safety":3}');
            """)
    }

    @Test func aVersionOneStoreIsUpgradedKeepingEveryResponseAndItsHistory() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("outcomes-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("v1.sqlite").path
        try Self.versionOneDatabase(at: path)

        let store = try Store(path: path)
        #expect(try store.db.scalarInt("PRAGMA user_version") == 5)
        #expect(try store.db.scalarInt("SELECT count(*) FROM sqlite_master WHERE name IN ('api_tokens', 'api_requests', 'api_submissions')") == 3)
        #expect(try store.db.scalarText("SELECT group_concat(name) FROM pragma_table_info('responses') WHERE name = 'response_key'") == nil)
        #expect(try store.db.scalarText("SELECT response_key FROM response_keys WHERE response_id = 42") == "survey/b%2Fc/50%25/baseline")
        #expect(try store.db.scalarInt("SELECT count(*) FROM audit_trail WHERE response_key = 'survey/b%2Fc/50%25/baseline'") == 2)
        #expect(try store.db.scalarText("SELECT \"table\" FROM pragma_foreign_key_check") == nil)
        #expect(try store.integrityCheck() == "ok")
        // The same response imported again is a duplicate of the upgraded row, not a new one.
        let instrument = try InstrumentParser.parse(surveyYAML)
        let summary = try store.importCSV(data: Data("respondent_id,site,arm,wave,outcome_independence,outcome_safety\n50%,b/c,pilot,baseline,1,3\n".utf8),
                                          file: "again.csv", instrument: instrument, definition: surveyYAML)
        #expect(summary.new == 0 && summary.duplicates == 1)
        // Opening it again leaves it as it is.
        _ = try Store(path: path)
        #expect(try store.db.scalarInt("SELECT count(*) FROM responses") == 1)
    }
}
