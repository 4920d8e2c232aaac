// What a verified reader does with their copy: download the whole message as .eml
// (attachments streamed in as base64, each checked against its signed digest, never
// held whole), a print view, and deleting it (its key destroyed at once).
#include "portal/message_pages.h"

#include <ctemplate/template.h>
#include <spdlog/spdlog.h>

#include "base/encoding.h"
#include "crypto/primitives.h"
#include "mime/address.h"
#include "mime/compose.h"
#include "portal/common.h"

namespace sealpost::portal {
using boost::asio::awaitable;
using http::Response;

namespace {

// The .eml, piece by piece: the text around the attachments, and each attachment's
// content decrypted segment by segment and base64-encoded as it goes.
class EmlProducer {
 public:
  EmlProducer(EscrowService& escrow, LinkState link, std::shared_ptr<const SecretBytes> key,
              std::vector<AttachmentInfo> attachments, std::vector<std::string> pieces,
              std::string client)
      : escrow_(escrow), link_(std::move(link)), key_(std::move(key)),
        attachments_(std::move(attachments)), pieces_(std::move(pieces)), client_(std::move(client)) {}

  Result<bool> Next(std::string& chunk) {
    chunk.clear();
    if (reader_) {
      std::string plain;
      auto more = reader_->Next(plain);
      if (!more.ok()) return std::move(more).error();
      if (*more) {
        hasher_->Update(plain);
        lines_.Add(plain, chunk);
        return true;
      }
      lines_.Finish(chunk);
      if (hasher_->Final() != attachments_[current_].sha256) {
        return MakeError(ErrorCode::kIntegrity, "attachment differs from its signed digest");
      }
      reader_.reset();
    }
    if (next_piece_ == pieces_.size()) return !chunk.empty();
    chunk += pieces_[next_piece_];
    if (next_piece_ < attachments_.size()) {
      current_ = next_piece_;
      auto reader = escrow_.Attachment(link_, *key_, attachments_[current_], current_, client_,
                                       /*record=*/false);
      if (!reader.ok()) return std::move(reader).error();
      reader_.emplace(std::move(*reader));
      hasher_.emplace();
    }
    ++next_piece_;
    return true;
  }

