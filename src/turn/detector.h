// The turn decision: fuses what the words say (KoreanAnalyzer) with how the
// speaker stopped (the pause that ended the utterance) and how long they
// spoke, into a fusion score and complete|incomplete.
//
// Two modes (turn.mode):
//   seed — the old system's formula and curves exactly:
//          fusion = 0.6·morpheme + 0.2·duration + 0.2·silence, complete ≥ 0.65
//          (weights and threshold are settings; AICC_TURN_* names kept).
//   aicc — the default: the same weighted sum over calibrated parts, with
//          the text score shrunk toward 0.5 by recognizer uncertainty and a
//          pause/duration-only rule when there is no transcript
//          (docs/turn-detection.md explains the reasoning).
//
// Usage:
//   turn::Detector detector({});
//   auto d = detector.Decide({"네 알겠습니다", 900ms, 800ms, 0.92, true});
//
// Thread safety: immutable; Decide is const.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "turn/korean_analyzer.h"

namespace aicc::turn {

enum class Mode { kAicc, kSeed };

struct DetectorOptions {
  Mode mode = Mode::kAicc;
  double morpheme_weight = 0.6;
  double duration_weight = 0.2;
  double silence_weight = 0.2;
  double complete_threshold = 0.65;
};

struct TurnInput {
  std::string_view transcript;
  std::chrono::milliseconds duration{0};  // of the utterance
  std::chrono::milliseconds pause{0};     // silence that ended it
  std::optional<double> stt_confidence;
  bool stt_final = false;
};

struct TurnDecision {
  bool complete = false;
  double fusion_score = 0;
  double morpheme_score = 0;
  double duration_score = 0;
  double silence_score = 0;
  EndingClass ending = EndingClass::kEmpty;
  std::string reason;
};

class Detector {
 public:
  explicit Detector(DetectorOptions options);
  TurnDecision Decide(const TurnInput& input) const;
  const DetectorOptions& options() const { return options_; }
  // Whether the words alone clearly close the turn, enough to decide it at a
  // short pause (turn.early): a formal, polite or casual final, a question or
  // a backchannel whose text score is at least `min_score`. Connective,
  // particle, filler, number and cut-off endings never qualify, nor do the
  // weak finals (-지, -나: 0.6) under any sensible min_score.
  bool EndsClearly(std::string_view transcript, double min_score) const;

  // The parts, exposed for tests and documentation.
  static double SeedDurationScore(std::chrono::milliseconds d);
  static double SeedSilenceScore(std::chrono::milliseconds pause);
  static double AiccDurationScore(std::chrono::milliseconds d);
  static double AiccSilenceScore(std::chrono::milliseconds pause);

 private:
  DetectorOptions options_;
  KoreanAnalyzer analyzer_;
};

}  // namespace aicc::turn
