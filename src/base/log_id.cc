#include "base/log_id.h"

#include <sodium.h>

#include "base/encoding.h"

namespace sealpost {

std::string NewLogId() {
  unsigned char bytes[8];
  randombytes_buf(bytes, sizeof bytes);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

}  // namespace sealpost
