// The SMTP submission protocol (RFC 5321, 6409, 3207, 4954, 2920, 1870, 6152, 6531,
// 3461, 2034) as a state machine without I/O. A driver feeds it the bytes it reads,
// writes out what it produces, and carries out the few steps that need the outside
// world (a TLS handshake, a password check, committing a message), reporting back.
//
// Security exposure: high. Every byte comes from an unauthenticated client on the
// Internet. Strictness is the defence against SMTP smuggling (CVE-2023-51764 family):
// a bare CR or bare LF anywhere, in commands or in message data, is refused and the
// session closed, so only CRLF "." CRLF can end a message and no client can make two
// messages of one. Bytes pipelined behind STARTTLS are discarded (CVE-2011-0411).
// Limits: command lines of 512 octets, text lines of 1,000 (both with CRLF), a message
// size enforced while reading (the excess is never kept), recipients, errors and
// failed logins per session.
//
// Thread-safety: one session per connection, used by one thread at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/secret.h"

namespace sealpost::smtp {

struct SessionLimits {
  std::size_t max_command_line = 512;  // octets, CRLF included (RFC 5321 §4.5.3.1.4)
  std::size_t max_text_line = 1000;    // octets, CRLF included (RFC 5321 §4.5.3.1.6)
  std::uint64_t max_message_bytes = 25 * 1024 * 1024;
  std::size_t max_recipients = 100;
  int max_errors = 10;         // bad commands before the session is closed
  int max_auth_failures = 3;   // failed logins before the session is closed
};

struct SessionOptions {
  std::string hostname = "localhost";  // our name, in the greeting and EHLO reply
  bool tls_active = false;             // implicit TLS (RFC 8314)
  bool starttls_offered = true;        // a certificate is loaded
  bool trusted_client = false;         // may submit without AUTH (trusted network)
};

// RFC 3461 parameters of one recipient, carried to the delivery reports.
struct RecipientParams {
  std::string address;
  std::string notify;  // "" (not given), "NEVER", or a comma list of SUCCESS,FAILURE,DELAY
  std::string orcpt;   // original recipient, "type;xtext" as given
};

struct Envelope {
  std::string mail_from;
  std::vector<RecipientParams> recipients;
  std::string body;     // "7BIT" or "8BITMIME" ("" when not given)
  bool smtputf8 = false;
  std::string ret;      // "FULL", "HDRS" or ""
  std::string envid;    // as given (xtext)
  std::string auth_user;  // who logged in; empty for a trusted client
};

class Session {
 public:
  enum class Step {
    kNeedInput,     // write Output(), then read more and Receive() it
    kStartTls,      // write Output() (the 220), run the handshake, then TlsStarted()
    kAuthenticate,  // check AuthUser()/AuthPassword(), then AuthResult()
    kMessage,       // a message ended: commit Message() with envelope(), then
                    // Committed() or NotCommitted()
    kClose,         // write Output(), then close the connection
  };

  Session(SessionOptions options, SessionLimits limits);

  // Queues the 220 greeting.
  void Start();
  // Appends received bytes. Input beyond what one step needs stays buffered (bounded:
  // at most one line plus what the driver reads at once).
  void Receive(std::string_view bytes);
  // Runs until the driver has to do something.
  Step Next();

  // Bytes to send to the client; cleared by taking them.
  std::string TakeOutput();

  void TlsStarted();
  const std::string& AuthUser() const { return auth_user_; }
  const SecretBytes& AuthPassword() const { return auth_password_; }
  // `allowed_senders`: the addresses this user may use in MAIL FROM and From:.
  void AuthResult(bool ok, std::vector<std::string> allowed_senders = {});
  // The login was not checked (the client is throttled): `reply` says why. Counts as a
  // failed login.
  void AuthUnavailable(std::string_view reply);

  const Envelope& envelope() const { return envelope_; }
  // The message as received: dot-stuffing removed, CRLF line endings.
  std::string TakeMessage();
  void Committed(std::string_view queue_id);
  // `reply`: a complete reply line without CRLF, e.g. "451 4.3.0 ...".
  void NotCommitted(std::string_view reply);

  // Who may be used as a sender: empty when any address is allowed (a trusted client).
  const std::vector<std::string>& allowed_senders() const { return allowed_senders_; }
  bool tls_active() const { return options_.tls_active; }
  bool authenticated() const { return authenticated_; }
  // Between DATA's 354 and the final dot: what a shutdown lets finish.
  bool receiving_data() const { return state_ == State::kData; }

 private:
  enum class State {
    kCommand,
    kAuthLoginUser,
    kAuthLoginPassword,
    kAuthPlainResponse,
    kData,
    kClosed,
  };

  // A complete line from input_ (without its CRLF), or nullopt when more input is
  // needed. On a framing error, queues the reply, closes, and returns nullopt.
  // Handlers return the step for the driver, or nullopt to go on with the input.
  std::optional<std::string> TakeLine(std::size_t limit);
  std::optional<Step> Command(std::string_view line);
  std::optional<Step> Ehlo(std::string_view args, bool extended);
  std::optional<Step> StartTls(std::string_view args);
  std::optional<Step> Mail(std::string_view args);
  std::optional<Step> Rcpt(std::string_view args);
  std::optional<Step> Data(std::string_view args);
  std::optional<Step> Auth(std::string_view args);
  std::optional<Step> AuthPlain(std::string_view response);
  std::optional<Step> AuthLogin(std::string_view response);
  std::optional<Step> DataInput();
  std::optional<Step> EndOfData();
  std::optional<Step> Error(std::string_view reply);
  Step Close(std::string_view reply);
  std::string_view Pending() const { return std::string_view(input_).substr(consumed_); }
  void Reply(std::string_view reply);
  void ResetTransaction();
  bool SenderAllowed(std::string_view address) const;

  SessionOptions options_;
  SessionLimits limits_;
  State state_ = State::kCommand;
  std::string input_;
  std::size_t consumed_ = 0;  // input_ before this has been handled
  std::string output_;
  bool greeted_ = false;  // HELO or EHLO seen
  bool authenticated_ = false;
  int errors_ = 0;
  int auth_failures_ = 0;
  std::string auth_user_;
  SecretBytes auth_password_;
  std::vector<std::string> allowed_senders_;

  bool in_transaction_ = false;  // MAIL accepted
  Envelope envelope_;
  std::string message_;
  std::uint64_t message_size_ = 0;  // octets seen, kept or not
  bool too_big_ = false;
  bool line_too_long_ = false;
  bool has_nul_ = false;
  bool discarding_line_ = false;   // inside an over-long data line
};

}  // namespace sealpost::smtp
