// The WHERE clause of an audit trail search (stores.h AuditQuery), for either backend:
// only the conditions given are written, so the database can use an index for each.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "store/stores.h"

namespace sealpost::audit_search {

// The clause, and its values in order (texts, then numbers). `nocase`: what makes the
// recipient compare case-insensitively (" COLLATE NOCASE" on SQLite; "" where the
// column is citext). `with_cursor`: the page's before_seq too.
std::string Clause(const AuditQuery& q, std::vector<std::string>* texts,
                   std::vector<std::int64_t>* numbers, bool with_cursor, const char* nocase);

}  // namespace sealpost::audit_search
