/* migrate.h — moving a SQLite store into PostgreSQL (feedd --migrate-store).
 *
 * store_migrate copies every feed (with its tags), item (ids kept),
 * tombstone, consumer, event and hook delivery of the SQLite store FROM
 * into the PostgreSQL store TO (a postgresql:// URI; its schema is created
 * as feedd's own start would), in batches of BATCH rows (0 = 1000), each
 * batch one transaction on TO that also records how far the copy got (the
 * table feedd_migration), so that running it again continues where an
 * interrupted run stopped. At the end the id sequences are moved past the
 * source's, and the rows of every table are counted on both sides and
 * printed on OUT. It refuses a TO that holds data not copied from FROM.
 * Neither store may be in use by a running feedd meanwhile.
 *
 * Returns 0 when every count matches; -EPROTO on a mismatch, another
 * negative errno on failure, with a message in *err (caller frees). Only
 * built with the PostgreSQL backend (FEEDD_HAVE_PG). */
#ifndef FEEDD_STORE_MIGRATE_H
#define FEEDD_STORE_MIGRATE_H

#include <stdio.h>

int store_migrate(const char *from, const char *to, int batch, FILE *out, char **err);

#endif
