/* conf_file.c — feeds.conf on disk: written atomically (a temporary
 * file beside it, synced, renamed over it, its mode kept) and read whole.
 *
 * Ownership: conf_read_file's text is the caller's to free. */
#include "core/conf_edit.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/strbuf.h"

int conf_lock(const char *path, int wait_ms)
{
	char *dcopy = strdup(path);
	if (!dcopy)
		return -ENOMEM;
	int fd = open(dirname(dcopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dcopy);
	if (fd < 0)
		return errno == ENOENT ? -1 : -errno;
	for (int waited = 0;; waited += 10) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		if (errno != EWOULDBLOCK && errno != EINTR) {
			int e = errno;
			close(fd);
			return -e;
		}
		if (waited >= wait_ms) {
			close(fd);
			return -EWOULDBLOCK;
		}
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
}

void conf_unlock(int fd)
{
	if (fd >= 0)
		close(fd);   /* the flock goes with the descriptor */
}

int conf_link_target(const char *path, char *out, size_t size)
{
	char cur[4096], link[4096];
	if (snprintf(cur, sizeof cur, "%s", path) >= (int)sizeof cur)
		return -ENAMETOOLONG;
	for (int hops = 0;; hops++) {
		struct stat st;
		/* Not there (a dangling link's target, or its directory
		 * missing): the path to make, for the caller to try. */
		if (lstat(cur, &st) < 0) {
			if (errno == ENOENT || errno == ENOTDIR)
				break;
			return -errno;
		}
		if (!S_ISLNK(st.st_mode))
			break;
		if (hops == 40)
			return -ELOOP;
		ssize_t n = readlink(cur, link, sizeof link - 1);
		if (n < 0)
			return -errno;
		link[n] = '\0';
		if (link[0] == '/') {
			memcpy(cur, link, (size_t)n + 1);
			continue;
		}
		/* Relative: from the link's own directory. */
		char *slash = strrchr(cur, '/');
		size_t dir = slash ? (size_t)(slash - cur) + 1 : 0;
		if (dir + (size_t)n >= sizeof cur)
			return -ENAMETOOLONG;
		memcpy(cur + dir, link, (size_t)n + 1);
	}
	if (snprintf(out, size, "%s", cur) >= (int)size)
		return -ENAMETOOLONG;
	return 0;
}

int conf_write_atomic(const char *path, const char *text, size_t len)
{
	/* A link is followed: a config kept with one's dotfiles, or a
	 * drop-in a package provides, stays where it is linked from. */
	char real[4096];
	int r = conf_link_target(path, real, sizeof real);
	if (r < 0)
		return r;
	path = real;
	char *dcopy = strdup(path);
	if (!dcopy)
		return -ENOMEM;
	char tmp[4096];
	int n = snprintf(tmp, sizeof tmp, "%s/.%s.XXXXXX", dirname(dcopy), "feeds.conf");
	free(dcopy);
	if (n < 0 || (size_t)n >= sizeof tmp)
		return -ENAMETOOLONG;
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (stat(path, &st) == 0) {
		/* Its owner and group as they were (root editing a file of
		 * the service's user); refused to others, who keep theirs. */
		if (st.st_uid != geteuid() || st.st_gid != getegid())
			(void)fchown(fd, st.st_uid, st.st_gid);
		(void)fchmod(fd, st.st_mode & 07777);
	} else {
		(void)fchmod(fd, 0644);
	}
	size_t off = 0;
	int err = 0;
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		off += (size_t)w;
	}
	if (!err && fsync(fd) < 0)
		err = -errno;
	if (close(fd) < 0 && !err)
		err = -errno;
	if (!err && rename(tmp, path) < 0)
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

int conf_writable(const char *path, unsigned *mode)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	*mode = st.st_mode & 07777;
	if (faccessat(AT_FDCWD, path, W_OK, AT_EACCESS) < 0)
		return errno == EACCES || errno == EROFS || errno == EPERM ? -EACCES : -errno;
	if (!(st.st_mode & 0222) || (st.st_uid == geteuid() && !(st.st_mode & S_IWUSR)))
		return -EACCES;
	return 0;
}

int conf_dir_writable(const char *path, char *dir, size_t dirlen, unsigned *mode)
{
	char real[4096];
	int r = conf_link_target(path, real, sizeof real);
	if (r < 0)
		return r;
	char *slash = strrchr(real, '/');
	if (!slash)
		snprintf(real, sizeof real, ".");
	else if (slash == real)
		real[1] = '\0';
	else
		*slash = '\0';
	if (snprintf(dir, dirlen, "%s", real) >= (int)dirlen)
		return -ENAMETOOLONG;
	struct stat st;
	if (stat(real, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	*mode = st.st_mode & 07777;
	if (faccessat(AT_FDCWD, real, W_OK | X_OK, AT_EACCESS) < 0)
		return errno == EACCES || errno == EROFS || errno == EPERM ? -EACCES : -errno;
	return 0;
}

char *conf_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct strbuf b = {0};
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		strbuf_put(&b, chunk, n);
		if (b.len > 16u * 1024 * 1024) {
			free(b.s);
			fclose(f);
			errno = EFBIG;
			return NULL;
		}
	}
	bool bad = ferror(f);
	fclose(f);
	if (bad) {
		free(b.s);
		errno = EIO;
		return NULL;
	}
	if (!b.s)
		b.s = strdup("");
	if (len)
		*len = b.len;
	return b.s;
}
