#include "submission/composed.h"

#include <memory>
#include <string>
#include <vector>

#include "escrow/sealer.h"
#include "mime/address.h"
#include "mime/compose.h"
#include "submission/submission.h"

namespace sealpost::submission {

OpenSource ComposedFrom(const Submission& m, const Draft& draft) {
  auto laid_out = std::make_shared<std::shared_ptr<const std::vector<std::string>>>();
  return [&m, &draft, laid_out]() -> Result<std::unique_ptr<ByteSource>> {
    if (!*laid_out) {
      ComposedMessage composed;
      composed.from = m.from;
      composed.to = m.to;
      composed.cc = m.cc;
      composed.subject = m.subject;
      composed.text = m.text;
      composed.html = m.html;
      composed.headers = m.headers;
      composed.message_id_domain = DomainOfAddress(m.from);
      for (const auto& a : draft.attachments()) {
        composed.attachments.push_back({a.filename, a.content_type, ""});
      }
      auto pieces = LayOutComposedMessage(std::move(composed));
      if (!pieces.ok()) return std::move(pieces).error();
      *laid_out = std::make_shared<const std::vector<std::string>>(std::move(*pieces));
    }
    std::vector<OpenSource> attachments;
    for (std::size_t i = 0; i < draft.attachments().size(); ++i) {
      attachments.push_back([&draft, i] { return draft.OpenAttachment(i); });
    }
    return ComposedSource(*laid_out, std::move(attachments));
  };
}

Status AddDraftRuleTexts(const Draft& draft, Submission& m, std::size_t* budget) {
  auto streamed = draft.ReadTextAttachments(*budget);
  if (!streamed.ok()) return std::move(streamed).error();
  for (auto& a : *streamed) AddRuleText(m, a.content_type, std::move(a.content), budget);
  return OkStatus();
}

}  // namespace sealpost::submission
