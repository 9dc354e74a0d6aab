/*
 * The event store's WAL checkpoints in a plain thread of the hub's process: a SQLite loadable extension (loaded into
 * the store's connection by better-sqlite3, so it runs on the same SQLite library and its locks) whose thread opens
 * its own connection to the same file and runs PASSIVE checkpoints when asked. No V8 isolate: a worker thread for the
 * same job costs ~10 MB of resident memory while it lives; this thread costs its stack's touched pages and one
 * connection. SQL functions, called on the store's connection by the loop (none of them waits for the disk):
 *   telecare_checkpoint(mode, drain_ms)  mode 1: one PASSIVE checkpoint; mode 2: PASSIVE ones until the whole WAL is
 *                                        copied or drain_ms has passed. Returns 1 if taken, 0 if one is running.
 *   telecare_checkpoint_result()         NULL while a checkpoint runs (or none was asked for), else its result once:
 *                                        'ok <busy> <log> <checkpointed> <emptied>' or 'error <message>'.
 *   telecare_checkpoint_stop()           ends the thread (waits for a running checkpoint) and closes its connection.
 * And two about the store's own WAL, from SQLite itself (never a second descriptor on SQLite's files: closing one
 * drops every POSIX lock the process holds on that file, SQLite's included):
 *   telecare_wal_frames()                frames in the log after this connection's last commit (sqlite3_wal_hook):
 *                                        what the log holds, whatever the WAL file's size. NULL before the first
 *                                        commit. The first call installs the hook, replacing the one of SQLite's
 *                                        wal_autocheckpoint (turn that off first); a later PRAGMA wal_autocheckpoint
 *                                        replaces it in turn, and the next call says NULL (and installs it again).
 *   telecare_wal_reserve(bytes)          inside a write transaction: the WAL file made at least `bytes` long through
 *                                        SQLite's own descriptor (SQLITE_FCNTL_CHUNK_SIZE then _SIZE_HINT on the
 *                                        file SQLITE_FCNTL_JOURNAL_POINTER gives), so the log's later commits write
 *                                        over blocks the file has. Returns the file's size after.
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT1

typedef struct Checkpointer {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  char *file;
  sqlite3 *conn; /* used by the thread only */
  int started, stopping;
  int mode, drain_ms; /* the request waiting or running; mode 0: none */
  int has_result;
  char result[300];
  pthread_t thread;
  /* The store's connection's log: frames after its last commit, -1 before the first (the committing thread only). */
  int wal_frames;
} Checkpointer;

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void sleep_ms(int ms) {
  struct timespec ts = {0, ms * 1000000L};
  while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
  }
}

/* One request, on the thread: writes its result into `out`. */
static void run_checkpoint(Checkpointer *c, int mode, int drain_ms, char *out, size_t size) {
  if (!c->conn) {
    /* Its own connection; no busy handler: PASSIVE never waits for a lock, and an open that meets one fails. */
    int rc = sqlite3_open_v2(c->file, &c->conn, SQLITE_OPEN_READWRITE, NULL);
    if (rc != SQLITE_OK) {
      snprintf(out, size, "error %s", c->conn ? sqlite3_errmsg(c->conn) : sqlite3_errstr(rc));
      sqlite3_close(c->conn);
      c->conn = NULL;
      return;
    }
    /* The checkpoint copies frames without the page cache: a small one is enough for the schema. */
    sqlite3_exec(c->conn, "PRAGMA cache_size = -256", NULL, NULL, NULL);
  }
  double deadline = now_ms() + drain_ms;
  for (;;) {
    int log = -1, copied = -1;
    int rc = sqlite3_wal_checkpoint_v2(c->conn, "main", SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
      snprintf(out, size, "error %s", sqlite3_errmsg(c->conn));
      return;
    }
    int busy = rc == SQLITE_BUSY;
    int emptied = !busy && log >= 0 && log == copied;
    /* As the worker thread did: emptied is only reported for an emptying (mode 2). */
    if (mode != 2 || emptied || now_ms() >= deadline) {
      snprintf(out, size, "ok %d %d %d %d", busy, log, copied, mode == 2 && emptied);
      return;
    }
    /* A reader of an older snapshot holds the copy back: try again a little later. */
    sleep_ms(2);
  }
}

