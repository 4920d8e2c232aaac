#include "submission/envelope_json.h"

#include <boost/json.hpp>

namespace sealpost::submission {
namespace json = boost::json;

std::string EnvelopeToJson(const smtp::Envelope& e) {
  json::array rcpts;
  for (const auto& r : e.recipients) {
    rcpts.push_back(json::object{{"address", r.address}, {"notify", r.notify}, {"orcpt", r.orcpt}});
  }
  return json::serialize(json::object{{"mail_from", e.mail_from},
                                      {"recipients", std::move(rcpts)},
                                      {"body", e.body},
                                      {"smtputf8", e.smtputf8},
                                      {"ret", e.ret},
                                      {"envid", e.envid},
                                      {"auth_user", e.auth_user}});
}

Result<smtp::Envelope> EnvelopeFromJson(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return MakeError(ErrorCode::kIntegrity, "stored envelope is not JSON");
  const auto& o = v.get_object();
  auto str = [&](const json::object& obj, const char* key) -> std::string {
    auto* f = obj.if_contains(key);
    return f && f->is_string() ? std::string(f->get_string()) : std::string();
  };
  smtp::Envelope e;
  e.mail_from = str(o, "mail_from");
  e.body = str(o, "body");
  e.ret = str(o, "ret");
  e.envid = str(o, "envid");
  e.auth_user = str(o, "auth_user");
  auto* utf8 = o.if_contains("smtputf8");
  e.smtputf8 = utf8 && utf8->is_bool() && utf8->get_bool();
  auto* rcpts = o.if_contains("recipients");
  if (!rcpts || !rcpts->is_array()) return MakeError(ErrorCode::kIntegrity, "stored envelope has no recipients");
  for (const auto& r : rcpts->get_array()) {
    if (!r.is_object()) return MakeError(ErrorCode::kIntegrity, "stored recipient is not an object");
    e.recipients.push_back({str(r.get_object(), "address"), str(r.get_object(), "notify"),
                            str(r.get_object(), "orcpt")});
  }
  return e;
}

std::string DsnJson(const smtp::Envelope& e, const smtp::RecipientParams& r) {
  if (r.notify.empty() && r.orcpt.empty() && e.envid.empty() && e.ret.empty()) return {};
  return json::serialize(
      json::object{{"notify", r.notify}, {"orcpt", r.orcpt}, {"envid", e.envid}, {"ret", e.ret}});
}

}  // namespace sealpost::submission
