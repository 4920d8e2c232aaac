#include "forms/kept.h"

#include <boost/json.hpp>

#include "audit/pending.h"
#include "base/clock.h"
#include "base/encoding.h"
#include "crypto/key_ring.h"
#include "crypto/primitives.h"
#include "crypto/random.h"
#include "store/blob_store.h"
#include "store/stores.h"

namespace sealpost::forms {
namespace {

constexpr std::size_t kKeyBytes = 32;
// The sealed values and file list of one submission: bounded by the definition's
// limits (60 fields of at most 100,000 characters), with room to spare.
constexpr std::size_t kMaxSealed = 16 * 1024 * 1024;

std::string ContentAad(const std::string& id, const std::string& form_id) {
  return "form-submission|" + id + "|" + form_id;
}
std::string FileLabel(const std::string& id, const std::string& blob) {
  return "form-file|" + id + "|" + blob;
}

std::string ContentJson(const std::map<std::string, std::string>& values,
                        const std::vector<KeptFile>& files) {
  boost::json::object o;
  boost::json::object v;
  for (const auto& [name, value] : values) v[name] = value;
  o["values"] = std::move(v);
  boost::json::array f;
  for (const auto& file : files) {
    f.push_back({{"field", file.field},
                 {"name", file.name},
                 {"type", file.type},
                 {"size", file.size},
                 {"sha256", file.sha256},
                 {"blob", file.blob}});
  }
  o["files"] = std::move(f);
  return boost::json::serialize(o);
}

Result<SecretBytes> KeyOf(const FormSubmissionRecord& record, const PurposeKey& wrap_key) {
  return wrap_key.OpenSecret(record.wrapped_key, KeptKeyAad(record.id));
}

}  // namespace

std::string KeptKeyAad(const std::string& id) { return "form-submission-key|" + id; }

KeptWriter::KeptWriter(BlobStore& blobs, const PurposeKey& wrap_key, std::string form_id)
    : blobs_(blobs),
      wrap_key_(wrap_key),
      form_id_(std::move(form_id)),
      id_(NewId()),
      key_(RandomSecret(kKeyBytes)) {}

KeptWriter::~KeptWriter() {
  if (stored_) return;
  current_.reset();
  for (const auto& blob : written_) (void)blobs_.Remove(blob);
}

Status KeptWriter::StartFile(std::string field, std::string name, std::string type) {
  if (current_) return MakeError(ErrorCode::kInternal, "a file is already being kept");
  KeptFile file;
  file.field = std::move(field);
  file.name = std::move(name);
  file.type = std::move(type);
  file.blob = NewBlobId();
  auto writer = SealedBlobWriter::Create(blobs_, file.blob, key_, FileLabel(id_, file.blob));
  if (!writer.ok()) return std::move(writer).error();
  written_.push_back(file.blob);
  current_.emplace(std::move(*writer));
  files_.push_back(std::move(file));
  return OkStatus();
}

Status KeptWriter::AppendFile(std::string_view data) {
  if (!current_) return MakeError(ErrorCode::kInternal, "no file is being kept");
  file_bytes_ += data.size();
  return current_->Append(data);
}

Status KeptWriter::FinishFile() {
  if (!current_) return MakeError(ErrorCode::kInternal, "no file is being kept");
  auto status = current_->Finish();
  if (!status.ok()) return status;
  files_.back().size = current_->plaintext_size();
  files_.back().sha256 = HexEncode(current_->plaintext_sha256());
  current_.reset();
  return OkStatus();
}

Result<FormSubmissionRecord> KeptWriter::Seal(const std::map<std::string, std::string>& values,
                                              const std::string& account, std::int64_t received_at,
                                              std::int64_t expires_at,
                                              const std::string& message_id) {
  if (current_) return MakeError(ErrorCode::kInternal, "a file was left unfinished");
  FormSubmissionRecord r;
  r.id = id_;
  r.form_id = form_id_;
  r.account = account;
  r.received_at = received_at;
  r.expires_at = expires_at;
  r.message_id = message_id;
  auto wrapped = wrap_key_.Seal(key_.view(), KeptKeyAad(id_));
  if (!wrapped.ok()) return std::move(wrapped).error();
  r.wrapped_key = std::move(*wrapped);
  auto sealed = BoxSeal(key_, ContentJson(values, files_), ContentAad(id_, form_id_));
  if (!sealed.ok()) return std::move(sealed).error();
  r.sealed = std::move(*sealed);
  for (const auto& file : files_) {
    if (!r.blobs.empty()) r.blobs += ' ';
    r.blobs += file.blob;
  }
  r.size = file_bytes_;
  return r;
}

Result<KeptContent> OpenKept(const FormSubmissionRecord& record, const PurposeKey& wrap_key) {
  auto key = KeyOf(record, wrap_key);
  if (!key.ok()) return std::move(key).error();
  auto json = BoxOpen(*key, record.sealed, ContentAad(record.id, record.form_id));
  if (!json.ok()) return std::move(json).error();
  if (json->size() > kMaxSealed)
    return MakeError(ErrorCode::kIntegrity, "kept submission too large");
  boost::system::error_code ec;
  auto parsed = boost::json::parse(*json, ec);
  if (ec || !parsed.is_object()) {
    return MakeError(ErrorCode::kIntegrity, "kept submission is not what was sealed");
  }
  KeptContent content;
  const auto& o = parsed.as_object();
  if (const auto* v = o.if_contains("values"); v && v->is_object()) {
    for (const auto& [name, value] : v->as_object()) {
      if (value.is_string()) content.values[std::string(name)] = std::string(value.as_string());
    }
  }
  if (const auto* f = o.if_contains("files"); f && f->is_array()) {
    for (const auto& item : f->as_array()) {
      if (!item.is_object()) continue;
      const auto& i = item.as_object();
      auto text = [&](const char* key) {
        const auto* x = i.if_contains(key);
        return x && x->is_string() ? std::string(x->as_string()) : std::string();
      };
      KeptFile file;
      file.field = text("field");
      file.name = text("name");
      file.type = text("type");
      file.sha256 = text("sha256");
      file.blob = text("blob");
      if (const auto* s = i.if_contains("size"); s && s->is_number()) {
        file.size = s->to_number<std::uint64_t>();
      }
      content.files.push_back(std::move(file));
    }
  }
  return content;
}

Result<SealedBlobReader> OpenKeptFile(BlobStore& blobs, const FormSubmissionRecord& record,
                                      const PurposeKey& wrap_key, const KeptFile& file) {
  auto key = KeyOf(record, wrap_key);
  if (!key.ok()) return std::move(key).error();
  return SealedBlobReader::Open(blobs, file.blob, *key, FileLabel(record.id, file.blob));
}

namespace {

std::string Size(std::uint64_t bytes) {
  char out[32];
  if (bytes >= 1024 * 1024) {
    std::snprintf(out, sizeof out, "%.1f MB", static_cast<double>(bytes) / (1024 * 1024));
  } else if (bytes >= 1024) {
    std::snprintf(out, sizeof out, "%.1f KB", static_cast<double>(bytes) / 1024);
  } else {
    std::snprintf(out, sizeof out, "%llu bytes", static_cast<unsigned long long>(bytes));
  }
  return out;
}

}  // namespace

std::string AnswerText(const Field& f, const std::map<std::string, std::string>& values) {
  const auto it = values.find(f.name);
  const std::string value = it == values.end() ? std::string() : it->second;
  if (f.type == FieldType::kCheckbox) return value == "yes" ? "yes" : "no";
  return value.empty() ? "(left empty)" : value;
}

std::string SubmissionText(const Definition& d, const std::string& form_name,
                           const std::map<std::string, std::string>& values,
                           const std::vector<KeptFile>& files, std::int64_t received_at) {
  std::string out = d.title + " — sent through the form \"" + form_name + "\" on " +
                    FormatHumanDate(received_at) + ".\n";
  for (const auto& step : d.steps) {
    out += "\n" + (step.title.empty() ? d.title : step.title) + "\n";
    for (const auto& f : step.fields) {
      if (f.type == FieldType::kFile) {
        bool any = false;
        for (const auto& file : files) {
          if (file.field != f.name) continue;
          out += "  " + f.label + ": " + file.name + " (" + file.type + ", " + Size(file.size) +
                 "), attached\n";
          any = true;
        }
        if (!any) out += "  " + f.label + ": no file\n";
        continue;
      }
      const std::string value = AnswerText(f, values);
      if (f.type == FieldType::kLongText && value.find('\n') != std::string::npos) {
        out += "  " + f.label + ":\n";
        std::string_view rest = value;
        while (!rest.empty()) {
          const auto nl = rest.find('\n');
          std::string_view line = rest.substr(0, nl);
          if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
          out += "    " + std::string(line) + "\n";
          rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
        }
        continue;
      }
      out += "  " + f.label + ": " + value + "\n";
    }
  }
  if (!d.consent.empty()) out += "\nConsent given: " + d.consent + "\n";
  return out;
}

Status RemoveKeptBlobs(BlobStore& blobs, const FormSubmissionRecord& record) {
  Status first = OkStatus();
  std::string_view rest = record.blobs;
  while (!rest.empty()) {
    const auto space = rest.find(' ');
    const std::string blob(rest.substr(0, space));
    rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
    if (blob.empty()) continue;
    auto status = blobs.Remove(blob);
    if (!status.ok() && status.error().code != ErrorCode::kNotFound && first.ok()) first = status;
  }
  return first;
}

Result<std::optional<std::string>> WithSubmittedValues(FormStore& store, const PurposeKey& wrap_key,
                                                       std::string_view payload) {
  boost::system::error_code ec;
  auto value = boost::json::parse(payload, ec);
  if (ec || !value.is_object()) return std::optional<std::string>();
  auto* data = value.as_object().if_contains("data");
  if (!data || !data->is_object()) return std::optional<std::string>();
  auto& d = data->as_object();
  const auto* form_name = d.if_contains("form");
  const auto* id = d.if_contains("submission_id");
  if (!form_name || !form_name->is_string() || !id || !id->is_string()) {
    return std::optional<std::string>();
  }
  auto form = store.Find(std::string(form_name->as_string()));
  if (!form.ok()) return std::move(form).error();
  if (!form->has_value()) return std::optional<std::string>();
  auto definition = ParseDefinition((*form)->definition);
  if (!definition.ok() || !definition->webhook_values) return std::optional<std::string>();
  auto record = store.FindSubmission(std::string(id->as_string()));
  if (!record.ok()) return std::move(record).error();
  if (!record->has_value() || (*record)->form_id != (*form)->id) {
    return std::optional<std::string>();
  }
  auto content = OpenKept(**record, wrap_key);
  if (!content.ok()) return std::move(content).error();
  boost::json::object values;
  for (const auto& [name, v] : content->values) values[name] = v;
  boost::json::array files;
  for (const auto& f : content->files) {
    files.push_back({{"field", f.field}, {"name", f.name}, {"type", f.type}, {"size", f.size}});
  }
  d["values"] = std::move(values);
  d["files"] = std::move(files);
  return std::optional<std::string>(boost::json::serialize(value));
}

Result<int> DestroyExpiredSubmissions(FormStore& store, BlobStore& blobs, std::int64_t now,
                                      int limit) {
  auto expired = store.ExpiredSubmissions(now, static_cast<std::size_t>(limit));
  if (!expired.ok()) return std::move(expired).error();
  int destroyed = 0;
  for (const auto& record : *expired) {
    // The row (and with it the wrapped key) goes first: what is left of it on disk
    // cannot be opened, whatever happens to the blobs' removal.
    audit::AuditRecord r;
    r.at = now;
    r.actor_kind = "system";
    r.actor = "retention";
    r.account = record.account;
    r.action = "form.submission.expired";
    r.subject = record.id;
    r.result = "ok";
    r.message_id = record.message_id;
    audit::PendingRecord pending(std::move(r));
    auto deleted = store.DeleteSubmission(record.id);
    if (!deleted.ok() && deleted.error().code != ErrorCode::kNotFound) {
      return std::move(deleted).error();
    }
    (void)RemoveKeptBlobs(blobs, record);
    ++destroyed;
  }
  return destroyed;
}

}  // namespace sealpost::forms
