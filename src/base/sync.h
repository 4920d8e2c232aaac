// Making what was written to a file, or a change to a directory (a file made, renamed or
// removed in it), survive a power cut: fsync, with the error said.
#pragma once

#include <string>

#include "base/result.h"

namespace sealpost {

// fsync of a file, or of a directory when `directory`.
Status SyncPath(const std::string& path, bool directory);
// fsync of the directory that holds `path` ("." for a bare name).
Status SyncParentDirectory(const std::string& path);

}  // namespace sealpost
