#include "asterisk_kit/internal/template.h"

#include <fmt/format.h>

#include <algorithm>
#include <kainjow/mustache.hpp>
#include <optional>

#include "asterisk_kit/asterisk_kit.h"

namespace aicc::asterisk_kit::internal {
namespace {

namespace mustache = kainjow::mustache;

// A data name no template can use (the checker allows only a-z, 0-9, '_'),
// always true; see MarkStandaloneEnds.
constexpr std::string_view kLineMarker = "@standalone";

struct Tag {
  char sigil = 0;  // 0 for a value, '#', '^' or '/'
  std::string name;
  int line = 0;
  std::size_t end = 0;      // just past the closing "}}"
  bool standalone = false;  // a section tag alone on its line (whitespace aside)
};

bool IsNameChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }

bool IsBlank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t'; });
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

int LineAt(std::string_view src, std::size_t pos) {
  return 1 + static_cast<int>(std::count(src.begin(), src.begin() + pos, '\n'));
}

// Finds every tag; throws on a malformed one or a stray "}}".
std::vector<Tag> ScanTags(std::string_view src, const std::string& file) {
  std::vector<Tag> tags;
  std::size_t pos = 0;
  while (pos < src.size()) {
    const std::size_t open = src.find("{{", pos);
    const std::size_t stray = src.substr(pos, open == src.npos ? src.npos : open - pos).find("}}");
    if (stray != src.npos) {
      throw RenderError(
          fmt::format("{}:{}: stray '}}}}' without '{{{{'", file, LineAt(src, pos + stray)));
    }
    if (open == src.npos) break;
    const std::size_t close = src.find("}}", open + 2);
    if (close == src.npos) {
      throw RenderError(fmt::format("{}:{}: '{{{{' without '}}}}'", file, LineAt(src, open)));
    }
    Tag tag;
    tag.line = LineAt(src, open);
    tag.end = close + 2;
    std::string_view body = Trim(src.substr(open + 2, close - open - 2));
    if (!body.empty() && (body[0] == '#' || body[0] == '^' || body[0] == '/')) {
      tag.sigil = body[0];
      body = Trim(body.substr(1));
    }
    const bool ok = (body == "." && tag.sigil == 0) ||
                    (!body.empty() && std::all_of(body.begin(), body.end(), IsNameChar));
    if (!ok) {
      throw RenderError(
          fmt::format("{}:{}: malformed placeholder '{}' (expected {{{{name}}}}, {{{{#name}}}}, "
                      "{{{{^name}}}}, {{{{/name}}}} or {{{{.}}}}, names of a-z, 0-9 and _)",
                      file, tag.line, src.substr(open, close + 2 - open)));
    }
    tag.name = std::string(body);
    if (tag.sigil != 0) {
      const std::size_t nl = open == 0 ? src.npos : src.rfind('\n', open - 1);
      const std::size_t line_start = nl == src.npos ? 0 : nl + 1;
      const std::size_t line_end = std::min(src.find('\n', tag.end), src.size());
      tag.standalone = IsBlank(src.substr(line_start, open - line_start)) &&
                       IsBlank(src.substr(tag.end, line_end - tag.end));
    }
    tags.push_back(std::move(tag));
    pos = close + 2;
  }
  return tags;
}

enum class Kind { kText, kFlag, kList };

// Checks that sections balance and that every name is known where it is used,
// including inside sections that will not render for these settings.
void CheckTags(const std::vector<Tag>& tags, const Context& ctx, const std::string& file) {
  struct Open {
    const Tag* tag;
    const List* list;  // the list this section iterates, if any
  };
  std::vector<Open> open;
  for (const Tag& tag : tags) {
    if (tag.sigil == '/') {
      if (open.empty() || open.back().tag->name != tag.name) {
        throw RenderError(fmt::format(
            "{}:{}: {{{{/{}}}}} does not close an open section{}", file, tag.line, tag.name,
            open.empty() ? "" : fmt::format(" ({{{{#{}}}}} is open)", open.back().tag->name)));
      }
      open.pop_back();
      continue;
    }
    std::optional<Kind> kind;
    const List* list = nullptr;
    for (auto it = open.rbegin(); it != open.rend() && !kind; ++it) {
      if (it->list != nullptr && std::find(it->list->keys.begin(), it->list->keys.end(),
                                           tag.name) != it->list->keys.end()) {
        kind = Kind::kText;
      }
    }
    if (!kind) {
      if (ctx.text.count(tag.name)) kind = Kind::kText;
      if (ctx.flags.count(tag.name)) kind = Kind::kFlag;
      if (auto it = ctx.lists.find(tag.name); it != ctx.lists.end()) {
        kind = Kind::kList;
        list = &it->second;
      }
    }
    if (!kind) {
      throw RenderError(
          fmt::format("{}:{}: unknown placeholder {{{{{}}}}}", file, tag.line, tag.name));
    }
    if (tag.sigil == 0 && kind != Kind::kText) {
      throw RenderError(fmt::format("{}:{}: {{{{{}}}}} is a {}, use it as a section", file,
                                    tag.line, tag.name,
                                    kind == Kind::kFlag ? "condition" : "list"));
    }
    if (tag.sigil != 0) open.push_back({&tag, list});
  }
  if (!open.empty()) {
    throw RenderError(fmt::format("{}:{}: {{{{#{}}}}} is never closed", file, open.back().tag->line,
                                  open.back().tag->name));
  }
}

// kainjow mustache 4.1 drops a standalone section line only when its section
// rendered: a section that does not render leaves one empty line where its
// opening and closing lines were. An always-true empty section after each
// standalone closing tag marks that line as a section line, so it goes too.
std::string MarkStandaloneEnds(std::string_view src, const std::vector<Tag>& tags) {
  std::string out;
  std::size_t copied = 0;
  for (const Tag& tag : tags) {
    if (tag.sigil != '/' || !tag.standalone) continue;
    out.append(src.substr(copied, tag.end - copied));
    out += fmt::format("{{{{#{0}}}}}{{{{/{0}}}}}", kLineMarker);
    copied = tag.end;
  }
  out.append(src.substr(copied));
  return out;
}

// An empty text is false, so `{{#name}}` skips it as it skips a false flag.
mustache::data TextData(const std::string& value) {
  return value.empty() ? mustache::data(false) : mustache::data(value);
}

mustache::data ToData(const Context& ctx) {
  mustache::data data;
  for (const auto& [name, value] : ctx.text) data.set(name, TextData(value));
  for (const auto& [name, value] : ctx.flags) data.set(name, mustache::data(value));
  for (const auto& [name, list] : ctx.lists) {
    mustache::data items(mustache::data::type::list);
    for (const Context& item : list.items) {
      if (auto dot = item.text.find("."); dot != item.text.end()) {
        items.push_back(TextData(dot->second));
        continue;
      }
      mustache::data object;
      for (const auto& [key, value] : item.text) object.set(key, TextData(value));
      items.push_back(object);
    }
    data.set(name, items);
  }
  data.set(std::string(kLineMarker), mustache::data(true));
  return data;
}

}  // namespace

std::string RenderTemplate(std::string_view src, const std::string& file, const Context& ctx,
                           Escape escape) {
  const std::vector<Tag> tags = ScanTags(src, file);
  CheckTags(tags, ctx, file);
  mustache::mustache tmpl(MarkStandaloneEnds(src, tags));
  tmpl.set_custom_escape([escape](const std::string& value) { return escape(value); });
  std::string out;
  if (tmpl.is_valid()) out = tmpl.render(ToData(ctx));
  if (!tmpl.is_valid()) throw RenderError(fmt::format("{}: {}", file, tmpl.error_message()));
  if (out.find("{{") != std::string::npos || out.find("}}") != std::string::npos) {
    throw RenderError(fmt::format("{}: a value contains '{{{{' or '}}}}'", file));
  }
  return out;
}

}  // namespace aicc::asterisk_kit::internal
