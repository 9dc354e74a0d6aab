/*
 * Gives the memory glibc keeps after free() back to the kernel: malloc_trim(0) on a libuv pool thread, so the event
 * loop never waits for it. glibc returns the top of an arena by itself, but not the free pages between live blocks:
 * after the hub's start (modules compiled, the configuration validated, a password hashed) and after a burst of
 * events, 1.4-4.8 MB of a one-flat hub's resident memory is such pages (docs/performance.md, session 28). A Node-API
 * addon (loaded with process.dlopen), one function:
 *   trim(callback)  calls callback(null, released) once malloc_trim(0) has run: released is true when glibc gave
 *                   memory back. Where the C library is not glibc, the addon does not build (hub/malloc-trim.ts then
 *                   does nothing).
 *   releaseFilePages(callback)
 *                   on a pool thread too: takes the process's clean pages of read-only, private file mappings (the node
 *                   binary's code and read-only data, the shared libraries', the addons') out of its resident set with
 *                   madvise(MADV_DONTNEED), then calls callback(null, bytes) with the resident bytes those mappings
 *                   held. Only mappings with no private copy of a page (smaps' Anonymous: 0 kB) are touched, so what
 *                   is dropped is exactly the file's content: the pages stay in the kernel's page cache and a later
 *                   read of one maps it again (a minor fault, no disk read while the kernel keeps it cached). The
 *                   start-up reads ~46 MB of such pages that an idle flat never reads again (docs/performance.md,
 *                   "Memory of one home (session 38)"); the kernel drops them too, but only under memory pressure.
 *   idleThisThread()
 *                   puts the calling thread under SCHED_IDLE (Linux: sched_setscheduler with pid 0 is this thread;
 *                   allowed to an unprivileged thread since 2.6.39) and returns true, or false when the kernel
 *                   refused: a normal thread that wakes (the hub's event loop) preempts it at once, where a nice-19
 *                   thread may still finish its slice. For background threads only (the analytics worker): under a
 *                   machine kept busy by normal threads it waits until a core is free.
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <sched.h>
#include <node_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#ifndef __GLIBC__
#error "malloc_trim needs glibc"
#endif

/* What every job starts with: its async work and the JS callback it calls back. */
typedef struct {
  napi_async_work work;
  napi_ref callback;
} Job;

/* `name(callback)`: allocates a job of `size` bytes (a struct whose first member is a Job, zeroed) and queues it on a
 * pool thread; throws (and queues nothing) on a missing callback or when the work cannot be queued. */
static napi_value queue_job(napi_env env, napi_callback_info info, const char *name, const char *resource, size_t size,
                            napi_async_execute_callback execute, napi_async_complete_callback complete) {
  size_t argc = 1;
  napi_value argv[1], resource_name;
  napi_valuetype type = napi_undefined;
  char message[128];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc >= 1) napi_typeof(env, argv[0], &type);
  if (type != napi_function) {
    snprintf(message, sizeof message, "%s(callback): callback must be a function", name);
    napi_throw_type_error(env, NULL, message);
    return NULL;
  }
  Job *job = calloc(1, size);
  if (job == NULL) {
    snprintf(message, sizeof message, "%s: out of memory", name);
    napi_throw_error(env, NULL, message);
    return NULL;
  }
  napi_create_string_utf8(env, resource, NAPI_AUTO_LENGTH, &resource_name);
  if (napi_create_reference(env, argv[0], 1, &job->callback) != napi_ok ||
      napi_create_async_work(env, NULL, resource_name, execute, complete, job, &job->work) != napi_ok ||
      napi_queue_async_work(env, job->work) != napi_ok) {
    free(job);
    snprintf(message, sizeof message, "%s: could not queue the work", name);
    napi_throw_error(env, NULL, message);
    return NULL;
  }
  return NULL;
}

/* The job is done: frees it and calls its callback with `args` (error or null, then the value). */
static void finish_job(napi_env env, Job *job, napi_value args[2]) {
  napi_value callback, global;
  napi_get_reference_value(env, job->callback, &callback);
  napi_get_global(env, &global);
  napi_delete_reference(env, job->callback);
  napi_delete_async_work(env, job->work);
  free(job);
  if (callback != NULL) napi_call_function(env, global, callback, 2, args, NULL);
}

typedef struct {
  Job job;
  int released;
} TrimJob;

static void trim_execute(napi_env env, void *data) {
  (void)env;
  TrimJob *job = data;
  job->released = malloc_trim(0);
}

