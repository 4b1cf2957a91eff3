/* log.h — one event per line on stderr: with the sd-daemon <N> priority
 * prefix when stderr is the journal ($JOURNAL_STREAM names it), else as
 * "feedd: …" ("feedd: error: …", "feedd: warning: …" for those two).
 *
 * No timestamps: journald adds them. Lines above the level (default info)
 * are dropped; the level changes at run time (log_set_level, from the
 * [daemon] log_level key, --log-level, -v, and POST /v1/log-level).
 * Thread-safe enough for one loop thread plus helpers: each line is written
 * with a single write(2), and the level is one atomic int. */
#ifndef FEEDD_LOG_H
#define FEEDD_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum log_level {
	LOG_LVL_ERR = 3,
	LOG_LVL_WARNING = 4,
	LOG_LVL_NOTICE = 5,
	LOG_LVL_INFO = 6,
	LOG_LVL_DEBUG = 7,
};

#define LOG_LEVEL_NAMES "err, warning, notice, info, debug"

void log_set_level(enum log_level lvl);
enum log_level log_get_level(void);
/* "err", "warning", "notice", "info", "debug" (also "error", "warn"), or -1. */
int log_level_from_name(const char *name);
const char *log_level_name(enum log_level lvl);
/* Re-reads $JOURNAL_STREAM (tests; it is read once at the first line). */
void log_reset_sink(void);

/* A journal field of one event: KEY (upper-case, e.g. "FEED") and VAL. */
struct log_field {
	const char *key;
	const char *val;
};

/* How events reach the journal as structured records (sd_journal_sendv,
 * given by the daemon, which links libsystemd; NULL: never). Used only
 * when stderr is the journal's stream. */
struct iovec;
void log_set_journal_sender(int (*send)(const struct iovec *iov, int n));

/* log_msg with fields: under the journal one record with MESSAGE=,
 * PRIORITY=, SYSLOG_IDENTIFIER=feedd and FIELDS (those with a NULL VAL are
 * left out), so that `journalctl -u feedd FEED=mehr` finds one feed's
 * events; elsewhere the same line as log_msg. */
void log_fields(enum log_level lvl, const struct log_field *fields, size_t n,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Copies the N bytes IN to OUT (CAP bytes, NUL-terminated) as every
 * message is logged: line feed and carriage return become a space; other
 * control bytes (C0 but tab, DEL, NUL too) are shown escaped as \xHH, and
 * the C1 controls U+0080..U+009F as \xc2\xHH; each byte that is not part
 * of well-formed UTF-8 becomes U+FFFD. Well-formed text without controls
 * is copied as it is. Cut (between characters) when OUT is full; returns
 * the length written. */
size_t log_sanitize(const char *in, size_t n, char *out, size_t cap);

/* true: debug; false: info. */
void log_set_verbose(bool on);
bool log_verbose(void);
void log_msg(enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_err(...)    log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...)   log_msg(LOG_LVL_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_LVL_NOTICE, __VA_ARGS__)
#define log_info(...)   log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...)  do { if (log_verbose()) log_msg(LOG_LVL_DEBUG, __VA_ARGS__); } while (0)

#endif
