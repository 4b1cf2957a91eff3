/* log.h — one event per line on stderr with the sd-daemon <N> priority prefix.
 *
 * No timestamps: journald adds them. log_set_verbose(true) lets LOG_DEBUG
 * lines through. Thread-safe enough for one loop thread plus helpers: each
 * line is written with a single write(2). */
#ifndef FEEDD_LOG_H
#define FEEDD_LOG_H

#include <stdbool.h>

enum log_level {
	LOG_LVL_ERR = 3,
	LOG_LVL_WARNING = 4,
	LOG_LVL_NOTICE = 5,
	LOG_LVL_INFO = 6,
	LOG_LVL_DEBUG = 7,
};

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
