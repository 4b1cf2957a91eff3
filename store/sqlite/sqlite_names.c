/* sqlite_names.c — a SQLite reader's feed names by feed id, for the item
 * rows it reads without the join (sqlite_query.c).
 *
 * An item row names its feed. A reader reads the rows without joining
 * the feeds table (one b-tree seek and one more text column a row, about
 * a tenth of a page's CPU: bench/api_compare.sh) and takes the name from
 * its cache, filled by a lookup at each id's first use. The cache holds
 * for one data version of the file: any commit since, by any connection
 * (a rename, a removal, a new feed), empties it at the next query, so a
 * name is never older than the rows it is printed with. Readers never
 * write, so no change comes from the connection itself unseen.
 *
 * Ownership: the names are heap copies in struct sqlite_store's names,
 * lent to the rows until the cache is emptied; sqlite_store_close and
 * sqlite_store_release_memory free them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/sqlite_int.h"

/* Feeds with an id past this are looked up every time (SPILL). */
#define NAMES_MAX (1u << 20)

/* Empties the cache; its slots stay for the next fill. */
static void names_clear(struct sqlite_store *s)
{
	for (uint32_t i = 0; i < s->names.n; i++) {
		free(s->names.name[i]);
		s->names.name[i] = NULL;
	}
	free(s->names.spill);
	s->names.spill = NULL;
	s->names.valid = false;
}

void sqlite_names_free(struct sqlite_store *s)
{
	names_clear(s);
	free(s->names.name);
	s->names.name = NULL;
	s->names.n = 0;
}

/* Called with the query's read transaction open: the cache emptied if the
 * file changed since it was filled. */
void sqlite_names_check(struct sqlite_store *s)
{
	unsigned version = 0;
	if (sqlite3_file_control(s->db, "main", SQLITE_FCNTL_DATA_VERSION, &version) != SQLITE_OK) {
		names_clear(s);
		return;
	}
	if (!s->names.valid || s->names.version != version) {
		names_clear(s);
		s->names.version = version;
		s->names.valid = true;
	}
}

/* Feed ID's name, lent until the cache is emptied; in *NAME (NULL for no
 * such feed). 0 or a negative errno. */
int sqlite_names_get(struct sqlite_store *s, int64_t id, const char **name)
{
	char **slot = &s->names.spill;
	if (id > 0 && id < NAMES_MAX) {
		if ((uint64_t)id < s->names.n && s->names.name[id]) {
			*name = s->names.name[id];
			return 0;
		}
		if ((uint64_t)id >= s->names.n) {
			uint32_t n = s->names.n ? s->names.n : 256;
			while (n <= (uint64_t)id)
				n *= 2;
			char **a = realloc(s->names.name, n * sizeof *a);
			if (!a)
				return -ENOMEM;
			memset(a + s->names.n, 0, (n - s->names.n) * sizeof *a);
			s->names.name = a;
			s->names.n = n;
		}
		slot = &s->names.name[id];
	}
	sqlite3_stmt *st = store_stmt(s, ST_FEED_NAME);
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	char *copy = NULL;
	if (rc == SQLITE_ROW && !(copy = store_col_dup(st, 0)) &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		rc = SQLITE_NOMEM;
	store_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, rc, "feed name");
	free(*slot);
	*slot = copy;
	*name = copy;
	return 0;
}

