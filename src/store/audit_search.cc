#include "store/audit_search.h"

#include <string_view>

namespace sealpost::audit_search {

std::string Clause(const AuditQuery& q, std::vector<std::string>* texts,
                   std::vector<std::int64_t>* numbers, bool with_cursor, const char* nocase) {
  std::string where = "1 = 1";
  auto text = [&](const char* column, const std::string& value) {
    if (value.empty()) return;
    where += std::string(" AND ") + column + " = ?";
    if (std::string_view(column) == "recipient") where += nocase;
    // What lets the database use the partial indexes (WHERE message_id != '' …).
    if (std::string_view(column) == "message_id" || std::string_view(column) == "recipient") {
      where += std::string(" AND ") + column + " != ''";
    }
    texts->push_back(value);
  };
  text("actor", q.actor);
  text("account", q.account);
  text("message_id", q.message_id);
  text("recipient", q.recipient);
  text("result", q.result);
  if (q.action.size() > 2 && q.action.compare(q.action.size() - 2, 2, ".*") == 0) {
    // A family of actions ("message.*"): a prefix, compared as text (no LIKE patterns).
    where += " AND substr(action, 1, " + std::to_string(q.action.size() - 1) + ") = ?";
    texts->push_back(q.action.substr(0, q.action.size() - 1));
  } else {
    text("action", q.action);
  }
  // A time range is a range of seq too (time never goes back along the trail), found
  // through the index on time: the newest-first walk starts at the range's end, not
  // the trail's.
  if (q.from != 0) {
    where +=
        " AND at >= ? AND seq >= COALESCE((SELECT seq FROM audit_log WHERE at >= ? "
        "ORDER BY at, seq LIMIT 1), 9223372036854775807)";
    numbers->push_back(q.from);
    numbers->push_back(q.from);
  }
  if (q.to != 0) {
    where +=
        " AND at < ? AND seq <= COALESCE((SELECT seq FROM audit_log WHERE at < ? "
        "ORDER BY at DESC, seq DESC LIMIT 1), 0)";
    numbers->push_back(q.to);
    numbers->push_back(q.to);
  }
  if (with_cursor && q.before_seq != 0) {
    where += " AND seq < ?";
    numbers->push_back(q.before_seq);
  }
  return where;
}

}  // namespace sealpost::audit_search
