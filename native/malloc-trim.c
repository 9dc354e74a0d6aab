/*
 * Gives the memory glibc keeps after free() back to the kernel: malloc_trim(0) on a libuv pool thread, so the event
 * loop never waits for it. glibc returns the top of an arena by itself, but not the free pages between live blocks:
 * after the hub's start (modules compiled, the configuration validated, a password hashed) and after a burst of
 * events, 1.4-4.8 MB of a one-flat hub's resident memory is such pages (docs/performance.md, session 28). A Node-API
 * addon (loaded with process.dlopen), one function:
 *   trim(callback)  calls callback(null, released) once malloc_trim(0) has run: released is true when glibc gave
 *                   memory back. Where the C library is not glibc, the addon does not build (hub/malloc-trim.ts then
 *                   does nothing).
 */
#include <malloc.h>
#include <node_api.h>
#include <stdlib.h>

#ifndef __GLIBC__
#error "malloc_trim needs glibc"
#endif

typedef struct {
  napi_async_work work;
  napi_ref callback;
  int released;
} TrimJob;

static void trim_execute(napi_env env, void *data) {
  (void)env;
  TrimJob *job = data;
  job->released = malloc_trim(0);
}

static void trim_complete(napi_env env, napi_status status, void *data) {
  TrimJob *job = data;
  napi_value callback, global, args[2];
  napi_get_reference_value(env, job->callback, &callback);
  napi_get_global(env, &global);
  napi_get_null(env, &args[0]);
  napi_get_boolean(env, status == napi_ok && job->released != 0, &args[1]);
  napi_delete_reference(env, job->callback);
  napi_delete_async_work(env, job->work);
  free(job);
  if (callback != NULL) napi_call_function(env, global, callback, 2, args, NULL);
}

static napi_value trim(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], name;
  napi_valuetype type = napi_undefined;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc >= 1) napi_typeof(env, argv[0], &type);
  if (type != napi_function) {
    napi_throw_type_error(env, NULL, "trim(callback): callback must be a function");
    return NULL;
  }
  TrimJob *job = calloc(1, sizeof *job);
  if (job == NULL) {
    napi_throw_error(env, NULL, "trim: out of memory");
    return NULL;
  }
  napi_create_string_utf8(env, "telecare:malloc_trim", NAPI_AUTO_LENGTH, &name);
  if (napi_create_reference(env, argv[0], 1, &job->callback) != napi_ok ||
      napi_create_async_work(env, NULL, name, trim_execute, trim_complete, job, &job->work) != napi_ok ||
      napi_queue_async_work(env, job->work) != napi_ok) {
    free(job);
    napi_throw_error(env, NULL, "trim: could not queue the work");
    return NULL;
  }
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "trim", NAPI_AUTO_LENGTH, trim, NULL, &fn);
  napi_set_named_property(env, exports, "trim", fn);
  return exports;
}
