/* reader_gr_subs.c — the Google Reader API's subscription edits
 * (subscription/quickadd, subscription/edit ac=subscribe|unsubscribe|edit), on
 * the loop once the store thread has let the request in: through
 * core/conf_edit.c, the one validated writer of feeds.conf, then a reload.
 *
 * Which file: a feed an app subscribes to goes into the drop-in
 * FEEDS.CONF.d/reader.conf (made when missing); an unsubscribed feed is
 * taken out of whichever file holds it, and an edited one (ac=edit: t= its
 * title, a=/r= user/-/label/X its tags) changed there (conf_edit_set).
 * Under systemd the config is
 * read-only (ProtectSystem=strict): the write fails and the app is told
 * so, naming the file, unless the unit gives feedd ReadWritePaths= for
 * the drop-in folder (docs/reader-api.md). No other way to write the
 * config exists: a changed file is read back by conf_edit_finish, field by
 * field, before it is written, and the daemon then reloads it as SIGHUP
 * would; a reload that refuses it puts the old text back. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/conf_edit.h"
#include "core/config.h"
#include "core/log.h"
#include "core/paths.h"
#include "daemon/api_send.h"
#include "daemon/feedd.h"
#include "daemon/reader_gr_int.h"

#define DROPIN_NAME "reader.conf"
#define DROPIN_HEADER \
	"# reader.conf — the feeds a reader app subscribed to through feedd's\n" \
	"# Google Reader API (docs/reader-api.md); [feed NAME] sections only,\n" \
	"# read after feeds.conf. Edit it by hand too; then `feedctl reload`.\n"

/* One edit under way: the job's, until the reload has answered. */
struct subs {
	char *path;                 /* the file written */
	char *old;                  /* its text before (NULL: it was made) */
	size_t oldlen;
	char *name, *url;           /* the feed subscribed or unsubscribed */
	int lock;                   /* conf_lock's, until the edit is answered */
};

static void send_text(struct http_conn *c, int code, const char *msg)
{
	char body[1400];
	int n = snprintf(body, sizeof body, "%s\n", msg);
	http_reply(c, code, "text/plain; charset=utf-8", NULL, body,
		   (size_t)n < sizeof body ? (size_t)n : sizeof body - 1);
}

static void subs_free(struct subs *s)
{
	if (!s)
		return;
	free(s->path);
	free(s->old);
	free(s->name);
	free(s->url);
	conf_unlock(s->lock);
	free(s);
}

static void finish(struct gr_job *j, struct subs *s, int code, const char *msg)
{
	struct http_conn *c = j->conn;
	if (c) {
		http_conn_set_ctx(c, NULL);
		if (code == 200 && j->route == GR_QUICKADD && s) {
			char sid[1100];
			snprintf(sid, sizeof sid, "feed/%s", s->url);
			api_send_json(c, 200, NULL, json_pack("{s:i,s:s,s:s,s:s}", "numResults", 1,
				"query", s->url, "streamId", sid, "streamName", s->name));
		} else if (code == 200) {
			/* Exactly "OK": apps compare the body with it. */
			http_reply(c, 200, "text/plain; charset=utf-8", NULL, "OK", 2);
		} else {
			send_text(c, code, msg);
		}
	}
	subs_free(s);
	gr_job_free(j);
}

/* The file as it was: the reload refused it. */
static void undo(struct subs *s)
{
	if (s->old)
		conf_write_atomic(s->path, s->old, s->oldlen);
	else
		unlink(s->path);
}

static void on_reloaded(struct feedd *d, int rc, void *ud)
{
	(void)d;
	struct gr_job *j = ud;
	struct subs *s = j->subs;
	j->subs = NULL;
	if (rc < 0) {
		undo(s);
		finish(j, s, 500, "the daemon could not take the new feed set; nothing changed");
		return;
	}
	finish(j, s, 200, "OK");
}

/* SRC's index of PATH, or -1. */
static int find_source(const struct config_source *src, size_t n, const char *path)
{
	for (size_t i = 0; i < n; i++)
		if (src[i].name && !strcmp(src[i].name, path))
			return (int)i;
	return -1;
}

/* Adds the drop-in PATH (not there yet) to SRC in reading order, with its
 * first text; its index, or -1. */
static int add_dropin(struct config_source **src, size_t *n, const char *path)
{
	struct config_source *s = realloc(*src, (*n + 1) * sizeof *s);
	if (!s)
		return -1;
	*src = s;
	size_t at = *n;
	for (size_t i = 1; i < *n; i++)
		if (strcmp(s[i].name, path) > 0) {
			at = i;
			break;
		}
	memmove(&s[at + 1], &s[at], (*n - at) * sizeof *s);
	(*n)++;
	s[at].name = strdup(path);
	s[at].text = strdup(DROPIN_HEADER);
	s[at].len = strlen(DROPIN_HEADER);
	return s[at].name && s[at].text ? (int)at : -1;
}

