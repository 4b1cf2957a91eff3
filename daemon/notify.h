/* notify.h — the sd_notify protocol: READY, RELOADING, STOPPING, WATCHDOG,
 * STATUS. Every call is a no-op when $NOTIFY_SOCKET is unset. */
#ifndef FEEDD_NOTIFY_H
#define FEEDD_NOTIFY_H

#include <stdint.h>

void notify_ready(void);
void notify_reloading(void);
void notify_stopping(void);
void notify_watchdog(void);
void notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The watchdog interval in microseconds ($WATCHDOG_USEC for this pid), 0 if
 * none is asked. */
uint64_t notify_watchdog_usec(void);

#endif
