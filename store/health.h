/* health.h — whether this process can reach its store (a database server:
 * PostgreSQL), over every connection and thread, and the log lines that
 * say so: one when the store becomes unavailable, one when it is back, and
 * a reminder every STORE_HEALTH_REMIND_S in between — not a line per
 * attempt. A store in a file (SQLite) never reports: always available.
 * Internal to store/; readers use store_health_get (store.h). */
#ifndef FEEDD_STORE_HEALTH_H
#define FEEDD_STORE_HEALTH_H

#include <stdbool.h>
#include <stdint.h>

#define STORE_HEALTH_REMIND_S 60

/* A connection to the store LABEL failed (ERROR: the server's or libpq's
 * message, first line used): the store is unavailable from now on, if it
 * was not already. */
void store_health_down(const char *label, const char *error);
/* A connection to LABEL works (again). */
void store_health_up(const char *label);
/* Whether a connection has found the store unavailable and none has
 * found it back since. */
bool store_health_unavailable(void);

/* Reconnects while the store is unavailable go one at a time over the
 * process: a connection that needs the store tries, for at most LIMIT_MS
 * (its connect_timeout), when no other attempt is under way; the others
 * hear at once that the store is unavailable instead of each waiting out
 * an attempt of its own. With PROBE false (an API reader: a request waits
 * on it) a connection does not try at all while the store is unavailable:
 * the others find out when it is back. true: try now; the attempt ends
 * with store_health_up or store_health_down. */
bool store_health_try(bool probe, int64_t limit_ms);

#endif
