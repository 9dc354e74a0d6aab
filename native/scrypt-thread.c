/*
 * Password hashes (scrypt) in a plain thread of the hub's process, one per hash queue (a "lane"), at a lower priority
 * than the alert loop. No V8 isolate: the worker thread that did this (hub/scrypt-thread-worker.ts, still the fallback
 * when this addon is not built) costs ~9-11 MB of resident memory while it lives, on top of the hash's own 8 MB
 * block; this thread costs its stack's touched pages (docs/performance.md, "Memory at 1,000 homes (session 34)").
 * The hash is OpenSSL's EVP_PBE_scrypt, the one node:crypto's scrypt runs: the node binary exports OpenSSL's symbols,
 * so the addon calls the same library (declared here; no OpenSSL headers needed).
 * Node-API, called on the loop:
 *   lane(onDone)   a new lane: its thread starts now and waits for work; onDone(id, message, key) is called on the
 *                  loop for each hash (message null and key a Buffer, or message a string and key undefined). The
 *                  lane does not keep the loop alive until ref(lane, true).
 *   derive(lane, id, password, salt, keyLength, N, r, p, maxmem)  queues one hash (password and salt Buffers; the
 *                  numbers integers). Hashes run one after the other, in order.
 *   ref(lane, on)  whether the lane keeps the loop alive (while a hash is pending).
 * The thread ends when its Node environment does (an exit, a worker's end): a running hash is waited for.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <node_api.h>

/* OpenSSL (crypto/evp/pbe_scrypt.c): 1 on success, 0 on a refused cost (N not a power of two > 1, over maxmem). */
extern int EVP_PBE_scrypt(const char *pass, size_t passlen, const unsigned char *salt, size_t saltlen, uint64_t N,
                          uint64_t r, uint64_t p, uint64_t maxmem, unsigned char *key, size_t keylen);

typedef struct Job {
  struct Job *next;
  double id;
  char *password;
  size_t password_len;
  unsigned char *salt;
  size_t salt_len;
  uint64_t n, r, p, maxmem;
  unsigned char *key;
  size_t key_len;
  int ok;
} Job;

typedef struct Lane {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  Job *head, *tail;
  int stopping;
  pthread_t thread;
  napi_threadsafe_function done;
} Lane;

static void free_job(Job *job) {
  if (!job) return;
  if (job->password) {
    memset(job->password, 0, job->password_len);
    free(job->password);
  }
  free(job->salt);
  if (job->key) {
    memset(job->key, 0, job->key_len);
    free(job->key);
  }
  free(job);
}

static void *lane_main(void *arg) {
  Lane *lane = arg;
  pthread_setname_np(pthread_self(), "telecare-scrypt");
  /* Ten nicer than the thread that started it (the alert loop), as hub/thread-priority.ts does for worker threads. */
  pid_t tid = (pid_t)syscall(SYS_gettid);
  errno = 0;
  int nice_now = getpriority(PRIO_PROCESS, (id_t)tid);
  if (errno == 0) setpriority(PRIO_PROCESS, (id_t)tid, nice_now + 10 > 19 ? 19 : nice_now + 10);
  for (;;) {
    pthread_mutex_lock(&lane->mu);
    while (!lane->head && !lane->stopping) pthread_cond_wait(&lane->cv, &lane->mu);
    if (lane->stopping) {
      pthread_mutex_unlock(&lane->mu);
      return NULL;
    }
    Job *job = lane->head;
    lane->head = job->next;
    if (!lane->head) lane->tail = NULL;
    pthread_mutex_unlock(&lane->mu);
    job->next = NULL;
    job->ok = job->key != NULL &&
              EVP_PBE_scrypt(job->password, job->password_len, job->salt, job->salt_len, job->n, job->r, job->p,
                             job->maxmem, job->key, job->key_len) == 1;
    /* Unbounded queue: never blocks. Closing (the environment ends): the job is freed here. */
    if (napi_call_threadsafe_function(lane->done, job, napi_tsfn_nonblocking) != napi_ok) free_job(job);
  }
}

/* On the loop: one hash's answer to onDone. env is NULL when the environment is ending (the job is only freed). */
static void call_done(napi_env env, napi_value on_done, void *context, void *data) {
  (void)context;
  Job *job = data;
  if (env && on_done) {
    napi_value argv[3], undefined;
    napi_get_undefined(env, &undefined);
    napi_create_double(env, job->id, &argv[0]);
    if (job->ok) {
      napi_get_null(env, &argv[1]);
      napi_create_buffer_copy(env, job->key_len, job->key, NULL, &argv[2]);
    } else {
      napi_create_string_utf8(env, "scrypt refused its parameters (cost or memory limit) or ran out of memory",
                              NAPI_AUTO_LENGTH, &argv[1]);
      argv[2] = undefined;
    }
    napi_call_function(env, undefined, on_done, 3, argv, NULL);
  }
  free_job(job);
}

