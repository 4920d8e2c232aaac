#include "campaigns/segment.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <set>

#include "base/clock.h"

namespace sealpost::campaigns {
namespace {

constexpr std::int64_t kDay = 86400;

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string Folded(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// A number as a person writes it, whole ("12", "-3.5"); nullopt for anything else.
std::optional<double> NumberOf(std::string_view s) {
  if (s.empty() || s.size() > 40) return std::nullopt;
  std::string text(s);
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(v)) return std::nullopt;
  // strtod also reads "inf", "0x1p3" and " 5": only plain decimals count here.
  for (char c : text) {
    if (!IsDigit(c) && c != '-' && c != '+' && c != '.' && c != 'e' && c != 'E') {
      return std::nullopt;
    }
  }
  return v;
}

std::optional<bool> BoolOf(std::string_view s) {
  const std::string f = Folded(s);
  if (f == "true" || f == "yes" || f == "1") return true;
  if (f == "false" || f == "no" || f == "0") return false;
  return std::nullopt;
}

bool IsDateOnly(std::string_view s) {
  return s.size() == 10 && IsDigit(s[0]) && IsDigit(s[3]) && s[4] == '-' && s[7] == '-';
}

// Calendar arithmetic for months and years: the same day of the month, or the month's
// last day when it has no such day (31 March less one month is 28 or 29 February).
std::int64_t AddMonths(std::int64_t unix_seconds, std::int64_t months) {
  using namespace std::chrono;
  const sys_days day{
      days{unix_seconds >= 0 ? unix_seconds / kDay : (unix_seconds - kDay + 1) / kDay}};
  year_month_day ymd{day};
  year_month_day moved = ymd + std::chrono::months{months};
  if (!moved.ok()) moved = year_month_day{moved.year() / moved.month() / last};
  return sys_days{moved}.time_since_epoch().count() * kDay;
}

}  // namespace

bool IsAttributeName(std::string_view name) {
  if (name.empty() || name.size() > 64 || !(name[0] >= 'a' && name[0] <= 'z')) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || IsDigit(c) || c == '_'; });
}

// What an operand names or holds, as parsed.
struct Operand {
  enum class Kind { kAttribute, kFact, kString, kNumber, kBool, kDate, kNow, kToday, kRelative };
  enum class Unit { kHour, kDay, kWeek, kMonth, kYear };
  Kind kind = Kind::kString;
  std::string text;  // attribute or fact name; string literal
  double number = 0;
  bool flag = false;
  std::int64_t amount = 0;  // kRelative: signed (ago is negative); kDate: unix seconds
  Unit unit = Unit::kDay;
};

struct Condition::Node {
  enum class Op { kAnd, kOr, kNot, kCompare, kIsSet, kIsNotSet, kIn, kContains, kStartsWith };
  enum class Cmp { kEq, kNe, kLt, kLe, kGt, kGe };
  Op op = Op::kAnd;
  std::vector<std::size_t> children;  // kAnd, kOr, kNot
  Operand left;
  Cmp cmp = Cmp::kEq;
  std::vector<Operand> right;  // one for a comparison and contains/starts with; several for in
};

