#include "pii/internal/keywords.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>

namespace aicc::pii::internal {
namespace {

// Keywords by their first code point, built once (thread-safe static).
const std::unordered_map<std::string_view, std::vector<const Keyword*>>& KeywordIndex() {
  static const auto* index = [] {
    auto* m = new std::unordered_map<std::string_view, std::vector<const Keyword*>>();
    for (const auto& kw : Keywords()) {
      (*m)[kw.text.substr(0, Utf8Length(static_cast<unsigned char>(kw.text[0])))].push_back(&kw);
    }
    return m;
  }();
  return *index;
}

std::vector<Hit> FindIn(const std::string& s, const std::vector<int>* map) {
  const auto& index = KeywordIndex();
  std::vector<Hit> hits;
  for (std::size_t pos = 0; pos < s.size();) {
    const std::size_t len = Utf8Length(static_cast<unsigned char>(s[pos]));
    const auto it = index.find(std::string_view(s).substr(pos, len));
    if (it != index.end()) {
      for (const Keyword* kw : it->second) {
        if (s.compare(pos, kw->text.size(), kw->text) == 0) {
          hits.push_back({static_cast<int>(pos), static_cast<int>(pos + kw->text.size()), kw});
        }
      }
    }
    pos += len;
  }
  std::vector<Hit> kept;
  kept.reserve(hits.size());
  for (const Hit& h : hits) {
    const bool contained = std::any_of(hits.begin(), hits.end(), [&](const Hit& o) {
      return &o != &h && o.begin <= h.begin && h.end <= o.end &&
             (o.end - o.begin) > (h.end - h.begin);
    });
    if (!contained) kept.push_back(h);
  }
  if (map) {
    for (Hit& h : kept) {
      h.begin = (*map)[h.begin];
      h.end = (*map)[h.end - 1] + 1;
    }
  }
  return kept;
}

}  // namespace

std::string Squeeze(std::string_view text) {
  std::string s;
  s.reserve(text.size());
  for (char c : text) {
    if (c == ' ' || c == '\t') continue;
    s.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return s;
}

Label LabelOf(const Keyword& kw) {
  Label l;
  l.kind = kw.tier == Tier::kNonPii ? Label::Kind::kNonPii : Label::Kind::kPii;
  l.category = kw.category;
  return l;
}

// What the other speaker asked for: in the newest utterance with a keyword,
// the strongest tier, then the last mention.
Label ContextLabel(std::span<const std::string> other_recent) {
  for (auto it = other_recent.rbegin(); it != other_recent.rend(); ++it) {
    const std::vector<Hit> hits = FindIn(Squeeze(*it), nullptr);
    const Hit* best = nullptr;
    for (const Hit& h : hits) {
      if (!best || h.keyword->tier < best->keyword->tier ||
          (h.keyword->tier == best->keyword->tier && h.end > best->end)) {
        best = &h;
      }
    }
    if (best) return LabelOf(*best->keyword);
  }
  return {};
}

std::vector<Hit> FindKeywords(const Text& text) {
  std::string s;
  std::vector<int> map;  // byte of s -> code point of the utterance
  s.reserve(text.text.size());
  for (std::size_t i = 0; i < text.cps.size(); ++i) {
    if (IsSpace(text.cps[i].c)) continue;
    for (char c : text.Bytes(static_cast<int>(i), static_cast<int>(i) + 1)) {
      s.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
      map.push_back(static_cast<int>(i));
    }
  }
  return FindIn(s, &map);
}

}  // namespace aicc::pii::internal
