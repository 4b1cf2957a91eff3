/* newlock.c — see newlock.h. */
#include "cli/newlock.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* FNV-1a of S, continuing from H: a file name for any socket path and
 * consumer name, of a fixed length. */
static uint64_t fnv(uint64_t h, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		h = (h ^ *p) * 1099511628211u;
	return (h ^ 0xff) * 1099511628211u;   /* a separator */
}

int newlock_take(const char *socket, const char *name, int timeout_ms)
{
	const char *dir = getenv("XDG_RUNTIME_DIR");
	if (!dir || dir[0] != '/')
		dir = "/tmp";
	char path[4096];
	uint64_t h = fnv(fnv(14695981039346656037u, socket), name);
	if (snprintf(path, sizeof path, "%s/feedctl-new.%u.%016" PRIx64 ".lock", dir,
		     (unsigned)getuid(), h) >= (int)sizeof path)
		return -ENAMETOOLONG;
	/* O_NOFOLLOW: in /tmp another user could have put a link there. */
	int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0 || st.st_uid != getuid()) {
		close(fd);
		return -EPERM;
	}
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		if (e != EWOULDBLOCK && e != EINTR) {
			close(fd);
			return -e;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		long ms = (now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000;
		if (ms >= timeout_ms) {
			close(fd);
			return -ETIMEDOUT;
		}
		usleep(20000);
	}
	return fd;
}
