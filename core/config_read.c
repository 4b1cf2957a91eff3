/* config_read.c — feeds.conf from disk: the main file and the drop-in
 * directory beside it (the .conf files of feeds.conf.d, in byte order), each read
 * whole and bounded, handed to config.c's loader as config_sources.
 *
 * Ownership: config_read_sources' array and its texts are the caller's
 * (config_sources_free). */
#include "core/config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/config_int.h"

#define CONF_MAX_FILE   (16 * 1024 * 1024)

/* Reads PATH whole into SRC; a missing file leaves SRC's text NULL when
 * MISSING_OK. */
static int read_source(const char *path, bool missing_ok, struct config_source *src,
		       struct config_errors *errs)
{
	/* O_NONBLOCK: a FIFO (or a device) named as the config must be refused
	 * below, not wait forever for a writer in open(). */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		int e = errno;
		if (e == ENOENT && missing_ok)
			return 0;
		conf_add_error(errs, "%s: cannot open: %s", path, strerror(e));
		return -e;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		conf_add_error(errs, "%s: not a regular file", path);
		return -EINVAL;
	}
	if (st.st_size > CONF_MAX_FILE) {
		close(fd);
		conf_add_error(errs, "%s: too large (%lld bytes; at most %d)", path,
			  (long long)st.st_size, CONF_MAX_FILE);
		return -EFBIG;
	}
	size_t size = (size_t)st.st_size;
	char *buf = malloc(size + 1);
	size_t got = 0;
	while (buf && got < size) {
		ssize_t n = read(fd, buf + got, size - got);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			break;
		}
		got += (size_t)n;
	}
	close(fd);
	if (!buf || got != size) {
		free(buf);
		conf_add_error(errs, "%s: read failed", path);
		return -EIO;
	}
	buf[size] = '\0';
	src->text = buf;
	src->len = size;
	return 0;
}

bool config_dropin_name_ok(const char *name)
{
	size_t n = strlen(name), e = strlen(CONFIG_DROPIN_EXT);
	return n > e && name[0] != '.' && strcmp(name + n - e, CONFIG_DROPIN_EXT) == 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in DIR the reader takes, sorted by byte order: *NAMES (NULL
 * when the directory does not exist). */
static int list_dropins(const char *dir, char ***names, size_t *n, struct config_errors *errs)
{
	*names = NULL;
	*n = 0;
	DIR *d = opendir(dir);
	if (!d) {
		int e = errno;
		if (e == ENOENT)
			return 0;
		conf_add_error(errs, "%s: cannot read the drop-in directory: %s", dir, strerror(e));
		return -e;
	}
	size_t cap = 0;
	int r = 0;
	struct dirent *de;
	errno = 0;
	while ((de = readdir(d))) {
		if (!config_dropin_name_ok(de->d_name))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			char **nn = realloc(*names, cap * sizeof *nn);
			if (!nn) {
				r = -ENOMEM;
				break;
			}
			*names = nn;
		}
		if (!((*names)[*n] = strdup(de->d_name))) {
			r = -ENOMEM;
			break;
		}
		(*n)++;
		errno = 0;
	}
	if (!r && errno) {
		r = -errno;
		conf_add_error(errs, "%s: cannot read the drop-in directory: %s", dir, strerror(-r));
	}
	closedir(d);
	if (*n)
		qsort(*names, *n, sizeof **names, cmp_names);   /* bytes, not the locale */
	return r;
}

int config_read_sources(const char *path, unsigned flags, struct config_source **srcp,
			size_t *np, struct config_errors *errs)
{
	*srcp = NULL;
	*np = 0;
	struct config_source main_src = {.name = strdup(path)};
	if (!main_src.name)
		return -ENOMEM;
	int r = read_source(path, flags & CONFIG_MAIN_OPTIONAL, &main_src, errs);
	if (r < 0) {
		free(main_src.name);
		return r;
	}
	char *dir = NULL;
	char **names = NULL;
	size_t nnames = 0, n = 1;
	if (asprintf(&dir, "%s%s", path, CONFIG_DROPIN_SUFFIX) < 0)
		dir = NULL;
	r = dir ? list_dropins(dir, &names, &nnames, errs) : -ENOMEM;
	struct config_source *src = r < 0 ? NULL : calloc(nnames + 1, sizeof *src);
	if (!r && !src)
		r = -ENOMEM;
	if (src) {
		src[0] = main_src;
	} else {
		free(main_src.name);
		free(main_src.text);
	}
	for (size_t i = 0; r >= 0 && i < nnames; i++) {
		struct config_source *s = &src[n++];
		if (asprintf(&s->name, "%s/%s", dir, names[i]) < 0) {
			s->name = NULL;
			r = -ENOMEM;
			break;
		}
		/* A symbolic link is followed; what is not a regular file (a
		 * directory, a link to /dev/null that masks a packaged file) is
		 * passed over. */
		struct stat st;
		if (stat(s->name, &st) == 0 && !S_ISREG(st.st_mode)) {
			free(s->name);
			s->name = NULL;
			n--;
			continue;
		}
		r = read_source(s->name, false, s, errs);
	}
	for (size_t i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	free(dir);
	if (r < 0) {
		if (r == -ENOMEM)
			conf_add_error(errs, "%s: out of memory", path);
		config_sources_free(src, src ? n : 0);
		return r;
	}
	*srcp = src;
	*np = n;
	return 0;
}

void config_sources_free(struct config_source *src, size_t n)
{
	for (size_t i = 0; src && i < n; i++) {
		free(src[i].name);
		free(src[i].text);
	}
	free(src);
}

int config_load(const char *path, unsigned flags, struct config **out, struct config_errors *errs)
{
	struct config_source *src;
	size_t n;
	int r = config_read_sources(path, flags, &src, &n, errs);
	if (r < 0)
		return r;
	r = config_parse_sources(src, n, out, errs);
	config_sources_free(src, n);
	return r;
}

