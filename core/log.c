/* log.c — stderr logging: sd-daemon priority prefixes under the journal,
 * "feedd: " elsewhere, and a level that changes at run time. */
#include "core/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static atomic_int level = LOG_LVL_INFO;
static atomic_int journal = -1;          /* -1: not known yet */
static int (*journal_send)(const struct iovec *iov, int n);

void log_set_journal_sender(int (*send)(const struct iovec *iov, int n)) { journal_send = send; }

static const char *const names[] = {
	[LOG_LVL_ERR] = "err", [LOG_LVL_WARNING] = "warning", [LOG_LVL_NOTICE] = "notice",
	[LOG_LVL_INFO] = "info", [LOG_LVL_DEBUG] = "debug",
};

void log_set_level(enum log_level lvl) { atomic_store(&level, (int)lvl); }
enum log_level log_get_level(void) { return (enum log_level)atomic_load(&level); }
void log_set_verbose(bool on) { log_set_level(on ? LOG_LVL_DEBUG : LOG_LVL_INFO); }
bool log_verbose(void) { return atomic_load(&level) >= LOG_LVL_DEBUG; }

const char *log_level_name(enum log_level lvl)
{
	return lvl >= LOG_LVL_ERR && lvl <= LOG_LVL_DEBUG ? names[lvl] : "info";
}

int log_level_from_name(const char *name)
{
	if (!name)
		return -1;
	for (int l = LOG_LVL_ERR; l <= LOG_LVL_DEBUG; l++)
		if (strcmp(name, names[l]) == 0)
			return l;
	if (strcmp(name, "error") == 0)
		return LOG_LVL_ERR;
	if (strcmp(name, "warn") == 0)
		return LOG_LVL_WARNING;
	return -1;
}

/* Is stderr the journal's stream? systemd sets $JOURNAL_STREAM to its
 * "device:inode"; a redirected stderr (a file, a pipe, a terminal) is not
 * it, even when the variable was inherited. */
static bool to_journal(void)
{
	int j = atomic_load(&journal);
	if (j >= 0)
		return j;
	const char *v = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	j = v && sscanf(v, "%llu:%llu", &dev, &ino) == 2 && fstat(STDERR_FILENO, &st) == 0 &&
	    (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
	atomic_store(&journal, j);
	return j;
}

/* sd_journal_sendv reports success when there is no journal socket at
 * all (it drops the record quietly): look first. */
static atomic_int native = -1;

static bool native_socket(void)
{
	int v = atomic_load(&native);
	if (v < 0) {
		struct stat st;
		v = stat("/run/systemd/journal/socket", &st) == 0 && S_ISSOCK(st.st_mode);
		atomic_store(&native, v);
	}
	return v;
}

void log_reset_sink(void)
{
	atomic_store(&journal, -1);
	atomic_store(&native, -1);
}

#define LOG_MAX_FIELDS 8

static void log_v(enum log_level lvl, const struct log_field *fields, size_t nf,
		  const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));

static void log_v(enum log_level lvl, const struct log_field *fields, size_t nf,
		  const char *fmt, va_list ap)
{
	if ((int)lvl > atomic_load(&level))
		return;
	bool journald = to_journal();
	char line[2048];
	int n = journald ? snprintf(line, sizeof line, "<%d>", (int)lvl)
			 : snprintf(line, sizeof line, "feedd: %s",
				    lvl <= LOG_LVL_ERR ? "error: " :
				    lvl == LOG_LVL_WARNING ? "warning: " : "");
	int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
	size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
	if (len > sizeof line - 2)
		len = sizeof line - 2;
	/* One event is one line: a newline inside a message would forge a record. */
	for (size_t i = (size_t)n; i < len; i++)
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	if (journald && nf && journal_send && native_socket()) {
		/* Field values are the daemon's own (names, URLs, numbers); a
		 * newline in one is sent as is, which the native protocol
		 * refuses: such a field is left out rather than split. */
		char msg[2100], prio[16], fbuf[LOG_MAX_FIELDS][1100];
		struct iovec iov[3 + LOG_MAX_FIELDS];
		int k = 0;
		int ml = snprintf(msg, sizeof msg, "MESSAGE=%.*s", (int)(len - (size_t)n), line + n);
		iov[k++] = (struct iovec){msg, (size_t)ml < sizeof msg ? (size_t)ml : sizeof msg - 1};
		int pl = snprintf(prio, sizeof prio, "PRIORITY=%d", (int)lvl);
		iov[k++] = (struct iovec){prio, (size_t)pl};
		iov[k++] = (struct iovec){(char *)"SYSLOG_IDENTIFIER=feedd", 23};
		for (size_t i = 0; i < nf && i < LOG_MAX_FIELDS; i++) {
			if (!fields[i].val || strpbrk(fields[i].val, "\n"))
				continue;
			int fl = snprintf(fbuf[i], sizeof fbuf[i], "%s=%s", fields[i].key, fields[i].val);
			iov[k++] = (struct iovec){fbuf[i], (size_t)fl < sizeof fbuf[i] ? (size_t)fl
									 : sizeof fbuf[i] - 1};
		}
		if (journal_send(iov, k) >= 0)
			return;
		/* No journal socket after all: the stream still carries it. */
	}
	line[len++] = '\n';
	ssize_t w = write(STDERR_FILENO, line, len);
	(void)w;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_v(lvl, NULL, 0, fmt, ap);
	va_end(ap);
}

void log_fields(enum log_level lvl, const struct log_field *fields, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_v(lvl, fields, n, fmt, ap);
	va_end(ap);
}
