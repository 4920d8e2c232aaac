// PostgreSQL as the stores written once for both backends see it (store/sql/*.h): its
// Database, Connection and Statement, and the few words of SQL it spells its own way.
#pragma once

#include "store/postgres/database.h"

namespace sealpost::pg {

struct Backend {
  using Database = pg::Database;
  using Connection = pg::Connection;
  using Statement = pg::Statement;
  static constexpr bool kPostgres = true;
  static constexpr const char* kFind = "strpos";       // strpos(haystack, needle), as instr
  static constexpr const char* kOrderedJoin = "JOIN";  // its planner chooses the order
};

}  // namespace sealpost::pg
