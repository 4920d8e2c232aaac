// What people sent through the secure forms, for the staff who may read it (issue 24):
// the forms a visitor reads, a form's submissions (newest first, searched, exported as
// CSV or JSON Lines), one read with its files, and deleting one. Who may read a form's
// submissions: the organisation's administrators, the administrators of the form's
// account, and the form's own recipients. Every view, download, export and deletion is
// on the audit trail before anything is shown (no record, no view).
#include <ctemplate/template.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "audit/pending.h"
#include "base/csv.h"
#include "base/encoding.h"
#include "base/text.h"
#include "forms/form_directory.h"
#include "forms/kept.h"
#include "forms/requests.h"
#include "portal/common.h"
#include "portal/console_pages.h"
#include "store/stores.h"

namespace sealpost::portal {
using boost::asio::awaitable;
using console::Role;
using http::Response;

namespace {

constexpr std::size_t kListPage = 50;
// A search opens each submission to look: it looks at this many, newest first.
constexpr std::size_t kSearchScope = 2000;
constexpr std::size_t kExportBatch = 100;

bool ReadsSubmissions(const std::string& address, Role role, const std::string& account,
                      const FormRecord& form, const forms::Definition& d) {
  if (role == Role::kOrgAdmin) return true;
  if (role == Role::kDomainAdmin && account == form.account) return true;
  const std::string me = AsciiLower(address);
  return std::any_of(d.recipients.begin(), d.recipients.end(),
                     [&](const std::string& r) { return AsciiLower(r) == me; });
}

// The values shown in a list's row: the first two answers of the form's first step.
std::string Summary(const forms::Definition& d, const forms::KeptContent& content) {
  std::string out;
  int shown = 0;
  for (const auto& step : d.steps) {
    for (const auto& f : step.fields) {
      if (f.type == forms::FieldType::kFile || shown == 2) continue;
      auto it = content.values.find(f.name);
      if (it == content.values.end() || it->second.empty()) continue;
      // Cut at 80 bytes, and what a cut character leaves is dropped, not shown broken.
      out += (out.empty() ? "" : " · ") + ValidUtf8(it->second.substr(0, 80));
      ++shown;
    }
  }
  return out.empty() ? "(no answers)" : out;
}

bool Matches(const forms::KeptContent& content, const std::string& query) {
  const std::string q = AsciiLower(query);
  for (const auto& [name, value] : content.values) {
    if (AsciiLower(value).find(q) != std::string::npos) return true;
  }
  for (const auto& file : content.files) {
    if (AsciiLower(file.name).find(q) != std::string::npos) return true;
  }
  return false;
}

std::string ExportJson(const FormRecord& form, const FormSubmissionRecord& r,
                       const forms::KeptContent& content) {
  boost::json::object values;
  for (const auto& [name, value] : content.values) values[name] = value;
  boost::json::array files;
  for (const auto& f : content.files) {
    files.push_back({{"field", f.field},
                     {"name", f.name},
                     {"type", f.type},
                     {"size", f.size},
                     {"sha256", f.sha256}});
  }
  return boost::json::serialize(boost::json::object{{"form", form.name},
                                                    {"id", r.id},
                                                    {"received_at", FormatRfc3339(r.received_at)},
                                                    {"message_id", r.message_id},
                                                    {"values", std::move(values)},
                                                    {"files", std::move(files)}});
}

// A kept file, streamed as it is decrypted and checked against its SHA-256, as a
// download (never shown in the console's origin).
Response KeptFileResponse(const forms::KeptFile& kept, SealedBlobReader reader) {
  AttachmentInfo info;
  info.blob_id = kept.blob;
  info.filename = kept.name;
  info.content_type = kept.type;
  info.size = kept.size;
  info.sha256 = HexDecode(kept.sha256).value_or("");
  return PortalContext::AttachmentResponse(info, std::move(reader));
}

struct ReadableForm {
  FormRecord form;
  forms::Definition definition;
};

// The form `name` when `address` (of `role`, in `account`) reads its submissions;
// nullopt when there is none or it is another's (which answers as a missing one), or
// when reading failed (`*failed`).
std::optional<ReadableForm> ReadableFormOf(forms::FormDirectory& directory, const std::string& name,
                                           const std::string& address, Role role,
                                           const std::string& account, Status* failed) {
  auto form = directory.Find(name);
  if (!form.ok()) {
    *failed = form.error();
    return std::nullopt;
  }
  if (!form->has_value()) return std::nullopt;
  auto d = forms::ParseDefinition((*form)->definition);
  if (!d.ok() || !ReadsSubmissions(address, role, account, **form, *d)) return std::nullopt;
  return ReadableForm{std::move(**form), std::move(*d)};
}

// A submission of a form the visitor reads, opened; nullopt when the form is not theirs
// or has no submission of that id (both answer as missing), or reading failed
// (`*failed`).
struct OpenedSubmission {
  ReadableForm readable;
  FormSubmissionRecord record;
  forms::KeptContent content;
};
std::optional<OpenedSubmission> OpenedSubmissionOf(forms::FormDirectory& directory,
                                                   FormStore& store, const PurposeKey& key,
                                                   const std::string& form, const std::string& id,
                                                   const std::string& address, Role role,
                                                   const std::string& account, Status* failed) {
  auto readable = ReadableFormOf(directory, form, address, role, account, failed);
  if (!readable) return std::nullopt;
  auto record = store.FindSubmission(id);
  if (!record.ok()) {
    *failed = record.error();
    return std::nullopt;
  }
  if (!record->has_value() || (*record)->form_id != readable->form.id) return std::nullopt;
  auto content = forms::OpenKept(**record, key);
  if (!content.ok()) {
    *failed = content.error();
    return std::nullopt;
  }
  return OpenedSubmission{std::move(*readable), std::move(**record), std::move(*content)};
}

// A view of what people sent, on the trail before it is shown.
Status RecordView(AuditStore& audit, audit::AuditRecord record, const std::string& action,
                  const FormRecord& form, const std::string& subject, const std::string& message_id,
                  boost::json::object details) {
  record.action = action;
  record.account = form.account;
  record.subject = subject;
  record.message_id = message_id;
  details["form"] = form.name;
  record.details = boost::json::serialize(details);
  return audit.Append(std::move(record));
}

}  // namespace

awaitable<Response> ConsolePages::SubmissionForms(http::Request& req, const Visitor& visitor) {
  co_return co_await MadeOffLoop([&] {
    auto list = services_.forms->List("");
    if (!list.ok()) {
      spdlog::error("console[{}]: forms not read: {}", req.id, list.error().ToString());
      return Info(500, "Something went wrong", {"Please try again in a moment."}, &visitor);
    }
    return Page(200, "console_submissions.tpl", "Form submissions", &visitor, "SUBMISSIONS_CURRENT",
                [&](ctemplate::TemplateDictionary& d) {
                  auto* forms = d.AddSectionDictionary("FORMS");
                  int shown = 0;
                  for (const auto& form : *list) {
                    auto def = forms::ParseDefinition(form.definition);
                    if (!def.ok() || !ReadsSubmissions(visitor.session.address, visitor.role,
                                                       visitor.account, form, *def)) {
                      continue;
                    }
                    auto* f = forms->AddSectionDictionary("FORM");
                    f->SetValue("NAME", form.name);
                    f->SetValue("TITLE", def->title);
                    f->SetValue("ACCOUNT", form.account);
                    ++shown;
                  }
                  if (shown == 0) forms->ShowSection("NO_FORMS");
                });
  });
}

awaitable<Response> ConsolePages::Submissions(http::Request& req, const Visitor& visitor) {
  const auto query = http::ParseForm(req.query);
  const std::string search(TrimWhitespace(Field(query, "q")));
  const std::string format = Field(query, "export");
  const std::string before = Field(query, "before");
  if (!format.empty() && format != "csv" && format != "jsonl") {
    co_return Info(400, "No such export", {"Export as CSV or as JSON Lines."}, &visitor);
  }
  Status failed = OkStatus();
  std::optional<ReadableForm> readable;
  std::optional<Response> page;
  const Brand brand = ctx_.brands.ForNamespace("");
  auto busy = co_await ctx_.OffLoop(brand, [&] {
    readable = ReadableFormOf(*services_.forms, req.params[0], visitor.session.address,
                              visitor.role, visitor.account, &failed);
    if (!readable) return;
    const FormRecord& form = readable->form;
    if (!format.empty()) {
      // Every export is on record before a submission leaves.
      failed = RecordView(*services_.audit, RecordOf(req, visitor), "form.submissions.exported",
                          form, form.name, "", {{"format", format}});
      return;
    }
    // The page: newest first from the cursor, or the newest that match the search.
    std::int64_t before_at = 0;
    std::string before_id;
    if (auto dot = before.find('.'); dot != std::string::npos) {
      before_at = WholeNumber(before.substr(0, dot), std::int64_t{1} << 40).value_or(0);
      before_id = before.substr(dot + 1);
    }
    std::vector<std::pair<FormSubmissionRecord, forms::KeptContent>> rows;
    std::size_t looked = 0;
    bool more = false;
    while (rows.size() <= kListPage && (search.empty() || looked < kSearchScope)) {
      auto batch = services_.form_store->ListSubmissions(form.id, before_at, before_id,
                                                         search.empty() ? kListPage + 1 : 100);
      if (!batch.ok()) {
        failed = batch.error();
        return;
      }
      for (auto& r : *batch) {
        before_at = r.received_at;
        before_id = r.id;
        ++looked;
        auto content = forms::OpenKept(r, ctx_.keys.metadata());
        if (!content.ok()) {
          spdlog::error("console[{}]: submission {} not opened: {}", req.id, r.id,
                        content.error().ToString());
          continue;
        }
        if (!search.empty() && !Matches(*content, search)) continue;
        rows.emplace_back(std::move(r), std::move(*content));
        if (rows.size() > kListPage) break;
      }
      if (search.empty() || batch->size() < 100) break;  // one page, or nothing older
    }
    more = rows.size() > kListPage;
    if (more) rows.pop_back();
    failed = RecordView(*services_.audit, RecordOf(req, visitor), "form.submissions.listed", form,
                        form.name, "", {{"count", rows.size()}, {"searched", !search.empty()}});
    if (!failed.ok()) return;
    page = Page(200, "console_submissions.tpl", "Submissions: " + readable->definition.title,
                &visitor, "SUBMISSIONS_CURRENT", [&](ctemplate::TemplateDictionary& d) {
                  auto* list = d.AddSectionDictionary("LIST");
                  list->SetValue("NAME", form.name);
                  list->SetValue("TITLE", readable->definition.title);
                  list->SetValue("SEARCH", search);
                  list->SetIntValue("COUNT", static_cast<long>(rows.size()));
                  if (!search.empty()) {
                    list->SetIntValue("SCOPE", static_cast<long>(kSearchScope));
                    list->ShowSection("SEARCHED");
                  }
                  if (rows.empty()) list->ShowSection("EMPTY");
                  for (const auto& [r, content] : rows) {
                    auto* row = list->AddSectionDictionary("ROW");
                    row->SetValue("ID", r.id);
                    row->SetValue("WHEN", HumanTime(r.received_at));
                    row->SetValue("SUMMARY", Summary(readable->definition, content));
                    row->SetIntValue("FILES", static_cast<long>(content.files.size()));
                  }
                  if (more && search.empty() && !rows.empty()) {
                    list->SetValueAndShowSection(
                        "AFTER",
                        std::to_string(rows.back().first.received_at) + "." + rows.back().first.id,
                        "MORE");
                  }
                });
  });
  if (busy) co_return std::move(*busy);
  if (!failed.ok()) {
    spdlog::error("console[{}]: submissions not shown: {}", req.id, failed.error().ToString());
    co_return Info(500, "Something went wrong", {"Please try again in a moment."}, &visitor);
  }
  if (!readable) {
    co_return Info(404, "No such form",
                   {"There is no form of that name whose submissions you read."}, &visitor,
                   "/console/submissions", "Back to the forms");
  }
  if (page) co_return std::move(*page);

  // The export, streamed a batch at a time (constant memory), each submission opened
  // as it goes.
  struct Export {
    FormStore* store;
    const PurposeKey* key;
    FormRecord form;
    forms::Definition definition;
    bool csv;
    bool header_done = false;
    bool done = false;
    std::int64_t before_at = 0;
    std::string before_id;
  };
  auto state =
      std::make_shared<Export>(Export{services_.form_store, &ctx_.keys.metadata(), readable->form,
                                      readable->definition, format == "csv"});
  Response r;
  r.Set("Content-Type", format == "csv" ? "text/csv; charset=utf-8" : "application/jsonl");
  r.Set("Content-Disposition",
        "attachment; filename=\"" + readable->form.name + "-submissions." + format + "\"");
  r.producer = [state](std::string& chunk) -> Result<bool> {
    chunk.clear();
    if (state->done) return false;
    std::vector<const forms::Field*> fields;
    for (const auto& step : state->definition.steps) {
      for (const auto& f : step.fields) {
        if (f.type != forms::FieldType::kFile) fields.push_back(&f);
      }
    }
    if (state->csv && !state->header_done) {
      std::vector<std::string> header{"received_at", "id"};
      for (const auto* f : fields) header.push_back(f->name);
      header.push_back("files");
      chunk += SpreadsheetLine(header);
      state->header_done = true;
    }
    auto batch = state->store->ListSubmissions(state->form.id, state->before_at, state->before_id,
                                               kExportBatch);
    if (!batch.ok()) return std::move(batch).error();
    if (batch->size() < kExportBatch) state->done = true;
    for (const auto& rec : *batch) {
      state->before_at = rec.received_at;
      state->before_id = rec.id;
      auto content = forms::OpenKept(rec, *state->key);
      if (!content.ok()) return std::move(content).error();
      if (!state->csv) {
        chunk += ExportJson(state->form, rec, *content) + "\n";
        continue;
      }
      std::vector<std::string> row{FormatRfc3339(rec.received_at), rec.id};
      for (const auto* f : fields) {
        auto it = content->values.find(f->name);
        row.push_back(it == content->values.end() ? "" : it->second);
      }
      std::string files;
      for (const auto& file : content->files) files += (files.empty() ? "" : "; ") + file.name;
      row.push_back(files);
      chunk += SpreadsheetLine(row);
    }
    return !chunk.empty() || !state->done;
  };
  co_return r;
}

awaitable<Response> ConsolePages::SubmissionView(http::Request& req, const Visitor& visitor) {
  Status failed = OkStatus();
  std::optional<Response> page;
  const Brand brand = ctx_.brands.ForNamespace("");
  auto busy = co_await ctx_.OffLoop(brand, [&] {
    auto opened = OpenedSubmissionOf(*services_.forms, *services_.form_store, ctx_.keys.metadata(),
                                     req.params[0], req.params[1], visitor.session.address,
                                     visitor.role, visitor.account, &failed);
    if (!opened) return;
    const ReadableForm* readable = &opened->readable;
    const FormSubmissionRecord* record = &opened->record;
    const forms::KeptContent* content = &opened->content;
    failed = RecordView(*services_.audit, RecordOf(req, visitor), "form.submission.viewed",
                        readable->form, record->id, record->message_id, {});
    if (!failed.ok()) return;
    const forms::Definition& def = readable->definition;
    page = Page(200, "console_submission.tpl", def.title, &visitor, "SUBMISSIONS_CURRENT",
                [&](ctemplate::TemplateDictionary& d) {
                  d.SetValue("NAME", readable->form.name);
                  d.SetValue("TITLE", def.title);
                  d.SetValue("ID", record->id);
                  d.SetValue("WHEN", HumanTime(record->received_at));
                  d.SetValue("KEPT_UNTIL", HumanTime(record->expires_at));
                  d.SetValue("CSRF", ctx_.FormToken("console", visitor.cookie));
                  for (const auto& step : def.steps) {
                    auto* s = d.AddSectionDictionary("STEP");
                    s->SetValue("STEP_TITLE", step.title.empty() ? def.title : step.title);
                    for (const auto& f : step.fields) {
                      if (f.type == forms::FieldType::kFile) continue;
                      auto* v = s->AddSectionDictionary("VALUE");
                      v->SetValue("LABEL", f.label);
                      v->SetValue("TEXT", forms::AnswerText(f, content->values));
                    }
                  }
                  auto* files = content->files.empty() ? nullptr : d.AddSectionDictionary("FILES");
                  for (std::size_t i = 0; i < content->files.size(); ++i) {
                    const auto& file = content->files[i];
                    auto* f = files->AddSectionDictionary("FILE");
                    f->SetValue("INDEX", std::to_string(i));
                    f->SetValue("FILE_NAME", file.name);
                    f->SetValue("TYPE", file.type);
                    f->SetValue("SIZE", HumanSize(file.size));
                  }
                  if (!def.consent.empty())
                    d.SetValueAndShowSection("CONSENT", def.consent, "HAS_CONSENT");
                });
  });
  if (busy) co_return std::move(*busy);
  if (!failed.ok()) {
    spdlog::error("console[{}]: submission not shown: {}", req.id, failed.error().ToString());
    co_return Info(500, "Something went wrong", {"Please try again in a moment."}, &visitor);
  }
  if (!page) {
    co_return Info(404, "No such submission", {"It may have been deleted, or its time is up."},
                   &visitor, "/console/submissions", "Back to the forms");
  }
  co_return std::move(*page);
}

awaitable<Response> ConsolePages::SubmissionFile(http::Request& req, const Visitor& visitor) {
  Status failed = OkStatus();
  std::optional<Response> file;
  const Brand brand = ctx_.brands.ForNamespace("");
  auto busy = co_await ctx_.OffLoop(brand, [&] {
    auto opened = OpenedSubmissionOf(*services_.forms, *services_.form_store, ctx_.keys.metadata(),
                                     req.params[0], req.params[1], visitor.session.address,
                                     visitor.role, visitor.account, &failed);
    if (!opened) return;
    const ReadableForm* readable = &opened->readable;
    const FormSubmissionRecord* record = &opened->record;
    const forms::KeptContent* content = &opened->content;
    auto index = WholeNumber(req.params[2], 1000);
    if (!index || static_cast<std::size_t>(*index) >= content->files.size()) return;
    const forms::KeptFile& kept = content->files[static_cast<std::size_t>(*index)];
    auto reader = forms::OpenKeptFile(*services_.blobs, *record, ctx_.keys.metadata(), kept);
    if (!reader.ok()) {
      failed = reader.error();
      return;
    }
    failed = RecordView(*services_.audit, RecordOf(req, visitor), "form.submission.downloaded",
                        readable->form, record->id, record->message_id, {{"file", *index}});
    if (!failed.ok()) return;
    file = KeptFileResponse(kept, std::move(*reader));
  });
  if (busy) co_return std::move(*busy);
  if (!failed.ok()) {
    spdlog::error("console[{}]: submission file not sent: {}", req.id, failed.error().ToString());
    co_return Info(500, "Something went wrong", {"Please try again in a moment."}, &visitor);
  }
  if (!file) {
    co_return Info(404, "No such file", {"It may have been deleted, or its time is up."}, &visitor,
                   "/console/submissions", "Back to the forms");
  }
  co_return std::move(*file);
}

awaitable<Response> ConsolePages::DeleteSubmission(http::Request& req, const Visitor& visitor) {
  const std::string back = "/console/submissions/" + req.params[0];
  if (!ctx_.FormTokenValid(req, "console", visitor.cookie)) {
    co_return FormExpired(&visitor, back, "Back to the submissions");
  }
  Status failed = OkStatus();
  std::optional<FormSubmissionRecord> gone;
  const Brand brand = ctx_.brands.ForNamespace("");
  std::optional<ReadableForm> readable;
  auto busy = co_await ctx_.OffLoop(brand, [&] {
    readable = ReadableFormOf(*services_.forms, req.params[0], visitor.session.address,
                              visitor.role, visitor.account, &failed);
    if (!readable) return;
    auto record = services_.form_store->FindSubmission(req.params[1]);
    if (!record.ok()) {
      failed = record.error();
      return;
    }
    if (!record->has_value() || (*record)->form_id != readable->form.id) return;
    // The deletion and its record in one transaction.
    audit::AuditRecord r = RecordOf(req, visitor);
    r.action = "form.submission.deleted";
    r.account = readable->form.account;
    r.subject = (*record)->id;
    r.message_id = (*record)->message_id;
    r.details = boost::json::serialize(boost::json::object{{"form", readable->form.name}});
    audit::ActingAs acting({"user", visitor.session.address, req.client_address, visitor.account});
    audit::PendingRecord pending(std::move(r));
    failed = services_.form_store->DeleteSubmission((*record)->id);
    if (!failed.ok()) return;
    (void)forms::RemoveKeptBlobs(*services_.blobs, **record);
    gone = std::move(**record);
  });
  if (busy) co_return std::move(*busy);
  if (!failed.ok()) {
    spdlog::error("console[{}]: submission not deleted: {}", req.id, failed.error().ToString());
    co_return Info(500, "Something went wrong", {"Please try again in a moment."}, &visitor);
  }
  if (!gone) {
    co_return Info(404, "No such submission", {"It may have been deleted already."}, &visitor,
                   readable ? back : "/console/submissions", "Back to the submissions");
  }
  spdlog::info("console[{}]: form submission {} deleted", req.id, gone->id);
  co_return Info(200, "Submission deleted",
                 {"It was destroyed: its key first, then its files. The message that carried it "
                  "to the form's recipients stays until it expires."},
                 &visitor, back, "Back to the submissions");
}

}  // namespace sealpost::portal

