/* manage.h — the backends' entries for the store's edits a person asks
 * for through the API (internal to store/; store.h says what they do):
 * sqlite_manage.c and pg_manage.c. */
#ifndef FEEDD_STORE_MANAGE_H
#define FEEDD_STORE_MANAGE_H

int sqlite_op_consumer_delete(void *b, const char *name);

#ifdef FEEDD_HAVE_PG
int pg_op_consumer_delete(void *b, const char *name);
#endif

#endif
