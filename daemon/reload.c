/* reload.c — the config re-read at run time (SIGHUP, POST /v1/reload) and
 * a feed's rename (POST /v1/feeds/NAME/rename): the file read and checked
 * on the loop, the new feed set recorded on the store thread, the
 * scheduler paused until nothing is on its way there, then switched.
 *
 * A reload job owns the new config, and the reader API's credentials
 * read again (daemon/reader.h), until the switch (then they are the
 * running ones, and the old ones are freed) or the failure (freed); one
 * reload at a time (d->reloading), a SIGHUP meanwhile runs another after
 * it. */
#include "daemon/reload.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "daemon/notify.h"
#include "daemon/reader.h"
#include "daemon/run.h"
#include "daemon/sched.h"
#include "daemon/storeq.h"


/* " and 2 drop-ins", or "" when C came from the main file alone. */
const char *reload_dropins_note(const struct config *c, char *buf, size_t len)
{
	if (c->nfiles < 2)
		return "";
	snprintf(buf, len, " and %zu drop-in%s", c->nfiles - 1, c->nfiles == 2 ? "" : "s");
	return buf;
}

static bool str_same(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* Reads and checks the config file for a reload, and the reader API's
 * credentials file it names: *OUT and *AUTH (NULL: none to change), or
 * the errors. */
static int reload_read(struct feedd *d, struct config **out, struct reader_auth **auth,
		       struct config_errors *errs)
{
	struct config *c = NULL;
	*auth = NULL;
	notify_reloading();
	int r = run_load_config(d->opts, &c, errs);
	if (r < 0) {
		/* Logged here for every way in (SIGHUP, POST /v1/reload, which
		 * is systemctl reload): the journal names each error. */
		run_log_config_errors(errs, LOG_LVL_ERR);
		log_err("reload: %s rejected, the running set is unchanged", d->config_path);
		notify_ready();
		return r;
	}
	if (strcmp(c->daemon.socket, d->conf->daemon.socket) != 0 ||
	    strcmp(c->daemon.state_dir, d->conf->daemon.state_dir) != 0)
		log_warn("reload: socket and state_dir changes take effect at the next start");
	if (!str_same(c->daemon.reader_listen, d->conf->daemon.reader_listen))
		log_warn("reload: reader_listen changes take effect at the next start");
	/* A user removed or a password changed ends their access now: a
	 * file that cannot be read refuses the reload, as a bad config. */
	char why[512] = "reader_auth: cannot be read";
	r = reader_reload_read(d->reader, c, auth, why, sizeof why);
	if (r < 0) {
		conf_add_error(errs, "%s", why);
		log_err("reload: %s rejected, the running set is unchanged", d->config_path);
		config_free(c);
		notify_ready();
		return r == -ENOMEM ? r : -EINVAL;
	}
	*out = c;
	return 0;
}

/* The store took C's feed set (or R < 0 did not): C replaces the running
 * config, and AUTH the reader API's credentials (both taken over either
 * way). */
static int reload_finish(struct feedd *d, struct config *c, struct reader_auth *auth, int r)
{
	if (r < 0) {
		if (r != -ECANCELED)
			log_err("reload: the store could not take the new feed set;"
				" the running set is unchanged");
		reader_reload_apply(NULL, auth);
		config_free(c);
		if (r != -ECANCELED)
			notify_ready();
		return r;
	}
	size_t before = d->conf->nfeeds;
	struct config *old = d->conf;
	run_apply_log_level(d->opts, old, c);
	d->conf = c;
	d->conf_gen++;
	reader_reload_apply(d->reader, auth);
	if (d->sched)
		sched_reload(d->sched, c);
	config_free(old);
	/* feed.added / feed.removed were just recorded: wake /v1/events waits. */
	feedd_wake(d);
	char also[64];
	log_notice("reload: %s%s: %zu feed%s (was %zu)", d->config_path,
		   reload_dropins_note(c, also, sizeof also), c->nfeeds,
		   c->nfeeds == 1 ? "" : "s", before);
	notify_ready();
	return 0;
}

/* A reload on its way: its new config until the switch. */
struct reload_job {
	struct storeq_job sq;
	struct feedd *d;
	struct config *c;
	struct reader_auth *auth;
	int rc;
	feedd_reload_fn done;
	void *ud;
	char *from, *to;         /* a rename's: feed FROM is now TO */
};

static void reload_end(struct reload_job *j, int rc)
{
	struct feedd *d = j->d;
	d->reloading = false;
	j->done(d, reload_finish(d, j->c, j->auth, rc), j->ud);
	free(j->from);
	free(j->to);
	free(j);
	if (d->reload_again && !d->stopping) {
		/* A SIGHUP came meanwhile: the file may have changed since. */
		d->reload_again = false;
		reload_sighup(d);
	}
}

/* The reload of C and AUTH (taken) under way, renaming FROM to TO when
 * not NULL; NULL when out of memory (C and AUTH freed, the reload over). */
static struct reload_job *reload_job_new(struct feedd *d, struct config *c,
					 struct reader_auth *auth, const char *from,
					 const char *to, feedd_reload_fn done, void *ud)
{
	struct reload_job *j = calloc(1, sizeof *j);
	if (j && from) {
		j->from = strdup(from);
		j->to = strdup(to);
	}
	if (!j || (from && (!j->from || !j->to))) {
		if (j) {
			free(j->from);
			free(j->to);
		}
		free(j);
		config_free(c);
		reader_reload_apply(NULL, auth);
		notify_ready();
		return NULL;
	}
	j->d = d;
	j->c = c;
	j->auth = auth;
	j->done = done;
	j->ud = ud;
	d->reloading = true;
	return j;
}

/* Store thread: the new feed set recorded (feed.added, feed.removed). */
static void reload_work(struct store *s, void *arg)
{
	struct reload_job *j = arg;
	j->rc = store_feeds_sync(s, j->c);
}

/* Nothing is on its way to the store thread any more (no claim, commit or
 * state read of a feed that may go now): the scheduler switches. */
static void reload_idle(void *arg)
{
	struct reload_job *j = arg;
	if (j->d->sched)
		sched_pause(j->d->sched, false);
	reload_end(j, j->d->stopping ? -ECANCELED : 0);
}

static void reload_done(void *arg)
{
	struct reload_job *j = arg;
	struct feedd *d = j->d;
	if (j->rc < 0 || d->stopping) {
		reload_end(j, j->rc < 0 ? j->rc : -ECANCELED);
		return;
	}
	/* Fetches under way go on and commit; no new one starts. */
	if (d->sched)
		sched_pause(d->sched, true);
	storeq_when_idle(d->storeq, reload_idle, j);
}

int feedd_reload_start(struct feedd *d, struct config_errors *errs, feedd_reload_fn done,
		       void *ud)
{
	if (d->reloading)
		return -EBUSY;
	struct config *c = NULL;
	struct reader_auth *auth = NULL;
	int r = reload_read(d, &c, &auth, errs);
	if (r < 0)
		return r;
	struct reload_job *j = reload_job_new(d, c, auth, NULL, NULL, done, ud);
	if (!j)
		return -ENOMEM;
	storeq_submit(d->storeq, &j->sq, reload_work, reload_done, j);
	return 0;
}

/* Store thread: the feed renamed and the new feed set recorded, which
 * then holds the renamed feed under its new name (nothing added or
 * removed for it), in one transaction: a failed sync cannot leave the
 * rename behind it. */
static void rename_work(struct store *s, void *arg)
{
	struct reload_job *j = arg;
	j->rc = store_feeds_sync_rename(s, j->c, j->from, j->to);
	if (j->rc == 0)
		log_notice("feed %s renamed %s: its items, history and consumers' positions kept",
			   j->from, j->to);
}

static void rename_done(void *arg)
{
	struct reload_job *j = arg;
	struct feedd *d = j->d;
	if (j->rc < 0) {
		/* Not renamed: the scheduler's feed takes its old name back. */
		if (d->sched) {
			sched_rename(d->sched, j->to, j->from);
			sched_pause(d->sched, false);
		}
		reload_end(j, j->rc);
		return;
	}
	reload_done(j);
}

int feedd_rename_start(struct feedd *d, const char *from, const char *to,
		       struct config_errors *errs, feedd_reload_fn done, void *ud)
{
	if (d->reloading)
		return -EBUSY;
	const struct feed_conf *was = config_find_feed(d->conf, from);
	if (!was)
		return -ENOENT;
	if (config_find_feed(d->conf, to))
		return -EEXIST;
	struct config *c = NULL;
	struct reader_auth *auth = NULL;
	int r = reload_read(d, &c, &auth, errs);
	if (r < 0)
		return r;
	/* The file must already say so: feedctl rename edits it first (the
	 * daemon may not write its own config). */
	const struct feed_conf *now = config_find_feed(c, to);
	if (config_find_feed(c, from) || !now || strcmp(now->url, was->url) != 0) {
		config_free(c);
		reader_reload_apply(NULL, auth);
		notify_ready();
		return -ESRCH;
	}
	struct reload_job *j = reload_job_new(d, c, auth, from, to, done, ud);
	if (!j)
		return -ENOMEM;
	/* No fetch starts meanwhile; one under way commits under the new
	 * name, after the store's rename (the store thread runs jobs in
	 * order): none under the old name once the row is renamed. */
	if (d->sched) {
		sched_pause(d->sched, true);
		sched_flush(d->sched);   /* the counters kept in memory, under FROM */
		sched_rename(d->sched, from, to);
	}
	storeq_submit(d->storeq, &j->sq, rename_work, rename_done, j);
	return 0;
}

static void on_sighup_reloaded(struct feedd *d, int rc, void *ud)
{
	(void)d;
	(void)rc;
	(void)ud;
}

void reload_sighup(struct feedd *d)
{
	struct config_errors errs = {0};
	log_notice("SIGHUP: reloading %s", d->config_path);
	int r = feedd_reload_start(d, &errs, on_sighup_reloaded, NULL);
	if (r == -EBUSY) {
		log_info("SIGHUP: a reload is under way; reloading again after it");
		d->reload_again = true;
	}
	config_errors_free(&errs);
}
