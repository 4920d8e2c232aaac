#include "smtp/session.h"

#include <algorithm>
#include <utility>

#include "base/encoding.h"
#include "base/text.h"
#include "mime/address.h"

namespace sealpost::smtp {
namespace {

constexpr std::size_t kMaxEnvid = 100;   // RFC 3461 §4.4
constexpr std::size_t kMaxOrcpt = 500;   // RFC 3461 §4.2: xtext of an address
constexpr std::size_t kMaxUser = 320;    // an address: 64 + 1 + 255

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && Upper(s.substr(0, prefix.size())) == prefix;
}

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// Command lines are printable US-ASCII, or UTF-8 after SMTPUTF8; controls never.
bool HasControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

bool IsAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// RFC 3461 xtext: printable ASCII except "+" and "=", with "+XX" hex escapes.
bool IsXtext(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '+') {
      if (i + 2 >= s.size()) return false;
      auto hex = [](char h) { return (h >= '0' && h <= '9') || (h >= 'A' && h <= 'F'); };
      if (!hex(s[i + 1]) || !hex(s[i + 2])) return false;
      i += 2;
    } else if (c < 33 || c > 126 || c == '=') {
      return false;
    }
  }
  return true;
}

// Splits "FROM:<path> params..." after the keyword: the path between angle brackets
// and the parameter words. Lenient on a space after the colon, as real clients send.
struct PathAndParams {
  std::string path;
  std::vector<std::string> params;
};

std::optional<PathAndParams> ParsePath(std::string_view args, std::string_view keyword) {
  if (!StartsWithNoCase(args, keyword)) return std::nullopt;
  args.remove_prefix(keyword.size());
  while (!args.empty() && args.front() == ' ') args.remove_prefix(1);
  if (args.empty() || args.front() != '<') return std::nullopt;
  auto close = args.find('>');
  if (close == std::string_view::npos) return std::nullopt;
  PathAndParams out;
  out.path = std::string(args.substr(1, close - 1));
  // Source routes (@a,@b:user@c) are obsolete; refuse rather than guess.
  if (out.path.find_first_of("<>,: \"") != std::string::npos) return std::nullopt;
  std::string_view rest = args.substr(close + 1);
  if (!rest.empty() && rest.front() != ' ') return std::nullopt;
  for (;;) {
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    if (rest.empty()) break;
    auto end = rest.find(' ');
    out.params.emplace_back(rest.substr(0, end));
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end);
  }
  return out;
}

// Why an address cannot be used, or "" when it can. Non-ASCII only with SMTPUTF8, and
// then it must be valid UTF-8; its shape is checked as if each such byte were a letter.
std::string PathProblem(const std::string& address, bool smtputf8) {
  if (IsAscii(address)) return AddressProblem(address);
  if (!smtputf8) return "non-ASCII address needs the SMTPUTF8 parameter";
  if (!IsValidUtf8(address)) return "address is not valid UTF-8";
  std::string shape = address;
  for (char& c : shape) {
    if (static_cast<unsigned char>(c) >= 0x80) c = 'a';
  }
  return AddressProblem(shape);
}

std::string SplitParam(std::string_view param, std::string& value) {
  auto eq = param.find('=');
  if (eq == std::string_view::npos) {
    value.clear();
    return Upper(param);
  }
  value = std::string(param.substr(eq + 1));
  return Upper(param.substr(0, eq));
}

bool ValidNotify(const std::string& value) {
  std::string v = Upper(value);
  if (v == "NEVER") return true;
  std::size_t start = 0;
  bool any = false;
  while (start <= v.size()) {
    auto end = v.find(',', start);
    std::string word = v.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (word != "SUCCESS" && word != "FAILURE" && word != "DELAY") return false;
    any = true;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return any;
}

}  // namespace

Session::Session(SessionOptions options, SessionLimits limits)
    : options_(std::move(options)), limits_(limits) {}

