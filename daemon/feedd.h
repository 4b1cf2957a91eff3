/* feedd.h — the running daemon: the one struct that ties the loop-side
 * modules together, and the few calls they make on each other.
 *
 * Owned by main.c: it creates the loop, loads the config, opens the store,
 * and creates each module with a pointer back to this struct. Modules never
 * free each other; main.c closes them in the order STYLE.md gives. */
#ifndef FEEDD_FEEDD_H
#define FEEDD_FEEDD_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "core/config.h"
#include "store/store.h"

struct sched;     /* daemon/sched.h: when each feed is due; drives fetches */
struct fetcher;   /* daemon/fetch.h: libcurl multi on the loop */
struct api;       /* daemon/api.h: the socket API */
struct hooks;     /* daemon/hooks.h: exec hooks */
struct reader_api;  /* daemon/reader.h: the reader API */
struct storeq;    /* daemon/storeq.h: the store thread (started before the modules) */
struct run_opts;  /* daemon/run.h: the command line */

/* Daemon-wide counters served by /v1/status. */
struct feedd_totals {
	int64_t fetches, ok200, not_modified, errors_net, errors_http, errors_parse;
	int64_t bytes_wire, bytes_decoded, items_new, items_updated;
	int64_t truncated;          /* 2xx bodies cut short: an error, items kept */
	/* Fetches whose document hit each cap: DOC_CAP_* bit i, then max_size. */
	int64_t caps[DOC_CAP__COUNT + 1];
	int64_t commits_refused;          /* fetches the store would not commit */
	int64_t commit_refused_at;        /* epoch seconds of the last one, 0 = never */
	char commit_error[256];           /* why the last one was refused */
};

struct feedd {
	uv_loop_t *loop;
	struct config *conf;        /* the running config; replaced on reload */
	uint64_t conf_gen;          /* bumped each time conf is replaced (reload.c) */
	const char *config_path;
	const struct run_opts *opts;  /* the command line's overrides, for a reload */
	struct store *store;
	struct sched *sched;
	struct fetcher *fetcher;
	struct api *api;
	struct reader_api *reader;  /* the reader API (daemon/reader.h); NULL when off */
	struct hooks *hooks;
	struct storeq *storeq;      /* the store thread: every module's store work */
	int64_t started;            /* epoch seconds */
	struct feedd_totals totals;
	bool stopping;
	bool reloading;             /* feedd_reload_start's reload under way (reload.c) */
	bool reload_again;          /* SIGHUP during a reload: another after it */
	bool waking;                /* feedd_wake's read of the newest ids under way */
	bool wake_again;            /* and another wake asked for meanwhile */
};

/* A reload's outcome, on the loop: 0, or a negative errno with the running
 * set kept (the store could not take the new feed set; -ECANCELED: the
 * daemon is stopping). */
typedef void (*feedd_reload_fn)(struct feedd *d, int rc, void *ud);
/* Re-reads the config file (SIGHUP, POST /v1/reload) without waiting on
 * the store on the loop. The file is read and checked here: a bad file is
 * rejected whole, a negative errno (-EINVAL with *errs) and DONE is not
 * called; -EBUSY while another reload is under way. 0: the new feed set is
 * recorded on the store thread, the scheduler then starts no new fetch
 * until the store thread has nothing left on its way, switches to the new
 * set, and DONE runs. */
int feedd_reload_start(struct feedd *d, struct config_errors *errs, feedd_reload_fn done,
		       void *ud);

/* A reload that renames feed FROM to TO, which the config file says
 * already (no section FROM, a section TO with FROM's URL): the store's
 * feed is renamed (its items, ids, state, events, consumers' positions and
 * pending hook deliveries kept) and the new feed set recorded in one step
 * on the store thread, and the scheduler carries the feed over under its
 * new name, not fetched again before it is due. As feedd_reload_start,
 * and -ENOENT: no feed FROM running; -EEXIST: a feed TO running already;
 * -ESRCH: the file does not rename FROM to TO. DONE's -EEXIST: the store
 * has a feed TO (a removed one). */
int feedd_rename_start(struct feedd *d, const char *from, const char *to,
		       struct config_errors *errs, feedd_reload_fn done, void *ud);

/* A fetched document was committed: wake long-polls and hooks. */
void feedd_news(struct feedd *d, const struct store_news *news);

/* Events were recorded outside a fetch (reload, a hook given up), or
 * another instance on a shared store committed news: wake the long-polls.
 * The newest ids are read on the store thread, never on the loop; wakes
 * asked for while one read is under way take one more read after it. */
void feedd_wake(struct feedd *d);

#endif
