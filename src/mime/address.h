// Email address syntax (RFC 5321 Mailbox, dot-atom form) as sealpost accepts it from
// senders: "local@domain", local part of atext and single dots (at most 64 octets),
// domain of LDH labels (at most 255 octets). Quoted local parts and address literals
// are refused: no recipient a protected-health sender needs has one, and each is a
// classic source of parser disagreement. Non-ASCII (SMTPUTF8) comes with issue 5.
#pragma once

#include <string>
#include <string_view>

namespace sealpost {

// Empty when valid; otherwise the reason, for an error message.
std::string AddressProblem(std::string_view address);
inline bool IsValidAddress(std::string_view address) { return AddressProblem(address).empty(); }

// The domain part, lower-cased ("" when there is no @).
std::string DomainOfAddress(std::string_view address);

// The domain lower-cased, local part kept: the form addresses are compared in.
std::string CanonicalAddress(std::string_view address);

}  // namespace sealpost