static const char *edit_error(const struct conf_edit_error *e, char *buf, size_t size)
{
	snprintf(buf, size, "refused: %s %s: %s", conf_field_name(e->field), e->value, e->msg);
	return buf;
}

/* Whether TAGS (NULL-terminated) holds T. */
static bool has(const char *const *tags, size_t n, const char *t)
{
	for (size_t i = 0; i < n; i++)
		if (!strcasecmp(tags[i], t))
			return true;
	return false;
}

/* ac=edit: NAME's title (t=) and tags (its old ones less r=, plus a=) set
 * in ED. NULL, or why not. */
static const char *set_keys(struct gr_job *j, struct conf_edit *ed, const char *name,
			    char *msg, size_t msize)
{
	const struct config *c = conf_edit_config(ed);
	const struct feed_conf *f = NULL;
	for (size_t i = 0; i < c->nfeeds && !f; i++)
		if (!strcmp(c->feeds[i].name, name))
			f = &c->feeds[i];
	if (!f)
		return "no subscription to that feed";
	for (size_t i = 0; i < j->p.nadd; i++)
		if (j->p.add[i].kind != GRS_LABEL)
			return "a: expected user/-/label/NAME";
	for (size_t i = 0; i < j->p.nrem; i++)
		if (j->p.rem[i].kind != GRS_LABEL)
			return "r: expected user/-/label/NAME";
	if (!j->p.title && !j->p.nadd && !j->p.nrem)
		return "ac=edit: expected t=, a= or r=";
	size_t nold = 0;
	while (f->tags && f->tags[nold])
		nold++;
	const char **tags = calloc(nold + GR_MAX_TAGS + 1, sizeof *tags);
	if (!tags)
		return "out of memory";
	size_t nt = 0;
	for (size_t i = 0; i < nold; i++) {
		bool gone = false;
		for (size_t k = 0; k < j->p.nrem; k++)
			gone = gone || !strcasecmp(f->tags[i], j->p.rem[k].arg);
		if (!gone)
			tags[nt++] = f->tags[i];
	}
	for (size_t i = 0; i < j->p.nadd; i++)
		if (!has(tags, nt, j->p.add[i].arg))
			tags[nt++] = j->p.add[i].arg;
	struct conf_edit_error e;
	const char *err = NULL;
	if (conf_edit_set(ed, name, j->p.nadd || j->p.nrem ? tags : NULL, j->p.title, &e) < 0)
		err = edit_error(&e, msg, msize);
	free(tags);
	return err;
}

/* The edit: on success the new text of SRC[*TARGET] in *TEXT. */
static const char *plan(struct gr_job *j, struct subs *s, struct config_source **src,
			size_t *n, int *target, char **text, char *msg, size_t msize)
{
	struct conf_edit_error e;
	bool subscribe = j->route == GR_QUICKADD || !strcmp(j->p.ac, "subscribe");
	bool edit = !subscribe && !strcmp(j->p.ac, "edit");
	const char *given = j->route == GR_QUICKADD ? j->p.quickadd
			    : j->p.s.kind == GRS_FEED ? j->p.s.arg : NULL;
	if (given && !strncmp(given, "feed/", 5))
		given += 5;
	if (!given || !*given)
		return j->route == GR_QUICKADD ? "quickadd: expected a feed URL"
					       : "s: expected feed/URL";
	if (conf_edit_url(given, &s->url, &e) < 0)
		return edit_error(&e, msg, msize);
	struct conf_edit *ed = conf_edit_begin_files(*src, *n, (size_t)*target, &e);
	if (!ed)
		return edit_error(&e, msg, msize);
	const char *err = NULL;
	const char *have = conf_edit_feed_by_url(ed, s->url);
	if (subscribe && have) {
		/* Subscribed already: nothing to write. */
		s->name = strdup(have);
		conf_edit_free(ed);
		return NULL;
	}
	if (!subscribe) {
		if (!have && j->feed_name && conf_edit_file_of(ed, j->feed_name))
			have = j->feed_name;    /* named by its URL of now (after a redirect) */
		if (!have) {
			conf_edit_free(ed);
			return "no subscription to that feed";
		}
		/* HAVE is the edit's: the name is kept, the edit may be begun anew. */
		if (!(s->name = strdup(have))) {
			conf_edit_free(ed);
			return "out of memory";
		}
		int at = find_source(*src, *n, conf_edit_file_of(ed, s->name));
		if (at < 0) {
			conf_edit_free(ed);
			return "the feed's file is not among the config's";
		}
		if (at != *target) {
			conf_edit_free(ed);
			*target = at;
			if (!(ed = conf_edit_begin_files(*src, *n, (size_t)at, &e)))
				return edit_error(&e, msg, msize);
		}
		if (edit)
			err = set_keys(j, ed, s->name, msg, msize);
		else if (conf_edit_drop(ed, s->name, &e) < 0)
			err = edit_error(&e, msg, msize);
	} else {
		const char *tags[GR_MAX_TAGS + 1];
		size_t nt = 0;
		for (size_t i = 0; i < j->p.nadd; i++)
			if (j->p.add[i].kind == GRS_LABEL)
				tags[nt++] = j->p.add[i].arg;
		tags[nt] = NULL;
		s->name = conf_edit_name_for(ed, j->p.title, s->url);
		struct conf_new_feed f = {.name = s->name, .url = s->url, .tags = nt ? tags : NULL,
					  .title = j->p.title};
		if (!s->name)
			err = "no name can be made for that feed";
		else if (conf_edit_add(ed, &f, &e) < 0)
			err = edit_error(&e, msg, msize);
	}
	if (!err && !(*text = conf_edit_finish(ed, NULL, &e)))
		err = edit_error(&e, msg, msize);
	conf_edit_free(ed);
	return err;
}

