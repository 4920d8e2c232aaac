#include "api/admin_api.h"

#include <algorithm>
#include <boost/json.hpp>

#include "api/gate.h"
#include "api/json_body.h"
#include "audit/export.h"
#include "audit/pending.h"
#include "base/encoding.h"
#include "base/text.h"
#include "policy/settings_json.h"
#include "queue/backlog.h"
#include "store/audit_export.h"

namespace sealpost::api {
namespace json = boost::json;
using boost::asio::awaitable;
using http::Response;

namespace {

constexpr std::uint64_t kMaxSettingsBody = 256 * 1024;
constexpr std::uint64_t kMaxCsvBody = 64ull * 1024 * 1024;

// The audit trail's filters from a query string: since, until (dates or RFC 3339
// times), actor, account, message, recipient, action ("message.*" for a family),
// result; limit (1–1000) and cursor for a page.
Result<AuditQuery> AuditQueryOf(const http::Request& req) {
  auto form = http::ParseForm(req.query, 16);
  if (!form.ok()) return MakeError(ErrorCode::kInvalidArgument, "a malformed query string", "query");
  AuditQuery q;
  for (const auto& [name, value] : *form) {
    if (name == "since" || name == "until") {
      auto t = ParseRfc3339OrDate(value);
      if (!t.ok()) return MakeError(ErrorCode::kInvalidArgument, t.error().message, name);
      (name == "since" ? q.from : q.to) = *t;
    } else if (name == "limit") {
      auto n = PageLimit(value, 1000);
      if (!n.ok()) return std::move(n).error();
      q.limit = *n;
    } else if (name == "cursor") {
      const bool digits = !value.empty() && value.size() <= 18 &&
                          std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (!digits) {
        return MakeError(ErrorCode::kInvalidArgument, "a cursor from the last page", name);
      }
      q.before_seq = std::stoll(value);
    } else if (name == "actor" || name == "account" || name == "message" || name == "recipient" ||
               name == "action" || name == "result") {
      if (value.size() > 320) return MakeError(ErrorCode::kInvalidArgument, "too long", name);
      std::string& field = name == "actor"     ? q.actor
                           : name == "account" ? q.account
                           : name == "message" ? q.message_id
                           : name == "recipient" ? q.recipient
                           : name == "action"  ? q.action
                                               : q.result;
      field = value;
    } else if (name != "format") {
      return MakeError(ErrorCode::kInvalidArgument, "not a filter of the audit trail", name);
    }
  }
  return q;
}

// An account's clients see their account's records only; the organisation's own
// ("default") see every account's. Asking for another account is refused, not
// silently narrowed, so a wrong filter does not look like an empty trail.
Status ScopeToCaller(const Principal& caller, AuditQuery& q) {
  if (caller.account == "default") return OkStatus();
  if (!q.account.empty() && q.account != caller.account) {
    return MakeError(ErrorCode::kPermissionDenied,
                     "this client reads the audit trail of its own account only", "account");
  }
  q.account = caller.account;
  return OkStatus();
}

Result<policy::BookRef> BookParam(const std::string& raw) {
  auto decoded = http::PercentDecode(raw);
  if (!decoded) return MakeError(ErrorCode::kInvalidArgument, "bad percent escape", "book");
  return policy::ParseBookRef(*decoded);
}

}  // namespace

awaitable<Response> AdminApi::AsAdmin(http::Request& req,
                                      std::function<Response(const Principal&)> work) {
  // The gate authenticated the caller and checked the route's scope (admin, or
  // audit:read for the trail), before the body was read.
  return RunRecorded(req, offloader_, audit_, clock_, std::move(work));
}

Status AdminApi::ReplaceSettings(OrgLevel level, const std::string& name, std::string_view json) {
  // The directory records what the settings were and became (never answers).
  return directory_.Replace(level, name, json);
}

void AdminApi::Register(http::Router& router) {
  RegisterNamespaces(router);
  RegisterAudit(router);
  RegisterClients(router);
  RegisterOrg(router);
  if (webhooks_.store) RegisterWebhooks(router);
  if (forms_) RegisterForms(router);
  if (backlog_) {
    router.Add("GET", "/api/v1/queue/backlog", [this](http::Request& req) {
      return AsAdmin(req, [this](const Principal&) -> Response {
        const BacklogCount count = backlog_->last();
        boost::json::object body{{"submissions", count.submissions},
                                 {"outbound", count.outbound},
                                 {"waiting", count.total()},
                                 {"slow_down_at", backlog_->limits().slow_down},
                                 {"refuse_at", backlog_->limits().refuse},
                                 {"state", PressureName(backlog_->pressure())}};
        return http::JsonResponse(200, boost::json::serialize(body));
      });
    });
  }
  router.Add("GET", "/api/v1/settings/{level}/{name}", [this](http::Request& req) {
    return AsAdmin(req, [this, &req](const Principal&) -> Response {
      auto level = policy::ParseOrgLevel(req.params[0]);
      auto name = http::PercentDecode(req.params[1]);
      if (!level.ok()) return Problem(level.error());
      if (!name) return Problem(MakeError(ErrorCode::kInvalidArgument, "bad percent escape", "name"));
      auto layer = directory_.Settings(*level, *name);
      if (!layer.ok()) return Problem(layer.error());
      return http::JsonResponse(200, policy::SettingsForDisplay(*layer));
    });
  });
  router.Add("PUT", "/api/v1/settings/{level}/{name}", [this](http::Request& req) {
    return AsAdmin(req, [this, &req](const Principal&) -> Response {
      auto level = policy::ParseOrgLevel(req.params[0]);
      auto name = http::PercentDecode(req.params[1]);
      if (!level.ok()) return Problem(level.error());
      if (!name) return Problem(MakeError(ErrorCode::kInvalidArgument, "bad percent escape", "name"));
      auto status = ReplaceSettings(*level, *name, req.body);
      if (!status.ok()) return Problem(status.error());
      auto layer = directory_.Settings(*level, *name);
      if (!layer.ok()) return Problem(layer.error());
      return http::JsonResponse(200, policy::SettingsForDisplay(*layer));
    });
  }, http::BodyMode::kBuffered, kMaxSettingsBody);

  router.Add("POST", "/api/v1/address-books", [this](http::Request& req) {
    return AsAdmin(req, [this, &req](const Principal&) -> Response {
      boost::system::error_code ec;
      json::value v = json::parse(req.body, ec);
      const json::value* book = !ec && v.is_object() ? v.get_object().if_contains("book") : nullptr;
      if (!book || !book->is_string()) {
        return Problem(MakeError(ErrorCode::kInvalidArgument, "must be \"level:owner:name\"", "book"));
      }
      auto ref = policy::ParseBookRef(book->get_string());
      if (!ref.ok()) return Problem(ref.error());
      auto status = books_.CreateBook(*ref);
      if (!status.ok()) return Problem(status.error());
      return http::JsonResponse(201, json::serialize(json::object{{"book", ref->ToString()}}));
    });
  });
  router.Add("GET", "/api/v1/address-books/{book}/entries", [this](http::Request& req) {
    return AsAdmin(req, [this, &req](const Principal&) -> Response {
      auto ref = BookParam(req.params[0]);
      if (!ref.ok()) return Problem(ref.error());
      auto entries = books_.List(*ref);
      if (!entries.ok()) return Problem(entries.error());
      json::array list;
      for (const auto& e : *entries) list.push_back({{"address", e.address}, {"kind", e.kind}});
      return http::JsonResponse(200, json::serialize(json::object{{"entries", std::move(list)}}));
    });
  });
  router.Add("PUT", "/api/v1/address-books/{book}/entries/{address}", [this](http::Request& req) {
    return AsAdmin(req, [this, &req](const Principal&) -> Response {
      auto ref = BookParam(req.params[0]);
      if (!ref.ok()) return Problem(ref.error());
      auto address = http::PercentDecode(req.params[1]);
      boost::system::error_code ec;
      json::value v = json::parse(req.body, ec);
      const json::object* o = !ec && v.is_object() ? &v.get_object() : nullptr;
      const json::value* q = o ? o->if_contains("question") : nullptr;
      const json::value* a = o ? o->if_contains("answer") : nullptr;
      if (!q || !a || !q->is_string() || !a->is_string()) {
        return Problem(MakeError(ErrorCode::kInvalidArgument,
                                 "must be {\"question\": ..., \"answer\": ...}", "body"));
      }
      if (!address) return Problem(MakeError(ErrorCode::kInvalidArgument, "bad percent escape", "address"));
      auto status = books_.AddQuestion(*ref, *address, {std::string(q->get_string()),
                                                        std::string(a->get_string())});
      if (!status.ok()) return Problem(status.error());
      return http::JsonResponse(200, json::serialize(json::object{{"address", *address}, {"kind", "question"}}));
    });
  }, http::BodyMode::kBuffered, 8 * 1024);
  // A recipient's OpenPGP public key or S/MIME certificate, as the body (armored, PEM or
  // binary): judged as the CLI's "book add-key" judges it.
  router.Add("PUT", "/api/v1/address-books/{book}/keys/{address}", [this](http::Request& req) {
    return AsAdmin(req, [this, &req](const Principal&) -> Response {
      auto ref = BookParam(req.params[0]);
      if (!ref.ok()) return Problem(ref.error());
      auto address = http::PercentDecode(req.params[1]);
      if (!address) return Problem(MakeError(ErrorCode::kInvalidArgument, "bad percent escape", "address"));
      auto added = books_.AddKey(*ref, *address, req.body);
      if (!added.ok()) return Problem(added.error());
      return http::JsonResponse(200, json::serialize(json::object{
                                         {"address", *address}, {"key", *added}}));
    });
  }, http::BodyMode::kBuffered, 1024 * 1024);
  // Keys and certificates in bulk: {"keys": [{"address", "data"}]}, data armored or PEM,
  // or "data_base64" for binary; each bad one reported by its index, the good imported.
  router.Add("POST", "/api/v1/address-books/{book}/keys", [this](http::Request& req) {
    return AsAdmin(req, [this, &req](const Principal&) -> Response {
      auto ref = BookParam(req.params[0]);
      if (!ref.ok()) return Problem(ref.error());
      boost::system::error_code ec;
      json::value body = json::parse(req.body, ec);
      const json::array* list = !ec && body.is_object() && body.as_object().contains("keys") &&
                                        body.as_object().at("keys").is_array()
                                    ? &body.as_object().at("keys").as_array()
                                    : nullptr;
      if (!list) {
        return Problem(MakeError(ErrorCode::kInvalidArgument,
                                 "must be {\"keys\": [{\"address\", \"data\"}, ...]}", "keys"));
      }
      // Each key is parsed by RNP or OpenSSL: a bounded number per request.
      constexpr std::size_t kMaxKeysPerRequest = 10000;
      if (list->size() > kMaxKeysPerRequest) {
        return Problem(MakeError(ErrorCode::kInvalidArgument, "at most 10000 keys per request", "keys"));
      }
      std::vector<std::pair<std::string, std::string>> keys;
      std::vector<std::size_t> positions;  // where each key kept came from in the request
      std::vector<std::pair<std::size_t, std::string>> refused;  // (index, reason)
      for (std::size_t i = 0; i < list->size(); ++i) {
        const json::object* k = (*list)[i].if_object();
        const json::value* address = k ? k->if_contains("address") : nullptr;
        const json::value* data = k ? k->if_contains("data") : nullptr;
        const json::value* b64 = k ? k->if_contains("data_base64") : nullptr;
        std::optional<std::string> bytes;
        if (data && data->is_string()) bytes = std::string(data->get_string());
        else if (b64 && b64->is_string()) bytes = Base64Decode(b64->get_string());
        if (!address || !address->is_string() || !bytes) {
          refused.emplace_back(i, "needs \"address\" and \"data\" (or \"data_base64\") strings");
          continue;
        }
        keys.emplace_back(std::string(address->get_string()), std::move(*bytes));
        positions.push_back(i);
      }
      auto report = books_.ImportKeys(*ref, keys);
      if (!report.ok()) return Problem(report.error());
      for (const auto& p : report->problems) refused.emplace_back(positions[p.line - 1], p.reason);
      std::sort(refused.begin(), refused.end());
      json::array problems;
      for (const auto& [index, reason] : refused) problems.push_back({{"index", index}, {"reason", reason}});
      return http::JsonResponse(200, json::serialize(json::object{
                                         {"imported", report->imported}, {"problems", std::move(problems)}}));
    });
  }, http::BodyMode::kBuffered, kMaxCsvBody);
  router.Add("GET", "/api/v1/address-books/{book}/keys", [this](http::Request& req) {
    return AsAdmin(req, [this, &req](const Principal&) -> Response {
      auto ref = BookParam(req.params[0]);
      if (!ref.ok()) return Problem(ref.error());
      auto keys = books_.ExportKeys(*ref);
      if (!keys.ok()) return Problem(keys.error());
      json::array out;
      for (const auto& k : *keys) out.push_back({{"address", k.address}, {"kind", k.kind}, {"data", k.data}});
      return http::JsonResponse(200, json::serialize(json::object{{"keys", std::move(out)}}));
    });
  });
  router.Add("DELETE", "/api/v1/address-books/{book}/entries/{address}", [this](http::Request& req) {
    return AsAdmin(req, [this, &req](const Principal&) -> Response {
      auto ref = BookParam(req.params[0]);
      if (!ref.ok()) return Problem(ref.error());
      auto address = http::PercentDecode(req.params[1]);
      if (!address) return Problem(MakeError(ErrorCode::kInvalidArgument, "bad percent escape", "address"));
      auto status = books_.Remove(*ref, *address);
      if (!status.ok()) return Problem(status.error());
      Response r;
      r.status = 204;
      return r;
    });
  });
  router.Add("POST", "/api/v1/address-books/{book}/import", [this](http::Request& req) {
    return AsAdmin(req, [this, &req](const Principal&) -> Response {
      auto ref = BookParam(req.params[0]);
      if (!ref.ok()) return Problem(ref.error());
      auto report = books_.ImportQuestionsCsv(*ref, req.body);
      if (!report.ok()) return Problem(report.error());
      json::array problems;
      for (const auto& p : report->problems) problems.push_back({{"line", p.line}, {"reason", p.reason}});
      return http::JsonResponse(200, json::serialize(json::object{
                                         {"imported", report->imported}, {"problems", std::move(problems)}}));
    });
  }, http::BodyMode::kBuffered, kMaxCsvBody);
  router.Add("GET", "/api/v1/address-books/{book}/export", [this](http::Request& req) {
    return AsAdmin(req, [this, &req](const Principal& admin) -> Response {
      auto ref = BookParam(req.params[0]);
      if (!ref.ok()) return Problem(ref.error());
      auto csv = books_.ExportQuestionsCsv(*ref);
      if (!csv.ok()) return Problem(csv.error());
      // Answers leave in clear: the audit trail says who took them, from where, when.
      auto audited = audit_.Append(CallRecord(req, admin, clock_.NowUnix()));
      if (!audited.ok()) return Problem(audited.error());  // no record, no export
      Response r;
      r.body = std::move(*csv);
      r.Set("Content-Type", "text/csv; charset=utf-8");
      r.Set("Content-Disposition", "attachment; filename=\"address-book.csv\"");
      return r;
    });
  });
}

void AdminApi::RegisterAudit(http::Router& router) {
  // A page of the trail, newest first; `next_cursor` asks for the page after it.
  router.Add("GET", "/api/v1/audit", [this](http::Request& req) {
    return AsAdmin(req, [this, &req](const Principal& caller) -> Response {
      auto q = AuditQueryOf(req);
      if (!q.ok()) return Problem(q.error());
      if (auto s = ScopeToCaller(caller, *q); !s.ok()) return Problem(s.error());
      auto records = audit_.Search(*q);
      if (!records.ok()) return Problem(records.error());
      std::string body = R"({"records":[)";
      for (std::size_t i = 0; i < records->size(); ++i) {
        if (i > 0) body += ",";
        body += audit::RecordJson((*records)[i]);
      }
      body += "]";
      if (static_cast<int>(records->size()) == q->limit) {
        body += R"(,"next_cursor":")" + std::to_string(records->back().seq) + "\"";
      }
      body += "}";
      return http::JsonResponse(200, std::move(body));
    });
  });
  // Every matching record as JSON Lines or CSV, streamed a page at a time (constant
  // memory), and recorded before the first record leaves.
  router.Add("GET", "/api/v1/audit/export", [this](http::Request& req) {
    return AsAdmin(req, [this, &req](const Principal& admin) -> Response {
      auto q = AuditQueryOf(req);
      if (!q.ok()) return Problem(q.error());
      if (auto s = ScopeToCaller(admin, *q); !s.ok()) return Problem(s.error());
      auto form = http::ParseForm(req.query, 16);
      const std::string format = form.ok() ? http::FormValue(*form, "format").value_or("jsonl") : "";
      if (format != "jsonl" && format != "csv") {
        return Problem(MakeError(ErrorCode::kInvalidArgument, "must be jsonl or csv", "format"));
      }
      audit::AuditRecord record = CallRecord(req, admin, clock_.NowUnix());
      record.details = json::serialize(json::object{{"format", format}, {"query", req.query}});
      if (auto audited = audit_.Append(std::move(record)); !audited.ok()) {
        return Problem(audited.error());  // no record, no export
      }
      Response r;
      r.Set("Content-Type", format == "csv" ? "text/csv; charset=utf-8" : "application/jsonl");
      r.Set("Content-Disposition", std::string("attachment; filename=\"audit.") + format + "\"");
      r.producer = AuditExportProducer(audit_, *q, format == "csv");
      return r;
    });
  });
}

}  // namespace sealpost::api
