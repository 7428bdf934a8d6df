// `aicc turn`: the turn analyzer on text — one utterance (argument or stdin
// lines) as JSON, or a labelled corpus with an accuracy report.
#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>

#include "app/commands.h"
#include "turn/detector.h"
#include "turn/korean_analyzer.h"

namespace aicc::app {
namespace {

turn::Analysis AnalyzeWith(const std::string& mode, const turn::KoreanAnalyzer& analyzer,
                           const std::string& text) {
  return mode == "seed" ? turn::SeedAnalyze(text) : analyzer.Analyze(text);
}

std::string AnalysisJson(const std::string& text, const turn::Analysis& a) {
  nlohmann::ordered_json j;
  j["text"] = text;
  j["class"] = turn::ToString(a.ending);
  j["score"] = std::round(a.score * 1000) / 1000;
  j["reason"] = a.reason;
  j["last_word"] = a.last_word;
  j["decision"] = a.complete() ? "complete" : "incomplete";
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

struct Counts {
  int correct = 0;
  int total = 0;
};

const std::map<std::string, turn::TextVariant> kVariants = {
    {"as-written", turn::TextVariant::kAsWritten},
    {"no-punct", turn::TextVariant::kNoPunctuation},
    {"no-space", turn::TextVariant::kNoSpaces},
    {"split-end", turn::TextVariant::kSplitEnd},
    // Split at a random point inside the last word (seeded per line), not
    // only before its last syllable, the one case the analyzer's join repair
    // is written for.
    {"split-random", turn::TextVariant::kAsWritten},
};

// The text with a space inserted at a random code-point boundary inside its
// last word (a word of one code point is left alone).
std::string SplitLastWordAtRandom(const std::string& text, std::uint32_t seed) {
  const std::size_t start =
      text.find_last_of(' ') == std::string::npos ? 0 : text.find_last_of(' ') + 1;
  std::vector<std::size_t> cuts;  // byte offsets of inner code-point starts
  for (std::size_t i = start + 1; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) cuts.push_back(i);
  }
  if (cuts.empty()) return text;
  std::mt19937 rng(seed);
  const std::size_t at = cuts[rng() % cuts.size()];
  return text.substr(0, at) + " " + text.substr(at);
}

// The acoustics `--eval` decides at (the events' decision: Detector::Decide).
struct Acoustics {
  int duration_ms = 1000;  // about 1 s of speech
  int pause_ms = 800;      // vad.min_silence_ms's default
  double confidence = 0.85;
  bool final = true;
};

int Evaluate(const std::string& path, const std::string& mode, const std::string& variant,
             const Acoustics& acoustics, bool show_errors) {
  std::ifstream in(path);
  if (!in) {
    fmt::print(stderr, "aicc turn: cannot open {}\n", path);
    return 2;
  }
  turn::KoreanAnalyzer analyzer;
  turn::DetectorOptions detector_options;
  detector_options.mode = mode == "seed" ? turn::Mode::kSeed : turn::Mode::kAicc;
  const turn::Detector detector(detector_options);
  Counts text_only;
  std::map<std::string, Counts> by_category;
  // confusion[label][predicted]
  std::map<std::string, std::map<std::string, int>> confusion;
  Counts all;
  std::string line;
  int line_no = 0;
  int malformed = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cols;
    std::size_t start = 0;
    for (int i = 0; i < 3; ++i) {
      const auto tab = line.find('\t', start);
      if (tab == std::string::npos) break;
      cols.push_back(line.substr(start, tab - start));
      start = tab + 1;
    }
    if (cols.size() != 3 || (cols[0] != "complete" && cols[0] != "incomplete")) {
      if (++malformed <= 3)
        fmt::print(stderr, "{}:{}: skipped: expected label<TAB>speaker<TAB>category<TAB>text\n",
                   path, line_no);
      continue;
    }
    const std::string text =
        variant == "split-random"
            ? SplitLastWordAtRandom(line.substr(start), static_cast<std::uint32_t>(line_no))
            : turn::MakeVariant(line.substr(start), kVariants.at(variant));
    const turn::Analysis a = AnalyzeWith(mode, analyzer, text);
    text_only.total++;
    text_only.correct += (a.complete() ? "complete" : "incomplete") == cols[0];
    // What the events carry: the fusion of the text with the acoustics.
    const turn::TurnDecision d = detector.Decide(
        {text, std::chrono::milliseconds(acoustics.duration_ms),
         std::chrono::milliseconds(acoustics.pause_ms), acoustics.confidence, acoustics.final});
    const std::string predicted = d.complete ? "complete" : "incomplete";
    const bool ok = predicted == cols[0];
    auto& cat = by_category[cols[2]];
    cat.total++;
    cat.correct += ok;
    all.total++;
    all.correct += ok;
    confusion[cols[0]][predicted]++;
    if (!ok && show_errors) {
      fmt::print("MISS {:<10} {:<14} {:<13} {:.2f} fusion {:.2f} {}  ({})\n", cols[0], cols[2],
                 turn::ToString(a.ending), a.score, d.fusion_score, text, a.reason);
    }
  }
  fmt::print(
      "mode {}  corpus {}  variant {}\ndecision at {} ms of speech, {} ms pause, {} transcript "
      "with confidence {:.2f} (the events' decision; text-only below)\n\n{:<16} {:>8} {:>8}\n",
      mode, path, variant, acoustics.duration_ms, acoustics.pause_ms,
      acoustics.final ? "final" : "interim", acoustics.confidence, "category", "correct",
      "accuracy");
  for (const auto& [name, c] : by_category) {
    fmt::print("{:<16} {:>4}/{:<4} {:>7.1f}%\n", name, c.correct, c.total,
               100.0 * c.correct / c.total);
  }
  fmt::print("\n{:<12} {:>10} {:>10}\n", "label", "precision", "recall");
  for (const char* label : {"complete", "incomplete"}) {
    int tp = confusion[label][label];
    int predicted = 0;
    for (const auto& [l, row] : confusion) predicted += row.count(label) ? row.at(label) : 0;
    int actual = 0;
    for (const auto& [p, n] : confusion[label]) actual += n;
    fmt::print("{:<12} {:>10.3f} {:>10.3f}\n", label,
               predicted ? static_cast<double>(tp) / predicted : 0.0,
               actual ? static_cast<double>(tp) / actual : 0.0);
  }
  fmt::print("\nconfusion (rows: label, columns: predicted)\n{:<12} {:>10} {:>10}\n", "",
             "complete", "incomplete");
  for (const char* label : {"complete", "incomplete"}) {
    fmt::print("{:<12} {:>10} {:>10}\n", label, confusion[label]["complete"],
               confusion[label]["incomplete"]);
  }
  if (all.total == 0) {
    fmt::print(stderr, "aicc turn: no labelled lines in {}\n", path);
    return 2;
  }
  fmt::print("text-only accuracy {:.4f} ({}/{})\n",
             static_cast<double>(text_only.correct) / text_only.total, text_only.correct,
             text_only.total);
  fmt::print("accuracy {:.4f} ({}/{})\n", static_cast<double>(all.correct) / all.total, all.correct,
             all.total);
  // A skipped line would leave the denominator silently: the run fails.
  if (malformed > 0) {
    fmt::print(stderr, "aicc turn: {} malformed line(s) in {} were not scored\n", malformed, path);
    return 3;
  }
  return 0;
}

}  // namespace