void gr_subs_start(struct gr_job *j)
{
	struct feedd *d = j->r->d;
	struct subs *s = calloc(1, sizeof *s);
	char msg[1300];
	if (!s) {
		finish(j, NULL, 500, "out of memory");
		return;
	}
	/* Not while feedctl edits the same files: the later write would
	 * drop the other's change. The loop does not wait for it. */
	s->lock = conf_lock(d->config_path, 0);
	if (s->lock < -1) {
		int e = -s->lock;
		s->lock = -1;
		finish(j, s, 409, e == EWOULDBLOCK ? "the config is being edited (feedctl); try again"
			 : "cannot lock the config for an edit");
		return;
	}
	if (j->route == GR_SUB_EDIT && (!j->p.ac || (strcmp(j->p.ac, "subscribe") &&
						      strcmp(j->p.ac, "unsubscribe") &&
						      strcmp(j->p.ac, "edit")))) {
		finish(j, s, 400, "ac: subscribe, unsubscribe or edit");
		return;
	}
	struct config_source *src = NULL;
	size_t n = 0;
	struct config_errors errs = {0};
	if (config_read_sources(d->config_path, 0, &src, &n, &errs) < 0) {
		config_errors_free(&errs);
		finish(j, s, 500, "cannot read the config");
		return;
	}
	char dropin[4096];
	snprintf(dropin, sizeof dropin, "%s" CONFIG_DROPIN_SUFFIX "/" DROPIN_NAME, d->config_path);
	int target = find_source(src, n, dropin);
	bool made = target < 0;
	if (made)
		target = add_dropin(&src, &n, dropin);
	char *text = NULL;
	const char *err = target < 0 ? "out of memory"
		: plan(j, s, &src, &n, &target, &text, msg, sizeof msg);
	if (err || !text) {
		config_sources_free(src, n);
		free(text);
		finish(j, s, err ? 400 : 200, err ? err : "OK");
		return;
	}
	s->path = strdup(src[target].name);
	made = made && !strcmp(s->path, dropin);
	if (!made) {
		s->old = malloc(src[target].len + 1);
		if (s->old) {
			memcpy(s->old, src[target].text, src[target].len + 1);
			s->oldlen = src[target].len;
		}
	}
	config_sources_free(src, n);
	int rc = 0;
	if (made) {
		char dir[4096];
		snprintf(dir, sizeof dir, "%s" CONFIG_DROPIN_SUFFIX, d->config_path);
		rc = paths_mkdirs(dir, 0755);
	}
	if (rc == 0)
		rc = conf_write_atomic(s->path, text, strlen(text));
	free(text);
	if (rc < 0 || (!made && !s->old)) {
		snprintf(msg, sizeof msg, "cannot write %s: %s (under systemd the config is "
			 "read-only unless the unit has ReadWritePaths= for it; docs/reader-api.md)",
			 s->path, strerror(rc < 0 ? -rc : ENOMEM));
		log_warn("reader: subscription edit refused: %s", msg);
		if (rc == 0)
			undo(s);
		finish(j, s, 403, msg);
		return;
	}
	log_notice("reader: %s [feed %s] (%s) in %s through the Google Reader API",
		   j->route == GR_QUICKADD || !strcmp(j->p.ac, "subscribe") ? "subscribed"
		   : !strcmp(j->p.ac, "edit") ? "edited" : "unsubscribed", s->name, s->url, s->path);
	j->subs = s;
	rc = feedd_reload_start(d, &errs, on_reloaded, j);
	if (rc < 0) {
		config_errors_free(&errs);
		j->subs = NULL;
		undo(s);
		finish(j, s, rc == -EBUSY ? 409 : 500, rc == -EBUSY ? "a reload is under way; try again"
			 : "the config did not reload; nothing changed");
		return;
	}
	config_errors_free(&errs);
}
