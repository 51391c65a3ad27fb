#ifndef OUTCOMES_CSQLITE_SHIM_H
#define OUTCOMES_CSQLITE_SHIM_H
#include <sqlite3.h>
// SQLITE_TRANSIENT is a macro Swift cannot import: tell SQLite to copy bound text and blobs.
static inline sqlite3_destructor_type outcomes_sqlite_transient(void) { return SQLITE_TRANSIENT; }

/* Process-wide settings, applied before SQLite initialises (sqlite3_config refuses them afterwards):
   no memory statistics, whose global mutex is taken on every allocation (a few per cent of a bulk import). */
static inline void outcomes_sqlite_configure(void) { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); }
#endif
