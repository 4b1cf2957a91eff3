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

#include "core/item.h"   /* utf8_seq_len */

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

size_t log_sanitize(const char *in, size_t n, char *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)in;
	size_t k = 0;
	for (size_t i = 0; i < n;) {
		char esc[16];
		const char *put = esc;
		size_t len, used = 1;
		if (s[i] == '\n' || s[i] == '\r') {
			esc[0] = ' ';      /* one event is one line */
			len = 1;
		} else if ((s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f) {
			memcpy(esc, "\\x", 2);
			esc[2] = hex[s[i] >> 4];
			esc[3] = hex[s[i] & 15];
			len = 4;
		} else if (s[i] < 0x80) {
			put = (const char *)s + i;
			len = 1;
		} else if (!(used = utf8_seq_len(s + i, n - i))) {
			put = "\xef\xbf\xbd";   /* U+FFFD for each byte that is no UTF-8 */
			len = 3;
			used = 1;
		} else if (s[i] == 0xc2 && s[i + 1] < 0xa0) {
			/* C1 controls (U+0080..U+009F: CSI is U+009B) as their bytes. */
			memcpy(esc, "\\xc2\\x", 6);
			esc[6] = hex[s[i + 1] >> 4];
			esc[7] = hex[s[i + 1] & 15];
			len = 8;
		} else {
			put = (const char *)s + i;
			len = used;
		}
		if (k + len >= cap)
			break;             /* cut, never in the middle of one */
		memcpy(out + k, put, len);
		k += len;
		i += used;
	}
	if (cap)
		out[k] = '\0';
	return k;
}

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
	char raw[sizeof line];
	int m = vsnprintf(raw, sizeof raw, fmt, ap);
	size_t rawlen = m < 0 ? 0 : (size_t)m < sizeof raw ? (size_t)m : sizeof raw - 1;
	/* Messages carry what feeds, servers and hooks wrote: one event is
	 * one line (a newline would forge a record), and a terminal showing
	 * the log gets no control sequence nor broken UTF-8. */
	size_t len = (size_t)n + log_sanitize(raw, rawlen, line + n, sizeof line - (size_t)n - 1);
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
