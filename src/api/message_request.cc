#include "api/message_request.h"

#include <boost/json.hpp>

#include <set>

#include "base/encoding.h"
#include "base/text.h"
#include "mime/address.h"

namespace sealpost::api {
namespace json = boost::json;
namespace {

using Problems = std::vector<http::InvalidParam>;

// Reads an optional string member; records a problem when present but not a string.
std::optional<std::string> OptionalString(const json::object& o, const char* key,
                                          const std::string& field, Problems& problems) {
  auto* v = o.if_contains(key);
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_string()) {
    problems.push_back({field, "must be a string"});
    return std::nullopt;
  }
  return std::string(v->get_string());
}

void Addresses(const json::object& o, const char* key, bool required, std::vector<std::string>& out,
               Problems& problems) {
  auto* v = o.if_contains(key);
  if (!v || v->is_null()) {
    if (required) problems.push_back({key, "is required: a list of recipient addresses"});
    return;
  }
  if (!v->is_array()) {
    problems.push_back({key, "must be a list of addresses"});
    return;
  }
  std::size_t i = 0;
  for (const auto& item : v->get_array()) {
    std::string field = std::string(key) + "[" + std::to_string(i++) + "]";
    if (!item.is_string()) {
      problems.push_back({field, "must be a string"});
      continue;
    }
    std::string address(item.get_string());
    std::string why = AddressProblem(address);
    if (!why.empty()) {
      problems.push_back({field, "is not a valid address: it " + why});
      continue;
    }
    out.push_back(address);
  }
  if (required && i == 0) problems.push_back({key, "needs at least one address"});
}

}  // namespace

