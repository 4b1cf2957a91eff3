/* reload.h — between the daemon's life cycle (feedd.c) and the config's
 * re-read at run time (reload.c). feedd_reload_start and
 * feedd_rename_start, which the API calls, are declared in feedd.h. */
#ifndef FEEDD_RELOAD_H
#define FEEDD_RELOAD_H

#include <stddef.h>

#include "core/config.h"
#include "daemon/feedd.h"

/* SIGHUP: reload now, or once the reload under way has ended. */
void reload_sighup(struct feedd *d);

/* " and 2 drop-ins", or "" when C came from the main file alone (BUF
 * holds it). */
const char *reload_dropins_note(const struct config *c, char *buf, size_t len);

#endif
