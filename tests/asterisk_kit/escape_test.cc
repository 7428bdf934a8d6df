#include "asterisk_kit/internal/escape.h"

#include <gtest/gtest.h>

namespace aicc::asterisk_kit::internal {
namespace {

TEST(EscapeTest, ConfigValue) {
  struct Row {
    const char* in;
    const char* want;
  };
  const Row rows[] = {
      {"", ""},
      {"plain", "plain"},
      {"a;b", "a\\;b"},
      {";;", "\\;\\;"},
      {"<&>\"'#", "<&>\"'#"},  // not HTML: nothing else changes
      {"back\\slash", "back\\slash"},
  };
  for (const auto& row : rows) EXPECT_EQ(EscapeConfigValue(row.in), row.want) << row.in;
}

TEST(EscapeTest, SqlPostgres) {
  struct Row {
    const char* in;
    const char* want;
  };
  const Row rows[] = {
      {"", ""},
      {"pw", "pw"},
      {"it's", "it''s"},
      {"''", "''''"},
      {"a\\b", "a\\b"},  // standard_conforming_strings: a backslash is a backslash
      {"x'); DROP TABLE ps_auths; --", "x''); DROP TABLE ps_auths; --"},
      {"<&>", "<&>"},
  };
  for (const auto& row : rows) EXPECT_EQ(EscapeSqlPostgres(row.in), row.want) << row.in;
}

TEST(EscapeTest, SqlMysql) {
  struct Row {
    const char* in;
    const char* want;
  };
  const Row rows[] = {
      {"", ""},
      {"pw", "pw"},
      {"it's", "it''s"},
      {"a\\b", "a\\\\b"},
      {"\\'", "\\\\''"},  // a trailing backslash cannot swallow the quote
      {"x'); DROP TABLE ps_auths; --", "x''); DROP TABLE ps_auths; --"},
      {"<&>", "<&>"},
  };
  for (const auto& row : rows) EXPECT_EQ(EscapeSqlMysql(row.in), row.want) << row.in;
}

}  // namespace
}  // namespace aicc::asterisk_kit::internal
