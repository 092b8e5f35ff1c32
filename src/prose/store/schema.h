// The one schema, as an ordered list of migrations. Each migration has a SQLite and a PostgreSQL text that
// differ only in types. Applying them is idempotent and safe when several PKMF processes start at once.
#pragma once

#include "prose/store/db.h"

namespace prose::store {

struct Migration {
  int version;
  const char* description;
  const char* sqlite;
  const char* postgres;
};

const std::vector<Migration>& migrations();
int latest_schema_version();
// Applies every migration newer than the database's version, each in its own transaction.
Status migrate(Db& db);
Result<int> current_schema_version(Db& db);

}  // namespace prose::store
