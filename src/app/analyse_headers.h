// `sealpost analyse-headers FILE|-`: was this message encrypted on its way? Prints each
// Received hop, oldest first, with its verdict (see received/received.h); --json for
// machines. Needs no configuration and no data directory.
#pragma once

#include <string>

namespace sealpost {

// Exit status: 0 analysed, 1 the file could not be read, 2 not a header it can read.
int AnalyseHeadersCommand(const std::string& file, bool json);

}  // namespace sealpost
