#include "app/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/spdlog.h>

#include <ctime>

namespace sealpost {
namespace {

constexpr std::size_t kMaxComponent = 16;
constexpr std::size_t kMaxId = 64;

bool ComponentChar(char c) { return (c >= 'a' && c <= 'z') || c == '_'; }
bool IdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '_' || c == '.';
}

// The length of the valid UTF-8 sequence at `s`, or 0.
std::size_t Utf8Length(std::string_view s) {
  const auto b = static_cast<unsigned char>(s[0]);
  const std::size_t n = b < 0x80            ? 1
                        : (b >> 5) == 0x6   ? 2
                        : (b >> 4) == 0xE   ? 3
                        : (b >> 3) == 0x1E  ? 4
                                            : 0;
  if (n == 0 || n > s.size()) return 0;
  for (std::size_t i = 1; i < n; ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) return 0;
  }
  return n;
}

// A JSON string: quotes, backslashes and control characters escaped, and bytes that
// are not UTF-8 replaced (a collector must be able to parse every line).
void AppendJsonString(std::string& out, std::string_view text) {
  out += '"';
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
      ++i;
    } else if (c == '\n' || c == '\r' || c == '\t') {
      out += c == '\n' ? "\\n" : c == '\r' ? "\\r" : "\\t";
      ++i;
    } else if (u < 0x20 || u == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\u00";
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
      ++i;
    } else if (u < 0x80) {
      out += c;
      ++i;
    } else if (std::size_t n = Utf8Length(text.substr(i)); n > 0) {
      out.append(text.substr(i, n));
      i += n;
    } else {
      out += "\\ufffd";
      ++i;
    }
  }
  out += '"';
}

const char* IdName(std::string_view component) {
  // The HTTP server's and its handlers' lines carry the request's id (X-Request-Id).
  if (component == "http" || component == "api" || component == "portal" || component == "keys") {
    return "request_id";
  }
  if (component == "smtp") return "session_id";
  if (component == "queue") return "queue_id";
  return "id";
}

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    using namespace std::chrono;
    const auto since = msg.time.time_since_epoch();
    const std::time_t seconds = duration_cast<std::chrono::seconds>(since).count();
    const auto millis = duration_cast<milliseconds>(since).count() % 1000;
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char stamp[40];
    const std::size_t n = std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
    std::snprintf(stamp + n, sizeof stamp - n, ".%03dZ", static_cast<int>(millis));
    const auto level = spdlog::level::to_string_view(msg.level);
    std::string line = JsonLogLine(stamp, std::string_view(level.data(), level.size()),
                                   std::string_view(msg.payload.data(), msg.payload.size()));
    line += '\n';
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

}  // namespace

std::optional<LogFormat> ParseLogFormat(std::string_view name) {
  if (name == "text") return LogFormat::kText;
  if (name == "json") return LogFormat::kJson;
  return std::nullopt;
}

void UseLogFormat(LogFormat format) {
  if (format == LogFormat::kJson) {
    spdlog::set_formatter(std::make_unique<JsonFormatter>());
  } else {
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  }
}

std::string JsonLogLine(std::string_view time, std::string_view level, std::string_view message) {
  // "component: ..." or "component[id]: ...".
  std::string_view component = "sealpost", id;
  std::size_t i = 0;
  while (i < message.size() && i < kMaxComponent && ComponentChar(message[i])) ++i;
  if (i > 0 && i < message.size()) {
    std::size_t rest = i;
    std::string_view found_id;
    if (message[rest] == '[') {
      std::size_t end = rest + 1;
      while (end < message.size() && end - rest - 1 < kMaxId && IdChar(message[end])) ++end;
      if (end < message.size() && message[end] == ']' && end > rest + 1) {
        found_id = message.substr(rest + 1, end - rest - 1);
        rest = end + 1;
      }
    }
    if (message.substr(rest, 2) == ": ") {
      component = message.substr(0, i);
      id = found_id;
      message.remove_prefix(rest + 2);
    }
  }
  std::string out = "{\"time\":";
  AppendJsonString(out, time);
  out += ",\"level\":";
  AppendJsonString(out, level);
  out += ",\"component\":";
  AppendJsonString(out, component);
  if (!id.empty()) {
    out += ",\"";
    out += IdName(component);
    out += "\":";
    AppendJsonString(out, id);
  }
  out += ",\"message\":";
  AppendJsonString(out, message);
  out += '}';
  return out;
}

}  // namespace sealpost