void Session::Start() { Reply("220 " + options_.hostname + " ESMTP sealpost"); }

void Session::Receive(std::string_view bytes) {
  if (state_ == State::kClosed) return;
  if (consumed_ > 0) {
    input_.erase(0, consumed_);
    consumed_ = 0;
  }
  input_.append(bytes);
}

std::string Session::TakeOutput() { return std::exchange(output_, {}); }

void Session::Reply(std::string_view reply) {
  output_.append(reply);
  output_.append("\r\n");
}

Session::Step Session::Close(std::string_view reply) {
  Reply(reply);
  state_ = State::kClosed;
  input_.clear();
  consumed_ = 0;
  message_.clear();
  return Step::kClose;
}

std::optional<Session::Step> Session::Error(std::string_view reply) {
  if (++errors_ >= limits_.max_errors) {
    Reply(reply);
    return Close("421 4.7.0 " + options_.hostname + " Too many errors; closing");
  }
  Reply(reply);
  return std::nullopt;
}

void Session::ResetTransaction() {
  in_transaction_ = false;
  envelope_ = Envelope{};
  envelope_.auth_user = authenticated_ ? auth_user_ : std::string();
  message_.clear();
  message_size_ = 0;
  too_big_ = line_too_long_ = has_nul_ = discarding_line_ = false;
}

std::optional<std::string> Session::TakeLine(std::size_t limit) {
  std::string_view pending = Pending();
  auto pos = FindLineBreak(pending);
  if (pos == std::string_view::npos) {
    if (pending.size() >= limit) Close("500 5.5.2 Line too long");
    return std::nullopt;
  }
  if (pending[pos] == '\n') {
    Close("500 5.5.2 Bare LF is not allowed; lines end with CRLF");
    return std::nullopt;
  }
  if (pos + 1 == pending.size()) {
    if (pos + 2 > limit) Close("500 5.5.2 Line too long");
    return std::nullopt;  // the LF may still come
  }
  if (pending[pos + 1] != '\n') {
    Close("500 5.5.2 Bare CR is not allowed; lines end with CRLF");
    return std::nullopt;
  }
  if (pos + 2 > limit) {
    Close("500 5.5.2 Line too long");
    return std::nullopt;
  }
  std::string line(pending.substr(0, pos));
  consumed_ += pos + 2;
  return line;
}

Session::Step Session::Next() {
  for (;;) {
    std::optional<Step> step;
    switch (state_) {
      case State::kClosed:
        return Step::kClose;
      case State::kData:
        step = DataInput();
        break;
      case State::kCommand:
      case State::kAuthLoginUser:
      case State::kAuthLoginPassword:
      case State::kAuthPlainResponse: {
        auto line = TakeLine(limits_.max_command_line);
        if (!line) return state_ == State::kClosed ? Step::kClose : Step::kNeedInput;
        if (state_ == State::kCommand) {
          step = Command(*line);
        } else if (state_ == State::kAuthPlainResponse) {
          step = AuthPlain(*line);
        } else {
          step = AuthLogin(*line);
        }
        break;
      }
    }
    if (step) return *step;
  }
}

