// Renders one template with kainjow mustache (Debian's libkainjow-mustache-dev)
// after checking it: mustache silently renders an unknown name as nothing,
// which in a configuration file is a typo that costs a night, so every tag is
// checked against the context first (also inside sections that will not
// render), and every failure names the file and line.
//
// Allowed tags: `{{name}}`, `{{#name}}`, `{{^name}}`, `{{/name}}` and `{{.}}`
// (the current list item), names of a-z, 0-9 and '_'. No unescaped
// (`{{{x}}}`, `{{&x}}`), partial, comment or delimiter tags: every value goes
// through the file's escaping. A section tag alone on its line leaves no line
// behind, whether its section renders or not.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace aicc::asterisk_kit::internal {

struct Context;

struct List {
  std::vector<std::string> keys;  // names each item defines ("." for plain values)
  std::vector<Context> items;
};

// What the templates may use. A name is in exactly one of the maps. A text
// used as a section renders when it is not empty.
struct Context {
  std::map<std::string, std::string, std::less<>> text;
  std::map<std::string, bool, std::less<>> flags;
  std::map<std::string, List, std::less<>> lists;
};

// Replaces mustache's HTML escaping: applied to every `{{name}}` value.
using Escape = std::string (*)(std::string_view value);

// Renders `src` (named `file` in messages). Throws RenderError on an unknown
// or misused name, a malformed tag, an unbalanced section, or a value that
// contains `{{` or `}}`.
std::string RenderTemplate(std::string_view src, const std::string& file, const Context& ctx,
                           Escape escape);

}  // namespace aicc::asterisk_kit::internal
