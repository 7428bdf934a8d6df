// `aicc redact`: the PII masker on text — an utterance (argument or stdin
// lines, with the other speaker's utterance as --context), or a labelled
// corpus scored per category (`--eval`).
#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "app/commands.h"
#include "pii/evaluation.h"
#include "pii/masker.h"

namespace aicc::app {
namespace {

struct RedactArgs {
  std::vector<std::string> text;
  std::string context;
  std::string eval;
  std::vector<std::string> categories;
  bool keep_last4 = false;
  bool errors = false;
};

// --categories names; empty means all.
std::optional<pii::Options> OptionsFrom(const RedactArgs& args) {
  pii::Options o;
  o.keep_last4 = args.keep_last4;
  if (!args.categories.empty()) {
    o.categories.reset();
    for (const auto& name : args.categories) {
      const auto c = pii::ParseCategory(name);
      if (!c) {
        fmt::print(stderr, "aicc redact: unknown category '{}'\n", name);
        return std::nullopt;
      }
      o.categories.set(static_cast<std::size_t>(*c));
    }
  }
  return o;
}

int Evaluate(const RedactArgs& args, const pii::Masker& masker) {
  std::ifstream in(args.eval);
  if (!in) {
    fmt::print(stderr, "aicc redact: cannot open {}\n", args.eval);
    return 2;
  }
  const pii::EvalReport report = pii::Evaluate(in, masker);
  if (args.errors) {
    for (const auto& m : report.misses) {
      fmt::print("MISS {}:{} [{}] context: {}\n  expected {}\n  got      {}\n", args.eval,
                 m.line_no, m.category, m.context, m.expected, m.got);
    }
  }
  fmt::print("corpus {}\n\n{}", args.eval, pii::FormatReport(report));
  if (report.all.lines == 0) {
    fmt::print(stderr, "aicc redact: no labelled lines in {}\n", args.eval);
    return 2;
  }
  return 0;
}

}  // namespace

void AddRedactCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "redact", "Mask personal information (card, account, phone, RRN ...) in Korean text");
  auto args = std::make_shared<RedactArgs>();
  cmd->add_option("text", args->text,
                  "Utterance to mask (several words are joined); none: one utterance per "
                  "stdin line");
  cmd->add_option("--context", args->context,
                  "What the other speaker said just before (e.g. the agent's question)");
  cmd->add_option("--eval", args->eval,
                  "Labelled TSV corpus: category, context, text, expected (text with every PII "
                  "character as '*'); prints recall and false masking per category");
  cmd->add_option("--categories", args->categories,
                  "Mask only these: registration, card, cvc, expiry, account, phone, "
                  "birth_date, pin, email, address (default: all)")
      ->delimiter(',');
  cmd->add_flag("--keep-last4", args->keep_last4,
                "Leave the last 4 digits of card and account numbers visible");
  cmd->add_flag("--errors", args->errors, "With --eval: list every line not masked exactly");
  cmd->callback([args, &exit_code] {
    const auto options = OptionsFrom(*args);
    if (!options) {
      exit_code = 2;
      return;
    }
    const pii::Masker masker(*options);
    if (!args->eval.empty()) {
      exit_code = Evaluate(*args, masker);
      return;
    }
    std::vector<std::string> context;
    if (!args->context.empty()) context.push_back(args->context);
    const pii::Context ctx{context, std::nullopt};
    if (!args->text.empty()) {
      std::string text;
      for (const auto& t : args->text) text += (text.empty() ? "" : " ") + t;
      fmt::print("{}\n", masker.Mask(text, ctx).text);
    } else {
      std::string line;
      while (std::getline(std::cin, line)) fmt::print("{}\n", masker.Mask(line, ctx).text);
    }
    exit_code = 0;
  });
}

}  // namespace aicc::app