namespace {

using Node = Condition::Node;

struct Token {
  enum class Kind { kEnd, kWord, kFact, kString, kNumber, kDate, kOp, kOpen, kClose, kComma };
  Kind kind = Kind::kEnd;
  std::string text;    // words folded to lower case
  std::size_t at = 0;  // 1-based character
};

Error ErrorAt(std::size_t at, const std::string& what) {
  return MakeError(ErrorCode::kInvalidArgument, "at character " + std::to_string(at) + ": " + what,
                   "condition");
}

Result<std::vector<Token>> Lex(std::string_view s) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    const std::size_t at = i + 1;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
    } else if (IsLetter(c) || c == '_' || c == '@') {
      std::size_t j = i + 1;
      while (j < s.size() && (IsLetter(s[j]) || IsDigit(s[j]) || s[j] == '_')) ++j;
      if (c == '@' && j == i + 1) return ErrorAt(at, "'@' must be followed by a fact's name");
      out.push_back({c == '@' ? Token::Kind::kFact : Token::Kind::kWord,
                     Folded(s.substr(c == '@' ? i + 1 : i, j - i - (c == '@'))), at});
      i = j;
    } else if (IsDigit(c) || (c == '-' && i + 1 < s.size() && IsDigit(s[i + 1]))) {
      std::size_t j = i + 1;
      while (j < s.size() && (IsDigit(s[j]) || s[j] == '.')) ++j;
      std::string_view text = s.substr(i, j - i);
      // A date: 2026-12-01 (four digits, then -MM-DD).
      if (text.size() == 4 && c != '-' && j + 6 <= s.size() && s[j] == '-' && IsDigit(s[j + 1]) &&
          IsDigit(s[j + 2]) && s[j + 3] == '-' && IsDigit(s[j + 4]) && IsDigit(s[j + 5]) &&
          (j + 6 == s.size() || !IsDigit(s[j + 6]))) {
        out.push_back({Token::Kind::kDate, std::string(s.substr(i, 10)), at});
        i += 10;
        continue;
      }
      if (!NumberOf(text)) return ErrorAt(at, "'" + std::string(text) + "' is not a number");
      out.push_back({Token::Kind::kNumber, std::string(text), at});
      i = j;
    } else if (c == '"' || c == '\'') {
      std::string text;
      std::size_t j = i + 1;
      for (;; ++j) {
        if (j >= s.size()) return ErrorAt(at, "this text has no closing quote");
        if (s[j] == c) break;
        if (s[j] == '\\' && j + 1 < s.size() && (s[j + 1] == c || s[j + 1] == '\\')) ++j;
        text.push_back(s[j]);
      }
      out.push_back({Token::Kind::kString, std::move(text), at});
      i = j + 1;
    } else if (c == '=' || c == '!' || c == '<' || c == '>') {
      std::string op(1, c);
      if (i + 1 < s.size() && (s[i + 1] == '=' || (c == '<' && s[i + 1] == '>'))) op += s[i + 1];
      i += op.size();
      if (op == "!") return ErrorAt(at, "'!' must be '!=' (or say 'not')");
      if (op == "==") op = "=";
      if (op == "<>") op = "!=";
      out.push_back({Token::Kind::kOp, op, at});
    } else if (c == '(') {
      out.push_back({Token::Kind::kOpen, "(", at});
      ++i;
    } else if (c == ')') {
      out.push_back({Token::Kind::kClose, ")", at});
      ++i;
    } else if (c == ',') {
      out.push_back({Token::Kind::kComma, ",", at});
      ++i;
    } else {
      return ErrorAt(at, "'" + std::string(1, c) + "' has no meaning here");
    }
  }
  out.push_back({Token::Kind::kEnd, "", s.size() + 1});
  return out;
}

const std::set<std::string, std::less<>>& Keywords() {
  static const std::set<std::string, std::less<>> words = {
      "and",  "or",  "not",  "in",  "is",    "set",  "contains", "starts",
      "with", "ago", "from", "now", "today", "true", "false"};
  return words;
}

std::optional<Operand::Unit> UnitOf(const std::string& word) {
  if (word == "hour" || word == "hours") return Operand::Unit::kHour;
  if (word == "day" || word == "days") return Operand::Unit::kDay;
  if (word == "week" || word == "weeks") return Operand::Unit::kWeek;
  if (word == "month" || word == "months") return Operand::Unit::kMonth;
  if (word == "year" || word == "years") return Operand::Unit::kYear;
  return std::nullopt;
}

