#include "asterisk_kit/internal/template.h"

#include <gtest/gtest.h>

#include <string>

#include "asterisk_kit/asterisk_kit.h"

namespace aicc::asterisk_kit::internal {
namespace {

std::string Identity(std::string_view v) { return std::string(v); }
std::string Bracket(std::string_view v) { return "[" + std::string(v) + "]"; }

Context Sample() {
  Context c;
  c.text["name"] = "aicc";
  c.text["empty"] = "";
  c.text["host"] = "pbx";
  c.text["markup"] = "<a href=\"x\">&'</a>";
  c.flags["on"] = true;
  c.flags["off"] = false;
  List& agents = c.lists["agents"];
  agents.keys = {"name", "password"};
  agents.items.push_back(Context{{{"name", "a1"}, {"password", "p1"}}, {}, {}});
  agents.items.push_back(Context{{{"name", "a2"}, {"password", ""}}, {}, {}});
  List& nets = c.lists["nets"];
  nets.keys = {"."};
  nets.items.push_back(Context{{{".", "10.0.0.0/8"}}, {}, {}});
  c.lists["none"].keys = {"."};
  return c;
}

std::string Render(std::string_view src, const Context& c = Sample(), Escape escape = Identity) {
  return RenderTemplate(src, "t.conf", c, escape);
}

std::string ErrorOf(std::string_view src) {
  try {
    Render(src);
  } catch (const RenderError& e) {
    return e.what();
  }
  return "no error";
}

TEST(TemplateTest, RendersValuesSectionsAndLists) {
  struct Row {
    const char* src;
    const char* want;
  };
  const Row rows[] = {
      {"x={{name}}\n", "x=aicc\n"},
      {"x={{ name }}\n", "x=aicc\n"},
      {"x={{empty}}.\n", "x=.\n"},
      {"{{#on}}yes{{/on}}{{^on}}no{{/on}}\n", "yes\n"},
      {"{{#off}}yes{{/off}}{{^off}}no{{/off}}\n", "no\n"},
      {"{{#name}}set {{name}}{{/name}}{{^empty}} empty{{/empty}}\n", "set aicc empty\n"},
      {"{{#empty}}never{{/empty}}\n", "\n"},
      {"{{#agents}}{{name}}:{{password}}@{{host}}/{{/agents}}\n", "a1:p1@pbx/a2:@pbx/\n"},
      {"{{#nets}}net={{.}}\n{{/nets}}", "net=10.0.0.0/8\n"},
      {"{{#none}}x{{/none}}{{^none}}no list{{/none}}\n", "no list\n"},
      {"a ${EXTEN} {b}\n", "a ${EXTEN} {b}\n"},
      {"no newline at the end {{name}}", "no newline at the end aicc"},
  };
  for (const auto& row : rows) EXPECT_EQ(Render(row.src), row.want) << row.src;
}

// Configuration files are not HTML: a value reaches the file unchanged
// unless the file's own escaping says otherwise.
TEST(TemplateTest, NoHtmlEscaping) {
  EXPECT_EQ(Render("password={{markup}}\n"), "password=<a href=\"x\">&'</a>\n");
  EXPECT_EQ(Render("password={{markup}}\n", Sample(), Bracket),
            "password=[<a href=\"x\">&'</a>]\n");
  // Template text itself is never escaped.
  EXPECT_EQ(Render("callerid=\"{{name}}\" <{{name}}> & co\n", Sample(), Bracket),
            "callerid=\"[aicc]\" <[aicc]> & co\n");
}

// A section tag alone on its line leaves no line behind, whether or not the
// section renders (kainjow 4.1 alone would leave an empty line for a section
// that does not render); empty lines inside sections stay.
TEST(TemplateTest, StandaloneSectionLinesLeaveNothing) {
  const std::string src =
      "a\n"
      "{{#off}}\n"
      "off\n"
      "{{/off}}\n"
      "b\n"
      "  {{#on}}\n"
      "\n"
      "on\n"
      "{{/on}}\n"
      "c\n"
      "{{^on}}\n"
      "not on\n"
      "{{/on}}\n"
      "{{#agents}}\n"
      "[{{name}}]\n"
      "\n"
      "{{/agents}}\n"
      "{{#none}}\n"
      "x\n"
      "{{/none}}\n"
      "d\n";
  EXPECT_EQ(Render(src), "a\nb\n\non\nc\n[a1]\n\n[a2]\n\nd\n");
  // Nested, neither rendered.
  EXPECT_EQ(Render("a\n{{#off}}\n{{#on}}\nx\n{{/on}}\n{{/off}}\nb\n"), "a\nb\n");
  // At the very end of a file without a newline.
  EXPECT_EQ(Render("a\n{{#off}}\nx\n{{/off}}"), "a\n");
}

TEST(TemplateTest, ErrorsNameFileAndLine) {
  struct Row {
    const char* src;
    const char* want;
  };
  const Row rows[] = {
      {"a\nx={{nope}}\n", "t.conf:2: unknown placeholder {{nope}}"},
      // Also inside a section that does not render for these values.
      {"{{#off}}\n\nx={{typo}}\n{{/off}}\n", "t.conf:3: unknown placeholder {{typo}}"},
      // A list item's keys exist only inside its section.
      {"{{password}}\n", "t.conf:1: unknown placeholder {{password}}"},
      {"{{.}}\n", "t.conf:1: unknown placeholder {{.}}"},
      {"{{#on}}\nx\n", "t.conf:1: {{#on}} is never closed"},
      {"{{#on}}{{/off}}\n", "t.conf:1: {{/off}} does not close an open section ({{#on}} is open)"},
      {"\n{{/on}}\n", "t.conf:2: {{/on}} does not close an open section"},
      {"{{agents}}\n", "t.conf:1: {{agents}} is a list, use it as a section"},
      {"{{on}}\n", "t.conf:1: {{on}} is a condition, use it as a section"},
      {"x={{{name}}}\n", "t.conf:1: malformed placeholder"},
      {"x={{&name}}\n", "t.conf:1: malformed placeholder"},
      {"x={{>name}}\n", "t.conf:1: malformed placeholder"},
      {"x={{! note}}\n", "t.conf:1: malformed placeholder"},
      {"{{=<% %>=}}\n", "t.conf:1: malformed placeholder"},
      {"x={{Name}}\n", "t.conf:1: malformed placeholder"},
      {"x={{name\n", "t.conf:1: '{{' without '}}'"},
      {"a\nb}}\n", "t.conf:2: stray '}}' without '{{'"},
  };
  for (const auto& row : rows) {
    EXPECT_NE(ErrorOf(row.src).find(row.want), std::string::npos)
        << row.src << " gave: " << ErrorOf(row.src);
  }
}

TEST(TemplateTest, ValueWithBracesIsRefused) {
  Context c = Sample();
  c.text["name"] = "{{evil}}";
  EXPECT_THROW(Render("x={{name}}\n", c), RenderError);
}

}  // namespace
}  // namespace aicc::asterisk_kit::internal
