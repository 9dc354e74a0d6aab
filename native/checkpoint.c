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
  if (rc != SQLITE_OK) {
    /* None of them stays registered: deleting the first frees the shared state. */
    sqlite3_create_function_v2(db, "telecare_checkpoint_result", 0, SQLITE_UTF8, NULL, NULL, NULL, NULL, NULL);
    sqlite3_create_function_v2(db, "telecare_checkpoint", 2, SQLITE_UTF8, NULL, NULL, NULL, NULL, NULL);
  }
  return rc;
}
