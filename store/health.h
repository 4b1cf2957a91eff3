/* health.h — whether this process can reach its store (a database server:
 * PostgreSQL), over every connection and thread, and the log lines that
 * say so: one when the store becomes unavailable, one when it is back, and
 * a reminder every STORE_HEALTH_REMIND_S in between — not a line per
 * attempt. A store in a file (SQLite) never reports: always available.
 * Internal to store/; readers use store_health_get (store.h). */
#ifndef FEEDD_STORE_HEALTH_H
#define FEEDD_STORE_HEALTH_H

#define STORE_HEALTH_REMIND_S 60

/* A connection to the store LABEL failed (ERROR: the server's or libpq's
 * message, first line used): the store is unavailable from now on, if it
 * was not already. */
void store_health_down(const char *label, const char *error);
/* A connection to LABEL works (again). */
void store_health_up(const char *label);

#endif
