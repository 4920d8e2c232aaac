#include "api/campaigns_api.h"

#include <boost/json.hpp>

#include "api/gate.h"
#include "api/json_body.h"
#include "audit/pending.h"
#include "base/clock.h"
#include "base/text.h"
#include "campaigns/automations.h"
#include "campaigns/campaigns.h"
#include "campaigns/contacts.h"
#include "campaigns/report.h"
#include "store/stores.h"

namespace sealpost::api {
namespace json = boost::json;
using http::Response;

namespace {

constexpr std::uint64_t kMaxCsvBody = 64ull * 1024 * 1024;

Response Json(int status, const json::value& v) {
  return http::JsonResponse(status, json::serialize(v));
}

Result<std::string> PathParam(const http::Request& req, std::size_t i, const char* name) {
  auto decoded = http::PercentDecode(req.params[i]);
  if (!decoded) return MakeError(ErrorCode::kInvalidArgument, "bad percent escape", name);
  return std::move(*decoded);
}

// An optional true/false field: `fallback` when absent or null.
Result<bool> OptionalBool(const json::object& body, const char* key, bool fallback) {
  const json::value* v = body.if_contains(key);
  if (!v || v->is_null()) return fallback;
  if (!v->is_bool()) return MakeError(ErrorCode::kInvalidArgument, "true or false", key);
  return v->as_bool();
}

// A report as JSON, or as CSV when the query asks for it (?format=csv).
Response ReportResponse(const http::Request& req, const Result<EngagementReport>& report) {
  if (!report.ok()) return Problem(report.error());
  auto form = http::ParseForm(req.query, 4);
  const std::string format = form.ok() ? http::FormValue(*form, "format").value_or("json") : "";
  if (format == "csv") {
    Response r;
    r.status = 200;
    r.body = campaigns::ReportCsv(*report);
    r.Set("Content-Type", "text/csv; charset=utf-8");
    return r;
  }
  if (format != "json") {
    return Problem(MakeError(ErrorCode::kInvalidArgument, "json or csv", "format"));
  }
  return http::JsonResponse(200, campaigns::ReportJson(*report));
}

json::value AttributesValue(const campaigns::Attributes& attributes) {
  return json::parse(campaigns::AttributesJson(attributes));
}

json::object ContactJson(const campaigns::ContactBook::Contact& c) {
  json::array lists;
  for (const auto& [name, m] : c.lists) {
    json::object l{{"list", name},
                   {"consented_at", FormatRfc3339(m.consented_at)},
                   {"consent", m.consent_source}};
    if (m.unsubscribed_at) l["left_at"] = FormatRfc3339(m.unsubscribed_at);
    lists.push_back(std::move(l));
  }
  json::object o{{"address", c.record.address},
                 {"attributes", AttributesValue(c.attributes)},
                 {"lists", std::move(lists)},
                 {"added_at", FormatRfc3339(c.record.created_at)}};
  if (c.record.last_sent) o["last_sent_at"] = FormatRfc3339(c.record.last_sent);
  if (c.suppressed) {
    o["suppressed"] =
        json::object{{"reason", c.suppressed->reason}, {"at", FormatRfc3339(c.suppressed->at)}};
  }
  return o;
}

json::object CampaignJson(const campaigns::Campaigns::Progress& p) {
  const CampaignRecord& c = p.campaign;
  json::object tally;
  json::object by_method;
  for (const auto& [key, n] : p.tally) {
    if (key.rfind("sent:", 0) == 0) {
      by_method[key.substr(5)] = n;
    } else {
      tally[key] = n;
    }
  }
  json::object o{{"name", c.name},
                 {"state", c.state},
                 {"from", c.sender},
                 {"per_minute", c.per_minute},
                 {"per_domain_per_minute", c.per_domain_per_minute},
                 {"sends", std::move(tally)},
                 {"sent_by_method", std::move(by_method)},
                 {"all_taken", c.enumerated},
                 {"tracking", c.tracking},
                 {"created_at", FormatRfc3339(c.created_at)}};
  if (c.scheduled_at) o["scheduled_at"] = FormatRfc3339(c.scheduled_at);
  if (c.started_at) o["started_at"] = FormatRfc3339(c.started_at);
  if (c.finished_at) o["finished_at"] = FormatRfc3339(c.finished_at);
  return o;
}

}  // namespace

void CampaignsApi::Register(http::Router& router) {
  auto recorded = [this](http::Request& req, std::function<Response(const Principal&)> work) {
    return RunRecorded(req, offloader_, audit_, clock_, std::move(work));
  };

  router.Add("GET", "/api/v1/lists", [this, recorded](http::Request& req) {
    return recorded(req, [this](const Principal& caller) -> Response {
      auto lists = book_.Lists(caller.account);
      if (!lists.ok()) return Problem(lists.error());
      json::array out;
      for (const auto& l : *lists) {
        out.push_back({{"name", l.name},
                       {"description", l.description},
                       {"subscribed", l.subscribed},
                       {"created_at", FormatRfc3339(l.created_at)}});
      }
      return Json(200, json::object{{"lists", std::move(out)}});
    });
  });
  router.Add("POST", "/api/v1/lists", [this, recorded](http::Request& req) {
    return recorded(req, [this, &req](const Principal& caller) -> Response {
      auto body = ParseObject(req.body);
      if (!body.ok()) return Problem(body.error());
      if (auto only = OnlyFields(*body, {"name", "description"}); !only.ok())
        return Problem(only.error());
      auto name = StringField(*body, "name", true);
      if (!name.ok()) return Problem(name.error());
      auto description = StringField(*body, "description", false);
      if (!description.ok()) return Problem(description.error());
      auto s = book_.CreateList(caller.account, *name, *description);
      if (!s.ok()) return Problem(s.error());
      return Json(201, json::object{{"name", *name},
                                    {"description", *description},
                                    {"subscribed", 0},
                                    {"created_at", FormatRfc3339(clock_.NowUnix())}});
    });
  });

  router.Add("POST", "/api/v1/contacts", [this, recorded](http::Request& req) {
    return recorded(req, [this, &req](const Principal& caller) -> Response {
      auto body = ParseObject(req.body);
      if (!body.ok()) return Problem(body.error());
      if (auto only = OnlyFields(*body, {"address", "attributes", "merge", "lists", "consent"});
          !only.ok()) {
        return Problem(only.error());
      }
      auto address = StringField(*body, "address", true);
      if (!address.ok()) return Problem(address.error());
      auto consent = StringField(*body, "consent", false);
      if (!consent.ok()) return Problem(consent.error());
      std::string attributes;
      if (const json::value* a = body->if_contains("attributes"); a && !a->is_null()) {
        attributes = json::serialize(*a);
      }
      bool merge = true;
      if (const json::value* m = body->if_contains("merge"); m && !m->is_null()) {
        if (!m->is_bool())
          return Problem(MakeError(ErrorCode::kInvalidArgument, "true or false", "merge"));
        merge = m->as_bool();
      }
      std::vector<std::string> lists;
      if (const json::value* l = body->if_contains("lists"); l && !l->is_null()) {
        if (!l->is_array() || l->as_array().size() > 100) {
          return Problem(MakeError(ErrorCode::kInvalidArgument, "a list of list names", "lists"));
        }
        for (const auto& name : l->as_array()) {
          if (!name.is_string()) {
            return Problem(MakeError(ErrorCode::kInvalidArgument, "a list of list names", "lists"));
          }
          lists.emplace_back(name.as_string());
        }
      }
      auto contact = book_.Put(caller.account, *address, attributes, merge, lists, *consent);
      if (!contact.ok()) return Problem(contact.error());
      return Json(200, ContactJson(*contact));
    });
  });

  router.Add(
      "POST", "/api/v1/contacts/import",
      [this, recorded](http::Request& req) {
        return recorded(req, [this, &req](const Principal& caller) -> Response {
          auto form = http::ParseForm(req.query, 8);
          if (!form.ok()) return Problem(form.error());
          auto report = book_.ImportCsv(caller.account, http::FormValue(*form, "list").value_or(""),
                                        req.body, http::FormValue(*form, "consent").value_or(""));
          if (!report.ok()) return Problem(report.error());
          json::array problems;
          for (const auto& p : report->problems) {
            problems.push_back({{"line", p.line}, {"reason", p.reason}});
          }
          return Json(200, json::object{{"added", report->added},
                                        {"updated", report->updated},
                                        {"problems", std::move(problems)}});
        });
      },
      http::BodyMode::kBuffered, kMaxCsvBody);

  router.Add("GET", "/api/v1/contacts/{address}", [this, recorded](http::Request& req) {
    return recorded(req, [this, &req](const Principal& caller) -> Response {
      auto address = PathParam(req, 0, "address");
      if (!address.ok()) return Problem(address.error());
      auto contact = book_.Find(caller.account, *address);
      if (!contact.ok()) return Problem(contact.error());
      if (!*contact) return http::ProblemResponse(404, "Not found", "There is no such contact.");
      // Attributes may be health data: who read them is on record first.
      auto audited = RecordAccess(req, caller, audit_, clock_);
      if (!audited.ok()) return Problem(audited.error());
      return Json(200, ContactJson(**contact));
    });
  });
  router.Add("DELETE", "/api/v1/contacts/{address}", [this, recorded](http::Request& req) {
    return recorded(req, [this, &req](const Principal& caller) -> Response {
      auto address = PathParam(req, 0, "address");
      if (!address.ok()) return Problem(address.error());
      auto s = book_.Delete(caller.account, *address);
      if (!s.ok()) return Problem(s.error());
      Response r;
      r.status = 204;
      return r;
    });
  });

  router.Add("GET", "/api/v1/suppressions", [this, recorded](http::Request& req) {
    return recorded(req, [this, &req](const Principal& caller) -> Response {
      auto form = http::ParseForm(req.query, 8);
      if (!form.ok()) return Problem(form.error());
      int limit = 100;
      if (auto l = http::FormValue(*form, "limit")) {
        auto parsed = PageLimit(*l, 1000);
        if (!parsed.ok()) return Problem(parsed.error());
        limit = *parsed;
      }
      auto page = book_.Suppressions(caller.account, http::FormValue(*form, "after").value_or(""),
                                     static_cast<std::size_t>(limit));
      if (!page.ok()) return Problem(page.error());
      json::array out;
      for (const auto& s : *page) {
        out.push_back({{"address", s.address},
                       {"reason", s.reason},
                       {"at", FormatRfc3339(s.at)},
                       {"detail", s.detail}});
      }
      return Json(200, json::object{{"suppressions", std::move(out)}});
    });
  });
  router.Add("POST", "/api/v1/suppressions", [this, recorded](http::Request& req) {
    return recorded(req, [this, &req](const Principal& caller) -> Response {
      auto body = ParseObject(req.body);
      if (!body.ok()) return Problem(body.error());
      if (auto only = OnlyFields(*body, {"address", "reason"}); !only.ok())
        return Problem(only.error());
      auto address = StringField(*body, "address", true);
      if (!address.ok()) return Problem(address.error());
      auto reason = StringField(*body, "reason", false);
      if (!reason.ok()) return Problem(reason.error());
      auto s = book_.Suppress(caller.account, *address, reason->empty() ? "added" : *reason,
                              "by API client " + caller.client_id);
      if (!s.ok()) return Problem(s.error());
      Response r;
      r.status = 204;
      return r;
    });
  });
  router.Add("DELETE", "/api/v1/suppressions/{address}", [this, recorded](http::Request& req) {
    return recorded(req, [this, &req](const Principal& caller) -> Response {
      auto address = PathParam(req, 0, "address");
      if (!address.ok()) return Problem(address.error());
      auto s = book_.Unsuppress(caller.account, *address);
      if (!s.ok()) return Problem(s.error());
      Response r;
      r.status = 204;
      return r;
    });
  });

  router.Add("PUT", "/api/v1/segments/{name}", [this, recorded](http::Request& req) {
    return recorded(req, [this, &req](const Principal& caller) -> Response {
      auto name = PathParam(req, 0, "name");
      if (!name.ok()) return Problem(name.error());
      auto body = ParseObject(req.body);
      if (!body.ok()) return Problem(body.error());
      if (auto only = OnlyFields(*body, {"list", "condition"}); !only.ok())
        return Problem(only.error());
      auto list = StringField(*body, "list", true);
      if (!list.ok()) return Problem(list.error());
      auto condition = StringField(*body, "condition", false);
      if (!condition.ok()) return Problem(condition.error());
      auto s = book_.PutSegment(caller.account, *name, *list, *condition);
      if (!s.ok()) return Problem(s.error());
      return Json(200, json::object{{"name", *name}, {"list", *list}, {"condition", *condition}});
    });
  });
  router.Add("GET", "/api/v1/segments/{name}/count", [this, recorded](http::Request& req) {
    return recorded(req, [this, &req](const Principal& caller) -> Response {
      auto name = PathParam(req, 0, "name");
      if (!name.ok()) return Problem(name.error());
      auto n = book_.Count(caller.account, *name);
      if (!n.ok()) return Problem(n.error());
      return Json(200, json::object{{"subscribed", n->members},
                                    {"matched", n->matched},
                                    {"suppressed", n->suppressed},
                                    {"reached", n->matched - n->suppressed}});
    });
  });

  router.Add("PUT", "/api/v1/templates/{name}", [this, recorded](http::Request& req) {
    return recorded(req, [this, &req](const Principal& caller) -> Response {
      auto name = PathParam(req, 0, "name");
      if (!name.ok()) return Problem(name.error());
      auto body = ParseObject(req.body);
      if (!body.ok()) return Problem(body.error());
      if (auto only = OnlyFields(*body, {"subject", "text", "html", "carries_phi"}); !only.ok()) {
        return Problem(only.error());
      }
      std::string parts[3];
      const char* keys[3] = {"subject", "text", "html"};
      for (int i = 0; i < 3; ++i) {
        auto v = StringField(*body, keys[i], i < 2);
        if (!v.ok()) return Problem(v.error());
        parts[i] = std::move(*v);
      }
      bool phi = false;
      if (const json::value* p = body->if_contains("carries_phi"); p && !p->is_null()) {
        if (!p->is_bool()) {
          return Problem(MakeError(ErrorCode::kInvalidArgument, "true or false", "carries_phi"));
        }
        phi = p->as_bool();
      }
      auto s = campaigns_.PutTemplate(caller.account, *name, parts[0], parts[1], parts[2], phi);
      if (!s.ok()) return Problem(s.error());
      return Json(200, json::object{{"name", *name}, {"carries_phi", phi}});
    });
  });
  router.Add("POST", "/api/v1/templates/{name}/preview", [this, recorded](http::Request& req) {
    return recorded(req, [this, &req](const Principal& caller) -> Response {
      auto name = PathParam(req, 0, "name");
      if (!name.ok()) return Problem(name.error());
      auto body = ParseObject(req.body);
      if (!body.ok()) return Problem(body.error());
      if (auto only = OnlyFields(*body, {"contact"}); !only.ok()) return Problem(only.error());
      auto contact = StringField(*body, "contact", true);
      if (!contact.ok()) return Problem(contact.error());
      auto rendered = campaigns_.Preview(caller.account, *name, *contact);
      if (!rendered.ok()) return Problem(rendered.error());
      // It shows a contact's attributes: who saw them is on record first.
      auto audited = RecordAccess(req, caller, audit_, clock_, *contact);
      if (!audited.ok()) return Problem(audited.error());
      return Json(200, json::object{{"subject", rendered->subject},
                                    {"text", rendered->text},
                                    {"html", rendered->html}});
    });
  });
  router.Add("POST", "/api/v1/templates/{name}/test", [this, recorded](http::Request& req) {
    return recorded(req, [this, &req](const Principal& caller) -> Response {
      auto name = PathParam(req, 0, "name");
      if (!name.ok()) return Problem(name.error());
      auto body = ParseObject(req.body);
      if (!body.ok()) return Problem(body.error());
      if (auto only = OnlyFields(*body, {"contact", "from", "to"}); !only.ok())
        return Problem(only.error());
      std::string values[3];
      const char* keys[3] = {"contact", "from", "to"};
      for (int i = 0; i < 3; ++i) {
        auto v = StringField(*body, keys[i], true);
        if (!v.ok()) return Problem(v.error());
        values[i] = std::move(*v);
      }
      auto method = campaigns_.TestSend(caller.account, *name, values[0], values[1], values[2]);
      if (!method.ok()) return Problem(method.error());
      return Json(202, json::object{{"to", values[2]}, {"method", *method}});
    });
  });

  router.Add("POST", "/api/v1/campaigns", [this, recorded](http::Request& req) {
    return recorded(req, [this, &req](const Principal& caller) -> Response {
      auto body = ParseObject(req.body);
      if (!body.ok()) return Problem(body.error());
      if (auto only = OnlyFields(*body, {"name", "segment", "template", "from", "per_minute",
                                         "per_domain_per_minute", "tracking"});
          !only.ok()) {
        return Problem(only.error());
      }
      campaigns::Campaigns::NewCampaign n;
      std::string* fields[4] = {&n.name, &n.segment, &n.template_name, &n.sender};
      const char* keys[4] = {"name", "segment", "template", "from"};
      for (int i = 0; i < 4; ++i) {
        auto v = StringField(*body, keys[i], true);
        if (!v.ok()) return Problem(v.error());
        *fields[i] = std::move(*v);
      }
      for (auto [key, field] : {std::pair{"per_minute", &n.per_minute},
                                std::pair{"per_domain_per_minute", &n.per_domain_per_minute}}) {
        if (const json::value* v = body->if_contains(key); v && !v->is_null()) {
          if (!v->is_int64()) {
            return Problem(MakeError(ErrorCode::kInvalidArgument, "a whole number", key));
          }
          *field = static_cast<int>(std::clamp<std::int64_t>(v->as_int64(), -1, 1000000));
        }
      }
      auto tracking = OptionalBool(*body, "tracking", true);
      if (!tracking.ok()) return Problem(tracking.error());
      n.tracking = *tracking;
      auto made = campaigns_.Create(caller.account, n);
      if (!made.ok()) return Problem(made.error());
      auto progress = campaigns_.Find(caller.account, n.name);
      if (!progress.ok()) return Problem(progress.error());
      Response r = Json(201, CampaignJson(*progress));
      r.Set("Location", "/api/v1/campaigns/" + http::PercentEncode(n.name));
      return r;
    });
  });
  router.Add("GET", "/api/v1/campaigns/{name}", [this, recorded](http::Request& req) {
    return recorded(req, [this, &req](const Principal& caller) -> Response {
      auto name = PathParam(req, 0, "name");
      if (!name.ok()) return Problem(name.error());
      auto progress = campaigns_.Find(caller.account, *name);
      if (!progress.ok()) return Problem(progress.error());
      return Json(200, CampaignJson(*progress));
    });
  });
  router.Add("GET", "/api/v1/campaigns/{name}/report", [this, recorded](http::Request& req) {
    return recorded(req, [this, &req](const Principal& caller) -> Response {
      auto name = PathParam(req, 0, "name");
      if (!name.ok()) return Problem(name.error());
      return ReportResponse(req, campaigns_.Report(caller.account, *name));
    });
  });
  router.Add("GET", "/api/v1/automations/{name}/report", [this, recorded](http::Request& req) {
    return recorded(req, [this, &req](const Principal& caller) -> Response {
      auto name = PathParam(req, 0, "name");
      if (!name.ok()) return Problem(name.error());
      return ReportResponse(req, automations_.Report(caller.account, *name));
    });
  });
  router.Add("POST", "/api/v1/campaigns/{name}/{action}", [this, recorded](http::Request& req) {
    return recorded(req, [this, &req](const Principal& caller) -> Response {
      auto name = PathParam(req, 0, "name");
      if (!name.ok()) return Problem(name.error());
      const std::string action = req.params[1];
      Status s = OkStatus();
      if (action == "schedule") {
        std::int64_t at = clock_.NowUnix();
        if (!req.body.empty()) {
          auto body = ParseObject(req.body);
          if (!body.ok()) return Problem(body.error());
          if (auto only = OnlyFields(*body, {"at"}); !only.ok()) return Problem(only.error());
          auto when = StringField(*body, "at", false);
          if (!when.ok()) return Problem(when.error());
          if (!when->empty()) {
            auto parsed = ParseRfc3339OrDate(*when);
            if (!parsed.ok())
              return Problem(MakeError(ErrorCode::kInvalidArgument, parsed.error().message, "at"));
            at = *parsed;
          }
        }
        s = campaigns_.Schedule(caller.account, *name, at);
      } else if (action == "pause") {
        s = campaigns_.Pause(caller.account, *name);
      } else if (action == "resume") {
        s = campaigns_.Resume(caller.account, *name);
      } else if (action == "cancel") {
        s = campaigns_.Cancel(caller.account, *name);
      } else {
        return http::ProblemResponse(404, "Not found",
                                     "Campaigns are scheduled, paused, resumed or cancelled.");
      }
      if (!s.ok()) {
        if (s.error().code == ErrorCode::kFailedPrecondition) {
          return http::ProblemResponse(409, "Conflict", s.error().message);
        }
        return Problem(s.error());
      }
      auto progress = campaigns_.Find(caller.account, *name);
      if (!progress.ok()) return Problem(progress.error());
      return Json(200, CampaignJson(*progress));
    });
  });

  router.Add("PUT", "/api/v1/automations/{name}", [this, recorded](http::Request& req) {
    return recorded(req, [this, &req](const Principal& caller) -> Response {
      auto name = PathParam(req, 0, "name");
      if (!name.ok()) return Problem(name.error());
      auto body = ParseObject(req.body);
      if (!body.ok()) return Problem(body.error());
      if (auto only = OnlyFields(*body, {"segment", "from", "trigger", "steps", "tracking"});
          !only.ok()) {
        return Problem(only.error());
      }
      auto segment = StringField(*body, "segment", true);
      if (!segment.ok()) return Problem(segment.error());
      auto from = StringField(*body, "from", true);
      if (!from.ok()) return Problem(from.error());
      const json::value* trigger = body->if_contains("trigger");
      const json::value* steps = body->if_contains("steps");
      if (!trigger)
        return Problem(MakeError(ErrorCode::kInvalidArgument, "is required", "trigger"));
      if (!steps) return Problem(MakeError(ErrorCode::kInvalidArgument, "is required", "steps"));
      auto tracking = OptionalBool(*body, "tracking", true);
      if (!tracking.ok()) return Problem(tracking.error());
      auto s = automations_.Put(caller.account, *name, *segment, *from, json::serialize(*trigger),
                                json::serialize(*steps), *tracking);
      if (!s.ok()) return Problem(s.error());
      return Json(200, json::object{{"name", *name}, {"state", "active"}, {"tracking", *tracking}});
    });
  });
  router.Add("GET", "/api/v1/automations/{name}", [this, recorded](http::Request& req) {
    return recorded(req, [this, &req](const Principal& caller) -> Response {
      auto name = PathParam(req, 0, "name");
      if (!name.ok()) return Problem(name.error());
      auto places = automations_.Places(caller.account, *name, 1000);
      if (!places.ok()) return Problem(places.error());
      json::array out;
      for (const auto& r : *places) {
        json::object o{{"contact_id", r.contact_id},
                       {"key", r.key},
                       {"step", r.step},
                       {"state", r.state},
                       {"due_at", FormatRfc3339(r.due_at)}};
        if (!r.detail.empty()) o["detail"] = r.detail;
        out.push_back(std::move(o));
      }
      return Json(200, json::object{{"name", *name}, {"places", std::move(out)}});
    });
  });
  router.Add("POST", "/api/v1/automations/{name}/events", [this, recorded](http::Request& req) {
    return recorded(req, [this, &req](const Principal& caller) -> Response {
      auto name = PathParam(req, 0, "name");
      if (!name.ok()) return Problem(name.error());
      auto body = ParseObject(req.body);
      if (!body.ok()) return Problem(body.error());
      if (auto only = OnlyFields(*body, {"contact", "id", "at"}); !only.ok())
        return Problem(only.error());
      auto contact = StringField(*body, "contact", true);
      if (!contact.ok()) return Problem(contact.error());
      auto id = StringField(*body, "id", true);
      if (!id.ok()) return Problem(id.error());
      auto at_text = StringField(*body, "at", false);
      if (!at_text.ok()) return Problem(at_text.error());
      std::int64_t at = clock_.NowUnix();
      if (!at_text->empty()) {
        auto parsed = ParseRfc3339OrDate(*at_text);
        if (!parsed.ok())
          return Problem(MakeError(ErrorCode::kInvalidArgument, parsed.error().message, "at"));
        at = *parsed;
      }
      auto started = automations_.Trigger(caller.account, *name, *contact, *id, at);
      if (!started.ok()) {
        if (started.error().code == ErrorCode::kFailedPrecondition) {
          return http::ProblemResponse(409, "Conflict", started.error().message);
        }
        return Problem(started.error());
      }
      return Json(*started ? 201 : 200, json::object{{"started", *started}});
    });
  });
}

}  // namespace sealpost::api
