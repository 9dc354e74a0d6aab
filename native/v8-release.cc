/*
 * Asks V8 to give back the heap pages it keeps committed after the hub's start: a critical memory-pressure
 * notification (Isolate::MemoryPressureNotification(kCritical): on the isolate's own thread, at once, a full
 * collection that compacts and releases free pages, what V8's memory reducer does on its own only seconds to minutes
 * later), then the pressure taken back (kNone), so V8's later heap sizing is its usual. Node 20 has no API for it:
 * `gc()` through --expose-gc frees used heap but keeps the pages (docs/performance.md, session 32). Chosen over
 * Isolate::LowMemoryNotification (up to seven full collections): about half the CPU for 1-2 MB less given back.
 * A Node-API addon (loaded with process.dlopen, registered through node_api.h), one function:
 *   release()  runs the collection on the calling (main) thread, synchronously; returns undefined.
 * Only exported V8 functions are called (Isolate::GetCurrent, Isolate::MemoryPressureNotification): no inline V8
 * code, so no build flags to match with the running Node. Without a C++ compiler or Node's headers the addon is not
 * built and hub/v8-release.ts does nothing.
 */
#include <node_api.h>
#include <v8-isolate.h>

static napi_value release(napi_env env, napi_callback_info info) {
  (void)info;
  v8::Isolate *isolate = v8::Isolate::GetCurrent();
  if (isolate == nullptr) {
    napi_throw_error(env, nullptr, "release: no V8 isolate on this thread");
    return nullptr;
  }
  isolate->MemoryPressureNotification(v8::MemoryPressureLevel::kCritical);
  isolate->MemoryPressureNotification(v8::MemoryPressureLevel::kNone);
  return nullptr;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "release", NAPI_AUTO_LENGTH, release, nullptr, &fn);
  napi_set_named_property(env, exports, "release", fn);
  return exports;
}
