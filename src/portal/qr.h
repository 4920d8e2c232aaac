// QR codes for two-factor enrolment, drawn as inline SVG (libqrencode makes the
// matrix): no image request, no script, and it scales on any screen.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace sealpost::portal {

// An <svg> element showing `text` as a QR code (error correction M, a 4-module quiet
// zone), labelled `label` for screen readers. kInvalidArgument when it is too long.
Result<std::string> QrSvg(std::string_view text, std::string_view label);

}  // namespace sealpost::portal
