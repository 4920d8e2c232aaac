#include "portal/form_pages.h"

#include <ctemplate/template.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <set>
#include <tuple>

#include "audit/pending.h"
#include "base/text.h"
#include "crypto/primitives.h"
#include "forms/form_directory.h"
#include "forms/kept.h"
#include "forms/requests.h"
#include "http/multipart.h"
#include "http/upload.h"
#include "mime/notice.h"
#include "policy/recipient_planner.h"
#include "portal/common.h"
#include "queue/queue_entry.h"
#include "store/blob_store.h"
#include "store/stores.h"
#include "submission/composed.h"
#include "submission/dispatcher.h"

namespace sealpost::portal {
using boost::asio::awaitable;
using http::Response;

namespace {

// A value as typed: long text may be 100,000 characters of up to four bytes.
constexpr std::size_t kMaxValueBytes = 4 * forms::kMaxLongText;
// Every value together (the files apart).
constexpr std::size_t kMaxValuesBytes = 2 * 1024 * 1024;
// The page's own fields, named as no field of a definition can be ([a-z0-9_] only), so
// that a form may well ask for a "website" or a "consent" of its own. The honeypot's
// name is bait: bots fill in what looks like a website.
constexpr char kHoneypot[] = "your-website";
constexpr char kChallenge[] = "sp-challenge";
constexpr char kNonce[] = "sp-nonce";
constexpr char kConsent[] = "sp-consent";

const forms::Field* FieldNamed(const forms::Definition& d, std::string_view name) {
  for (const auto& step : d.steps) {
    for (const auto& f : step.fields) {
      if (f.name == name) return &f;
    }
  }
  return nullptr;
}

// The form's fields as they stream in: values kept (bounded), each file into the escrow
// draft and the kept submission at once, checked against its field as it comes. A file
// input left empty arrives as a part with an empty filename and no data: skipped.
class FormSink final : public http::MultipartSink {
 public:
  FormSink(const forms::Definition& d, Draft& draft, forms::KeptWriter& kept)
      : d_(d), draft_(draft), kept_(kept) {}

  Status OnPartBegin(const http::PartInfo& part) override {
    value_ = nullptr;
    file_ = nullptr;
    if (part.has_filename) {
      if (part.filename.empty()) return OkStatus();
      const forms::Field* f = FieldNamed(d_, part.name);
      if (!f || f->type != forms::FieldType::kFile) return Unexpected();
      if (!files_by_field_.insert(f->name).second && !f->multiple) {
        return MakeError(ErrorCode::kInvalidArgument, "Attach one file for each question.");
      }
      if (++files_ > forms::kMaxRequestFiles) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "Send at most " + std::to_string(forms::kMaxRequestFiles) + " files.");
      }
      if (part.filename.size() > 255 ||
          part.filename.find_first_of(std::string_view("\r\n/\\\0", 5)) != std::string::npos) {
        problems_.push_back({f->name, "This file's name is not usable; rename the file."});
        return OkStatus();  // its data is read and dropped
      }
      const std::string type =
          part.content_type.empty() ? "application/octet-stream" : AsciiLower(part.content_type);
      auto wrong = forms::CheckFile(*f, type, 0);
      if (!wrong.empty()) {
        // The rest of it is read and dropped: the page says what was wrong beside the field.
        problems_.insert(problems_.end(), wrong.begin(), wrong.end());
        return OkStatus();
      }
      auto status = draft_.StartAttachment(part.filename, type);
      if (status.ok()) status = kept_.StartFile(f->name, part.filename, type);
      if (!status.ok()) return status;
      file_ = f;
      file_type_ = type;
      // A field of several files has its limit for them all.
      if (!f->multiple) file_bytes_ = 0;
      return OkStatus();
    }
    if (part.name == kHoneypot || part.name == kChallenge || part.name == kNonce ||
        part.name == kConsent) {
      value_ = &page_[part.name];
    } else if (const forms::Field* f = FieldNamed(d_, part.name);
               f && f->type != forms::FieldType::kFile) {
      value_ = &values_[f->name];
    } else if (!FieldNamed(d_, part.name)) {
      return Unexpected();
    }
    // A file field sent without a file name (a script's doing): nothing to keep.
    return OkStatus();
  }

