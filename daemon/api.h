/* api.h — the socket API: HTTP/1.1 + JSON over a Unix socket (DESIGN.md,
 * "The socket API"; docs/API.md is the reference).
 *
 * Ownership: api_start allocates the listener and its clients; api_close
 * closes every handle, and memory is freed in the close callbacks (run the
 * loop after it). */
#ifndef FEEDD_API_H
#define FEEDD_API_H

#include <stdint.h>

#include "daemon/feedd.h"

/* Listens on PATH (mode 0660, group from the config; a stale socket file
 * replaced, a live one refused), or on the fd systemd passes (sd_listen_fds)
 * when there is one. */
int api_start(struct feedd *d, const char *path, struct api **out);
/* New items/events were committed: answer the long-polls they satisfy. */
void api_wake(struct api *a, int64_t last_item_id, int64_t last_event_seq);
/* Figures for /v1/status. */
int api_clients(const struct api *a, int *clients, int *waiting);
/* Upkeep: the idle readers hand back their page caches and kept answer
 * buffers (a busy one keeps them: its worker owns it now). */
void api_release_memory(struct api *a);
void api_close(struct api *a);

#endif