ParsedRequest ParseMessageRequest(std::string_view text, const submission::RequestLimits& limits) {
  ParsedRequest out;
  Problems& problems = out.problems;
  submission::Submission& r = out.request;

  json::parse_options options;
  options.max_depth = 16;
  json::stream_parser parser({}, options);
  boost::system::error_code ec;
  std::size_t consumed = parser.write_some(text.data(), text.size(), ec);
  if (!ec && consumed < text.size()) ec = json::error::extra_data;
  if (!ec) parser.finish(ec);
  if (ec) {
    problems.push_back({"body", "is not valid JSON (" + ec.message() + " at byte " +
                                    std::to_string(consumed) + ")"});
    return out;
  }
  json::value root = parser.release();
  if (!root.is_object()) {
    problems.push_back({"body", "must be a JSON object"});
    return out;
  }
  const json::object& o = root.get_object();
  static const std::set<std::string> kKnown = {"from", "to",   "cc",          "bcc",    "subject",
                                               "text", "html", "attachments", "options"};
  for (const auto& member : o) {
    if (!kKnown.count(std::string(member.key()))) {
      problems.push_back({SanitizeForLog(member.key(), 64), "is not a known field"});
    }
  }

  if (auto from = OptionalString(o, "from", "from", problems)) {
    std::string why = AddressProblem(*from);
    if (why.empty()) r.from = *from;
    else problems.push_back({"from", "is not a valid address: it " + why});
  } else if (auto* v = o.if_contains("from"); !v || v->is_null()) {
    problems.push_back({"from", "is required"});
  }
  Addresses(o, "to", true, r.to, problems);
  Addresses(o, "cc", false, r.cc, problems);
  Addresses(o, "bcc", false, r.bcc, problems);
  if (r.to.size() + r.cc.size() + r.bcc.size() > limits.max_recipients) {
    problems.push_back({"to", "too many recipients (at most " +
                                  std::to_string(limits.max_recipients) + ")"});
  }

  if (auto subject = OptionalString(o, "subject", "subject", problems)) {
    if (auto why = submission::SubjectProblem(*subject, limits); !why.empty()) {
      problems.push_back({"subject", why});
    } else {
      r.subject = *subject;
    }
  }
  r.text = OptionalString(o, "text", "text", problems).value_or("");
  r.html = OptionalString(o, "html", "html", problems).value_or("");

  if (auto* list = o.if_contains("attachments"); list && !list->is_null()) {
    if (!list->is_array()) {
      problems.push_back({"attachments", "must be a list"});
    } else if (list->get_array().size() > limits.max_attachments) {
      problems.push_back({"attachments", "too many attachments (at most " +
                                             std::to_string(limits.max_attachments) + ")"});
    } else {
      std::uint64_t total = 0;
      std::size_t i = 0;
      for (const auto& item : list->get_array()) {
        std::string field = "attachments[" + std::to_string(i++) + "]";
        if (!item.is_object()) {
          problems.push_back({field, "must be an object"});
          continue;
        }
        const auto& a = item.get_object();
        submission::AttachmentInput in;
        in.filename = OptionalString(a, "filename", field + ".filename", problems).value_or("");
        in.content_type =
            OptionalString(a, "content_type", field + ".content_type", problems).value_or("");
        auto meta = submission::CheckAttachmentMeta(field, in.filename, in.content_type);
        problems.insert(problems.end(), meta.begin(), meta.end());
        auto content = OptionalString(a, "content_base64", field + ".content_base64", problems);
        if (!content) {
          if (!a.if_contains("content_base64")) {
            problems.push_back({field + ".content_base64", "is required"});
          }
          continue;
        }
        auto size = Base64DecodedSize(*content);
        if (!size) {
          problems.push_back({field + ".content_base64", "is not valid base64"});
          continue;
        }
        total += *size;
        in.content_base64 = std::move(*content);
        r.attachments.push_back(std::move(in));
      }
      if (total > limits.max_attachment_bytes) {
        problems.push_back({"attachments", "are larger than " +
                                               std::to_string(limits.max_attachment_bytes) +
                                               " bytes in all"});
      }
    }
  }
  if (r.text.empty() && r.html.empty() && r.attachments.empty() && problems.empty()) {
    problems.push_back({"text", "a message needs text, html or an attachment"});
  }

  if (auto* opts = o.if_contains("options"); opts && !opts->is_null()) {
    if (!opts->is_object()) {
      problems.push_back({"options", "must be an object"});
    } else {
      const auto& op = opts->get_object();
      for (const auto& member : op) {
        if (member.key() != "escrow" && member.key() != "expires_in_days" &&
            member.key() != "tls_only" && member.key() != "read_receipt") {
          problems.push_back({"options." + SanitizeForLog(member.key(), 64), "is not a known option"});
        }
      }
      if (auto* days = op.if_contains("expires_in_days"); days && !days->is_null()) {
        const std::string why = days->is_int64()
                                    ? submission::ExpiryProblem(days->get_int64(), limits)
                                    : submission::ExpiryProblem(0, limits);
        if (!why.empty()) {
          problems.push_back({"options.expires_in_days", why});
        } else {
          r.expires_in_days = static_cast<int>(days->get_int64());
        }
      }
      if (auto* tls = op.if_contains("tls_only"); tls && !tls->is_null()) {
        // Only opting out means anything: a message cannot force TLS-only on a sender
        // whose settings leave it off.
        if (!tls->is_bool()) {
          problems.push_back({"options.tls_only", "must be true or false"});
        } else {
          r.tls_only_opt_out = !tls->get_bool();
        }
      }
      if (auto* receipt = op.if_contains("read_receipt"); receipt && !receipt->is_null()) {
        if (!receipt->is_bool()) {
          problems.push_back({"options.read_receipt", "must be true or false"});
        } else {
          r.read_receipt = receipt->get_bool();
        }
      }
      if (auto* escrow = op.if_contains("escrow"); escrow && !escrow->is_null()) {
        if (!escrow->is_object()) {
          problems.push_back({"options.escrow", "must be an object with question and answer"});
        } else {
          const auto& e = escrow->get_object();
          for (const auto& member : e) {
            if (member.key() != "question" && member.key() != "answer" && member.key() != "save") {
              problems.push_back({"options.escrow." + SanitizeForLog(member.key(), 64),
                                  "is not a known option"});
            }
          }
          r.question = OptionalString(e, "question", "options.escrow.question", problems);
          r.answer = OptionalString(e, "answer", "options.escrow.answer", problems);
          if (auto* save = e.if_contains("save"); save && !save->is_null()) {
            if (!save->is_bool()) problems.push_back({"options.escrow.save", "must be true or false"});
            else r.save_answer = save->get_bool();
          }
          if (r.save_answer && !r.question) {
            problems.push_back({"options.escrow.save", "needs a question and an answer to save"});
          }
          if (r.question) {
            if (auto why = submission::QuestionProblem(*r.question, limits); !why.empty()) {
              problems.push_back({"options.escrow.question", why});
            }
          }
          if (r.answer) {
            if (auto why = submission::AnswerProblem(*r.answer, limits); !why.empty()) {
              problems.push_back({"options.escrow.answer", why});
            }
          }
          if (r.question.has_value() != r.answer.has_value()) {
            problems.push_back({"options.escrow", "needs both a question and an answer"});
          }
        }
      }
    }
  }
  return out;
}

}  // namespace sealpost::api
