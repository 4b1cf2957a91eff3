/* taken.c — waits until the reader of a pipe or a socket has read what
 * was written to it, or has gone without.
 *
 * A write to a pipe returns once the bytes are in the pipe's buffer (64 KiB
 * on Linux), not once they are read: `feedctl new X | head -c 10` wrote
 * everything successfully, and an acknowledgement then would pass items
 * nobody read. Linux says what is left: FIONREAD on either end of a pipe
 * counts its unread bytes, and they stay counted after the reader closed
 * it, when poll reports POLLERR on the write end. On a socket, SIOCOUTQ
 * counts what the other end has not taken (on a Unix stream socket the
 * memory of the messages it has not read to their end; on TCP what its
 * system has not acknowledged), and a Unix peer that closed with data
 * unread leaves ECONNRESET pending: POLLERR. */
#include "cli/taken.h"

#include <errno.h>
#include <linux/sockios.h>
#include <poll.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>

/* What is left unread in FD (>= 0), or -1 when the system does not say. */
static int unread(int fd, bool sock)
{
	int n = 0;
	if (ioctl(fd, sock ? SIOCOUTQ : FIONREAD, &n) < 0)
		return -1;
	return n;
}

static short events(int fd)
{
	struct pollfd p = {.fd = fd, .events = 0};
	return poll(&p, 1, 0) == 1 ? p.revents : 0;
}

int taken_wait(int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0 || !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
		return 0;
	bool sock = S_ISSOCK(st.st_mode);
	long nap_ms = 1;
	for (;;) {
		/* The count first, then the state: a socket's peer that closes
		 * in between has set its error before its queue is dropped. */
		int n = unread(fd, sock);
		short ev = events(fd);
		if (n < 0)
			return 0;
		if (sock && (ev & POLLERR))
			return -EPIPE;
		if (n == 0)
			return 0;
		if (ev & (POLLERR | POLLHUP | POLLNVAL))
			return -EPIPE;
		struct timespec ts = {0, nap_ms * 1000000L};
		nanosleep(&ts, NULL);
		if (nap_ms < 16)
			nap_ms *= 2;
	}
}