std::optional<Session::Step> Session::Command(std::string_view line) {
  if (HasControl(line)) return Error("500 5.5.2 Invalid character in command");
  auto space = line.find(' ');
  std::string verb = Upper(line.substr(0, space));
  std::string_view args =
      space == std::string_view::npos ? std::string_view() : TrimSpaces(line.substr(space + 1));

  if (verb == "EHLO") return Ehlo(args, true);
  if (verb == "HELO") return Ehlo(args, false);
  if (verb == "STARTTLS") return StartTls(args);
  if (verb == "AUTH") return Auth(args);
  if (verb == "MAIL") return Mail(args);
  if (verb == "RCPT") return Rcpt(args);
  if (verb == "DATA") return Data(args);
  if (verb == "RSET") {
    if (!args.empty()) return Error("501 5.5.4 Syntax: RSET");
    ResetTransaction();
    Reply("250 2.0.0 Ok");
    return std::nullopt;
  }
  if (verb == "NOOP") {
    Reply("250 2.0.0 Ok");
    return std::nullopt;
  }
  if (verb == "QUIT") return Close("221 2.0.0 Bye");
  if (verb == "VRFY") {
    Reply("252 2.5.0 Cannot VRFY; send some mail and it will be tried");
    return std::nullopt;
  }
  if (verb == "HELP") {
    Reply("214 2.0.0 Commands: EHLO HELO STARTTLS AUTH MAIL RCPT DATA RSET NOOP QUIT");
    return std::nullopt;
  }
  if (verb == "BDAT" || verb == "EXPN" || verb == "ETRN" || verb == "TURN") {
    return Error("502 5.5.1 " + verb + " is not implemented");
  }
  if (line.empty()) return Error("500 5.5.2 Empty command");
  return Error("500 5.5.2 Command not recognised");
}

std::optional<Session::Step> Session::Ehlo(std::string_view args, bool extended) {
  if (args.empty() || args.find(' ') != std::string_view::npos) {
    return Error(extended ? "501 5.5.4 Syntax: EHLO hostname" : "501 5.5.4 Syntax: HELO hostname");
  }
  ResetTransaction();
  greeted_ = true;
  if (!extended) {
    Reply("250 " + options_.hostname);
    return std::nullopt;
  }
  std::vector<std::string> lines = {
      options_.hostname,
      "PIPELINING",
      "SIZE " + std::to_string(limits_.max_message_bytes),
      "8BITMIME",
      "ENHANCEDSTATUSCODES",
      "SMTPUTF8",
      "DSN",
  };
  if (!options_.tls_active && options_.starttls_offered) lines.push_back("STARTTLS");
  // RFC 4954 §4: credentials only ever cross an encrypted connection.
  if (options_.tls_active && !authenticated_) lines.push_back("AUTH PLAIN LOGIN");
  for (std::size_t i = 0; i < lines.size(); ++i) {
    Reply((i + 1 < lines.size() ? "250-" : "250 ") + lines[i]);
  }
  return std::nullopt;
}

std::optional<Session::Step> Session::StartTls(std::string_view args) {
  if (!args.empty()) return Error("501 5.5.4 Syntax: STARTTLS");
  if (options_.tls_active) return Error("503 5.5.1 TLS is already active");
  if (!options_.starttls_offered) return Error("502 5.5.1 STARTTLS is not offered here");
  Reply("220 2.0.0 Ready to start TLS");
  // CVE-2011-0411: whatever the client pipelined behind STARTTLS was sent in clear and
  // must not be acted on once the channel is encrypted.
  input_.clear();
  consumed_ = 0;
  greeted_ = false;  // RFC 3207 §4.2: forget everything learnt before TLS
  ResetTransaction();
  return Step::kStartTls;
}

void Session::TlsStarted() { options_.tls_active = true; }

std::optional<Session::Step> Session::Auth(std::string_view args) {
  if (!options_.tls_active) return Error("530 5.7.0 Must issue a STARTTLS command first");
  if (!greeted_) return Error("503 5.5.1 Send EHLO first");
  if (authenticated_) return Error("503 5.5.1 Already authenticated");
  if (in_transaction_) return Error("503 5.5.1 AUTH is not allowed during a mail transaction");
  auto space = args.find(' ');
  std::string mechanism = Upper(args.substr(0, space));
  std::string_view initial =
      space == std::string_view::npos ? std::string_view() : TrimSpaces(args.substr(space + 1));
  if (mechanism == "PLAIN") {
    if (initial.empty()) {
      state_ = State::kAuthPlainResponse;
      Reply("334 ");
      return std::nullopt;
    }
    return AuthPlain(initial);
  }
  if (mechanism == "LOGIN") {
    state_ = State::kAuthLoginUser;
    if (initial.empty()) {
      Reply("334 VXNlcm5hbWU6");  // "Username:"
      return std::nullopt;
    }
    return AuthLogin(initial);
  }
  return Error("504 5.5.4 Unrecognised authentication type; use PLAIN or LOGIN");
}

