#include "mime/gmime_util.h"

#include <gmime/gmime.h>

namespace sealpost {

void EnsureGMimeInitialised() {
  static const bool done = [] {
    g_mime_init();
    return true;
  }();
  (void)done;
}

}  // namespace sealpost