  Status OnPartData(std::string_view data) override {
    if (file_) {
      file_bytes_ += data.size();
      if (file_bytes_ > file_->max_bytes) {
        too_large_ = forms::CheckFile(*file_, file_type_, file_bytes_);
        return MakeError(ErrorCode::kResourceExhausted, "file too large");
      }
      if (kept_.file_bytes() + data.size() > forms::kMaxUploadBytes) {
        return MakeError(ErrorCode::kResourceExhausted, "upload too large");
      }
      auto status = draft_.AppendAttachment(data);
      if (status.ok()) status = kept_.AppendFile(data);
      return status;
    }
    if (!value_) return OkStatus();  // a skipped file, or a file field without one
    if (value_->size() + data.size() > kMaxValueBytes ||
        values_bytes_ + data.size() > kMaxValuesBytes) {
      return MakeError(ErrorCode::kInvalidArgument, "An answer is longer than this form takes.");
    }
    values_bytes_ += data.size();
    value_->append(data);
    return OkStatus();
  }

  Status OnPartEnd() override {
    value_ = nullptr;
    if (!file_) return OkStatus();
    file_ = nullptr;
    auto status = draft_.FinishAttachment();
    if (status.ok()) status = kept_.FinishFile();
    return status;
  }

  std::map<std::string, std::string>& values() { return values_; }
  const std::map<std::string, std::string>& page() const { return page_; }
  const std::vector<forms::FieldProblem>& problems() const { return problems_; }
  const std::vector<forms::FieldProblem>& too_large() const { return too_large_; }
  bool has_file(const std::string& field) const { return files_by_field_.count(field) > 0; }

 private:
  static Status Unexpected() {
    return MakeError(ErrorCode::kInvalidArgument, "The form sent a field it does not have.");
  }

  const forms::Definition& d_;
  Draft& draft_;
  forms::KeptWriter& kept_;
  std::map<std::string, std::string> values_;
  std::map<std::string, std::string> page_;  // honeypot, challenge, nonce, consent
  std::vector<forms::FieldProblem> problems_;
  std::vector<forms::FieldProblem> too_large_;
  std::set<std::string> files_by_field_;
  std::string* value_ = nullptr;
  const forms::Field* file_ = nullptr;
  std::string file_type_;
  std::uint64_t file_bytes_ = 0;
  std::size_t values_bytes_ = 0;
  std::size_t files_ = 0;
};

// The page's policy: the portal's, with the page's own script, and framed only by the
// sites the form lists (a website embedding it), else by nobody.
std::string PagePolicy(const forms::Definition& d) {
  std::string ancestors;
  for (const auto& origin : d.allowed_origins) ancestors += " " + origin;
  if (ancestors.empty()) ancestors = " 'none'";
  return "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
         "base-uri 'none'; script-src 'self'; connect-src 'self'; frame-ancestors" +
         ancestors;
}

// Whether the browser says the POST came from another site. A page with no referrer
// (this server's policy) sends "Origin: null", so Fetch Metadata decides where it is
// sent; a client without either (a script, an old browser) has the challenge to pass.
bool FromAnotherSite(const http::Request& req) {
  const std::string site = AsciiLower(req.header("Sec-Fetch-Site"));
  if (!site.empty()) return site != "same-origin" && site != "none";
  const std::string_view origin = req.header("Origin");
  if (origin.empty() || origin == "null") return false;
  return origin != "https://" + std::string(req.header("Host"));
}

}  // namespace

void FormPages::Register(http::Router& router) {
  router.Add("GET", "/f/{form}", [this](http::Request& r) { return Show(r); });
  // The limit: every file and value a form may take, and the multipart framing.
  router.Add(
      "POST", "/f/{form}", [this](http::Request& r) { return Submit(r); },
      http::BodyMode::kStreamed, forms::kMaxUploadBytes + kMaxValuesBytes + 1024 * 1024);
  router.Add("GET", "/f/{form}/sent", [this](http::Request& r) { return Sent(r); });
  if (services_.requests) {
    router.Add("GET", "/q/{token}", [this](http::Request& r) { return ShowRequest(r); });
    router.Add(
        "POST", "/q/{token}", [this](http::Request& r) { return SubmitRequest(r); },
        http::BodyMode::kStreamed, forms::kMaxRequestBytes + kMaxValuesBytes + 1024 * 1024);
  }
}

