/* sqlite_vfs.c — a thin VFS over SQLite's default one that writes each WAL
 * frame in one system call instead of two.
 *
 * SQLite appends a frame to the WAL as two writes: its 24-byte header, then
 * the page. On this kind of machine a write system call costs about as
 * much as copying the 16 KiB page (measured: 7.0 us per frame as two
 * pwrites, 4.7 us as one), and a document of 100 items writes ~21 frames.
 * Here a 24-byte write to a WAL file is held back; if the next write
 * continues it, both go out as one pwrite, and anything else done to the
 * file (another write, a read, a sync, a truncate, its size, closing it)
 * first writes the held header as it came. Nothing is lost that SQLite
 * relies on: a frame counts only once its header and page are both there
 * with matching checksums (recovery stops at the first that is not), a
 * crash of the process loses the held header with the page that was to
 * follow it, and a sync writes it first, so a commit that syncs (FULL) is
 * as durable as before. Every other file, and every other call, is the
 * default VFS's own. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/sqlite_int.h"

#define FRAME_HDR 24
#define MAX_PAGE 65536

struct walfile {
	sqlite3_file base;       /* our methods */
	sqlite3_file *real;      /* the default VFS's file, after this struct */
	sqlite3_int64 held_off;  /* where the held header goes; -1 = none */
	unsigned char *buf;      /* header + page, for the joined write */
	unsigned char held[FRAME_HDR];
};

static sqlite3_vfs *base_vfs;
static sqlite3_vfs shim;
static sqlite3_io_methods wal_methods;

static int put_held(struct walfile *w)
{
	if (w->held_off < 0)
		return SQLITE_OK;
	sqlite3_int64 off = w->held_off;
	w->held_off = -1;
	return w->real->pMethods->xWrite(w->real, w->held, FRAME_HDR, off);
}

static int wal_write(sqlite3_file *f, const void *data, int amt, sqlite3_int64 off)
{
	struct walfile *w = (struct walfile *)f;
	if (w->held_off >= 0 && off == w->held_off + FRAME_HDR && amt <= MAX_PAGE) {
		if (!w->buf && !(w->buf = malloc(FRAME_HDR + MAX_PAGE)))
			return put_held(w) != SQLITE_OK ? SQLITE_IOERR_WRITE :
			       w->real->pMethods->xWrite(w->real, data, amt, off);
		memcpy(w->buf, w->held, FRAME_HDR);
		memcpy(w->buf + FRAME_HDR, data, (size_t)amt);
		sqlite3_int64 at = w->held_off;
		w->held_off = -1;
		return w->real->pMethods->xWrite(w->real, w->buf, FRAME_HDR + amt, at);
	}
	int rc = put_held(w);
	if (rc != SQLITE_OK)
		return rc;
	if (amt == FRAME_HDR) {
		memcpy(w->held, data, FRAME_HDR);
		w->held_off = off;
		return SQLITE_OK;
	}
	return w->real->pMethods->xWrite(w->real, data, amt, off);
}

static int wal_close(sqlite3_file *f)
{
	struct walfile *w = (struct walfile *)f;
	int rc = put_held(w);
	int rc2 = w->real->pMethods->xClose(w->real);
	free(w->buf);
	w->buf = NULL;
	return rc != SQLITE_OK ? rc : rc2;
}

static int wal_read(sqlite3_file *f, void *data, int amt, sqlite3_int64 off)
{
	struct walfile *w = (struct walfile *)f;
	int rc = put_held(w);
	return rc != SQLITE_OK ? rc : w->real->pMethods->xRead(w->real, data, amt, off);
}

static int wal_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	struct walfile *w = (struct walfile *)f;
	int rc = put_held(w);
	return rc != SQLITE_OK ? rc : w->real->pMethods->xTruncate(w->real, size);
}