/* The environment ends: the thread stops (after the hash it runs) and the queued jobs are dropped. */
static void stop_lane(void *arg) {
  Lane *lane = arg;
  pthread_mutex_lock(&lane->mu);
  lane->stopping = 1;
  Job *job = lane->head;
  lane->head = lane->tail = NULL;
  pthread_cond_signal(&lane->cv);
  pthread_mutex_unlock(&lane->mu);
  pthread_join(lane->thread, NULL);
  while (job) {
    Job *next = job->next;
    free_job(job);
    job = next;
  }
  napi_release_threadsafe_function(lane->done, napi_tsfn_abort);
}

static void finalize_lane(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  Lane *lane = data;
  pthread_mutex_destroy(&lane->mu);
  pthread_cond_destroy(&lane->cv);
  free(lane);
}

static napi_value throw_type(napi_env env, const char *message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

static napi_value lane_new(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], name, external;
  napi_valuetype type;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_typeof(env, argv[0], &type) != napi_ok || type != napi_function)
    return throw_type(env, "lane(onDone): onDone must be a function");
  Lane *lane = calloc(1, sizeof(Lane));
  if (!lane) return throw_type(env, "lane: out of memory");
  pthread_mutex_init(&lane->mu, NULL);
  pthread_cond_init(&lane->cv, NULL);
  napi_create_string_utf8(env, "telecare-scrypt", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, argv[0], NULL, name, 0, 1, lane, finalize_lane, NULL, call_done,
                                      &lane->done) != napi_ok) {
    finalize_lane(env, lane, NULL);
    return throw_type(env, "lane: could not make its callback");
  }
  napi_unref_threadsafe_function(env, lane->done);
  if (pthread_create(&lane->thread, NULL, lane_main, lane) != 0) {
    napi_release_threadsafe_function(lane->done, napi_tsfn_abort);
    napi_throw_error(env, NULL, "lane: could not start its thread");
    return NULL;
  }
  napi_add_env_cleanup_hook(env, stop_lane, lane);
  napi_create_external(env, lane, NULL, NULL, &external);
  return external;
}

static int get_u64(napi_env env, napi_value v, uint64_t *out) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok || !(d >= 0) || d > 9007199254740991.0 || d != (double)(uint64_t)d)
    return 0;
  *out = (uint64_t)d;
  return 1;
}

static napi_value derive(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 9)
    return throw_type(env, "derive(lane, id, password, salt, keyLength, N, r, p, maxmem)");
  Lane *lane;
  void *pw, *salt;
  size_t pw_len, salt_len;
  bool is_buffer;
  uint64_t key_len, n, r, p, maxmem;
  double id;
  if (napi_get_value_external(env, argv[0], (void **)&lane) != napi_ok || !lane)
    return throw_type(env, "derive: not a lane");
  if (napi_get_value_double(env, argv[1], &id) != napi_ok) return throw_type(env, "derive: id must be a number");
  if (napi_is_buffer(env, argv[2], &is_buffer) != napi_ok || !is_buffer ||
      napi_get_buffer_info(env, argv[2], &pw, &pw_len) != napi_ok)
    return throw_type(env, "derive: password must be a Buffer");
  if (napi_is_buffer(env, argv[3], &is_buffer) != napi_ok || !is_buffer ||
      napi_get_buffer_info(env, argv[3], &salt, &salt_len) != napi_ok)
    return throw_type(env, "derive: salt must be a Buffer");
  if (!get_u64(env, argv[4], &key_len) || key_len == 0 || key_len > 1024 || !get_u64(env, argv[5], &n) ||
      !get_u64(env, argv[6], &r) || !get_u64(env, argv[7], &p) || !get_u64(env, argv[8], &maxmem))
    return throw_type(env, "derive: keyLength (1-1024), N, r, p and maxmem must be non-negative integers");
  Job *job = calloc(1, sizeof(Job));
  if (!job) return throw_type(env, "derive: out of memory");
  job->id = id;
  job->password_len = pw_len;
  job->password = malloc(pw_len ? pw_len : 1);
  job->salt_len = salt_len;
  job->salt = malloc(salt_len ? salt_len : 1);
  job->key_len = (size_t)key_len;
  job->key = malloc(job->key_len);
  if (!job->password || !job->salt || !job->key) {
    free_job(job);
    return throw_type(env, "derive: out of memory");
  }
  if (pw_len) memcpy(job->password, pw, pw_len);
  if (salt_len) memcpy(job->salt, salt, salt_len);
  job->n = n;
  job->r = r;
  job->p = p;
  job->maxmem = maxmem;
  pthread_mutex_lock(&lane->mu);
  if (lane->tail) lane->tail->next = job;
  else lane->head = job;
  lane->tail = job;
  pthread_cond_signal(&lane->cv);
  pthread_mutex_unlock(&lane->mu);
  return NULL;
}

static napi_value ref(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  Lane *lane;
  bool on;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 ||
      napi_get_value_external(env, argv[0], (void **)&lane) != napi_ok || !lane ||
      napi_get_value_bool(env, argv[1], &on) != napi_ok)
    return throw_type(env, "ref(lane, on)");
  if (on) napi_ref_threadsafe_function(env, lane->done);
  else napi_unref_threadsafe_function(env, lane->done);
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"lane", NULL, lane_new, NULL, NULL, NULL, napi_default, NULL},
      {"derive", NULL, derive, NULL, NULL, NULL, napi_default, NULL},
      {"ref", NULL, ref, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}
