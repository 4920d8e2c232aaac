// The SMTP envelope of a submission as JSON, for the inbound table. Addresses and
// RFC 3461 parameters only: no content, nothing secret.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "smtp/session.h"

namespace sealpost::submission {

std::string EnvelopeToJson(const smtp::Envelope& envelope);
Result<smtp::Envelope> EnvelopeFromJson(std::string_view json);

// One recipient's RFC 3461 parameters with the envelope's, as a queue entry keeps them
// for its delivery report; "" when the client gave none.
std::string DsnJson(const smtp::Envelope& envelope, const smtp::RecipientParams& recipient);

}  // namespace sealpost::submission