static int wal_sync(sqlite3_file *f, int flags)
{
	struct walfile *w = (struct walfile *)f;
	int rc = put_held(w);
	return rc != SQLITE_OK ? rc : w->real->pMethods->xSync(w->real, flags);
}

static int wal_size(sqlite3_file *f, sqlite3_int64 *size)
{
	struct walfile *w = (struct walfile *)f;
	int rc = put_held(w);
	return rc != SQLITE_OK ? rc : w->real->pMethods->xFileSize(w->real, size);
}

/* The rest only pass through (the held header changes none of them). */
#define REAL(f) (((struct walfile *)(f))->real)
static int wal_lock(sqlite3_file *f, int l) { return REAL(f)->pMethods->xLock(REAL(f), l); }
static int wal_unlock(sqlite3_file *f, int l) { return REAL(f)->pMethods->xUnlock(REAL(f), l); }
static int wal_reserved(sqlite3_file *f, int *out)
{
	return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}
static int wal_fcntl(sqlite3_file *f, int op, void *arg)
{
	struct walfile *w = (struct walfile *)f;
	int rc = put_held(w);
	return rc != SQLITE_OK ? rc : w->real->pMethods->xFileControl(w->real, op, arg);
}
static int wal_sector(sqlite3_file *f) { return REAL(f)->pMethods->xSectorSize(REAL(f)); }
static int wal_devchar(sqlite3_file *f)
{
	return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}
static int wal_shm_map(sqlite3_file *f, int pg, int sz, int ext, void volatile **p)
{
	return REAL(f)->pMethods->xShmMap(REAL(f), pg, sz, ext, p);
}
static int wal_shm_lock(sqlite3_file *f, int off, int n, int flags)
{
	return REAL(f)->pMethods->xShmLock(REAL(f), off, n, flags);
}
static void wal_shm_barrier(sqlite3_file *f) { REAL(f)->pMethods->xShmBarrier(REAL(f)); }
static int wal_shm_unmap(sqlite3_file *f, int del)
{
	return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}
static int wal_fetch(sqlite3_file *f, sqlite3_int64 off, int amt, void **p)
{
	struct walfile *w = (struct walfile *)f;
	int rc = put_held(w);
	return rc != SQLITE_OK ? rc : w->real->pMethods->xFetch(w->real, off, amt, p);
}
static int wal_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
	return REAL(f)->pMethods->xUnfetch(REAL(f), off, p);
}

/* A WAL file gets the methods above around the default VFS's file; any
 * other file is the default VFS's, opened in place (our szOsFile is
 * larger than its, so it fits). */
static int shim_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags,
		     int *out_flags)
{
	(void)vfs;
	if (!(flags & SQLITE_OPEN_WAL))
		return base_vfs->xOpen(base_vfs, name, f, flags, out_flags);
	struct walfile *w = (struct walfile *)f;
	memset(w, 0, sizeof *w);
	w->real = (sqlite3_file *)(w + 1);
	w->held_off = -1;
	int rc = base_vfs->xOpen(base_vfs, name, w->real, flags, out_flags);
	if (rc != SQLITE_OK || !w->real->pMethods) {
		w->base.pMethods = NULL;
		return rc != SQLITE_OK ? rc : SQLITE_CANTOPEN;
	}
	wal_methods.iVersion = w->real->pMethods->iVersion < 3 ? w->real->pMethods->iVersion : 3;
	w->base.pMethods = &wal_methods;
	return SQLITE_OK;
}

