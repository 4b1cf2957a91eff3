/* hooks.h — exec hooks: a feed's `exec` command run once per new item,
 * with the item's JSON on stdin, at-least-once and durable.
 *
 * Deliveries are queued by the store in the same transaction as the item
 * (store_commit_fetch with hook = true); this module runs them, at most
 * [daemon] exec_jobs at a time, each bounded by exec_timeout (SIGTERM, then
 * SIGKILL 5 s later, to the hook's own process group), and records the
 * outcome when the hook exits — not when its pipes close, which a child
 * it left behind may hold open: delivered when the command exits 0, else
 * retried with exponential backoff, and parked after
 * HOOKS_MAX_ATTEMPTS, or at once when it can never run (the program is
 * missing or not executable, the feed's exec is gone) (a hook.failed
 * event, and the feed's hooks_failed): kept, with its item, until
 * POST /v1/hooks/retry (store_hook_retry, then hooks_kick) makes it due.
 * A feed's deliveries run one at a time, in item order: the store hands
 * out only each feed's oldest pending one (a retrying one holds the
 * later ones back; a parked one does not).
 * A hook inherits no descriptor of the daemon's: only 0, 1 and 2. Its
 * stderr is logged up to HOOKS_LOG_LINES lines of HOOKS_MAX_LINE bytes per
 * delivery (hooks.c), and the bytes left out are counted.
 * The store work — looking for due deliveries, recording outcomes — runs
 * on the daemon's store thread when there is one (feedd.storeq), in
 * submission order, so that a slow store never holds the loop.
 *
 * Ownership: hooks_start allocates; hooks_close sends running hooks' process
 * groups SIGTERM (their deliveries stay pending and run again after the
 * next start) and frees the struct once every handle has closed — at most
 * 100 ms after each hook's exit, never waiting for what a hook left
 * running. */
#ifndef FEEDD_HOOKS_H
#define FEEDD_HOOKS_H

#include "daemon/feedd.h"

#define HOOKS_MAX_ATTEMPTS 8
#define HOOKS_RETRY_MAX    3600   /* seconds; retries start at exec_retry and double */

int hooks_start(struct feedd *d, struct hooks **out);
/* New deliveries may be due: look now rather than at the next tick. */
void hooks_kick(struct hooks *h);
void hooks_close(struct hooks *h);

/* Figures for /v1/status. */
int hooks_running(const struct hooks *h);

#endif
