/* notify.c — tells the service manager where feedd is in its life cycle. */
#include "daemon/notify.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"

/* MSG on $NOTIFY_SOCKET, never waiting: libsystemd's sd_notify() sends
 * with a blocking sendmsg(), and a listener that does not read (its queue
 * full: ten datagrams by default) would hold the loop for good. A message
 * that finds the queue full is dropped and said in the log; systemd reads
 * its socket as it comes. Paths and abstract names ("@..."); any other
 * address goes to sd_notify(). */
static void notify_send(const char *msg)
{
	const char *e = getenv("NOTIFY_SOCKET");
	if (!e || !*e)
		return;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t n = strlen(e);
	if ((e[0] != '/' && e[0] != '@') || n >= sizeof sa.sun_path) {
		sd_notify(0, msg);
		return;
	}
	memcpy(sa.sun_path, e, n);
	if (e[0] == '@')
		sa.sun_path[0] = '\0';
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return;
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	/* Said once until a message goes through again (the loop only). */
	static bool failing;
	if (sendto(fd, msg, strlen(msg), MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&sa,
		   len) < 0) {
		int err = errno;
		if (!failing)
			log_warn("notify: %.*s not sent to the service manager (%s): %s",
				 (int)strcspn(msg, "\n"), msg, e, strerror(err));
		failing = true;
	} else {
		failing = false;
	}
	close(fd);
}

void notify_ready(void) { notify_send("READY=1\nSTATUS=running"); }
void notify_stopping(void) { notify_send("STOPPING=1\nSTATUS=stopping"); }
void notify_watchdog(void) { notify_send("WATCHDOG=1"); }

void notify_reloading(void)
{
	/* systemd 253+ wants MONOTONIC_USEC with RELOADING=1; older ignore it. */
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	char msg[64];
	snprintf(msg, sizeof msg, "RELOADING=1\nMONOTONIC_USEC=%llu",
		 (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000);
	notify_send(msg);
}

void notify_status(const char *fmt, ...)
{
	char buf[256] = "STATUS=";
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + 7, sizeof buf - 7, fmt, ap);
	va_end(ap);
	notify_send(buf);
}

uint64_t notify_watchdog_usec(void)
{
	uint64_t usec = 0;
	if (sd_watchdog_enabled(0, &usec) <= 0)
		return 0;
	return usec;
}