static void *thread_main(void *arg) {
  Checkpointer *c = arg;
  char out[sizeof c->result];
  /* Its name in /proc/<pid>/task/<tid>/comm and in top: what the bench and the tests look for. */
  pthread_setname_np(pthread_self(), "wal-checkpoint");
  /*
   * Ten nicer than the thread that started it (the alert loop), as hub/thread-priority.ts does for worker threads:
   * on a contended core a checkpoint yields to a pendant press. Linux applies this to the one thread; any user may
   * lower a priority. On failure the thread keeps its priority.
   */
  pid_t tid = (pid_t)syscall(SYS_gettid);
  errno = 0;
  int nice_now = getpriority(PRIO_PROCESS, (id_t)tid);
  if (errno == 0) setpriority(PRIO_PROCESS, (id_t)tid, nice_now + 10 > 19 ? 19 : nice_now + 10);
  pthread_mutex_lock(&c->mu);
  for (;;) {
    while (!c->stopping && (c->mode == 0 || c->has_result)) pthread_cond_wait(&c->cv, &c->mu);
    if (c->stopping) break;
    int mode = c->mode, drain_ms = c->drain_ms;
    pthread_mutex_unlock(&c->mu);
    run_checkpoint(c, mode, drain_ms, out, sizeof out);
    pthread_mutex_lock(&c->mu);
    memcpy(c->result, out, sizeof out);
    c->has_result = 1;
  }
  pthread_mutex_unlock(&c->mu);
  if (c->conn) sqlite3_close(c->conn);
  c->conn = NULL;
  return NULL;
}

static void request(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  Checkpointer *c = sqlite3_user_data(ctx);
  int mode = argc > 0 ? sqlite3_value_int(argv[0]) : 1;
  int drain_ms = argc > 1 ? sqlite3_value_int(argv[1]) : 0;
  if (mode != 1 && mode != 2) {
    sqlite3_result_error(ctx, "telecare_checkpoint: mode is 1 (passive) or 2 (empty)", -1);
    return;
  }
  pthread_mutex_lock(&c->mu);
  int taken = 0;
  if (!c->stopping && c->mode == 0) {
    if (!c->started) {
      if (pthread_create(&c->thread, NULL, thread_main, c) != 0) {
        pthread_mutex_unlock(&c->mu);
        sqlite3_result_error(ctx, "telecare_checkpoint: cannot start its thread", -1);
        return;
      }
      c->started = 1;
    }
    c->mode = mode;
    c->drain_ms = drain_ms < 0 ? 0 : drain_ms;
    c->has_result = 0;
    taken = 1;
    pthread_cond_signal(&c->cv);
  }
  pthread_mutex_unlock(&c->mu);
  sqlite3_result_int(ctx, taken);
}

static void result(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  (void)argv;
  Checkpointer *c = sqlite3_user_data(ctx);
  pthread_mutex_lock(&c->mu);
  if (c->mode != 0 && c->has_result) {
    sqlite3_result_text(ctx, c->result, -1, SQLITE_TRANSIENT);
    c->mode = 0;
    c->has_result = 0;
  } else {
    sqlite3_result_null(ctx);
  }
  pthread_mutex_unlock(&c->mu);
}

static void stop(Checkpointer *c) {
  pthread_mutex_lock(&c->mu);
  int join = c->started && !c->stopping;
  c->stopping = 1;
  pthread_cond_signal(&c->cv);
  pthread_mutex_unlock(&c->mu);
  if (join) pthread_join(c->thread, NULL);
}

static void stop_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  (void)argv;
  stop(sqlite3_user_data(ctx));
  sqlite3_result_null(ctx);
}

/* When the store's connection closes: the thread ends first (a running checkpoint finishes), then the memory goes. */
static void destroy(void *p) {
  Checkpointer *c = p;
  stop(c);
  pthread_cond_destroy(&c->cv);
  pthread_mutex_destroy(&c->mu);
  sqlite3_free(c->file);
  sqlite3_free(c);
}

/* After each commit of the store's connection, in the thread that committed: the log's length in frames. */
static int wal_hook(void *arg, sqlite3 *db, const char *name, int frames) {
  (void)db;
  if (strcmp(name, "main") == 0) ((Checkpointer *)arg)->wal_frames = frames;
  return SQLITE_OK;
}

static void wal_frames(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  (void)argv;
  Checkpointer *c = sqlite3_user_data(ctx);
  /* Put back at each look; the one it replaced says whether the count is this hook's (PRAGMA wal_autocheckpoint
   * installs SQLite's own, which would leave the count where it was). */
  /* The hook points at the shared state, freed when the connection closes, after which no commit calls it. */
  void *before = sqlite3_wal_hook(sqlite3_context_db_handle(ctx), wal_hook, c);
  if (before != c) c->wal_frames = -1;
  if (c->wal_frames < 0)
    sqlite3_result_null(ctx);
  else
    sqlite3_result_int(ctx, c->wal_frames);
}