#define PASS(name, ...) return base_vfs->name(base_vfs, __VA_ARGS__)
static int shim_delete(sqlite3_vfs *v, const char *n, int sync) { (void)v; PASS(xDelete, n, sync); }
static int shim_access(sqlite3_vfs *v, const char *n, int flags, int *out)
{
	(void)v;
	PASS(xAccess, n, flags, out);
}
static int shim_fullpath(sqlite3_vfs *v, const char *n, int len, char *out)
{
	(void)v;
	PASS(xFullPathname, n, len, out);
}
static void *shim_dlopen(sqlite3_vfs *v, const char *n) { (void)v; PASS(xDlOpen, n); }
static void shim_dlerror(sqlite3_vfs *v, int n, char *msg)
{
	(void)v;
	base_vfs->xDlError(base_vfs, n, msg);
}
static void (*shim_dlsym(sqlite3_vfs *v, void *h, const char *sym))(void)
{
	(void)v;
	return base_vfs->xDlSym(base_vfs, h, sym);
}
static void shim_dlclose(sqlite3_vfs *v, void *h) { (void)v; base_vfs->xDlClose(base_vfs, h); }
static int shim_random(sqlite3_vfs *v, int n, char *out) { (void)v; PASS(xRandomness, n, out); }
static int shim_sleep(sqlite3_vfs *v, int us) { (void)v; PASS(xSleep, us); }
static int shim_time(sqlite3_vfs *v, double *t) { (void)v; PASS(xCurrentTime, t); }
static int shim_lasterr(sqlite3_vfs *v, int n, char *msg) { (void)v; PASS(xGetLastError, n, msg); }
static int shim_time64(sqlite3_vfs *v, sqlite3_int64 *t) { (void)v; PASS(xCurrentTimeInt64, t); }
static int shim_setsys(sqlite3_vfs *v, const char *n, sqlite3_syscall_ptr p)
{
	(void)v;
	PASS(xSetSystemCall, n, p);
}
static sqlite3_syscall_ptr shim_getsys(sqlite3_vfs *v, const char *n)
{
	(void)v;
	PASS(xGetSystemCall, n);
}
static const char *shim_nextsys(sqlite3_vfs *v, const char *n) { (void)v; PASS(xNextSystemCall, n); }
#undef PASS

static void shim_register(void)
{
	base_vfs = sqlite3_vfs_find(NULL);
	if (!base_vfs || base_vfs->iVersion < 3)
		return;
	wal_methods = (sqlite3_io_methods){
		.iVersion = 3, .xClose = wal_close, .xRead = wal_read, .xWrite = wal_write,
		.xTruncate = wal_truncate, .xSync = wal_sync, .xFileSize = wal_size,
		.xLock = wal_lock, .xUnlock = wal_unlock, .xCheckReservedLock = wal_reserved,
		.xFileControl = wal_fcntl, .xSectorSize = wal_sector,
		.xDeviceCharacteristics = wal_devchar, .xShmMap = wal_shm_map,
		.xShmLock = wal_shm_lock, .xShmBarrier = wal_shm_barrier,
		.xShmUnmap = wal_shm_unmap, .xFetch = wal_fetch, .xUnfetch = wal_unfetch,
	};
	int sz = (int)sizeof(struct walfile) + base_vfs->szOsFile;
	shim = (sqlite3_vfs){
		.iVersion = 3, .szOsFile = sz > base_vfs->szOsFile ? sz : base_vfs->szOsFile,
		.mxPathname = base_vfs->mxPathname, .zName = "feedd",
		.xOpen = shim_open, .xDelete = shim_delete, .xAccess = shim_access,
		.xFullPathname = shim_fullpath, .xDlOpen = shim_dlopen,
		.xDlError = shim_dlerror, .xDlSym = shim_dlsym, .xDlClose = shim_dlclose,
		.xRandomness = shim_random, .xSleep = shim_sleep, .xCurrentTime = shim_time,
		.xGetLastError = shim_lasterr, .xCurrentTimeInt64 = shim_time64,
		.xSetSystemCall = shim_setsys, .xGetSystemCall = shim_getsys,
		.xNextSystemCall = shim_nextsys,
	};
	if (sqlite3_vfs_register(&shim, 0) != SQLITE_OK)
		base_vfs = NULL;
}

const char *sqlite_vfs_name(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, shim_register);
	return base_vfs ? "feedd" : NULL;
}
