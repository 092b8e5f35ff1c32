#include "prose/store/sqlite_stmt.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>
#include <variant>

namespace prose::store {
namespace {

class SqliteStmtTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(sqlite3_open(":memory:", &db_), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db_, "CREATE TABLE t(a, b, c, d)", nullptr, nullptr, nullptr), SQLITE_OK);
  }
  void TearDown() override { sqlite3_close(db_); }
  sqlite3* db_ = nullptr;
};

TEST_F(SqliteStmtTest, BindsEveryValueTypeAndReadsTheRowBack) {
  {
    SqliteStmt ins(db_, "INSERT INTO t VALUES(?1, ?2, ?3, ?4)");
    ASSERT_TRUE(ins.ok());
    EXPECT_EQ(ins.bind(1, SqlValue{std::monostate{}}), SQLITE_OK);
    EXPECT_EQ(ins.bind(2, SqlValue{std::int64_t{-42}}), SQLITE_OK);
    EXPECT_EQ(ins.bind(3, SqlValue{std::string("text")}), SQLITE_OK);
    EXPECT_EQ(ins.bind(4, SqlValue{Bytes{0x00, 0xff, 0x10}}), SQLITE_OK);
    EXPECT_EQ(ins.step(), SQLITE_DONE);
  }
  SqliteStmt sel(db_, "SELECT a, b, c, d FROM t");
  ASSERT_TRUE(sel.ok());
  ASSERT_EQ(sel.step(), SQLITE_ROW);
  SqlRow row = sel.row();
  ASSERT_EQ(row.size(), 4u);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(row[0]));
  EXPECT_EQ(std::get<std::int64_t>(row[1]), -42);
  EXPECT_EQ(std::get<std::string>(row[2]), "text");
  EXPECT_EQ(std::get<Bytes>(row[3]), (Bytes{0x00, 0xff, 0x10}));
  EXPECT_EQ(sel.col_i64(1), -42);
  EXPECT_EQ(sel.col_blob(3), (Bytes{0x00, 0xff, 0x10}));
  EXPECT_EQ(sel.step(), SQLITE_DONE);
}

TEST_F(SqliteStmtTest, ResetClearsBindingsForTheNextRun) {
  SqliteStmt ins(db_, "INSERT INTO t(a) VALUES(?1)");
  ASSERT_TRUE(ins.ok());
  ins.i64(1, 7);
  EXPECT_EQ(ins.step(), SQLITE_DONE);
  ins.reset();  // a is NULL now that the binding is cleared
  EXPECT_EQ(ins.step(), SQLITE_DONE);
  SqliteStmt sel(db_, "SELECT count(*), count(a) FROM t");
  ASSERT_EQ(sel.step(), SQLITE_ROW);
  EXPECT_EQ(sel.col_i64(0), 2);
  EXPECT_EQ(sel.col_i64(1), 1);
}

TEST_F(SqliteStmtTest, BadSqlIsNotOkAndAMovedFromStatementIsEmpty) {
  SqliteStmt bad(db_, "SELEKT nonsense");
  EXPECT_FALSE(bad.ok());
  SqliteStmt good(db_, "SELECT 1");
  SqliteStmt moved(std::move(good));
  ASSERT_TRUE(moved.ok());
  ASSERT_EQ(moved.step(), SQLITE_ROW);
  EXPECT_EQ(moved.col_i64(0), 1);
  moved.reset();
  EXPECT_EQ(moved.text(1, "x"), SQLITE_RANGE);  // no parameter 1 in this statement
}

}  // namespace
}  // namespace prose::store
