// SQLite as the stores written once for both backends see it (store/sql/*.h): its
// Database, Connection and Statement, and the few words of SQL it spells its own way.
#pragma once

#include "store/sqlite/database.h"

namespace sealpost::sqlite {

struct Backend {
  using Database = sqlite::Database;
  using Connection = sqlite::Connection;
  using Statement = sqlite::Statement;
  static constexpr bool kPostgres = false;
  // instr(haystack, needle): where needle begins, from 1; 0 when it is not there.
  static constexpr const char* kFind = "instr";
  // A join that keeps the order written: SQLite's planner takes CROSS JOIN as that hint.
  static constexpr const char* kOrderedJoin = "CROSS JOIN";
};

}  // namespace sealpost::sqlite
