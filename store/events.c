/* events.c — the events as the API shows them, for every backend:
 * {"seq","type","time","feed",...} with the event's own data, and for an
 * item event its id, title and url (null once the item was pruned). The
 * backend (backend.h, events_rows) has the statement. */
#include <errno.h>

#include "core/item.h"
#include "store/backend.h"

struct collect {
	json_t *arr;
	int64_t *next;
};

static int event_row(const struct store_row *row, void *ud)
{
	struct collect *c = ud;
	int64_t seq = row->num(row, 0);
	json_t *e = json_loads_or(row->text(row, 5), json_object());
	if (!json_is_object(e)) {
		json_decref(e);
		e = json_object();
	}
	json_object_set_new(e, "seq", json_integer(seq));
	json_object_set_new(e, "type", json_string(row->text(row, 1)));
	json_object_set_new(e, "time", store_row_time(row, 2));
	json_object_set_new(e, "feed", json_string_lossy(row->text(row, 3)));
	if (row->num(row, 4)) {
		json_object_set_new(e, "item", json_integer(row->num(row, 4)));
		/* NULL once the item was pruned. */
		json_object_set_new(e, "title", json_string_lossy(row->text(row, 6)));
		json_object_set_new(e, "url", json_string_lossy(row->text(row, 7)));
	}
	json_array_append_new(c->arr, e);
	if (c->next)
		*c->next = seq;
	return 0;
}

int events_json(const struct store_prims *ops, void *b, int64_t after, int limit,
		json_t **events, int64_t *next)
{
	*events = NULL;
	if (next)
		*next = after;
	struct collect c = {json_array(), next};
	if (!c.arr)
		return -ENOMEM;
	int r = ops->events_rows(b, after, limit < 1 ? 1 : limit > 1000 ? 1000 : limit,
				 event_row, &c);
	if (r < 0) {
		json_decref(c.arr);
		return r;
	}
	*events = c.arr;
	return 0;
}
