#include "pii/internal/lexicon.h"

#include <algorithm>
#include <array>

namespace aicc::pii::internal {
namespace {

using namespace std::string_view_literals;

// Endings and particles that may follow a number inside its word. Exact
// matches; a trailing punctuation mark is stripped before the lookup.
constexpr std::array kParticles = {
    "이"sv,       "가"sv,       "요"sv,       "이요"sv,     "예요"sv,   "이에요"sv,   "에요"sv,
    "입니다"sv,   "이고"sv,     "고"sv,       "이고요"sv,   "고요"sv,   "이구요"sv,   "구요"sv,
    "이랑"sv,     "랑"sv,       "하고"sv,     "이나"sv,     "나"sv,     "인데"sv,     "인데요"sv,
    "이라고"sv,   "라고"sv,     "이라고요"sv, "라고요"sv,   "이라서"sv, "라서"sv,     "은"sv,
    "는"sv,       "을"sv,       "를"sv,       "도"sv,       "만"sv,     "까지"sv,     "까지요"sv,
    "부터"sv,     "로"sv,       "으로"sv,     "로요"sv,     "으로요"sv, "에"sv,       "의"sv,
    "이죠"sv,     "죠"sv,       "이지요"sv,   "지요"sv,     "이니까"sv, "니까"sv,     "이면"sv,
    "면"sv,       "이거든요"sv, "거든요"sv,   "이었어요"sv, "였어요"sv, "인가"sv,     "인가요"sv,
    "인지"sv,     "쯤"sv,       "쯤이요"sv,   "정도"sv,     "정도요"sv, "씩"sv,       "이래요"sv,
    "래요"sv,     "이라"sv,     "라"sv,       "이야"sv,     "야"sv,     "이네요"sv,   "네요"sv,
    "이었는데"sv, "였는데"sv,   "이었나"sv,   "였나"sv,     "에서"sv,   "이세요"sv,   "이요?"sv,
    "이구"sv,     "구"sv,       "입니다만"sv, "이었고"sv,   "였고"sv,   "이거든"sv,   "거든"sv,
    "이던가"sv,   "던가"sv,     "이잖아요"sv, "잖아요"sv,   "생"sv,     "생이에요"sv, "생이요"sv,
    "생입니다"sv, "생이고"sv,   "에요?"sv,    "하고요"sv,   "이랑요"sv,
};

// Counters, longest first where one is a prefix of another.
constexpr std::array kCounters = {
    "원짜리"sv, "만원"sv, "천원"sv,   "백원"sv, "원"sv,   "개월"sv, "개씩"sv, "개"sv,   "년도"sv,
    "년생"sv,   "년차"sv, "년"sv,     "월달"sv, "월"sv,   "일간"sv, "일날"sv, "일생"sv, "일째"sv,
    "일"sv,     "주일"sv, "주간"sv,   "주째"sv, "주"sv,   "달"sv,   "시간"sv, "시쯤"sv, "시"sv,
    "분기"sv,   "분"sv,   "초"sv,     "층"sv,   "살"sv,   "세"sv,   "명"sv,   "번째"sv, "번길"sv,
    "번지"sv,   "번"sv,   "회차"sv,   "회"sv,   "건"sv,   "대"sv,   "장"sv,   "권"sv,   "병"sv,
    "잔"sv,     "마리"sv, "동"sv,     "호실"sv, "호선"sv, "호"sv,   "차례"sv, "차"sv,   "위"sv,
    "등"sv,     "배"sv,   "퍼센트"sv, "프로"sv, "기가"sv, "메가"sv, "테라"sv, "킬로"sv, "미터"sv,
    "평"sv,     "인분"sv, "단계"sv,   "박"sv,   "통"sv,   "곳"sv,   "군데"sv, "가지"sv, "학년"sv,
    "인"sv,     "칸"sv,   "줄"sv,     "점"sv,   "짜리"sv, "자리"sv, "라인"sv, "회선"sv, "%"sv,
    "시즌"sv,   "탄"sv,
};

constexpr std::array kFillers = {
    "아"sv,       "아니"sv,     "아니요"sv, "아니고"sv,   "아니라"sv,   "어"sv,       "음"sv,
    "그"sv,       "저"sv,       "네"sv,     "예"sv,       "잠깐만요"sv, "잠시만요"sv, "다음"sv,
    "그다음"sv,   "그다음이"sv, "다음이"sv, "그리고"sv,   "또"sv,       "그러니까"sv, "죄송해요"sv,
    "잘못"sv,     "말했어요"sv, "뒤에"sv,   "뒤는"sv,     "앞은"sv,     "다시"sv,     "아아"sv,
    "아니에요"sv, "맞고"sv,     "말고"sv,   "아니아니"sv, "끝은"sv,     "마지막은"sv, "마지막이"sv,
};

constexpr std::array kJoiners = {"에"sv, "다시"sv, "대시"sv, "-"sv, "–"sv, "dash"sv};

constexpr std::array kDictationParticles = {
    "이"sv,    "가"sv,     "요"sv,   "이요"sv,   "이고"sv, "고"sv,     "이고요"sv, "고요"sv,
    "로"sv,    "으로"sv,   "에요"sv, "이에요"sv, "예요"sv, "입니다"sv, "이구요"sv, "구요"sv,
    "이요?"sv, "이라고"sv, "라고"sv, "이죠"sv,   "죠"sv,   "요?"sv,
};

constexpr Keyword K(std::string_view t, Tier tier, Category c = Category::kCard) {
  return Keyword{t, tier, c};
}
constexpr Tier S = Tier::kStrong;
constexpr Tier N = Tier::kNonPii;
constexpr Tier W = Tier::kWeak;
using C = Category;

// Matched on the text without spaces, ASCII lower-cased. Where one keyword
// contains another (운송장번호 ⊃ 번호, 유효기간 ⊃ 기간) the longer one wins.
constexpr std::array kKeywords = {
    // registration numbers
    K("주민등록번호", S, C::kRegistration),
    K("주민번호", S, C::kRegistration),
    K("주민등록", S, C::kRegistration),
    K("외국인등록번호", S, C::kRegistration),
    K("외국인등록", S, C::kRegistration),
    K("등록번호", S, C::kRegistration),
    K("주민", W, C::kRegistration),
    // cards
    K("카드번호", S, C::kCard),
    K("신용카드", W, C::kCard),
    K("체크카드", W, C::kCard),
    K("카드", W, C::kCard),
    K("아멕스", W, C::kCard),
    K("앞자리", W, C::kCard),
    K("뒷자리", W, C::kCard),
    K("끝자리", W, C::kCard),
    // security code, expiry
    K("cvc", S, C::kCvc),
    K("cvv", S, C::kCvc),
    K("보안코드", S, C::kCvc),
    K("뒷면", S, C::kCvc),
    K("서명란", S, C::kCvc),
    K("유효기간", S, C::kExpiry),
    K("유효", S, C::kExpiry),
    // accounts
    K("계좌번호", S, C::kAccount),
    K("계좌", S, C::kAccount),
    K("통장", S, C::kAccount),
    K("은행", W, C::kAccount),
    K("뱅크", W, C::kAccount),
    K("농협", W, C::kAccount),
    K("신한", W, C::kAccount),
    K("국민", W, C::kAccount),
    K("우체국", W, C::kAccount),
    K("새마을금고", W, C::kAccount),
    K("입금", W, C::kAccount),
    // phones
    K("전화번호", S, C::kPhone),
    K("연락처", S, C::kPhone),
    K("휴대폰", S, C::kPhone),
    K("핸드폰", S, C::kPhone),
    K("휴대전화", S, C::kPhone),
    K("폰번호", S, C::kPhone),
    K("전화", W, C::kPhone),
    K("연락", W, C::kPhone),
    K("회신", W, C::kPhone),
    K("문자", W, C::kPhone),
    // dates of birth
    K("생년월일", S, C::kBirthDate),
    K("생일", S, C::kBirthDate),
    K("태어나", S, C::kBirthDate),
    K("태어난", S, C::kBirthDate),
    K("출생", S, C::kBirthDate),
    // PINs, passwords, codes
    K("비밀번호", S, C::kPin),
    K("비번", S, C::kPin),
    K("인증번호", S, C::kPin),
    K("인증코드", S, C::kPin),
    K("인증", W, C::kPin),
    K("otp", S, C::kPin),
    K("pin", S, C::kPin),
    K("핀번호", S, C::kPin),
    K("보안카드", S, C::kPin),
    K("패스워드", S, C::kPin),
    K("암호", S, C::kPin),
    K("확인코드", S, C::kPin),
    K("오티피", S, C::kPin),
    // e-mail (also found by its shape)
    K("이메일", S, C::kEmail),
    K("메일", S, C::kEmail),
    // home address
    K("주소", S, C::kAddress),
    K("배송지", S, C::kAddress),
    K("호수", S, C::kAddress),
    K("동호수", S, C::kAddress),
    K("아파트", W, C::kAddress),
    K("빌라", W, C::kAddress),
    K("오피스텔", W, C::kAddress),
    K("번지", S, C::kAddress),
    K("댁", W, C::kAddress),
    K("사시는", S, C::kAddress),
    K("몇동", S, C::kAddress),
    K("몇호", S, C::kAddress),
    // generic: a number to be dictated
    K("번호", W, C::kPin),
    K("자리", W, C::kCard),
    // numbers that are not personal information
    K("주문번호", N),
    K("주문", N),
    K("운송장번호", N),
    K("운송장", N),
    K("송장번호", N),
    K("송장", N),
    K("택배", N),
    K("접수번호", N),
    K("접수", N),
    K("상담번호", N),
    K("예약번호", N),
    K("케이스번호", N),
    K("케이스", N),
    K("사건번호", N),
    K("쿠폰번호", N),
    K("쿠폰", N),
    K("모델명", N),
    K("모델", N),
    K("기종", N),
    K("제품번호", N),
    K("일련번호", N),
    K("시리얼", N),
    K("고객번호", N),
    K("회원번호", N),
    K("가입번호", N),
    K("사원번호", N),
    K("상담원번호", N),
    K("차량번호", N),
    K("금액", N),
    K("얼마", N),
    K("요금", N),
    K("청구", N),
    K("할인", N),
    K("충전", N),
    K("위약금", N),
    K("언제", N),
    K("날짜", N),
    K("몇시", N),
    K("시간", N),
    K("결제일", N),
    K("가입일", N),
    K("개통", N),
    K("만료일", N),
    K("몇개", N),
    K("몇명", N),
    K("몇대", N),
    K("몇건", N),
    K("몇번", N),
    K("몇층", N),
    K("나이", N),
    K("연세", N),
    K("몇살", N),
    K("기간", N),
    K("할부", N),
    K("얼마나", N),
    K("약정", N),
    K("요금제", N),
    K("속도", N),
    K("데이터", N),
    K("몇월", N),
    K("고객센터", N),
    K("대표번호", N),
    K("콜센터", N),
    K("상품코드", N),
    K("쿠폰코드", N),
    K("포인트", N),
    K("마일리지", N),
    K("잔액", N),
    K("한도", N),
    K("적립", N),
    K("수수료", N),
    K("이자", N),
    K("연체료", N),
    K("보증금", N),
    K("우편번호", N),
    K("사업자등록번호", N),
    K("사업자번호", N),
    K("몇호선", N),
    K("호선", N),
    K("할인코드", N),
    K("가입코드", N),
    K("추천인", N),
    K("몇년", N),
    K("몇일", N),
    K("며칠", N),
    K("층", N),
};

constexpr std::array kAtWords = {"골뱅이"sv, "골뱅"sv, "앳"sv, "at"sv};
constexpr std::array kDomainWords = {
    "네이버"sv,  "지메일"sv, "한메일"sv,  "다음"sv,   "네이트"sv, "카카오"sv,       "야후"sv,
    "naver"sv,   "gmail"sv,  "hanmail"sv, "daum"sv,   "nate"sv,   "kakao"sv,        "hotmail"sv,
    "outlook"sv, "icloud"sv, "yahoo"sv,   "아웃룩"sv, "핫메일"sv, "아이클라우드"sv, "회사"sv,
};
constexpr std::array kTldWords = {
    "닷씨오닷케이알"sv, "닷컴"sv, "닷넷"sv,  "닷케이알"sv, "닷오알지"sv, "쩜컴"sv,   "쩜넷"sv,
    "점컴"sv,           "점넷"sv, "닷 컴"sv, ".com"sv,     ".net"sv,     ".co.kr"sv, ".kr"sv,
};

template <std::size_t N>
bool Contains(const std::array<std::string_view, N>& table, std::string_view s) {
  return std::find(table.begin(), table.end(), s) != table.end();
}

std::string_view StripTrailingPunctuation(std::string_view s) {
  while (!s.empty() && (s.back() == '.' || s.back() == ',' || s.back() == '!' || s.back() == '~' ||
                        s.back() == ')' || s.back() == '"')) {
    s.remove_suffix(1);
  }
  // "?" stays for the particles that list it; otherwise strip it too.
  if (!s.empty() && s.back() == '?' && !Contains(kParticles, s)) s.remove_suffix(1);
  return s;
}

// One particle, or two in a row (까지 + 예요, 부터 + 요, 로 + 요).
bool IsParticles(std::string_view s) {
  if (Contains(kParticles, s)) return true;
  for (std::string_view p : kParticles) {
    if (p.size() < s.size() && s.substr(0, p.size()) == p &&
        Contains(kParticles, s.substr(p.size())))
      return true;
  }
  return false;
}

bool IsAsciiLetter(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

}  // namespace

int DigitValue(char32_t c) {
  if (c >= U'0' && c <= U'9') return static_cast<int>(c - U'0');
  switch (c) {
    case U'공':
    case U'영':
      return 0;
    case U'일':
      return 1;
    case U'이':
      return 2;
    case U'삼':
      return 3;
    case U'사':
      return 4;
    case U'오':
      return 5;
    case U'육':
    case U'륙':
      return 6;
    case U'칠':
      return 7;
    case U'팔':
      return 8;
    case U'구':
      return 9;
    default:
      return -1;
  }
}

std::int64_t PlaceValue(char32_t c) {
  switch (c) {
    case U'십':
      return 10;
    case U'백':
      return 100;
    case U'천':
      return 1000;
    case U'만':
      return 10000;
    case U'억':
      return 100000000;
    default:
      return 0;
  }
}

bool HasFinalConsonant(char32_t c) { return c >= 0xAC00 && c <= 0xD7A3 && (c - 0xAC00) % 28 != 0; }

Suffix ClassifySuffix(std::string_view utf8) {
  const std::string_view s = StripTrailingPunctuation(utf8);
  if (s.empty()) return {SuffixKind::kNone, {}};
  if (IsParticles(s)) return {SuffixKind::kParticle, {}};
  for (std::string_view c : kCounters) {
    if (s.substr(0, c.size()) != c) continue;
    const std::string_view rest = s.substr(c.size());
    if (rest.empty() || IsParticles(rest)) return {SuffixKind::kCounter, c};
  }
  // 5G, 100GB, 3km: a unit written in Latin letters.
  if (IsAsciiLetter(s.front())) return {SuffixKind::kCounter, s};
  return {SuffixKind::kOther, {}};
}

Suffix ClassifySuffixAfterDigits(std::string_view utf8) {
  const Suffix s = ClassifySuffix(utf8);
  if (s.kind != SuffixKind::kOther) return s;
  // Written digits: a counter starts a longer word too (2023년형, 3개짜리).
  for (std::string_view c : kCounters) {
    if (utf8.substr(0, c.size()) == c) return {SuffixKind::kCounter, c};
  }
  return s;
}

Suffix ClassifyCounterWord(std::string_view utf8) {
  const Suffix s = ClassifySuffix(utf8);
  if (s.kind == SuffixKind::kCounter) return s;
  return {SuffixKind::kOther, {}};
}

bool IsYearCounter(std::string_view c) { return c == "년" || c == "년도" || c == "년생"; }
bool IsMonthCounter(std::string_view c) { return c == "월" || c == "월달"; }
bool IsDayCounter(std::string_view c) { return c == "일" || c == "일생" || c == "일날"; }
bool IsDateCounter(std::string_view c) {
  return IsYearCounter(c) || IsMonthCounter(c) || IsDayCounter(c);
}
bool IsBuildingCounter(std::string_view c) { return c == "동"; }
bool IsUnitCounter(std::string_view c) { return c == "호" || c == "호실"; }
bool IsAddressCounter(std::string_view c) {
  return IsBuildingCounter(c) || IsUnitCounter(c) || c == "번지";
}

bool IsDictationFiller(std::string_view word) {
  return Contains(kFillers, StripTrailingPunctuation(word));
}
bool IsGroupJoiner(std::string_view word) {
  return Contains(kJoiners, StripTrailingPunctuation(word));
}
bool IsDictationParticle(std::string_view suffix) {
  return Contains(kDictationParticles, StripTrailingPunctuation(suffix));
}

std::span<const Keyword> Keywords() { return kKeywords; }

int DigitCountBeforeJari(std::string_view s) {
  static constexpr std::pair<std::string_view, int> kCounts[] = {
      {"열여섯", 16}, {"열다섯", 15}, {"열일곱", 17}, {"열여덟", 18}, {"열아홉", 19},
      {"열한", 11},   {"열두", 12},   {"열세", 13},   {"열네", 14},   {"다섯", 5},
      {"여섯", 6},    {"일곱", 7},    {"여덟", 8},    {"아홉", 9},    {"스무", 20},
      {"한", 1},      {"두", 2},      {"세", 3},      {"네", 4},      {"열", 10}};
  for (std::size_t pos = s.find("자리"); pos != std::string_view::npos;
       pos = s.find("자리", pos + 1)) {
    const std::string_view before = s.substr(0, pos);
    std::size_t digits = 0;
    while (digits < before.size() && before[before.size() - 1 - digits] >= '0' &&
           before[before.size() - 1 - digits] <= '9') {
      ++digits;
    }
    if (digits > 0 && digits <= 2) {
      int n = 0;
      for (char c : before.substr(before.size() - digits)) n = n * 10 + (c - '0');
      return n;
    }
    for (const auto& [word, n] : kCounts) {
      if (before.size() >= word.size() && before.substr(before.size() - word.size()) == word)
        return n;
    }
  }
  return 0;
}

bool IsAtWord(std::string_view word) { return Contains(kAtWords, word); }
bool IsEmailDomainWord(std::string_view word) { return Contains(kDomainWords, word); }
bool IsSpokenDot(std::string_view word) {
  return word == "점" || word == "닷" || word == "쩜" || word == "dot" || word == ".";
}

bool IsSpokenLocalJoiner(std::string_view word) {
  return IsSpokenDot(word) || word == "언더바" || word == "언더스코어" || word == "하이픈" ||
         word == "대시" || word == "마이너스" || word == "_" || word == "-";
}

bool IsContinuation(std::string_view utterance) {
  for (std::string_view w : {"네"sv, "예"sv, "다음"sv, "계속"sv, "이어서"sv, "나머지"sv,
                             "말씀하세요"sv, "불러"sv, "그다음"sv}) {
    if (utterance.find(w) != std::string_view::npos) return true;
  }
  return false;
}

bool StartsWithTldWord(std::string_view word, std::size_t* tld_bytes) {
  for (std::string_view t : kTldWords) {
    if (word.substr(0, t.size()) == t) {
      *tld_bytes = t.size();
      return true;
    }
  }
  return false;
}

}  // namespace aicc::pii::internal