std::optional<Session::Step> Session::AuthPlain(std::string_view response) {
  state_ = State::kCommand;
  if (response == "*") return Error("501 5.0.0 Authentication cancelled");
  std::optional<std::string> decoded =
      response == "=" ? std::optional<std::string>("") : Base64Decode(response);
  if (!decoded) return Error("501 5.5.2 Cannot decode the response");
  SecretBytes plain(decoded->data(), decoded->size());
  std::fill(decoded->begin(), decoded->end(), '\0');
  std::string_view all = plain.view();
  // authzid NUL authcid NUL passwd (RFC 4616)
  auto first = all.find('\0');
  auto second = first == std::string_view::npos ? first : all.find('\0', first + 1);
  if (second == std::string_view::npos) return Error("501 5.5.2 Malformed PLAIN response");
  std::string_view authzid = all.substr(0, first);
  std::string_view authcid = all.substr(first + 1, second - first - 1);
  if (!authzid.empty() && authzid != authcid) {
    return Error("535 5.7.8 Acting for another user is not allowed");
  }
  if (authcid.empty() || authcid.size() > kMaxUser || HasControl(authcid)) {
    return Error("501 5.5.2 Malformed user name");
  }
  auth_user_ = std::string(authcid);
  std::string_view password = all.substr(second + 1);
  auth_password_ = SecretBytes(password.data(), password.size());
  return Step::kAuthenticate;
}

std::optional<Session::Step> Session::AuthLogin(std::string_view response) {
  if (response == "*") {
    state_ = State::kCommand;
    return Error("501 5.0.0 Authentication cancelled");
  }
  auto decoded = Base64Decode(response);
  if (!decoded) {
    state_ = State::kCommand;
    return Error("501 5.5.2 Cannot decode the response");
  }
  if (state_ == State::kAuthLoginUser) {
    if (decoded->empty() || decoded->size() > kMaxUser || HasControl(*decoded)) {
      state_ = State::kCommand;
      return Error("501 5.5.2 Malformed user name");
    }
    auth_user_ = *decoded;
    state_ = State::kAuthLoginPassword;
    Reply("334 UGFzc3dvcmQ6");  // "Password:"
    return std::nullopt;
  }
  state_ = State::kCommand;
  auth_password_ = SecretBytes(decoded->data(), decoded->size());
  std::fill(decoded->begin(), decoded->end(), '\0');
  return Step::kAuthenticate;
}

void Session::AuthResult(bool ok, std::vector<std::string> allowed_senders) {
  auth_password_ = SecretBytes();
  if (ok) {
    authenticated_ = true;
    allowed_senders_ = std::move(allowed_senders);
    envelope_.auth_user = auth_user_;
    Reply("235 2.7.0 Authentication successful");
    return;
  }
  auth_user_.clear();
  if (++auth_failures_ >= limits_.max_auth_failures) {
    Reply("535 5.7.8 Authentication credentials invalid");
    Close("421 4.7.0 " + options_.hostname + " Too many failed logins; closing");
    return;
  }
  ++errors_;
  Reply("535 5.7.8 Authentication credentials invalid");
}

void Session::AuthUnavailable(std::string_view reply) {
  auth_password_ = SecretBytes();
  auth_user_.clear();
  Reply(reply);
  if (++auth_failures_ >= limits_.max_auth_failures) {
    Close("421 4.7.0 " + options_.hostname + " Too many failed logins; closing");
  }
}

bool Session::SenderAllowed(std::string_view address) const {
  std::string canonical = CanonicalAddress(address);
  return std::any_of(allowed_senders_.begin(), allowed_senders_.end(),
                     [&](const std::string& a) { return CanonicalAddress(a) == canonical; });
}

