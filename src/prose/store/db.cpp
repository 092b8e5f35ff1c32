#include "prose/store/db.h"

namespace prose::store {

namespace {
Error bad_column(std::size_t i, const char* want) {
  return make_error(Errc::kInternal, "column " + std::to_string(i) + " is not " + want);
}
}  // namespace

Result<std::int64_t> col_int(const SqlRow& row, std::size_t i) {
  if (i >= row.size() || !std::holds_alternative<std::int64_t>(row[i])) return bad_column(i, "an integer");
  return std::get<std::int64_t>(row[i]);
}
Result<std::string> col_text(const SqlRow& row, std::size_t i) {
  if (i >= row.size() || !std::holds_alternative<std::string>(row[i])) return bad_column(i, "text");
  return std::get<std::string>(row[i]);
}
Result<Bytes> col_blob(const SqlRow& row, std::size_t i) {
  if (i >= row.size() || !std::holds_alternative<Bytes>(row[i])) return bad_column(i, "a blob");
  return std::get<Bytes>(row[i]);
}
bool col_null(const SqlRow& row, std::size_t i) {
  return i >= row.size() || std::holds_alternative<std::monostate>(row[i]);
}

}  // namespace prose::store