constexpr const char* kFacts[] = {"address",   "domain",      "added",
                                  "last_sent", "last_opened", "last_clicked"};

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  // The nodes, and which is the root.
  Result<std::pair<std::vector<Node>, std::size_t>> Run() {
    auto root = Or(0);
    if (!root.ok()) return std::move(root).error();
    if (Peek().kind != Token::Kind::kEnd) {
      return ErrorAt(Peek().at, "expected 'and', 'or' or the end, not '" + Peek().text + "'");
    }
    return std::make_pair(std::move(nodes_), *root);
  }

 private:
  const Token& Peek() const { return tokens_[pos_]; }
  const Token& Take() { return tokens_[pos_ < tokens_.size() - 1 ? pos_++ : pos_]; }
  bool IsWord(const char* word) const {
    return Peek().kind == Token::Kind::kWord && Peek().text == word;
  }

  Result<std::size_t> Add(Node node) {
    if (nodes_.size() >= kMaxConditionNodes) {
      return ErrorAt(Peek().at, "the condition is too long (" + std::to_string(kMaxConditionNodes) +
                                    " parts at most)");
    }
    nodes_.push_back(std::move(node));
    return nodes_.size() - 1;
  }

  // and/or: a list of the same operator's operands in one node.
  Result<std::size_t> Or(int depth) { return Chain(depth, "or", Node::Op::kOr); }
  Result<std::size_t> And(int depth) { return Chain(depth, "and", Node::Op::kAnd); }

  Result<std::size_t> Chain(int depth, const char* word, Node::Op op) {
    auto first = op == Node::Op::kOr ? And(depth) : Unary(depth);
    if (!first.ok() || !IsWord(word)) return first;
    Node node;
    node.op = op;
    node.children.push_back(*first);
    while (IsWord(word)) {
      Take();
      auto next = op == Node::Op::kOr ? And(depth) : Unary(depth);
      if (!next.ok()) return next;
      node.children.push_back(*next);
    }
    return Add(std::move(node));
  }

  Result<std::size_t> Unary(int depth) {
    if (depth >= kMaxConditionDepth) {
      return ErrorAt(Peek().at, "nested too deeply (" + std::to_string(kMaxConditionDepth) +
                                    " levels at most)");
    }
    if (IsWord("not")) {
      Take();
      auto inner = Unary(depth + 1);
      if (!inner.ok()) return inner;
      Node node;
      node.op = Node::Op::kNot;
      node.children.push_back(*inner);
      return Add(std::move(node));
    }
    if (Peek().kind == Token::Kind::kOpen) {
      Take();
      auto inner = Or(depth + 1);
      if (!inner.ok()) return inner;
      if (Peek().kind != Token::Kind::kClose) {
        return ErrorAt(Peek().at, "expected ')' to close the '(' before it");
      }
      Take();
      return inner;
    }
    return Test();
  }

  Result<std::size_t> Test() {
    auto left = Value();
    if (!left.ok()) return std::move(left).error();
    Node node;
    node.left = std::move(*left);
    const Token& t = Peek();
    if (t.kind == Token::Kind::kOp) {
      Take();
      static const std::map<std::string, Node::Cmp> kCmps = {
          {"=", Node::Cmp::kEq},  {"!=", Node::Cmp::kNe}, {"<", Node::Cmp::kLt},
          {"<=", Node::Cmp::kLe}, {">", Node::Cmp::kGt},  {">=", Node::Cmp::kGe}};
      node.op = Node::Op::kCompare;
      node.cmp = kCmps.at(t.text);
      auto right = Value();
      if (!right.ok()) return std::move(right).error();
      node.right.push_back(std::move(*right));
      return Add(std::move(node));
    }
    if (IsWord("is")) {
      Take();
      node.op = Node::Op::kIsSet;
      if (IsWord("not")) {
        Take();
        node.op = Node::Op::kIsNotSet;
      }
      if (!IsWord("set")) return ErrorAt(Peek().at, "expected 'set' (as in 'is set')");
      Take();
      return Add(std::move(node));
    }
    bool negated = false;
    if (IsWord("not")) {
      Take();
      negated = true;
      if (!IsWord("in")) return ErrorAt(Peek().at, "expected 'in' after 'not'");
    }
    if (IsWord("in")) {
      Take();
      node.op = Node::Op::kIn;
      if (Peek().kind != Token::Kind::kOpen) return ErrorAt(Peek().at, "expected '(' after 'in'");
      Take();
      for (;;) {
        auto v = Value();
        if (!v.ok()) return std::move(v).error();
        if (node.right.size() >= kMaxInValues) {
          return ErrorAt(Peek().at,
                         "at most " + std::to_string(kMaxInValues) + " values in a list");
        }
        node.right.push_back(std::move(*v));
        if (Peek().kind == Token::Kind::kComma) {
          Take();
          continue;
        }
        if (Peek().kind != Token::Kind::kClose) return ErrorAt(Peek().at, "expected ',' or ')'");
        Take();
        break;
      }
      auto in = Add(std::move(node));
      if (!in.ok() || !negated) return in;
      Node outer;
      outer.op = Node::Op::kNot;
      outer.children.push_back(*in);
      return Add(std::move(outer));
    }
    if (IsWord("contains") || IsWord("starts")) {
      node.op = IsWord("contains") ? Node::Op::kContains : Node::Op::kStartsWith;
      Take();
      if (node.op == Node::Op::kStartsWith) {
        if (!IsWord("with")) return ErrorAt(Peek().at, "expected 'with' (as in 'starts with')");
        Take();
      }
      if (Peek().kind != Token::Kind::kString) {
        return ErrorAt(Peek().at, "expected a quoted text to look for");
      }
      Operand text;
      text.kind = Operand::Kind::kString;
      text.text = Take().text;
      node.right.push_back(std::move(text));
      return Add(std::move(node));
    }
    return ErrorAt(t.at, t.kind == Token::Kind::kEnd
                             ? "the condition ends too soon: compare it with something "
                               "(=, !=, <, <=, >, >=, in, contains, starts with, is set)"
                             : "expected a comparison (=, !=, <, <=, >, >=, in, contains, "
                               "starts with, is set), not '" +
                                   t.text + "'");
  }

  Result<Operand> Value() {
    const Token t = Take();
    Operand v;
    switch (t.kind) {
      case Token::Kind::kString:
        v.kind = Operand::Kind::kString;
        v.text = t.text;
        return v;
      case Token::Kind::kDate: {
        auto at = ParseRfc3339OrDate(t.text);
        if (!at.ok()) return ErrorAt(t.at, "'" + t.text + "' is not a date");
        v.kind = Operand::Kind::kDate;
        v.amount = *at;
        return v;
      }
      case Token::Kind::kFact:
        if (std::find(std::begin(kFacts), std::end(kFacts), t.text) == std::end(kFacts)) {
          return ErrorAt(t.at, "'@" + t.text +
                                   "' is not a fact sealpost keeps (@address, "
                                   "@domain, @added, @last_sent, @last_opened, @last_clicked)");
        }
        v.kind = Operand::Kind::kFact;
        v.text = t.text;
        return v;
      case Token::Kind::kNumber: {
        // "30 days ago", "2 weeks from now"; else a number.
        if (Peek().kind == Token::Kind::kWord) {
          if (auto unit = UnitOf(Peek().text)) {
            Take();
            const auto n = NumberOf(t.text);
            if (!n || *n < 0 || *n > 100000 || std::floor(*n) != *n) {
              return ErrorAt(t.at,
                             "a time is a whole number of hours, days, weeks, months "
                             "or years (up to 100000)");
            }
            v.kind = Operand::Kind::kRelative;
            v.unit = *unit;
            v.amount = static_cast<std::int64_t>(*n);
            if (IsWord("ago")) {
              Take();
              v.amount = -v.amount;
            } else if (IsWord("from")) {
              Take();
              if (!IsWord("now")) return ErrorAt(Peek().at, "expected 'now' (as in 'from now')");
              Take();
            } else {
              return ErrorAt(Peek().at, "expected 'ago' or 'from now' after '" + t.text + " " +
                                            tokens_[pos_ - 1].text + "'");
            }
            return v;
          }
        }
        v.kind = Operand::Kind::kNumber;
        v.number = *NumberOf(t.text);
        return v;
      }
      case Token::Kind::kWord:
        if (t.text == "true" || t.text == "false") {
          v.kind = Operand::Kind::kBool;
          v.flag = t.text == "true";
          return v;
        }
        if (t.text == "now" || t.text == "today") {
          v.kind = t.text == "now" ? Operand::Kind::kNow : Operand::Kind::kToday;
          return v;
        }
        if (Keywords().count(t.text)) {
          return ErrorAt(t.at, "expected a value or an attribute, not '" + t.text + "'");
        }
        if (!IsAttributeName(t.text)) {
          return ErrorAt(t.at, "'" + t.text +
                                   "' is not an attribute's name (a letter, then "
                                   "letters, digits or '_', 64 at most)");
        }
        v.kind = Operand::Kind::kAttribute;
        v.text = t.text;
        return v;
      case Token::Kind::kEnd:
        return ErrorAt(t.at, "the condition ends where a value was expected");
      default:
        return ErrorAt(t.at, "expected a value or an attribute, not '" + t.text + "'");
    }
  }

  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
  std::vector<Node> nodes_;
};