// --- secure requests ------------------------------------------------------------------

namespace sealpost::portal {

Response ConsolePages::RequestsPage(int status, const Visitor& visitor, const std::string& error,
                                    const std::string& notice, const std::string& to,
                                    const std::string& message) {
  auto list = services_.form_store->ListRequests(visitor.session.address, 100);
  if (!list.ok()) {
    spdlog::error("console: requests not read: {}", list.error().ToString());
    return Info(500, "Something went wrong", {"Please try again in a moment."}, &visitor);
  }
  const std::int64_t now = ctx_.clock.NowUnix();
  return Page(status, "console_requests.tpl", "Ask for documents", &visitor, "REQUESTS_CURRENT",
              [&](ctemplate::TemplateDictionary& d) {
                d.SetValue("CSRF", ctx_.FormToken("console", visitor.cookie));
                ShowOutcome(d, error, notice);
                d.SetValue("TO", to);
                d.SetValue("MESSAGE", message);
                d.SetIntValue("MAX_NOTE", static_cast<long>(forms::kMaxRequestNote));
                for (int days : {1, 3, 7, 14, 30}) {
                  auto* o = d.AddSectionDictionary("DAYS");
                  o->SetIntValue("N", days);
                  if (days == 7) o->ShowSection("SELECTED");
                }
                if (list->empty()) d.ShowSection("NONE");
                for (const auto& r : *list) {
                  auto* row = d.AddSectionDictionary("REQUEST");
                  row->SetValue("ID", r.id);
                  row->SetValue("RECIPIENT", r.recipient);
                  row->SetValue("MADE", HumanTime(r.created_at));
                  row->SetValue("STATE", forms::RequestDesk::State(r, now));
                  row->SetValue("UNTIL", HumanTime(r.expires_at));
                }
              });
}

awaitable<Response> ConsolePages::Requests(http::Request&, const Visitor& visitor) {
  co_return co_await MadeOffLoop([&] { return RequestsPage(200, visitor, "", "", "", ""); });
}

awaitable<Response> ConsolePages::CreateRequest(http::Request& req, const Visitor& visitor) {
  if (!ctx_.FormTokenValid(req, "console", visitor.cookie)) {
    co_return FormExpired(&visitor, "/console/requests", "Back to your requests");
  }
  auto form = http::ParseForm(req.body);
  forms::NewRequest in;
  in.requester = visitor.session.address;  // the answer comes back to whoever asked
  in.recipient = std::string(TrimWhitespace(Field(form, "to")));
  in.note = Field(form, "message");
  in.account = visitor.account;
  in.days = static_cast<int>(WholeNumber(Field(form, "days"), 1000).value_or(0));
  Status made = OkStatus();
  std::string id;
  if (auto busy = co_await Change(
          req, visitor, SanitizeForLog(in.recipient, 100),
          [&]() -> Status {
            auto created = services_.requests->Create(in);
            if (!created.ok()) return created.error();
            id = created->id;
            return OkStatus();
          },
          &made)) {
    co_return std::move(*busy);
  }
  if (!made.ok()) {
    const Error& e = made.error();
    const std::string field = e.field == "to"                ? "To"
                              : e.field == "message"         ? "What you ask for"
                              : e.field == "expires_in_days" ? "The link works for"
                                                             : "";
    co_return co_await MadeOffLoop([&] {
      return RequestsPage(
          StatusOf(e), visitor,
          "Nothing was sent: " + (field.empty() ? Refusal(e) : field + ": " + e.message + "."), "",
          in.recipient, in.note);
    });
  }
  spdlog::info("console[{}]: request {} made", req.id, id);
  co_return co_await MadeOffLoop([&] {
    return RequestsPage(200, visitor, "",
                        "The link is on its way to " + in.recipient +
                            ". What they send comes back to you as a secure message.",
                        "", "");
  });
}

namespace {

// The visitor's own request, and its answer opened when there is one.
struct OwnRequest {
  FormRequestRecord request;
  std::string note;
  std::optional<FormSubmissionRecord> answer;
  std::optional<forms::KeptContent> content;
};

std::optional<OwnRequest> OwnRequestOf(forms::RequestDesk& desk, FormStore& store,
                                       const PurposeKey& key, const std::string& id,
                                       const std::string& address, Status* failed) {
  auto found = desk.Find(id);
  if (!found.ok()) {
    *failed = found.error();
    return std::nullopt;
  }
  // Another's request answers as a missing one.
  if (!found->has_value() || AsciiLower((*found)->requester) != AsciiLower(address)) {
    return std::nullopt;
  }
  OwnRequest own{std::move(**found), "", std::nullopt, std::nullopt};
  auto note = desk.Note(own.request);
  if (!note.ok()) {
    *failed = note.error();
    return std::nullopt;
  }
  own.note = std::move(*note);
  if (!own.request.submission_id.empty()) {
    auto answer = store.FindSubmission(own.request.submission_id);
    if (!answer.ok()) {
      *failed = answer.error();
      return std::nullopt;
    }
    if (answer->has_value()) {  // gone when its retention ended
      auto content = forms::OpenKept(**answer, key);
      if (!content.ok()) {
        *failed = content.error();
        return std::nullopt;
      }
      own.answer = std::move(**answer);
      own.content = std::move(*content);
    }
  }
  return own;
}

}  // namespace

awaitable<Response> ConsolePages::RequestView(http::Request& req, const Visitor& visitor) {
  Status failed = OkStatus();
  std::optional<Response> page;
  const Brand brand = ctx_.brands.ForNamespace("");
  auto busy = co_await ctx_.OffLoop(brand, [&] {
    auto own = OwnRequestOf(*services_.requests, *services_.form_store, ctx_.keys.metadata(),
                            req.params[0], visitor.session.address, &failed);
    if (!own) return;
    if (own->answer) {
      audit::AuditRecord record = RecordOf(req, visitor);
      record.action = "request.answer.viewed";
      record.subject = own->request.id;
      record.message_id = own->answer->message_id;
      failed = services_.audit->Append(std::move(record));
      if (!failed.ok()) return;
    }
    const std::int64_t now = ctx_.clock.NowUnix();
    page = Page(200, "console_request.tpl", "Request to " + own->request.recipient, &visitor,
                "REQUESTS_CURRENT", [&](ctemplate::TemplateDictionary& d) {
                  d.SetValue("ID", own->request.id);
                  d.SetValue("RECIPIENT", own->request.recipient);
                  d.SetValue("MADE", HumanTime(own->request.created_at));
                  d.SetValue("UNTIL", HumanTime(own->request.expires_at));
                  d.SetValue("STATE", forms::RequestDesk::State(own->request, now));
                  d.SetValue("NOTE", own->note);
                  if (!own->content) return;
                  auto* a = d.AddSectionDictionary("ANSWER");
                  a->SetValue("ANSWERED", HumanTime(own->request.answered_at));
                  auto it = own->content->values.find("message");
                  a->SetValue("TEXT", it == own->content->values.end() || it->second.empty()
                                          ? "(no message)"
                                          : it->second);
                  for (std::size_t i = 0; i < own->content->files.size(); ++i) {
                    const auto& file = own->content->files[i];
                    auto* f = a->AddSectionDictionary("FILE");
                    f->SetValue("INDEX", std::to_string(i));
                    f->SetValue("FILE_NAME", file.name);
                    f->SetValue("TYPE", file.type);
                    f->SetValue("SIZE", HumanSize(file.size));
                  }
                });
  });
  if (busy) co_return std::move(*busy);
  if (!failed.ok()) {
    spdlog::error("console[{}]: request not shown: {}", req.id, failed.error().ToString());
    co_return Info(500, "Something went wrong", {"Please try again in a moment."}, &visitor);
  }
  if (!page) {
    co_return Info(404, "No such request", {"You made no request of that name."}, &visitor,
                   "/console/requests", "Back to your requests");
  }
  co_return std::move(*page);
}

awaitable<Response> ConsolePages::RequestFile(http::Request& req, const Visitor& visitor) {
  Status failed = OkStatus();
  std::optional<Response> file;
  const Brand brand = ctx_.brands.ForNamespace("");
  auto busy = co_await ctx_.OffLoop(brand, [&] {
    auto own = OwnRequestOf(*services_.requests, *services_.form_store, ctx_.keys.metadata(),
                            req.params[0], visitor.session.address, &failed);
    if (!own || !own->content) return;
    auto index = WholeNumber(req.params[1], 1000);
    if (!index || static_cast<std::size_t>(*index) >= own->content->files.size()) return;
    const forms::KeptFile& kept = own->content->files[static_cast<std::size_t>(*index)];
    auto reader = forms::OpenKeptFile(*services_.blobs, *own->answer, ctx_.keys.metadata(), kept);
    if (!reader.ok()) {
      failed = reader.error();
      return;
    }
    audit::AuditRecord record = RecordOf(req, visitor);
    record.action = "request.answer.downloaded";
    record.subject = own->request.id;
    record.message_id = own->answer->message_id;
    record.details = "{\"file\":" + std::to_string(*index) + "}";
    failed = services_.audit->Append(std::move(record));
    if (!failed.ok()) return;
    file = KeptFileResponse(kept, std::move(*reader));
  });
  if (busy) co_return std::move(*busy);
  if (!failed.ok()) {
    spdlog::error("console[{}]: request file not sent: {}", req.id, failed.error().ToString());
    co_return Info(500, "Something went wrong", {"Please try again in a moment."}, &visitor);
  }
  if (!file) {
    co_return Info(404, "No such file", {"It may have been deleted, or its time is up."}, &visitor,
                   "/console/requests", "Back to your requests");
  }
  co_return std::move(*file);
}

}  // namespace sealpost::portal
