/* What SQLite alone needs to store a million survey responses the way the store does (schema 2),
   with no parsing or validation: the floor under `outcomes import` on this machine.

   Per response: a respondent (rowid table + unique (site_id, code) index), a response (rowid table +
   unique (instrument_id, respondent_id, wave_id) index, foreign keys to respondents, waves, imports and
   instruments) and its answers row (29 whole numbers, foreign key to the response); one transaction,
   WAL, synchronous=NORMAL, foreign keys on, memory statistics off: as the store runs.

   Build and run: cc -O2 scripts/benchmark/sqlite_floor.c -lsqlite3 -o /tmp/sqlite_floor && /tmp/sqlite_floor [ROWS]
*/
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }

static void run(sqlite3 *db, const char *sql) {
    char *error = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &error) != SQLITE_OK) { fprintf(stderr, "%s: %s\n", sql, error); exit(1); }
}

int main(int argc, char **argv) {
    int rows = argc > 1 ? atoi(argv[1]) : 1000000, items = 29;
    const char *path = "/tmp/sqlite_floor.sqlite";
    remove(path);
    char wal[256]; snprintf(wal, sizeof wal, "%s-wal", path); remove(wal);
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    sqlite3 *db;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) return 1;
    run(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON");
    run(db, "CREATE TABLE instruments (instrument_id TEXT NOT NULL, version TEXT NOT NULL, PRIMARY KEY (instrument_id, version));"
            "CREATE TABLE sites (site_id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE);"
            "CREATE TABLE waves (wave_id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
            "CREATE TABLE imports (import_id INTEGER PRIMARY KEY);"
            "CREATE TABLE respondents (respondent_id INTEGER PRIMARY KEY, site_id INTEGER NOT NULL REFERENCES sites,"
            "  code TEXT NOT NULL, UNIQUE (site_id, code));"
            "CREATE TABLE responses (response_id INTEGER PRIMARY KEY, instrument_id TEXT NOT NULL, instrument_version TEXT NOT NULL,"
            "  respondent_id INTEGER NOT NULL REFERENCES respondents, wave_id INTEGER NOT NULL REFERENCES waves,"
            "  arm TEXT CHECK (arm IN ('pilot', 'control')), status TEXT NOT NULL DEFAULT 'complete',"
            "  import_id INTEGER NOT NULL REFERENCES imports, source_line INTEGER,"
            "  UNIQUE (instrument_id, respondent_id, wave_id), FOREIGN KEY (instrument_id, instrument_version) REFERENCES instruments);"
            "INSERT INTO instruments VALUES ('budget-holder', '1.0.0'); INSERT INTO waves VALUES (1, '2026'); INSERT INTO imports VALUES (1);"
            "WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < 100) INSERT INTO sites SELECT x, printf('site-%03d', x) FROM s;");
    char sql[4096]; int at = snprintf(sql, sizeof sql, "CREATE TABLE answers (response_id INTEGER PRIMARY KEY REFERENCES responses ON DELETE CASCADE");
    for (int i = 0; i < items; i++) at += snprintf(sql + at, sizeof sql - at, ", item_%d INTEGER", i);
    snprintf(sql + at, sizeof sql - at, ")");
    run(db, sql);
    at = snprintf(sql, sizeof sql, "INSERT INTO answers VALUES (?");
    for (int i = 0; i < items; i++) at += snprintf(sql + at, sizeof sql - at, ", ?");
    snprintf(sql + at, sizeof sql - at, ")");
    sqlite3_stmt *respondent, *response, *answers;
    sqlite3_prepare_v2(db, "INSERT INTO respondents (site_id, code) VALUES (?, ?) ON CONFLICT DO NOTHING", -1, &respondent, NULL);
    sqlite3_prepare_v2(db, "INSERT INTO responses (instrument_id, instrument_version, respondent_id, wave_id, arm, status, import_id, source_line)"
                           " VALUES ('budget-holder', '1.0.0', ?, 1, NULL, 'complete', 1, ?) ON CONFLICT DO NOTHING", -1, &response, NULL);
    sqlite3_prepare_v2(db, sql, -1, &answers, NULL);
    double start = now();
    run(db, "BEGIN IMMEDIATE");
    char code[32];
    for (int r = 0; r < rows; r++) {
        int length = snprintf(code, sizeof code, "BH%06d", r + 1);
        sqlite3_bind_int(respondent, 1, 1 + r % 100);
        sqlite3_bind_text(respondent, 2, code, length, SQLITE_TRANSIENT);
        if (sqlite3_step(respondent) != SQLITE_DONE) { fprintf(stderr, "%s\n", sqlite3_errmsg(db)); return 1; }
        sqlite3_reset(respondent);
        sqlite3_bind_int64(response, 1, sqlite3_last_insert_rowid(db));
        sqlite3_bind_int(response, 2, r + 2);
        if (sqlite3_step(response) != SQLITE_DONE) { fprintf(stderr, "%s\n", sqlite3_errmsg(db)); return 1; }
        sqlite3_reset(response);
        sqlite3_bind_int64(answers, 1, sqlite3_last_insert_rowid(db));
        for (int i = 0; i < items; i++) sqlite3_bind_int(answers, i + 2, 1 + (r * 7 + i) % 5);
        if (sqlite3_step(answers) != SQLITE_DONE) { fprintf(stderr, "%s\n", sqlite3_errmsg(db)); return 1; }
        sqlite3_reset(answers);
    }
    double stored = now();
    run(db, "COMMIT");
    double committed = now();
    sqlite3_finalize(respondent); sqlite3_finalize(response); sqlite3_finalize(answers);
    sqlite3_close(db);
    printf("SQLite alone, %d responses x %d answers: %.2f s (inserts %.2f s, commit %.2f s)\n", rows, items,
           committed - start, stored - start, committed - stored);
    remove(path); remove(wal);
    return 0;
}
