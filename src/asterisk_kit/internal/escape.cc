#include "asterisk_kit/internal/escape.h"

namespace aicc::asterisk_kit::internal {

std::string EscapeConfigValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == ';') out += '\\';
    out += c;
  }
  return out;
}

std::string EscapeSqlPostgres(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out;
}

std::string EscapeSqlMysql(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\'') out += '\'';
    if (c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace aicc::asterisk_kit::internal