std::optional<Session::Step> Session::Mail(std::string_view args) {
  if (!greeted_) return Error("503 5.5.1 Send EHLO first");
  if (in_transaction_) return Error("503 5.5.1 Nested MAIL command");
  if (!authenticated_ && !options_.trusted_client) {
    return Error(options_.tls_active ? "530 5.7.0 Authentication required"
                                     : "530 5.7.0 Must issue a STARTTLS command first");
  }
  auto parsed = ParsePath(args, "FROM:");
  if (!parsed) return Error("501 5.5.4 Syntax: MAIL FROM:<address> [parameters]");
  Envelope env;
  for (const auto& param : parsed->params) {
    std::string value;
    std::string name = SplitParam(param, value);
    if (name == "SIZE") {
      if (value.empty() || value.size() > 19 ||
          !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return Error("501 5.5.4 Bad SIZE parameter");
      }
      if (std::stoull(value) > limits_.max_message_bytes) {
        return Error("552 5.3.4 Message size exceeds the maximum of " +
                     std::to_string(limits_.max_message_bytes) + " bytes");
      }
    } else if (name == "BODY") {
      std::string v = Upper(value);
      if (v != "7BIT" && v != "8BITMIME") return Error("501 5.5.4 BODY must be 7BIT or 8BITMIME");
      env.body = v;
    } else if (name == "SMTPUTF8" && value.empty()) {
      env.smtputf8 = true;
    } else if (name == "RET") {
      std::string v = Upper(value);
      if (v != "FULL" && v != "HDRS") return Error("501 5.5.4 RET must be FULL or HDRS");
      env.ret = v;
    } else if (name == "ENVID") {
      if (value.empty() || value.size() > kMaxEnvid || !IsXtext(value)) {
        return Error("501 5.5.4 Bad ENVID parameter");
      }
      env.envid = value;
    } else if (name == "AUTH") {
      // RFC 4954 §5: accepted and ignored; the login, not this, names the submitter.
    } else {
      return Error("555 5.5.4 Unsupported parameter " + SanitizeForLog(name, 32));
    }
  }
  if (parsed->path.empty()) {
    return Error("553 5.7.1 Submission needs a sender address; <> is not accepted");
  }
  std::string problem = PathProblem(parsed->path, env.smtputf8);
  if (!problem.empty()) return Error("553 5.1.7 Bad sender address: " + problem);
  if (authenticated_ && !SenderAllowed(parsed->path)) {
    // Both are the client's own bytes: echoed sanitised, so no reply can be split.
    return Error("553 5.7.1 Sender address <" + SanitizeForLog(parsed->path, 320) +
                 "> is not allowed for " + SanitizeForLog(auth_user_, 320));
  }
  env.mail_from = parsed->path;
  env.auth_user = authenticated_ ? auth_user_ : std::string();
  ResetTransaction();
  envelope_ = std::move(env);
  in_transaction_ = true;
  Reply("250 2.1.0 Sender ok");
  return std::nullopt;
}

std::optional<Session::Step> Session::Rcpt(std::string_view args) {
  if (!in_transaction_) return Error("503 5.5.1 Need MAIL command first");
  auto parsed = ParsePath(args, "TO:");
  if (!parsed) return Error("501 5.5.4 Syntax: RCPT TO:<address> [parameters]");
  RecipientParams rcpt;
  for (const auto& param : parsed->params) {
    std::string value;
    std::string name = SplitParam(param, value);
    if (name == "NOTIFY") {
      if (!ValidNotify(value)) return Error("501 5.5.4 Bad NOTIFY parameter");
      rcpt.notify = Upper(value);
    } else if (name == "ORCPT") {
      auto semi = value.find(';');
      if (semi == std::string::npos || semi == 0 || value.size() > kMaxOrcpt ||
          !IsXtext(value.substr(semi + 1))) {
        return Error("501 5.5.4 Bad ORCPT parameter");
      }
      rcpt.orcpt = value;
    } else {
      return Error("555 5.5.4 Unsupported parameter " + SanitizeForLog(name, 32));
    }
  }
  std::string problem = PathProblem(parsed->path, envelope_.smtputf8);
  if (parsed->path.empty()) problem = "a recipient address is required";
  if (!problem.empty()) return Error("553 5.1.3 Bad recipient address: " + problem);
  if (envelope_.recipients.size() >= limits_.max_recipients) {
    return Error("452 4.5.3 Too many recipients");
  }
  rcpt.address = parsed->path;
  envelope_.recipients.push_back(std::move(rcpt));
  Reply("250 2.1.5 Recipient ok");
  return std::nullopt;
}

