-- The fastest way found to make SQLite store a million responses in the store's tables at all: one
-- set-based INSERT ... SELECT per table from SQLite's own generate_series (no values bound from a
-- program, nothing parsed or validated, table after table), with the store's schema, foreign keys,
-- WAL and one transaction. Compare scripts/benchmark/sqlite_floor.c, which writes row by row as the
-- store does.
--
-- Run: rm -f /tmp/floor-set.sqlite*; sqlite3 /tmp/floor-set.sqlite < scripts/benchmark/sqlite_floor_set_based.sql
-- (generate_series is built into the sqlite3 shell; the times are printed by .timer).
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
PRAGMA foreign_keys = ON;
CREATE TABLE instruments (instrument_id TEXT NOT NULL, version TEXT NOT NULL, PRIMARY KEY (instrument_id, version));
CREATE TABLE sites (site_id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE);
CREATE TABLE waves (wave_id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE imports (import_id INTEGER PRIMARY KEY);
CREATE TABLE respondents (respondent_id INTEGER PRIMARY KEY, site_id INTEGER NOT NULL REFERENCES sites,
    code TEXT NOT NULL, UNIQUE (site_id, code));
CREATE TABLE responses (response_id INTEGER PRIMARY KEY, instrument_id TEXT NOT NULL, instrument_version TEXT NOT NULL,
    respondent_id INTEGER NOT NULL REFERENCES respondents, wave_id INTEGER NOT NULL REFERENCES waves,
    arm TEXT CHECK (arm IN ('pilot', 'control')), status TEXT NOT NULL DEFAULT 'complete',
    import_id INTEGER NOT NULL REFERENCES imports, source_line INTEGER,
    UNIQUE (instrument_id, respondent_id, wave_id), FOREIGN KEY (instrument_id, instrument_version) REFERENCES instruments);
-- 17 answers per response, as the budget-holder survey's file has.
CREATE TABLE answers (response_id INTEGER PRIMARY KEY REFERENCES responses ON DELETE CASCADE,
    a1 INTEGER, a2 INTEGER, a3 INTEGER, a4 INTEGER, a5 INTEGER, a6 INTEGER, a7 INTEGER, a8 INTEGER, a9 INTEGER,
    a10 INTEGER, a11 INTEGER, a12 INTEGER, a13 INTEGER, a14 INTEGER, a15 INTEGER, a16 INTEGER, a17 INTEGER);
INSERT INTO instruments VALUES ('budget-holder', '1.0.0');
INSERT INTO waves VALUES (1, '2026');
INSERT INTO imports VALUES (1);
INSERT INTO sites SELECT value, printf('site-%03d', value) FROM generate_series(1, 100);
.timer on
BEGIN IMMEDIATE;
INSERT INTO respondents (respondent_id, site_id, code)
    SELECT value, 1 + value % 100, printf('BH%06d', value) FROM generate_series(1, 1000000);
INSERT INTO responses (response_id, instrument_id, instrument_version, respondent_id, wave_id, arm, import_id, source_line)
    SELECT value, 'budget-holder', '1.0.0', value, 1, NULL, 1, value + 1 FROM generate_series(1, 1000000);
INSERT INTO answers
    SELECT value, 1 + value % 5, 1 + value % 4, 1 + value % 3, 1 + value % 5, 1 + value % 4, 1 + value % 3, 1 + value % 5,
           1 + value % 4, 1 + value % 3, 1 + value % 5, 1 + value % 4, 1 + value % 3, 1 + value % 5, 1 + value % 4,
           1 + value % 3, 1 + value % 5, 1 + value % 4
    FROM generate_series(1, 1000000);
COMMIT;
