// What a person sent through a form, kept for the form's retention (issue 24): sealed
// as it arrives — the files streamed into sealed blobs a segment at a time, the values
// sealed whole at the end — under a key of the submission's own, which the metadata key
// wraps. Nothing of it reaches the disk in clear, and deleting the record and its blobs
// destroys it. Staff read it back (the console) through the same key. Blocking (blobs).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/secret.h"
#include "forms/definition.h"
#include "store/records.h"
#include "store/sealed_blob.h"

namespace sealpost {
class BlobStore;
class FormStore;
class PurposeKey;
}  // namespace sealpost

namespace sealpost::forms {

struct KeptFile {
  std::string field;  // the form's field it was sent for
  std::string name;
  std::string type;
  std::uint64_t size = 0;
  std::string sha256;  // hex, of the plaintext
  std::string blob;
};

struct KeptContent {
  std::map<std::string, std::string> values;
  std::vector<KeptFile> files;
};

class KeptWriter {
 public:
  KeptWriter(BlobStore& blobs, const PurposeKey& wrap_key, std::string form_id);
  // Unless the record was stored (MarkStored), every blob written goes with it: a
  // refused or failed submission leaves nothing.
  ~KeptWriter();
  KeptWriter(const KeptWriter&) = delete;
  KeptWriter& operator=(const KeptWriter&) = delete;

  const std::string& id() const { return id_; }
  std::uint64_t file_bytes() const { return file_bytes_; }

  Status StartFile(std::string field, std::string name, std::string type);
  Status AppendFile(std::string_view data);
  Status FinishFile();
  const std::vector<KeptFile>& files() const { return files_; }

  // The record for the store: `values` and the files sealed; the rest as given.
  Result<FormSubmissionRecord> Seal(const std::map<std::string, std::string>& values,
                                    const std::string& account, std::int64_t received_at,
                                    std::int64_t expires_at, const std::string& message_id);
  // The record is committed: its blobs are now the record's.
  void MarkStored() { stored_ = true; }

 private:
  BlobStore& blobs_;
  const PurposeKey& wrap_key_;
  const std::string form_id_;
  const std::string id_;
  SecretBytes key_;
  std::vector<KeptFile> files_;
  std::optional<SealedBlobWriter> current_;
  std::vector<std::string> written_;
  std::uint64_t file_bytes_ = 0;
  bool stored_ = false;
};

// The AAD of a kept submission's key under the metadata key (FormSubmissionRecord::
// wrapped_key), for key rotation to re-wrap it.
std::string KeptKeyAad(const std::string& submission_id);

// A kept submission's values and files (names, types, sizes), opened.
Result<KeptContent> OpenKept(const FormSubmissionRecord& record, const PurposeKey& wrap_key);
// One of its files, streamed as it is decrypted.
Result<SealedBlobReader> OpenKeptFile(BlobStore& blobs, const FormSubmissionRecord& record,
                                      const PurposeKey& wrap_key, const KeptFile& file);
// A field's answer as people read it: a checkbox "yes" or "no", "(left empty)" when
// there is none. Not for files.
std::string AnswerText(const Field& f, const std::map<std::string, std::string>& values);

// What the form's recipients read: each step's answers under its title, the files by
// name, type and size (they come as attachments), and the consent given. Plain text;
// no I/O. `received_at`: unix seconds.
std::string SubmissionText(const Definition& d, const std::string& form_name,
                           const std::map<std::string, std::string>& values,
                           const std::vector<KeptFile>& files, std::int64_t received_at);

// Removes a kept submission's blobs (its record is the caller's to delete first).
Status RemoveKeptBlobs(BlobStore& blobs, const FormSubmissionRecord& record);

// A form.submitted webhook payload with the submission's answers and files (names,
// types, sizes) added to its data, when its form asks for that (`webhook_values`);
// nullopt when it does not, or the submission is gone (its payload leaves as it is).
// Made as the delivery leaves: the webhook outbox never holds what people sent.
Result<std::optional<std::string>> WithSubmittedValues(FormStore& store, const PurposeKey& wrap_key,
                                                       std::string_view payload);

// Destroys up to `limit` submissions whose form's retention ended before `now` (the
// record first, then its blobs); returns how many. Each is on the audit trail as the
// system's "form.submission.expired".
Result<int> DestroyExpiredSubmissions(FormStore& store, BlobStore& blobs, std::int64_t now,
                                      int limit);

}  // namespace sealpost::forms
