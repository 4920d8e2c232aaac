#include "submission/saved_answers.h"

#include <boost/json.hpp>
#include <vector>

#include "audit/pending.h"
#include "escrow/escrow_service.h"
#include "policy/recipient_planner.h"
#include "submission/submission.h"

namespace sealpost::submission {

Result<std::string> SaveSendersAnswers(const policy::RecipientPlanner& planner, const Submission& m,
                                       const SubmitResult& sent, std::int64_t now) {
  if (!m.question || !m.answer) {
    return MakeError(ErrorCode::kInvalidArgument, "the message has no question to keep");
  }
  std::vector<std::string> addresses;
  for (const auto& r : sent.recipients) {
    if (r.method == "escrow") addresses.push_back(r.address);
  }
  // A change to the sender's address book: on record with it (never the answer).
  audit::AuditRecord record;
  record.at = now;
  audit::NameCurrentActor(record);
  record.action = "book.answers_saved";
  record.subject = m.from;
  record.message_id = sent.message_id;
  record.result = "ok";
  record.details = boost::json::serialize(boost::json::object{{"recipients", addresses.size()}});
  audit::PendingRecord pending(std::move(record));
  return planner.SaveAnswers(m.from, {*m.question, *m.answer}, addresses);
}

}  // namespace sealpost::submission