// A value being compared, once resolved for a contact.
struct Value {
  enum class Kind { kMissing, kString, kNumber, kBool, kTime };
  Kind kind = Kind::kMissing;
  std::string_view text;
  double number = 0;
  bool flag = false;
  std::int64_t time = 0;
  bool by_day = false;  // a date, not a moment: compared by UTC day
};

Value Resolve(const Operand& o, const ContactFacts& c, std::int64_t now) {
  Value v;
  switch (o.kind) {
    case Operand::Kind::kAttribute: {
      if (!c.attributes) return v;
      auto it = c.attributes->find(o.text);
      if (it == c.attributes->end()) return v;
      const AttributeValue& a = it->second;
      if (a.kind == AttributeValue::Kind::kString) {
        if (a.text.empty()) return v;  // an empty cell is no value
        v.kind = Value::Kind::kString;
        v.text = a.text;
      } else if (a.kind == AttributeValue::Kind::kNumber) {
        v.kind = Value::Kind::kNumber;
        v.number = a.number;
      } else {
        v.kind = Value::Kind::kBool;
        v.flag = a.flag;
      }
      return v;
    }
    case Operand::Kind::kFact: {
      auto moment = [&](std::int64_t t) {
        if (t > 0) {
          v.kind = Value::Kind::kTime;
          v.time = t;
        }
        return v;
      };
      if (o.text == "address" || o.text == "domain") {
        v.kind = Value::Kind::kString;
        v.text = c.address;
        if (o.text == "domain") {
          const auto at = c.address.rfind('@');
          v.text = at == std::string::npos ? std::string_view() : v.text.substr(at + 1);
        }
        return v;
      }
      if (o.text == "added") return moment(c.added_at);
      if (o.text == "last_sent") return moment(c.last_sent);
      if (o.text == "last_opened") return moment(c.last_opened);
      return moment(c.last_clicked);
    }
    case Operand::Kind::kString:
      v.kind = Value::Kind::kString;
      v.text = o.text;
      return v;
    case Operand::Kind::kNumber:
      v.kind = Value::Kind::kNumber;
      v.number = o.number;
      return v;
    case Operand::Kind::kBool:
      v.kind = Value::Kind::kBool;
      v.flag = o.flag;
      return v;
    case Operand::Kind::kDate:
      v.kind = Value::Kind::kTime;
      v.time = o.amount;
      v.by_day = true;
      return v;
    case Operand::Kind::kNow:
      v.kind = Value::Kind::kTime;
      v.time = now;
      return v;
    case Operand::Kind::kToday:
      v.kind = Value::Kind::kTime;
      v.time = now;
      v.by_day = true;
      return v;
    case Operand::Kind::kRelative:
      v.kind = Value::Kind::kTime;
      v.by_day = o.unit != Operand::Unit::kHour;
      switch (o.unit) {
        case Operand::Unit::kHour:
          v.time = now + o.amount * 3600;
          break;
        case Operand::Unit::kDay:
          v.time = now + o.amount * kDay;
          break;
        case Operand::Unit::kWeek:
          v.time = now + o.amount * 7 * kDay;
          break;
        case Operand::Unit::kMonth:
          v.time = AddMonths(now, o.amount);
          break;
        case Operand::Unit::kYear:
          v.time = AddMonths(now, o.amount * 12);
          break;
      }
      return v;
  }
  return v;
}