static void wal_reserve(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  sqlite3_int64 want = sqlite3_value_int64(argv[0]);
  /* The write lock keeps every other connection's frames out while the file is extended past the log's end. */
  if (sqlite3_get_autocommit(db)) {
    sqlite3_result_error(ctx, "telecare_wal_reserve: call it inside a write transaction (BEGIN IMMEDIATE)", -1);
    return;
  }
  sqlite3_file *wal = NULL;
  if (sqlite3_file_control(db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal) != SQLITE_OK || !wal || !wal->pMethods) {
    sqlite3_result_error(ctx, "telecare_wal_reserve: the connection has no open WAL", -1);
    return;
  }
  /* The unix VFS extends a file on a size hint only with a chunk size set: set for the hint, then unset, so that
   * SQLite's own truncations of the WAL (journal_size_limit) are not rounded up to it. */
  int chunk = 64 * 1024, none = 0;
  wal->pMethods->xFileControl(wal, SQLITE_FCNTL_CHUNK_SIZE, &chunk);
  int rc = wal->pMethods->xFileControl(wal, SQLITE_FCNTL_SIZE_HINT, &want);
  wal->pMethods->xFileControl(wal, SQLITE_FCNTL_CHUNK_SIZE, &none);
  sqlite3_int64 size = -1;
  if (rc == SQLITE_OK) rc = wal->pMethods->xFileSize(wal, &size);
  if (rc != SQLITE_OK) {
    char message[120];
    snprintf(message, sizeof message, "telecare_wal_reserve: %s", sqlite3_errstr(rc));
    sqlite3_result_error(ctx, message, -1);
    return;
  }
  sqlite3_result_int64(ctx, size);
}

#ifdef _WIN32
__declspec(dllexport)
#endif
int sqlite3_telecarecheckpoint_init(sqlite3 *db, char **err, const sqlite3_api_routines *api) {
  SQLITE_EXTENSION_INIT2(api);
  const char *file = sqlite3_db_filename(db, "main");
  if (!file || !file[0]) {
    *err = sqlite3_mprintf("telecare_checkpoint: the database has no file");
    return SQLITE_ERROR;
  }
  Checkpointer *c = sqlite3_malloc(sizeof *c);
  if (!c) return SQLITE_NOMEM;
  memset(c, 0, sizeof *c);
  c->file = sqlite3_mprintf("%s", file);
  if (!c->file) {
    sqlite3_free(c);
    return SQLITE_NOMEM;
  }
  pthread_mutex_init(&c->mu, NULL);
  pthread_cond_init(&c->cv, NULL);
  /* The first carries the destructor of what the three share (SQLite calls it if this registration fails). */
  int rc = sqlite3_create_function_v2(db, "telecare_checkpoint", 2, SQLITE_UTF8, c, request, NULL, NULL, destroy);
  if (rc != SQLITE_OK) return rc;
  rc = sqlite3_create_function_v2(db, "telecare_checkpoint_result", 0, SQLITE_UTF8, c, result, NULL, NULL, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_create_function_v2(db, "telecare_checkpoint_stop", 0, SQLITE_UTF8, c, stop_fn, NULL, NULL, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_create_function_v2(db, "telecare_wal_frames", 0, SQLITE_UTF8, c, wal_frames, NULL, NULL, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_create_function_v2(db, "telecare_wal_reserve", 1, SQLITE_UTF8, c, wal_reserve, NULL, NULL, NULL);
  if (rc != SQLITE_OK) {
    /* None of them stays registered: deleting the first frees the shared state. */
    sqlite3_create_function_v2(db, "telecare_wal_frames", 0, SQLITE_UTF8, NULL, NULL, NULL, NULL, NULL);
    sqlite3_create_function_v2(db, "telecare_checkpoint_stop", 0, SQLITE_UTF8, NULL, NULL, NULL, NULL, NULL);
    sqlite3_create_function_v2(db, "telecare_checkpoint_result", 0, SQLITE_UTF8, NULL, NULL, NULL, NULL, NULL);
    sqlite3_create_function_v2(db, "telecare_checkpoint", 2, SQLITE_UTF8, NULL, NULL, NULL, NULL, NULL);
    return rc;
  }
  c->wal_frames = -1;
  return rc;
}
