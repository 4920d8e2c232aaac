#include "store/audit_export.h"

#include <memory>

#include "audit/export.h"

namespace sealpost {

std::function<Result<bool>(std::string& chunk)> AuditExportProducer(AuditStore& store,
                                                                    AuditQuery query, bool csv) {
  struct State {
    AuditQuery query;
    bool csv = false;
    bool header_sent = false;
    bool done = false;
  };
  auto state = std::make_shared<State>();
  state->query = std::move(query);
  state->query.limit = 1000;
  state->csv = csv;
  AuditStore* from = &store;
  return [state, from](std::string& chunk) -> Result<bool> {
    chunk.clear();
    if (state->csv && !state->header_sent) {
      state->header_sent = true;
      chunk = audit::CsvHeader();
      return true;
    }
    if (state->done) return false;
    auto page = from->Search(state->query);
    if (!page.ok()) return std::move(page).error();
    for (const auto& rec : *page) {
      chunk += state->csv ? audit::RecordCsv(rec) : audit::RecordJson(rec) + "\n";
    }
    if (static_cast<int>(page->size()) < state->query.limit) {
      state->done = true;
    } else {
      state->query.before_seq = page->back().seq;
    }
    return !chunk.empty() || !state->done;
  };
}

}  // namespace sealpost