// The other side as a moment, when it can be one: a date or RFC 3339 text.
bool AsTime(Value& v) {
  if (v.kind == Value::Kind::kTime) return true;
  if (v.kind != Value::Kind::kString) return false;
  auto t = ParseRfc3339OrDate(v.text);
  if (!t.ok()) return false;
  v.by_day = IsDateOnly(v.text);
  v.kind = Value::Kind::kTime;
  v.time = *t;
  return true;
}

bool AsNumber(Value& v) {
  if (v.kind == Value::Kind::kNumber) return true;
  if (v.kind != Value::Kind::kString) return false;
  auto n = NumberOf(v.text);
  if (!n) return false;
  v.kind = Value::Kind::kNumber;
  v.number = *n;
  return true;
}

bool AsBool(Value& v) {
  if (v.kind == Value::Kind::kBool) return true;
  if (v.kind != Value::Kind::kString) return false;
  auto b = BoolOf(v.text);
  if (!b) return false;
  v.kind = Value::Kind::kBool;
  v.flag = *b;
  return true;
}

template <typename T>
bool Ordered(const T& a, const T& b, Node::Cmp cmp) {
  switch (cmp) {
    case Node::Cmp::kEq:
      return a == b;
    case Node::Cmp::kNe:
      return a != b;
    case Node::Cmp::kLt:
      return a < b;
    case Node::Cmp::kLe:
      return a <= b;
    case Node::Cmp::kGt:
      return a > b;
    case Node::Cmp::kGe:
      return a >= b;
  }
  return false;
}

std::int64_t DayOf(std::int64_t t) { return t >= 0 ? t / kDay : (t - kDay + 1) / kDay; }