SecretBytes FormPages::ChallengeKey() const {
  // A key of its own, derived from the CSRF purpose key (a rotation shows pages made
  // before it again, as expired).
  const std::string key = ctx_.keys.csrf().Mac("form challenges");
  return SecretBytes(key.data(), key.size());
}

awaitable<FormPages::Found> FormPages::Find(http::Request& req) {
  Found found;
  found.brand = co_await ctx_.HostBrand(req);
  if (!services_.directory) {
    found.refused = ctx_.ErrorPage(found.brand, 404, "No such form", "There is no form here.");
    co_return found;
  }
  const std::string name = req.params[0];
  Result<std::optional<FormRecord>> form = std::optional<FormRecord>();
  if (auto busy =
          co_await ctx_.OffLoop(found.brand, [&] { form = services_.directory->Find(name); })) {
    found.refused = std::move(*busy);
    co_return found;
  }
  std::optional<forms::Definition> definition;
  if (form.ok() && form->has_value()) {
    auto parsed = forms::ParseDefinition((*form)->definition);
    if (parsed.ok()) definition = std::move(*parsed);
  }
  if (!form.ok()) {
    spdlog::error("forms[{}]: form not read: {}", req.id, form.error().ToString());
    found.refused = ctx_.ErrorPage(found.brand, 500, "Something went wrong",
                                   "This form could not be shown.", "Please try again later.");
    co_return found;
  }
  // A form of another namespace is not on this host, and one switched off is nowhere.
  if (!form->has_value() || !(*form)->enabled || !definition ||
      (*form)->namespace_name != found.brand.name) {
    found.refused =
        ctx_.ErrorPage(found.brand, 404, "No such form", "There is no form at this address.",
                       "Check the link you were given.");
    co_return found;
  }
  found.form = std::move(**form);
  found.definition = std::move(*definition);
  co_return found;
}

awaitable<FormPages::Found> FormPages::FindRequest(http::Request& req) {
  Found found;
  found.brand = co_await ctx_.HostBrand(req);
  found.token = req.params[0];
  Result<std::optional<FormRequestRecord>> request = std::optional<FormRequestRecord>();
  Result<std::string> note = std::string();
  if (auto busy = co_await ctx_.OffLoop(found.brand, [&] {
        request = services_.requests->FindByToken(found.token);
        if (request.ok() && request->has_value()) note = services_.requests->Note(**request);
      })) {
    found.refused = std::move(*busy);
    co_return found;
  }
  if (!request.ok() || !note.ok()) {
    spdlog::error("forms[{}]: request not read: {}", req.id,
                  (!request.ok() ? request.error() : note.error()).ToString());
    found.refused = ctx_.ErrorPage(found.brand, 500, "Something went wrong",
                                   "This request could not be read.", "Please try again later.");
    co_return found;
  }
  if (!request->has_value()) {
    found.refused = ctx_.ErrorPage(found.brand, 404, "No such request",
                                   "This link is not one of ours, or it was copied wrongly.",
                                   "Ask whoever sent it for a new one.");
    co_return found;
  }
  const FormRequestRecord& r = **request;
  const std::string state = forms::RequestDesk::State(r, ctx_.clock.NowUnix());
  if (state != "waiting") {
    found.refused = ctx_.ErrorPage(
        found.brand, 410, state == "answered" ? "This request was answered" : "This link expired",
        state == "answered" ? "Documents were sent through this link already; it works once."
                            : "The link worked until " + HumanTime(r.expires_at) + ".",
        "Ask " + r.requester + " for a new link if they still need something from you.");
    co_return found;
  }
  FormRecord form;
  form.id = forms::RequestDesk::KeptAs(r);
  form.name = "request";
  form.account = r.account;
  found.form = std::move(form);
  found.definition = forms::RequestDesk::AnswerForm();
  found.definition.title = "Send documents to " + r.requester;
  found.definition.recipients = {r.requester};
  found.note = std::move(*note);
  found.request = r;
  co_return found;
}

