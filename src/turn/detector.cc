#include "turn/detector.h"

#include <algorithm>
#include <cmath>

namespace aicc::turn {
namespace {

double Clamp01(double v) { return std::clamp(v, 0.0, 1.0); }
double Ms(std::chrono::milliseconds d) { return static_cast<double>(d.count()); }

}  // namespace

Detector::Detector(DetectorOptions options) : options_(options) {}

// The old system's piecewise curves (reconstructed; docs/turn-detection.md):
// very short utterances are often backchannels or false starts; long pauses
// mean the speaker yielded.
double Detector::SeedDurationScore(std::chrono::milliseconds d) {
  const double ms = Ms(d);
  if (ms < 500) return 0.3;
  if (ms < 1000) return 0.5;
  if (ms < 3000) return 0.8;
  return 1.0;
}

double Detector::SeedSilenceScore(std::chrono::milliseconds pause) {
  const double ms = Ms(pause);
  if (ms < 300) return 0.2;
  if (ms < 500) return 0.4;
  if (ms < 800) return 0.6;
  if (ms < 1200) return 0.8;
  return 1.0;
}

// aicc's curves are continuous (no cliff at a boundary a few ms wide) and
// calibrated so that the segmenter's typical output — a pause of
// vad.min_silence_ms (800 ms) after about a second of speech — scores 0.75
// on each acoustic part. With the default weights the text then decides at
// morpheme ≈ 0.58: words lead, a long pause or a long utterance tips an
// ambiguous ending, and a very short pause holds a weak one back.
double Detector::AiccDurationScore(std::chrono::milliseconds d) {
  const double ms = Ms(d);
  if (ms < 1000) return 0.5 + 0.25 * ms / 1000.0;
  return Clamp01(0.75 + 0.25 * (ms - 1000.0) / 2000.0);
}

double Detector::AiccSilenceScore(std::chrono::milliseconds pause) {
  const double ms = Ms(pause);
  if (ms < 800) return Clamp01(0.5 + 0.25 * (ms - 500.0) / 300.0);
  return Clamp01(0.75 + 0.25 * (ms - 800.0) / 1200.0);
}

bool Detector::EndsClearly(std::string_view transcript, double min_score) const {
  const Analysis a =
      options_.mode == Mode::kSeed ? SeedAnalyze(transcript) : analyzer_.Analyze(transcript);
  switch (a.ending) {
    case EndingClass::kFormalFinal:
    case EndingClass::kPoliteFinal:
    case EndingClass::kCasualFinal:
    case EndingClass::kQuestionMark:
    case EndingClass::kBackchannel:
      return a.score >= min_score;
    default:
      return false;
  }
}

TurnDecision Detector::Decide(const TurnInput& input) const {
  TurnDecision d;
  if (options_.mode == Mode::kSeed) {
    const Analysis a = SeedAnalyze(input.transcript);
    d.ending = a.ending;
    d.reason = a.reason;
    d.morpheme_score = a.score;
    d.duration_score = SeedDurationScore(input.duration);
    d.silence_score = SeedSilenceScore(input.pause);
  } else {
    const Analysis a = analyzer_.Analyze(input.transcript);
    d.ending = a.ending;
    d.reason = a.reason;
    d.duration_score = AiccDurationScore(input.duration);
    d.silence_score = AiccSilenceScore(input.pause);
    if (a.ending == EndingClass::kEmpty) {
      // No words (no recognizer, or it heard nothing): the acoustic parts
      // decide alone, re-weighted so a clear pause after a real utterance
      // can still be complete.
      d.morpheme_score = 0.5;
      const double ws = options_.silence_weight, wd = options_.duration_weight;
      const double acoustic =
          ws + wd > 0 ? (ws * d.silence_score + wd * d.duration_score) / (ws + wd) : 0.5;
      d.fusion_score = Clamp01(acoustic);
      d.complete = d.fusion_score >= options_.complete_threshold;
      d.reason = "no transcript: pause and duration only";
      return d;
    }
    // An uncertain transcript says less: shrink the text score toward 0.5.
    double certainty = input.stt_confidence.value_or(input.stt_final ? 0.9 : 0.7);
    if (!input.stt_final) certainty = std::min(certainty, 0.7);
    if (input.transcript.empty()) certainty = 1.0;
    d.morpheme_score = Clamp01(0.5 + (a.score - 0.5) * std::clamp(certainty, 0.5, 1.0));
  }
  d.fusion_score = Clamp01(options_.morpheme_weight * d.morpheme_score +
                           options_.duration_weight * d.duration_score +
                           options_.silence_weight * d.silence_score);
  d.complete = d.fusion_score >= options_.complete_threshold;
  return d;
}

}  // namespace aicc::turn