std::optional<Session::Step> Session::Data(std::string_view args) {
  if (!args.empty()) return Error("501 5.5.4 Syntax: DATA");
  if (!in_transaction_) return Error("503 5.5.1 Need MAIL command first");
  if (envelope_.recipients.empty()) return Error("554 5.5.1 No valid recipients");
  state_ = State::kData;
  message_.clear();
  message_size_ = 0;
  Reply("354 End data with <CR><LF>.<CR><LF>");
  return std::nullopt;
}

std::optional<Session::Step> Session::DataInput() {
  for (;;) {
    std::string_view pending = Pending();
    auto pos = FindLineBreak(pending);
    if (pos == std::string_view::npos || pos + 1 == pending.size()) {
      std::size_t whole = pos == std::string_view::npos ? pending.size() : pos;
      if (discarding_line_ || whole + 2 > limits_.max_text_line) {
        // An over-long line: count it, keep nothing, look only for its end.
        line_too_long_ = discarding_line_ = true;
        message_size_ += whole;
        consumed_ += whole;
      }
      return Step::kNeedInput;
    }
    if (pending[pos] == '\n') return Close("500 5.5.2 Bare LF in message data is not allowed");
    if (pending[pos + 1] != '\n') return Close("500 5.5.2 Bare CR in message data is not allowed");
    std::string_view line = pending.substr(0, pos);
    consumed_ += pos + 2;
    if (discarding_line_) {
      discarding_line_ = false;
      message_size_ += line.size() + 2;
      continue;
    }
    if (line.size() + 2 > limits_.max_text_line) {
      line_too_long_ = true;
      message_size_ += line.size() + 2;
      continue;
    }
    if (line == ".") return EndOfData();
    if (!line.empty() && line.front() == '.') line.remove_prefix(1);  // RFC 5321 §4.5.2
    message_size_ += line.size() + 2;
    if (line.find('\0') != std::string_view::npos) has_nul_ = true;
    if (message_size_ > limits_.max_message_bytes) too_big_ = true;
    if (!too_big_ && !line_too_long_ && !has_nul_) {
      message_.append(line);
      message_.append("\r\n");
    }
  }
}

std::optional<Session::Step> Session::EndOfData() {
  state_ = State::kCommand;
  std::string refusal;
  if (too_big_) {
    refusal = "552 5.3.4 Message size exceeds the maximum of " +
              std::to_string(limits_.max_message_bytes) + " bytes";
  } else if (line_too_long_) {
    refusal = "554 5.6.0 Message has a line longer than " +
              std::to_string(limits_.max_text_line) + " octets";
  } else if (has_nul_) {
    refusal = "554 5.6.0 Message contains a NUL character";
  }
  if (!refusal.empty()) {
    ResetTransaction();
    Reply(refusal);
    return std::nullopt;
  }
  return Step::kMessage;
}

std::string Session::TakeMessage() { return std::exchange(message_, {}); }

void Session::Committed(std::string_view queue_id) {
  Reply("250 2.0.0 Ok: queued as " + std::string(queue_id));
  ResetTransaction();
}

void Session::NotCommitted(std::string_view reply) {
  Reply(reply);
  ResetTransaction();
}

}  // namespace sealpost::smtp
