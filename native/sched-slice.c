/*
 * Asks the kernel for a short scheduling slice for the calling thread (the hub's event loop, which carries every
 * alert). Linux's fair scheduler (EEVDF, 6.6 on) gives each task a slice, 0.7 ms x (1 + log2 cores) by default; a
 * woken task waits for the task on the core to use up to that much before it may take the core ("run to parity"),
 * unless its own requested slice is shorter (6.12 on: sched_setattr's sched_runtime for SCHED_OTHER, 0.1-100 ms),
 * in which case it preempts at once. A shorter slice changes when the thread runs, never how much: its share of the
 * CPU is its weight's (its nice), as before. No privilege is needed. On an older kernel the request is taken and
 * ignored (the slice read back says so). A Node-API addon (loaded with process.dlopen), two functions:
 *   setSlice(ns)  sched_setattr(0, ...) on the calling thread: its policy and nice kept, sched_runtime = ns (a
 *                 thread under a real-time or deadline policy is left as it is). Returns the slice the kernel
 *                 reports after (sched_getattr; 0 where it keeps none), or throws the errno.
 *   slice()       the calling thread's slice as the kernel reports it (0 where it keeps none), or throws.
 * Threads the caller starts later do not inherit the request (the kernel resets it at fork and clone).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#if !defined(__linux__) || !defined(SYS_sched_setattr) || !defined(SYS_sched_getattr)
#error "sched_setattr is Linux only"
#endif

/* The kernel's struct sched_attr (include/uapi/linux/sched/types.h), size 56 (SCHED_ATTR_SIZE_VER1). */
typedef struct {
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;
  uint64_t sched_deadline;
  uint64_t sched_period;
  uint32_t sched_util_min;
  uint32_t sched_util_max;
} SchedAttr;

static int get_attr(SchedAttr *attr) {
  memset(attr, 0, sizeof *attr);
  return (int)syscall(SYS_sched_getattr, 0, attr, (unsigned)sizeof *attr, 0U);
}

static napi_value throw_errno(napi_env env, const char *what) {
  char message[160];
  snprintf(message, sizeof message, "%s: %s", what, strerror(errno));
  napi_throw_error(env, NULL, message);
  return NULL;
}

static napi_value number(napi_env env, double value) {
  napi_value result;
  napi_create_double(env, value, &result);
  return result;
}

static napi_value slice(napi_env env, napi_callback_info info) {
  (void)info;
  SchedAttr attr;
  if (get_attr(&attr) != 0) return throw_errno(env, "sched_getattr");
  return number(env, (double)attr.sched_runtime);
}

static napi_value set_slice(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  double ns = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_double(env, argv[0], &ns) != napi_ok || !(ns >= 0) || ns > 1e9) {
    napi_throw_type_error(env, NULL, "setSlice(ns): ns must be a number of nanoseconds, 0 to 1e9");
    return NULL;
  }
  SchedAttr attr;
  if (get_attr(&attr) != 0) return throw_errno(env, "sched_getattr");
  /* SCHED_OTHER (0), SCHED_BATCH (3) and SCHED_IDLE (5) are the fair policies that take a slice. */
  if (attr.sched_policy != 0 && attr.sched_policy != 3 && attr.sched_policy != 5)
    return number(env, (double)attr.sched_runtime);
  /* Only the slice changes: the policy, nice and utilisation clamps read back are written back as they were. */
  attr.size = sizeof attr;
  attr.sched_flags = 0;
  attr.sched_runtime = (uint64_t)ns;
  attr.sched_deadline = 0;
  attr.sched_period = 0;
  if (syscall(SYS_sched_setattr, 0, &attr, 0U) != 0) return throw_errno(env, "sched_setattr");
  if (get_attr(&attr) != 0) return throw_errno(env, "sched_getattr");
  return number(env, (double)attr.sched_runtime);
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "setSlice", NAPI_AUTO_LENGTH, set_slice, NULL, &fn);
  napi_set_named_property(env, exports, "setSlice", fn);
  napi_create_function(env, "slice", NAPI_AUTO_LENGTH, slice, NULL, &fn);
  napi_set_named_property(env, exports, "slice", fn);
  return exports;
}
