#include "pii/internal/checks.h"

namespace aicc::pii::internal {
namespace {

int D(char c) { return c - '0'; }

}  // namespace

bool LooksLikeRegistration(std::string_view d, bool require_check) {
  if (d.size() != 13) return false;
  const int month = D(d[2]) * 10 + D(d[3]);
  const int day = D(d[4]) * 10 + D(d[5]);
  if (month < 1 || month > 12 || day < 1 || day > 31) return false;
  if (d[6] < '1' || d[6] > '8') return false;
  if (!require_check) return true;
  static constexpr int kWeights[12] = {2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5};
  int sum = 0;
  for (int i = 0; i < 12; ++i) sum += D(d[i]) * kWeights[i];
  return (11 - sum % 11) % 10 == D(d[12]);
}

bool LuhnValid(std::string_view d) {
  if (d.size() < 12) return false;
  int sum = 0;
  bool dbl = false;
  for (auto it = d.rbegin(); it != d.rend(); ++it) {
    int v = D(*it);
    if (dbl) v = v * 2 > 9 ? v * 2 - 9 : v * 2;
    sum += v;
    dbl = !dbl;
  }
  return sum % 10 == 0;
}

bool LooksLikeMobile(std::string_view d) {
  if (d.size() != 10 && d.size() != 11) return false;
  if (d.substr(0, 2) != "01") return false;
  return d[2] == '0' || d[2] == '1' || d[2] == '6' || d[2] == '7' || d[2] == '8' || d[2] == '9';
}

bool LooksLikeLandline(std::string_view d) {
  if (d.size() < 9 || d.size() > 12 || d[0] != '0') return false;
  if (d[1] == '2') return true;                                               // Seoul
  if (d[1] >= '3' && d[1] <= '6' && d[2] >= '1' && d[2] <= '5') return true;  // regions
  return d.substr(0, 3) == "070" || d.substr(0, 3) == "050" || d.substr(0, 3) == "080";
}

}  // namespace aicc::pii::internal
