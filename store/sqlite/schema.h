/* schema.h — the SQLite schema as an ordered list of migrations (internal to
 * store/). Migration N takes a database from user_version N-1 to N. */
#ifndef FEEDD_STORE_SCHEMA_H
#define FEEDD_STORE_SCHEMA_H

/* SCHEMA_MIGRATIONS[i] is the SQL of migration i+1. */
extern const char *const schema_migrations[];
extern const int schema_version;   /* the newest version this binary knows */

#endif
