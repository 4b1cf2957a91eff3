/* newlock.h — one `feedctl new NAME` at a time per consumer and daemon:
 * two runs that overlap (a cron job slower than its period) would each
 * print every item the consumer has not acknowledged, and both
 * acknowledge them. The lock is an flock(2) on a file of the user's own
 * (in $XDG_RUNTIME_DIR, else /tmp), named after the socket and the
 * consumer; the kernel drops it when feedctl exits, however it exits. */
#ifndef FEEDCTL_NEWLOCK_H
#define FEEDCTL_NEWLOCK_H

/* Takes the lock of consumer NAME of the daemon at SOCKET, waiting for a
 * running `feedctl new NAME` to end for at most TIMEOUT_MS. Returns the
 * lock's descriptor (the caller closes it, or exits), -ETIMEDOUT when the
 * other run did not end in time, or another -errno when no lock file
 * could be made (the caller goes on without: a lock is a courtesy to
 * overlapping runs, never a reason to deliver nothing). */
int newlock_take(const char *socket, const char *name, int timeout_ms);

#endif
