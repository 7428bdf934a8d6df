// How a value is written into each kind of rendered file; each replaces
// mustache's HTML escaping for `{{name}}` (a password with '&' must reach
// Asterisk as '&', not "&amp;").
#pragma once

#include <string>
#include <string_view>

namespace aicc::asterisk_kit::internal {

// Asterisk configuration files: ';' starts a comment unless written "\;".
// Control characters are refused earlier (CheckNoControl): a newline would
// inject configuration.
std::string EscapeConfigValue(std::string_view value);

// Inside a single-quoted PostgreSQL string (standard_conforming_strings on,
// the default since 9.1): ' becomes ''; a backslash is an ordinary character.
std::string EscapeSqlPostgres(std::string_view value);

// Inside a single-quoted MySQL/MariaDB string (default sql_mode): ' becomes ''
// and a backslash "\\", since a backslash escapes there.
std::string EscapeSqlMysql(std::string_view value);

}  // namespace aicc::asterisk_kit::internal