 private:
  EscrowService& escrow_;
  LinkState link_;
  std::shared_ptr<const SecretBytes> key_;
  std::vector<AttachmentInfo> attachments_;
  std::vector<std::string> pieces_;
  std::string client_;
  std::size_t next_piece_ = 0;
  std::size_t current_ = 0;
  std::optional<SealedBlobReader> reader_;
  std::optional<Sha256Hasher> hasher_;
  Base64Lines lines_;
};

}  // namespace

void MessagePages::FillMessageHeader(ctemplate::TemplateDictionary& d, const Manifest& m) {
  d.SetValue("SUBJECT", m.subject.empty() ? "(no subject)" : m.subject);
  d.SetValue("FROM", m.from);
  d.SetValue("TO", Join(m.to));
  if (!m.cc.empty()) {
    d.ShowSection("HAS_CC");
    d.SetValue("CC", Join(m.cc));
  }
  d.SetValue("SENT", HumanTime(m.created_at));
}

awaitable<MessagePages::SessionCopy> MessagePages::OpenSessionCopy(http::Request& req, bool read_manifest) {
  SessionCopy copy;
  copy.brand = co_await ctx_.HostBrand(req);
  Brand& brand = copy.brand;
  const std::string rid = req.params[0];
  std::optional<PortalSession> session;
  if (auto sid = req.cookie(kSessionCookie); sid && IsHexId(rid)) {
    session = ctx_.sessions.Find(*sid, rid);
    copy.session_token = *sid;
  }
  if (!session) {
    copy.refused = ctx_.ErrorPage(brand, 403, "Open the link in your email",
                             "To see this page, open the message from the email about it first.");
    co_return copy;
  }
  copy.session = *session;
  std::optional<Result<LinkState>> link;
  std::optional<Result<OpenedManifest>> opened;
  if (auto busy = co_await ctx_.OffLoop(brand, [&] {
        link.emplace(ctx_.escrow.RecipientState(rid));
        if (!read_manifest || !link->ok() || (*link)->expired || (*link)->locked) return;
        opened.emplace(ctx_.escrow.Manifest(**link, *session->data_key));
      })) {
    copy.refused = std::move(busy);
    co_return copy;
  }
  if (link->ok()) brand = co_await ctx_.NamespaceBrand((*link)->message.namespace_name);
  if (!link->ok()) {
    copy.refused = ctx_.ErrorPage(brand, 404, "Not found", "There is no such message.");
  } else if ((*link)->expired) {
    copy.refused = ctx_.GonePage(brand, **link);
  } else if ((*link)->locked) {
    copy.refused = ctx_.ErrorPage(brand, 403, "This message is locked", "It can no longer be opened.");
  } else if (read_manifest && !opened->ok()) {
    spdlog::error("portal[{}]: message {} could not be opened for a verified recipient: {}", req.id,
                  (*link)->message.id, opened->error().ToString());
    copy.refused = ctx_.ErrorPage(brand, 500, "This message cannot be shown",
                             "Its signature or encryption did not check out, so it is not shown.",
                             "Please tell the sender.");
  } else {
    copy.link = std::move(**link);
    if (read_manifest) copy.manifest = std::move((*opened)->manifest);
  }
  co_return copy;
}

awaitable<Response> MessagePages::DownloadMessage(http::Request& req) {
  SessionCopy copy = co_await OpenSessionCopy(req, true);
  if (copy.refused) co_return std::move(*copy.refused);
  const Brand& brand = copy.brand;
  const Manifest& m = copy.manifest;
  ComposedMessage composed;
  composed.from = m.from;
  composed.to = m.to;
  composed.cc = m.cc;
  composed.subject = m.subject;
  composed.text = m.text;
  composed.html = m.html;
  composed.date = m.created_at;
  composed.message_id_domain = DomainOfAddress(m.from);
  if (composed.message_id_domain.empty()) composed.message_id_domain = "localhost";
  for (const auto& a : m.attachments) composed.attachments.push_back({a.filename, a.content_type, ""});
  auto pieces = LayOutComposedMessage(std::move(composed));
  if (!pieces.ok()) {
    spdlog::error("portal[{}]: .eml of message {} not laid out: {}", req.id, copy.link.message.id,
                  pieces.error().ToString());
    co_return ctx_.ErrorPage(brand, 500, "Something went wrong", "Please try again in a moment.");
  }
  std::uint64_t length = 0;
  for (const auto& p : *pieces) length += p.size();
  for (const auto& a : m.attachments) length += Base64Lines::EncodedSize(a.size);
  if (auto busy = co_await ctx_.OffLoop(brand, [&] {
        ctx_.escrow.RecordMessageDownload(copy.link, req.client_address);
      })) {
    co_return std::move(*busy);
  }

  auto producer = std::make_shared<EmlProducer>(ctx_.escrow, copy.link, copy.session.data_key,
                                                m.attachments, std::move(*pieces), req.client_address);
  Response r;
  r.status = 200;
  r.Set("Content-Type", "message/rfc822");
  r.Set("Content-Disposition", "attachment; filename=\"secure-message.eml\"");
  r.Set("Content-Security-Policy", "default-src 'none'; sandbox; frame-ancestors 'none'");
  r.Set("Cache-Control", "no-store");
  r.content_length = length;
  r.producer = [producer](std::string& chunk) { return producer->Next(chunk); };
  co_return r;
}

awaitable<Response> MessagePages::PrintView(http::Request& req) {
  SessionCopy copy = co_await OpenSessionCopy(req, true);
  if (copy.refused) co_return std::move(*copy.refused);
  const Brand& brand = copy.brand;
  const Manifest& m = copy.manifest;
  if (auto busy = co_await ctx_.OffLoop(
          brand, [&] { ctx_.escrow.RecordPrintView(copy.link, req.client_address); })) {
    co_return std::move(*busy);
  }
  co_return ctx_.Page(brand, 200, "print.tpl", m.subject.empty() ? "Secure message" : m.subject,
                 [&](ctemplate::TemplateDictionary& d) {
                   d.SetValue("RID", copy.link.recipient.id);
                   FillMessageHeader(d, m);
                   // The text prints as it is; HTML only when there is nothing else.
                   if (!m.text.empty()) {
                     d.ShowSection("HAS_TEXT");
                     d.SetValue("TEXT", m.text);
                   } else if (!m.html.empty()) {
                     d.ShowSection("HTML_ONLY");
                     d.SetValue("HTML", m.html);
                   }
                   if (!m.attachments.empty()) d.ShowSection("HAS_ATTACHMENTS");
                   for (const auto& a : m.attachments) {
                     auto* row = d.AddSectionDictionary("ATTACHMENT");
                     row->SetValue("FILENAME", a.filename);
                     row->SetValue("SIZE", HumanSize(a.size));
                   }
                 });
}

awaitable<Response> MessagePages::ConfirmDelete(http::Request& req) {
  SessionCopy copy = co_await OpenSessionCopy(req, true);
  if (copy.refused) co_return std::move(*copy.refused);
  const Brand& brand = copy.brand;
  co_return ctx_.Page(
      brand, 200, "delete.tpl", "Delete this message?", [&](ctemplate::TemplateDictionary& d) {
        d.SetValue("RID", copy.link.recipient.id);
        d.SetValue("SUBJECT",
                   copy.manifest.subject.empty() ? "(no subject)" : copy.manifest.subject);
        d.SetValue("CSRF", ctx_.FormToken("delete", copy.session_token));
      });
}

awaitable<Response> MessagePages::DeleteCopy(http::Request& req) {
  SessionCopy copy = co_await OpenSessionCopy(req, false);
  if (copy.refused) co_return std::move(*copy.refused);
  const Brand& brand = copy.brand;
  if (!ctx_.FormTokenValid(req, "delete", copy.session_token)) {
    co_return ctx_.ErrorPage(brand, 403, "Please try again",
                        "This form expired or did not come from this site.");
  }
  std::optional<Status> deleted;
  if (auto busy = co_await ctx_.OffLoop(brand, [&] {
        deleted.emplace(ctx_.escrow.DeleteCopy(copy.link, req.client_address));
      })) {
    co_return std::move(*busy);
  }
  if (!deleted->ok()) {
    spdlog::error("portal[{}]: copy {} not deleted: {}", req.id, copy.link.recipient.id,
                  deleted->error().ToString());
    co_return ctx_.ErrorPage(brand, 500, "Something went wrong", "Please try again in a moment.");
  }
  // The key in this session goes too.
  ctx_.sessions.Remove(copy.session_token);
  Response r = ctx_.InfoPage(brand, "Your copy was deleted",
                        {"Nobody can open it again with its link. The sender was not sent a copy "
                         "of anything, but can see that you deleted it."});
  r.headers.push_back({"Set-Cookie", CookieHeader(kSessionCookie, "", 0)});
  co_return r;
}

}  // namespace sealpost::portal