static void trim_complete(napi_env env, napi_status status, void *data) {
  TrimJob *job = data;
  napi_value args[2];
  napi_get_null(env, &args[0]);
  napi_get_boolean(env, status == napi_ok && job->released != 0, &args[1]);
  finish_job(env, &job->job, args);
}

static napi_value trim(napi_env env, napi_callback_info info) {
  return queue_job(env, info, "trim", "telecare:malloc_trim", sizeof(TrimJob), trim_execute, trim_complete);
}

typedef struct {
  Job job;
  double bytes;
  int failed;
} FilePagesJob;

/* Whether a mapping held by the fields of its smaps header line may have its pages dropped: a file's (a path, not
 * [vdso] or an anonymous mapping), private, not writable. */
static int droppable_mapping(const char *perms, const char *path) {
  return path[0] == '/' && perms[0] == 'r' && perms[1] == '-' && perms[3] == 'p';
}

static void drop_mapping(unsigned long start, unsigned long end, long rss_kb, long anon_kb, double *bytes,
                         int *failed) {
  if (anon_kb != 0 || rss_kb <= 0) return;
  if (madvise((void *)start, end - start, MADV_DONTNEED) == 0)
    *bytes += (double)rss_kb * 1024.0;
  else
    *failed = 1;
}

static void file_pages_execute(napi_env env, void *data) {
  (void)env;
  FilePagesJob *job = data;
  FILE *smaps = fopen("/proc/self/smaps", "re");
  if (smaps == NULL) {
    job->failed = 1;
    return;
  }
  char line[4096];
  unsigned long start = 0, end = 0;
  long rss_kb = -1, anon_kb = -1;
  int candidate = 0;
  while (fgets(line, sizeof line, smaps) != NULL) {
    unsigned long s, e;
    char perms[8], path[4096];
    path[0] = '\0';
    /* A mapping's header line (start-end perms offset dev inode [path]) starts with a lowercase hex digit; its
     * fields' lines (Rss:, Anonymous:, VmFlags: ...) with an uppercase letter. */
    int header = (line[0] >= '0' && line[0] <= '9') || (line[0] >= 'a' && line[0] <= 'f');
    if (header && sscanf(line, "%lx-%lx %7s %*s %*s %*s %4095[^\n]", &s, &e, perms, path) >= 3) {
      if (candidate) drop_mapping(start, end, rss_kb, anon_kb, &job->bytes, &job->failed);
      start = s;
      end = e;
      rss_kb = -1;
      anon_kb = -1;
      candidate = droppable_mapping(perms, path);
      continue;
    }
    long kb;
    if (sscanf(line, "Rss: %ld kB", &kb) == 1) rss_kb = kb;
    else if (sscanf(line, "Anonymous: %ld kB", &kb) == 1) anon_kb = kb;
  }
  if (candidate) drop_mapping(start, end, rss_kb, anon_kb, &job->bytes, &job->failed);
  fclose(smaps);
}

static void file_pages_complete(napi_env env, napi_status status, void *data) {
  FilePagesJob *job = data;
  napi_value args[2];
  if (status != napi_ok || job->failed) {
    napi_value message;
    napi_create_string_utf8(env, "releaseFilePages: /proc/self/smaps or madvise failed", NAPI_AUTO_LENGTH, &message);
    napi_create_error(env, NULL, message, &args[0]);
  } else {
    napi_get_null(env, &args[0]);
  }
  napi_create_double(env, job->bytes, &args[1]);
  finish_job(env, &job->job, args);
}

static napi_value release_file_pages(napi_env env, napi_callback_info info) {
  return queue_job(env, info, "releaseFilePages", "telecare:release_file_pages", sizeof(FilePagesJob),
                   file_pages_execute, file_pages_complete);
}

static napi_value idle_this_thread(napi_env env, napi_callback_info info) {
  (void)info;
  struct sched_param param;
  memset(&param, 0, sizeof param);
  napi_value result;
  napi_get_boolean(env, sched_setscheduler(0, SCHED_IDLE, &param) == 0, &result);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "trim", NAPI_AUTO_LENGTH, trim, NULL, &fn);
  napi_set_named_property(env, exports, "trim", fn);
  napi_create_function(env, "releaseFilePages", NAPI_AUTO_LENGTH, release_file_pages, NULL, &fn);
  napi_set_named_property(env, exports, "releaseFilePages", fn);
  napi_create_function(env, "idleThisThread", NAPI_AUTO_LENGTH, idle_this_thread, NULL, &fn);
  napi_set_named_property(env, exports, "idleThisThread", fn);
  return exports;
}