// Two values of whatever kinds, compared as the more particular kind (moment, then
// number, then yes/no, then text without regard to case). Missing, or not comparable:
// false, whatever the operator.
bool Compare(Value a, Value b, Node::Cmp cmp) {
  if (a.kind == Value::Kind::kMissing || b.kind == Value::Kind::kMissing) return false;
  if (a.kind == Value::Kind::kTime || b.kind == Value::Kind::kTime) {
    if (!AsTime(a) || !AsTime(b)) return false;
    if (a.by_day || b.by_day) return Ordered(DayOf(a.time), DayOf(b.time), cmp);
    return Ordered(a.time, b.time, cmp);
  }
  if (a.kind == Value::Kind::kNumber || b.kind == Value::Kind::kNumber) {
    if (!AsNumber(a) || !AsNumber(b)) return false;
    return Ordered(a.number, b.number, cmp);
  }
  if (a.kind == Value::Kind::kBool || b.kind == Value::Kind::kBool) {
    if (!AsBool(a) || !AsBool(b)) return false;
    return Ordered(a.flag, b.flag, cmp);
  }
  return Ordered(Folded(a.text), Folded(b.text), cmp);
}

bool Evaluate(const std::vector<Node>& nodes, std::size_t index, const ContactFacts& c,
              std::int64_t now) {
  const Node& n = nodes[index];
  switch (n.op) {
    case Node::Op::kAnd:
      return std::all_of(n.children.begin(), n.children.end(),
                         [&](std::size_t i) { return Evaluate(nodes, i, c, now); });
    case Node::Op::kOr:
      return std::any_of(n.children.begin(), n.children.end(),
                         [&](std::size_t i) { return Evaluate(nodes, i, c, now); });
    case Node::Op::kNot:
      return !Evaluate(nodes, n.children[0], c, now);
    case Node::Op::kCompare:
      return Compare(Resolve(n.left, c, now), Resolve(n.right[0], c, now), n.cmp);
    case Node::Op::kIsSet:
    case Node::Op::kIsNotSet: {
      const bool set = Resolve(n.left, c, now).kind != Value::Kind::kMissing;
      return n.op == Node::Op::kIsSet ? set : !set;
    }
    case Node::Op::kIn: {
      const Value left = Resolve(n.left, c, now);
      return std::any_of(n.right.begin(), n.right.end(), [&](const Operand& o) {
        return Compare(left, Resolve(o, c, now), Node::Cmp::kEq);
      });
    }
    case Node::Op::kContains:
    case Node::Op::kStartsWith: {
      const Value left = Resolve(n.left, c, now);
      if (left.kind != Value::Kind::kString) return false;
      const std::string hay = Folded(left.text), needle = Folded(n.right[0].text);
      return n.op == Node::Op::kContains ? hay.find(needle) != std::string::npos
                                         : hay.compare(0, needle.size(), needle) == 0;
    }
  }
  return false;
}

}  // namespace

Result<Condition> Condition::Parse(std::string_view text) {
  if (text.size() > kMaxConditionBytes) {
    return MakeError(
        ErrorCode::kInvalidArgument,
        "the condition is too long (" + std::to_string(kMaxConditionBytes) + " characters at most)",
        "condition");
  }
  auto tokens = Lex(text);
  if (!tokens.ok()) return std::move(tokens).error();
  Condition c;
  c.text_ = std::string(text);
  if (tokens->size() == 1) {  // nothing but the end: every contact
    c.nodes_ = std::make_shared<const std::vector<Node>>();
    return c;
  }
  auto parsed = Parser(std::move(*tokens)).Run();
  if (!parsed.ok()) return std::move(parsed).error();
  c.nodes_ = std::make_shared<const std::vector<Node>>(std::move(parsed->first));
  c.root_ = parsed->second;
  return c;
}

bool Condition::Matches(const ContactFacts& contact, std::int64_t now) const {
  if (!nodes_ || nodes_->empty()) return true;
  return Evaluate(*nodes_, root_, contact, now);
}

std::vector<std::string> Condition::Attributes() const {
  std::set<std::string> names;
  if (nodes_) {
    for (const Node& n : *nodes_) {
      if (n.left.kind == Operand::Kind::kAttribute) names.insert(n.left.text);
      for (const Operand& o : n.right) {
        if (o.kind == Operand::Kind::kAttribute) names.insert(o.text);
      }
    }
  }
  return {names.begin(), names.end()};
}

}  // namespace sealpost::campaigns