Response FormPages::FormPage(const Found& found, int status, const Shown& shown) const {
  const forms::Definition& d = found.definition;
  const std::string challenge =
      found.request ? std::string()
                    : forms::IssueChallenge(ChallengeKey(), found.form->id, ctx_.clock.NowUnix(),
                                            services_.limits.challenge);
  std::map<std::string, std::string> problem_of;
  for (const auto& p : shown.problems) problem_of.emplace(p.field, p.message);
  Response r =
      ctx_.Page(found.brand, status, "form.tpl", d.title, [&](ctemplate::TemplateDictionary& dict) {
        dict.SetValue("ACTION", found.request ? "/q/" + found.token : "/f/" + found.form->name);
        dict.SetValue("TITLE", d.title);
        if (!d.intro.empty()) dict.SetValueAndShowSection("INTRO", d.intro, "HAS_INTRO");
        if (found.request) {
          dict.SetValueAndShowSection("NOTE", found.note, "HAS_NOTE");
          dict.SetValue("EXPIRES", HumanTime(found.request->expires_at));
        } else {
          dict.SetValueAndShowSection("CHALLENGE", challenge, "BOT_CHECKS");
        }
        dict.SetIntValue("STEP_COUNT", static_cast<long>(d.steps.size()));
        if (!shown.error.empty() || !shown.problems.empty()) {
          auto* e = dict.AddSectionDictionary("ERROR");
          e->SetValue("ERROR_TEXT",
                      shown.error.empty() ? "Some answers need another look." : shown.error);
          auto* list = shown.problems.empty() ? nullptr : e->AddSectionDictionary("PROBLEMS");
          for (const auto& p : shown.problems) {
            const forms::Field* f = FieldNamed(d, p.field);
            auto* item = list->AddSectionDictionary("PROBLEM");
            item->SetValue("FIELD",
                           p.field == kConsent ? std::string(kConsent) : "field-" + p.field);
            item->SetValue("LABEL", f ? f->label : std::string("Consent"));
            item->SetValue("MESSAGE", p.message);
          }
          bool files = false;
          for (const auto& step : d.steps) {
            for (const auto& f : step.fields) files |= f.type == forms::FieldType::kFile;
          }
          if (files) e->ShowSection("FILES_AGAIN");
        }
        for (std::size_t i = 0; i < d.steps.size(); ++i) {
          const forms::Step& step = d.steps[i];
          auto* s = dict.AddSectionDictionary("STEP");
          s->SetIntValue("NUMBER", static_cast<long>(i + 1));
          s->SetIntValue("COUNT", static_cast<long>(d.steps.size()));
          s->SetValue("STEP_TITLE", step.title.empty() ? d.title : step.title);
          if (d.steps.size() > 1) s->ShowSection("OF");
          for (const auto& f : step.fields) {
            auto* field = s->AddSectionDictionary("FIELD");
            field->SetValue("FIELD_NAME", f.name);
            field->SetValue("LABEL", f.label);
            if (f.required) field->ShowSection("REQUIRED");
            std::string hint = f.hint;
            const auto value_it = shown.values.find(f.name);
            const std::string value = value_it == shown.values.end() ? "" : value_it->second;
            switch (f.type) {
              case forms::FieldType::kText:
              case forms::FieldType::kEmail:
              case forms::FieldType::kDate: {
                auto* in = field->AddSectionDictionary("INPUT");
                in->SetValue("TYPE", f.type == forms::FieldType::kEmail  ? "email"
                                     : f.type == forms::FieldType::kDate ? "date"
                                                                         : "text");
                if (f.type == forms::FieldType::kEmail) in->ShowSection("EMAIL");
                if (f.type == forms::FieldType::kText) {
                  in->SetValueAndShowSection("MAX", std::to_string(f.max_length), "HAS_MAX");
                }
                in->SetValue("VALUE", value);
                break;
              }
              case forms::FieldType::kLongText:
                field->AddSectionDictionary("TEXTAREA")->SetValue("VALUE", value);
                field->SetValue("MAX", std::to_string(f.max_length));
                break;
              case forms::FieldType::kChoice: {
                auto* sel = field->AddSectionDictionary("SELECT");
                for (const auto& choice : f.choices) {
                  auto* o = sel->AddSectionDictionary("OPTION");
                  o->SetValue("CHOICE", choice);
                  if (choice == value) o->ShowSection("SELECTED");
                }
                break;
              }
              case forms::FieldType::kCheckbox: {
                auto* box = field->AddSectionDictionary("CHECKBOX");
                if (value == "yes") box->ShowSection("CHECKED");
                break;
              }
              case forms::FieldType::kFile: {
                auto* file = field->AddSectionDictionary("FILE");
                std::string accept;
                for (const auto& a : f.accept) accept += (accept.empty() ? "" : ",") + a;
                if (!accept.empty()) file->SetValueAndShowSection("ACCEPT", accept, "HAS_ACCEPT");
                if (f.multiple) file->ShowSection("MULTIPLE");
                std::string limit =
                    "Up to " + HumanSize(f.max_bytes) + (f.multiple ? " in all" : "");
                if (!f.accept.empty()) {
                  std::string kinds;
                  for (const auto& a : f.accept) kinds += (kinds.empty() ? "" : ", ") + a;
                  limit += " (" + kinds + ")";
                }
                hint = hint.empty() ? limit + "." : hint + " " + limit + ".";
                break;
              }
            }
            if (!hint.empty()) field->SetValueAndShowSection("HINT", hint, "HAS_HINT");
            if (auto p = problem_of.find(f.name); p != problem_of.end()) {
              field->SetValueAndShowSection("PROBLEM", p->second, "HAS_PROBLEM");
              s->ShowSection("STEP_HAS_PROBLEM");
            }
          }
          if (i + 1 == d.steps.size() && !d.consent.empty()) {
            auto* c = s->AddSectionDictionary("CONSENT");
            c->SetValue("CONSENT_TEXT", d.consent);
            if (auto p = problem_of.find(kConsent); p != problem_of.end()) {
              c->SetValueAndShowSection("PROBLEM", p->second, "HAS_PROBLEM");
              s->ShowSection("STEP_HAS_PROBLEM");
            }
          }
        }
      });
  r.Set("Content-Security-Policy", PagePolicy(d));
  return r;
}

