/* log.c — stderr logging with sd-daemon priority prefixes. */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static bool verbose;

void log_set_verbose(bool on) { verbose = on; }
bool log_verbose(void) { return verbose; }

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	char line[2048];
	int n = snprintf(line, sizeof line, "<%d>", (int)lvl);
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
	va_end(ap);
	size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
	if (len > sizeof line - 2)
		len = sizeof line - 2;
	/* One event is one line: a newline inside a message would forge a record. */
	for (size_t i = (size_t)n; i < len; i++)
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	line[len++] = '\n';
	ssize_t w = write(STDERR_FILENO, line, len);
	(void)w;
}
