// RAII for GObject-based GMime handles, and GMime's one-time library set-up.
#pragma once

#include <glib-object.h>

#include <memory>

namespace sealpost {

struct GObjectUnref {
  void operator()(void* p) const { if (p) g_object_unref(p); }
};
template <typename T>
using GPtr = std::unique_ptr<T, GObjectUnref>;

// g_mime_init() once per process; thread-safe.
void EnsureGMimeInitialised();

}  // namespace sealpost