awaitable<Response> FormPages::Show(http::Request& req) {
  Found found = co_await Find(req);
  if (found.refused) co_return std::move(*found.refused);
  co_return FormPage(found, 200, Shown{});
}

awaitable<Response> FormPages::Sent(http::Request& req) {
  Found found = co_await Find(req);
  if (found.refused) co_return std::move(*found.refused);
  co_return ctx_.InfoPage(found.brand, "Thank you: it was sent securely",
                          {"What you sent went to " + found.brand.display_name +
                               " encrypted; only the people it is meant for can read it.",
                           "You can close this page."});
}

awaitable<Response> FormPages::Submit(http::Request& req) {
  Found found = co_await Find(req);
  co_return co_await Receive(req, found);
}

awaitable<Response> FormPages::ShowRequest(http::Request& req) {
  Found found = co_await FindRequest(req);
  if (found.refused) co_return std::move(*found.refused);
  co_return FormPage(found, 200, Shown{});
}

awaitable<Response> FormPages::SubmitRequest(http::Request& req) {
  Found found = co_await FindRequest(req);
  co_return co_await Receive(req, found);
}

awaitable<Response> FormPages::Receive(http::Request& req, Found& found) {
  if (found.refused) {
    found.refused->Set("Connection", "close");  // the upload was not read
    co_return std::move(*found.refused);
  }
  const bool request = found.request.has_value();
  const FormRecord& form = *found.form;
  const forms::Definition& d = found.definition;
  const FormLimits& limits = services_.limits;
  auto closed = [](Response r) {
    r.Set("Connection", "close");  // the rest of the upload is not read
    return r;
  };
  if (FromAnotherSite(req)) {
    spdlog::warn("forms[{}]: {} refused: sent from another site", req.id, form.name);
    co_return closed(ctx_.ErrorPage(found.brand, 403, "This form was not sent from its page",
                                    "Open the form here and send it from its own page."));
  }
  // The cheapest checks first: a flood costs one bucket look-up a request.
  const std::int64_t now_ms = RateLimiter::NowMs();
  for (const auto& [limiter, key, quota] :
       {std::tuple{&client_rates_, "client|" + req.client_address, limits.per_client_per_hour},
        std::tuple{&form_rates_, "form|" + form.id, limits.per_form_per_hour}}) {
    const RateLimiter::Decision rate = limiter->Take(key, quota, now_ms, 3600);
    if (!rate.allowed) {
      spdlog::warn("forms[{}]: {} refused: too many submissions ({})", req.id, form.name,
                   limiter == &client_rates_ ? "from this address" : "to this form");
      Response r = closed(ctx_.ErrorPage(
          found.brand, 429, "Too many forms sent",
          limiter == &client_rates_ ? "Too many forms were sent from your connection."
                                    : "This form has had too many submissions just now.",
          "Please try again in " + std::to_string((rate.retry_after + 59) / 60) + " minutes."));
      r.Set("Retry-After", std::to_string(rate.retry_after));
      co_return r;
    }
  }

  auto media = http::ParseMediaType(req.header("content-type"));
  auto boundary =
      media && media->type == "multipart/form-data" ? media->param("boundary") : std::nullopt;
  if (!boundary || !http::MultipartParser::ValidBoundary(*boundary)) {
    co_return closed(ctx_.ErrorPage(found.brand, 400, "This form could not be read",
                                    "Send it from the form's page."));
  }
  // Destroyed unsent, the draft and the kept submission remove every blob they wrote.
  std::unique_ptr<Draft> draft = ctx_.escrow.BeginDraft();
  auto kept = std::make_unique<forms::KeptWriter>(*services_.blobs, ctx_.keys.metadata(), form.id);
  FormSink sink(d, *draft, *kept);
  http::MultipartParser parser(*boundary, sink);
  Status read = co_await http::StreamMultipart(*req.stream, parser, ctx_.offloader);
  Shown shown;
  shown.values = sink.values();
  if (!read.ok()) {
    const Error& e = read.error();
    if (e.code == ErrorCode::kResourceExhausted) {
      shown.problems = sink.too_large();
      if (shown.problems.empty()) {
        shown.error = "The files are larger than " + HumanSize(forms::kMaxUploadBytes) +
                      " in all. Send smaller ones.";
      }
      co_return closed(FormPage(found, 413, shown));
    }
    if (e.code == ErrorCode::kUnavailable) co_return closed(ctx_.Busy(found.brand));
    if (e.code != ErrorCode::kInvalidArgument) {
      spdlog::warn("forms[{}]: {} not received: {}", req.id, form.name, e.ToString());
      shown.error = "What you sent did not arrive whole. Please send it again.";
      co_return closed(FormPage(found, 400, shown));
    }
    shown.error = e.message;
    co_return closed(FormPage(found, 400, shown));
  }
  auto page_value = [&](const char* name) {
    auto it = sink.page().find(name);
    return it == sink.page().end() ? std::string() : it->second;
  };

  // Bots fill every field they find; a person never sees this one. (A secure request's
  // page is reached only by its secret link: it has none of these checks.)
  if (!request && !page_value(kHoneypot).empty()) {
    spdlog::warn("forms[{}]: {} refused: the honeypot was filled", req.id, form.name);
    shown.error =
        "A field people leave empty was filled in, so this looked like a robot's. "
        "If you are a person, please send the form again.";
    co_return FormPage(found, 400, shown);
  }
  const std::string challenge = page_value(kChallenge);
  const std::string nonce = page_value(kNonce);
  const SecretBytes key = ChallengeKey();
  const std::int64_t now = ctx_.clock.NowUnix();
  Status challenged =
      request ? OkStatus()
      : nonce.empty()
          ? forms::CheckChallengeWithoutProof(key, form.id, challenge, now, limits.challenge)
          : forms::CheckChallenge(key, form.id, challenge, nonce, now, limits.challenge);
  if (!challenged.ok()) {
    const std::string why = challenged.error().field;
    spdlog::warn("forms[{}]: {} refused: challenge {}", req.id, form.name, why);
    if (why == "too_fast") {
      shown.error =
          "This was sent sooner than a person fills the form in. Check your answers "
          "and send it again.";
      co_return FormPage(found, 400, shown);
    }
    if (why == "expired") {
      shown.error =
          "The page was open a long time, so it was renewed. Check your answers and "
          "send it again.";
      co_return FormPage(found, 400, shown);
    }
    shown.error = "The form's check did not hold. Please send it again from this page.";
    co_return FormPage(found, 400, shown);
  }
  if (!request && nonce.empty()) {
    const RateLimiter::Decision rate =
        scriptless_rates_.Take(form.id, limits.without_script_per_hour, now_ms, 3600);
    if (!rate.allowed) {
      spdlog::warn("forms[{}]: {} refused: too many submissions without the page's script", req.id,
                   form.name);
      Response r = ctx_.ErrorPage(
          found.brand, 429, "Too many forms sent",
          "Too many forms were sent just now from browsers that do not run the page's script.",
          "Turn on JavaScript for this site, or try again in " +
              std::to_string((rate.retry_after + 59) / 60) + " minutes.");
      r.Set("Retry-After", std::to_string(rate.retry_after));
      co_return r;
    }
  }

  // The answers, step by step, then the files asked for and the consent.
  shown.problems = sink.problems();
  for (const auto& step : d.steps) {
    auto problems = forms::CheckStep(step, sink.values());
    shown.problems.insert(shown.problems.end(), problems.begin(), problems.end());
    for (const auto& f : step.fields) {
      if (f.type == forms::FieldType::kFile && f.required && !sink.has_file(f.name) &&
          std::none_of(shown.problems.begin(), shown.problems.end(),
                       [&](const forms::FieldProblem& p) { return p.field == f.name; })) {
        shown.problems.push_back({f.name, "Attach a file here."});
      }
    }
  }
  if (!d.consent.empty() && page_value(kConsent) != "yes") {
    shown.problems.push_back({kConsent, "Tick this to send the form."});
  }
  if (!shown.problems.empty()) co_return FormPage(found, 422, shown);

  // Each challenge works once: a page sent twice (a double click, a replay) is refused.
  std::optional<Result<bool>> fresh;
  std::optional<Result<std::string>> sent;
  auto busy = co_await ctx_.OffLoop(found.brand, [&] {
    fresh.emplace(services_.store->UseChallenge(
        forms::ChallengeId(challenge), forms::ChallengeExpiry(challenge, limits.challenge), now));
    if (!fresh->ok() || !**fresh) return;
    std::map<std::string, std::string> values;
    for (const auto& step : d.steps) {
      for (const auto& f : step.fields) {
        auto it = sink.values().find(f.name);
        if (f.type != forms::FieldType::kFile && it != sink.values().end()) {
          values[f.name] = std::string(TrimWhitespace(it->second));
        }
      }
    }
    submission::Submission m;
    m.from = d.recipients.front();
    m.to = d.recipients;
    m.subject = request ? "Documents you asked for" : "Form: " + d.title;
    m.text = request ? "The answer to your request to " + found.request->recipient + " of " +
                           FormatHumanDate(found.request->created_at) + ".\n\n" +
                           forms::SubmissionText(d, form.name, values, kept->files(), now)
                     : forms::SubmissionText(d, form.name, values, kept->files(), now);
    m.expires_in_days = std::nullopt;
    audit::ActingAs acting({"public",
                            request ? "request " + found.request->id : "form " + form.name,
                            req.client_address, form.account});
    policy::PlanInput in = submission::PlanInputOf(m, false);
    in.never_in_clear = true;
    auto plan = ctx_.planner.Plan(in);
    if (!plan.ok()) {
      sent.emplace(std::move(plan).error());
      return;
    }
    if (!form.namespace_name.empty()) {
      plan->namespace_name = form.namespace_name;
      plan->organisation = found.brand.display_name;
    }
    if (plan->refused || !plan->need_question.empty() || !plan->direct.empty() ||
        !plan->send_plain.empty()) {
      sent.emplace(MakeError(ErrorCode::kInternal, "a form's plan would send it in clear"));
      return;
    }
    const std::string message_id = draft->message_id();
    auto record = kept->Seal(values, form.account, now,
                             now + std::int64_t{86400} * d.retention_days, message_id);
    if (!record.ok()) {
      sent.emplace(std::move(record).error());
      return;
    }
    // Kept first: what is acknowledged is on disk whatever happens to the sending.
    if (auto stored = services_.store->AddSubmission(*record); !stored.ok()) {
      sent.emplace(std::move(stored).error());
      return;
    }
    kept->MarkStored();
    submission::Dispatch dispatch;
    dispatch.submission = &m;
    dispatch.plan = std::move(*plan);
    dispatch.account = form.account;
    dispatch.client_address = req.client_address;
    // On the message's record, the audit trail, and the webhooks that ask for it.
    dispatch.events.push_back(
        {0, message_id, "", "form_submitted", now, req.client_address,
         boost::json::serialize(boost::json::object{{"form", request ? form.id : form.name},
                                                    {"submission", record->id}})});
    dispatch.message = submission::ComposedFrom(m, *draft);
    dispatch.draft = std::move(draft);
    auto dispatched = ctx_.dispatcher.Send(std::move(dispatch));
    if (!dispatched.ok()) {
      // Not sent: not kept either, so the person sends it again and nothing is doubled.
      (void)services_.store->DeleteSubmission(record->id);
      (void)forms::RemoveKeptBlobs(*services_.blobs, *record);
      sent.emplace(std::move(dispatched).error());
      return;
    }
    sent.emplace(record->id);
    if (request) {
      // Answered: the link works no more. (Two answers racing both arrive; the first
      // is the request's.)
      auto answered = services_.requests->store().AnswerRequest(found.request->id, record->id, now);
      if (!answered.ok()) {
        spdlog::error("forms[{}]: request {} not marked answered: {}", req.id, found.request->id,
                      answered.error().ToString());
      }
      return;
    }
    // The receipt, to the first address the person gave: that it arrived, never what
    // it said. The submission is kept and sent already: a receipt that fails is logged.
    if (!d.receipt || !services_.queue) return;
    for (const auto& step : d.steps) {
      for (const auto& f : step.fields) {
        auto it = values.find(f.name);
        if (f.type != forms::FieldType::kEmail || it == values.end() || it->second.empty()) {
          continue;
        }
        FormReceipt receipt{found.brand.display_name,
                            services_.mail_from,
                            it->second,
                            d.title,
                            record->id,
                            FormatHumanDate(now),
                            ""};
        auto text = BuildFormReceipt(receipt);
        auto entry = text.ok() ? SealQueueEntry(ctx_.keys.queue(), "", it->second, *text, now)
                               : Result<QueueEntry>(text.error());
        auto queued =
            entry.ok() ? services_.queue->Record({}, {*entry}, {}) : Status(entry.error());
        if (!queued.ok()) {
          spdlog::error("forms[{}]: receipt for submission {} not queued: {}", req.id, record->id,
                        queued.error().ToString());
        } else if (services_.notify_queue) {
          services_.notify_queue();
        }
        return;
      }
    }
  });
  if (busy) co_return std::move(*busy);
  if (!fresh->ok()) {
    spdlog::error("forms[{}]: {}: challenge not recorded: {}", req.id, form.name,
                  fresh->error().ToString());
    co_return ctx_.ErrorPage(found.brand, 500, "Your form was not sent",
                             "Something went wrong on our side.", "Please try again in a moment.");
  }
  if (!**fresh) {
    spdlog::warn("forms[{}]: {} refused: its challenge was used already", req.id, form.name);
    co_return ctx_.ErrorPage(found.brand, 409, "This form was sent already",
                             "This page's form was sent once already, so it was not sent again.",
                             "To send another, open the form again.");
  }
  if (!sent->ok()) {
    spdlog::error("forms[{}]: {} not sent: {}", req.id, form.name, sent->error().ToString());
    co_return ctx_.ErrorPage(found.brand, 500, "Your form was not sent",
                             "Something went wrong on our side; nothing was kept.",
                             "Please try again in a moment.");
  }
  spdlog::info("forms[{}]: {} received: submission {}", req.id,
               request ? "request " + found.request->id : form.name, **sent);
  if (request) {
    co_return ctx_.InfoPage(
        found.brand, "Thank you: your documents were sent securely",
        {"They went to " + found.request->requester + " encrypted; only they can read them.",
         "You can close this page. The link works no more."});
  }
  co_return http::RedirectResponse("/f/" + form.name + "/sent");
}

}  // namespace sealpost::portal
