// The log's two formats. "text": one line per event, as people read it. "json": one
// object per line for log collectors: {"time", "level", "component", the id, "message"}.
// Log calls follow one convention that both formats rest on: a message starts with its
// component, and the id of what it concerns when there is one —
//   "http[5f0c2a9e11d4b7a3]: 127.0.0.1 GET /api/v1/messages 202 12ms"
//   "smtp[0b1c...]: failed login for ...", "queue[q-...]: delivered via ..."
// — which the json format takes apart (http's id is "request_id", smtp's "session_id",
// queue's "queue_id"). Messages never hold secrets in either format: that is the log
// calls' duty, and the integration suite checks it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sealpost {

enum class LogFormat { kText, kJson };
std::optional<LogFormat> ParseLogFormat(std::string_view name);

// Sets the format of every log line from now on (spdlog's default logger).
void UseLogFormat(LogFormat format);

// The json line for one event, without its newline. `time` as RFC 3339.
std::string JsonLogLine(std::string_view time, std::string_view level, std::string_view message);

}  // namespace sealpost
