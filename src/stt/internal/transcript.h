// Assigns streaming recognition results to utterances (turns).
//
// Everything is in session audio time: the position in the audio this
// session has sent to Google (pauses between utterances are not sent), in
// microseconds. Streams convert their result offsets before calling here, so
// results of rotated or reconnected streams line up.
//
// Rules:
// - A final result belongs to the oldest unanswered utterance whose end
//   (plus `slack`) it does not pass; finals are consumed exactly once.
// - An ended utterance is Ready() when a final belongs to it that ends
//   within `cover` of its end, and no stream still shows an interim result
//   for its audio.
// - Take(timed_out=true) answers with the finals so far plus the latest
//   interim of that audio (is_final=false); finals arriving later for the
//   audio that interim covered are dropped, so no words repeat.
//
// Threading: not thread-safe; used on the session's executor.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "stt/recognizer.h"

namespace aicc::stt::internal {

using Micros = std::chrono::microseconds;

struct ResultPiece {
  std::string text;
  bool is_final = false;
  Micros end{0};  // session audio time of the end of the result
  std::optional<double> confidence;
  float stability = 0;  // interims: Google's estimate that the guess will not change
};

class TranscriptAssembler {
 public:
  // `slack`: how far past an utterance's end a final may end and still
  // belong to it. `cover`: a final ending this close to the utterance's end
  // covers it (the utterance's audio ends with the VAD's closing silence,
  // ~0.8 s, which has no words).
  explicit TranscriptAssembler(Micros slack = std::chrono::milliseconds(300),
                               Micros cover = std::chrono::milliseconds(1500))
      : slack_(slack), cover_(cover) {}

  void BeginUtterance(Micros start);
  // Returns the utterance's sequence number (0, 1, ...).
  std::uint64_t EndUtterance(Micros end);

  // One response of stream `stream_id`: its finals, then its interims (which
  // replace that stream's previous interims; no interims clears them).
  void OnResponse(int stream_id, std::span<const ResultPiece> pieces);
  // The stream ended: its interims are no longer live.
  void DropStream(int stream_id);

  // Ended utterances not answered yet.
  std::size_t PendingCount() const { return pending_.size(); }
  // The sequence number of the oldest pending utterance (PendingCount() > 0).
  std::uint64_t OldestPending() const { return pending_.front().seq; }
  // Session audio span [start, end) of the oldest pending utterance.
  Micros OldestPendingStart() const { return pending_.front().start; }
  Micros OldestPendingEnd() const { return pending_.front().end; }
  bool Ready() const;
  // Answers the oldest pending utterance.
  SpeechResult Take(bool timed_out);

  // The words so far of the utterance begun and not yet ended: finals and
  // live interims ending after its start. Empty outside an utterance.
  LiveText OpenText() const;
  bool InUtterance() const { return open_start_.has_value(); }

  // For tests and metrics.
  std::size_t UnconsumedFinals() const { return finals_.size(); }
  std::uint64_t DroppedFinals() const { return dropped_finals_; }

 private:
  struct Utterance {
    std::uint64_t seq;
    Micros start;
    Micros end;
  };
  // Interim text of a stream that belongs at or before `bound`.
  bool LiveInterimBefore(Micros bound) const;

  Micros slack_;
  Micros cover_;
  std::uint64_t next_seq_ = 0;
  std::optional<Micros> open_start_;
  std::deque<Utterance> pending_;
  std::deque<ResultPiece> finals_;  // sorted by end
  std::map<int, std::vector<ResultPiece>> interims_;
  Micros drop_until_{-1};  // finals ending here or before were answered by an interim
  std::uint64_t dropped_finals_ = 0;
};

// Joins transcript pieces: adds one space where neither side has one.
void AppendText(std::string& out, std::string_view piece);

}  // namespace aicc::stt::internal