void AddTurnCommand(CLI::App& app, int& exit_code) {
  auto* cmd =
      app.add_subcommand("turn", "Run the Korean turn analyzer on text or on a labelled corpus");
  struct Args {
    std::vector<std::string> text;
    std::string eval;
    std::string mode = "aicc";
    std::string variant = "as-written";
    bool errors = false;
    Acoustics acoustics;
    bool interim = false;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option(
      "text", args->text,
      "Utterance to analyse (several words are joined); none: one utterance per stdin line");
  cmd->add_option("--eval", args->eval, "Labelled TSV corpus: label, speaker, category, text");
  cmd->add_option("--mode", args->mode, "aicc (default) or seed (the old system's rules)")
      ->check(CLI::IsMember({"aicc", "seed"}));
  cmd->add_option("--variant", args->variant,
                  "With --eval: judge the corpus as a recognizer might write it: as-written, "
                  "no-punct, no-space, split-end (last syllable split off its word) or "
                  "split-random (the last word split at a random point, seeded)")
      ->check(CLI::IsMember(kVariants));
  cmd->add_flag("--errors", args->errors, "With --eval: list every misjudged line");
  cmd->add_option("--duration-ms", args->acoustics.duration_ms,
                  "With --eval: the utterance's length the decision assumes")
      ->check(CLI::Range(0, 600000))
      ->capture_default_str();
  cmd->add_option("--pause-ms", args->acoustics.pause_ms,
                  "With --eval: the pause that ended the utterance")
      ->check(CLI::Range(0, 600000))
      ->capture_default_str();
  cmd->add_option("--confidence", args->acoustics.confidence,
                  "With --eval: the recognizer's confidence in the transcript")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_flag("--interim", args->interim,
                "With --eval: decide on an interim transcript (default: a final one)");
  cmd->callback([args, &exit_code] {
    if (!args->eval.empty()) {
      args->acoustics.final = !args->interim;
      exit_code = Evaluate(args->eval, args->mode, args->variant, args->acoustics, args->errors);
      return;
    }
    turn::KoreanAnalyzer analyzer;
    if (!args->text.empty()) {
      std::string text;
      for (const auto& t : args->text) text += (text.empty() ? "" : " ") + t;
      fmt::print("{}\n", AnalysisJson(text, AnalyzeWith(args->mode, analyzer, text)));
    } else {
      std::string line;
      while (std::getline(std::cin, line))
        fmt::print("{}\n", AnalysisJson(line, AnalyzeWith(args->mode, analyzer, line)));
    }
    exit_code = 0;
  });
}

}  // namespace aicc::app
