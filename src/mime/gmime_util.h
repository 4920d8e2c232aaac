// RAII for GObject-based GMime handles, GMime's one-time library set-up, and the
// pieces every message the mime module builds shares. Internal to the mime module.
#pragma once

#include <gmime/gmime.h>

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace sealpost {

struct GObjectUnref {
  void operator()(void* p) const { if (p) g_object_unref(p); }
};
template <typename T>
using GPtr = std::unique_ptr<T, GObjectUnref>;

// g_mime_init() once per process; thread-safe.
void EnsureGMimeInitialised();

// Header values come from configuration and API input: no line breaks may reach a header.
inline bool HasLineBreak(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

// Extra header fields (List-Unsubscribe, ...): names of letters, digits and '-', values
// of one line; kInvalidArgument otherwise.
using HeaderFields = std::vector<std::pair<std::string, std::string>>;
Status CheckHeaderFields(const HeaderFields& fields);
// Appends them as given, not as GMime would write an unstructured value (RFC 2047 words
// once it is long): a List-Unsubscribe URL must reach the mail program as it is.
void AppendRawHeaderFields(GMimeMessage* message, const HeaderFields& fields);

// A part's type, lower case ("text/plain"); application/octet-stream when it has none.
std::string MimeTypeOf(GMimeObject* object);
// A leaf part's content, its transfer encoding removed.
std::string DecodedContent(GMimePart* part);

// Date: now, and a fresh Message-ID in `domain`.
void SetDateAndMessageId(GMimeMessage* message, const std::string& domain);

// A UTF-8 text part ("plain", "html"), quoted-printable.
GPtr<GMimeTextPart> NewUtf8TextPart(const char* subtype, const std::string& body);

// The object as it goes on the wire: CRLF line ends.
Result<std::string> SerializeCrlf(GMimeObject* object);

}  // namespace sealpost
