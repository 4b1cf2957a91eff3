/* taken.h — whether the reader of feedctl's output has taken it: what
 * `feedctl new` waits for before it acknowledges what it printed. */
#ifndef FEEDCTL_TAKEN_H
#define FEEDCTL_TAKEN_H

/* When FD is a pipe (a FIFO included) or a socket, waits until the bytes
 * written to it have been read by the other end, polling every few
 * milliseconds, as long as a blocking write would wait: 0 when they were
 * read (the reader may have gone since), -EPIPE when the reader went away
 * leaving some unread. 0 at once for anything else (a terminal, a file),
 * where a successful write is delivery, and when the system cannot say
 * (an ioctl refused). */
int taken_wait(int fd);

#endif
