#include "campaigns/template.h"

#include <cmath>
#include <cstdio>
#include <optional>

#include "base/clock.h"

namespace sealpost::campaigns {

struct TemplatePart::Node {
  enum class Kind { kBlock, kLiteral, kField, kIf };
  Kind kind = Kind::kBlock;
  std::string text;  // kLiteral
  // kField: an attribute, or (fact) an "@" name; the filters in order.
  bool fact = false;
  std::string name;
  struct Filter {
    std::string name;      // default, upper, lower, date, time
    std::string argument;  // default's text
  };
  std::vector<Filter> filters;
  // kIf: the condition (negated for unless); kBlock and kIf: what they hold.
  std::optional<Condition> condition;
  bool negated = false;
  std::vector<std::size_t> then_nodes, else_nodes;
};

namespace {

using Node = TemplatePart::Node;

const char* PartName(TemplatePart::Kind kind) {
  switch (kind) {
    case TemplatePart::Kind::kText:
      return "text";
    case TemplatePart::Kind::kHtml:
      return "html";
    case TemplatePart::Kind::kSubject:
      return "subject";
  }
  return "text";
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

bool IsLinkName(std::string_view name) {
  for (const auto& n : TemplateLinkNames()) {
    if (n == name) return true;
  }
  return false;
}

// Where a place in the source is, for people: line and column, 1-based.
std::string Where(std::string_view source, std::size_t offset) {
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < offset && i < source.size(); ++i) {
    if (source[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

// Watches the HTML around the tags it is given, to say whether a place is inside a tag
// (and which), or inside a style element, where a contact's value may not go.
class HtmlState {
 public:
  // Reads literal HTML; an error names what the template may not hold.
  std::string Feed(std::string_view html) {
    for (std::size_t i = 0; i < html.size(); ++i) {
      const char c = html[i];
      if (in_tag_) {
        if (quote_) {
          if (c == quote_) quote_ = 0;
        } else if (c == '"' || c == '\'') {
          quote_ = c;
        } else if (c == '>') {
          in_tag_ = false;
          if (tag_ == "style") in_style_ = true;
          if (tag_ == "/style") in_style_ = false;
        } else if (naming_) {
          if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || (c == '/' && !tag_.empty())) {
            naming_ = false;
          } else {
            tag_ += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
          }
        }
        if (!in_tag_ || !naming_) {
          if (tag_ == "script" || tag_ == "/script") {
            problem_at_ = tag_start_;
            return "an email may not hold a script";
          }
        }
      } else if (c == '<' && i + 1 < html.size() &&
                 ((html[i + 1] >= 'a' && html[i + 1] <= 'z') ||
                  (html[i + 1] >= 'A' && html[i + 1] <= 'Z') || html[i + 1] == '/' ||
                  html[i + 1] == '!')) {
        in_tag_ = true;
        naming_ = true;
        quote_ = 0;
        tag_.clear();
        tag_start_ = i;
      }
    }
    if (in_tag_ && naming_ && tag_ == "script") {
      problem_at_ = tag_start_;
      return "an email may not hold a script";
    }
    return "";
  }
  // Where in the last HTML fed the problem it named is.
  std::size_t problem_at() const { return problem_at_; }
  bool in_tag() const { return in_tag_; }
  bool in_style() const { return in_style_; }

 private:
  bool in_tag_ = false;
  bool naming_ = false;  // reading the tag's name
  char quote_ = 0;
  bool in_style_ = false;
  std::string tag_;
  std::size_t tag_start_ = 0;  // in the HTML being fed
  std::size_t problem_at_ = 0;
};

class Parser {
 public:
  Parser(std::string_view source, TemplatePart::Kind kind) : source_(source), kind_(kind) {}

  Result<std::vector<Node>> Run() {
    nodes_.push_back(Node{});  // the root block
    std::vector<Open> open;    // the ifs not yet closed, innermost last
    auto holder = [&]() -> std::vector<std::size_t>& {
      if (open.empty()) return nodes_[0].then_nodes;
      Node& n = nodes_[open.back().node];
      return open.back().in_else ? n.else_nodes : n.then_nodes;
    };
    std::size_t i = 0;
    while (i < source_.size()) {
      const std::size_t tag = source_.find("{{", i);
      const std::size_t literal_end = tag == std::string_view::npos ? source_.size() : tag;
      if (literal_end > i) {
        std::string_view literal = source_.substr(i, literal_end - i);
        if (kind_ == TemplatePart::Kind::kHtml) {
          std::string why = html_.Feed(literal);
          if (!why.empty()) return Refuse(i + html_.problem_at(), why);
        }
        auto added = Add(Node{Node::Kind::kLiteral, std::string(literal)});
        if (!added.ok()) return std::move(added).error();
        holder().push_back(*added);
      }
      if (tag == std::string_view::npos) break;
      const std::size_t close = source_.find("}}", tag + 2);
      if (close == std::string_view::npos) return Refuse(tag, "this '{{' has no '}}'");
      std::string_view inside = Trim(source_.substr(tag + 2, close - tag - 2));
      i = close + 2;
      if (inside.empty()) return Refuse(tag, "'{{}}' names nothing");
      if (inside[0] == '!') continue;  // a comment
      if (inside[0] == '#') {
        Node n;
        n.kind = Node::Kind::kIf;
        std::string_view rest = inside.substr(1);
        if (rest.substr(0, 2) == "if" && (rest.size() == 2 || rest[2] == ' ')) {
          rest.remove_prefix(2);
        } else if (rest.substr(0, 6) == "unless" && (rest.size() == 6 || rest[6] == ' ')) {
          rest.remove_prefix(6);
          n.negated = true;
        } else {
          return Refuse(tag, "expected {{#if …}} or {{#unless …}}");
        }
        std::string condition(Trim(rest));
        if (condition.empty()) return Refuse(tag, "{{#if}} needs a condition");
        // A bare name asks whether the contact has it.
        if (IsAttributeName(condition) || (condition[0] == '@' && condition.size() > 1)) {
          condition += " is set";
        }
        auto parsed = Condition::Parse(condition);
        if (!parsed.ok()) return Refuse(tag, "the condition: " + parsed.error().message);
        n.condition = std::move(*parsed);
        if (static_cast<int>(open.size()) >= kMaxTemplateDepth) {
          return Refuse(tag, "conditions nested too deeply (" + std::to_string(kMaxTemplateDepth) +
                                 " at most)");
        }
        const bool unless = n.negated;
        auto added = Add(std::move(n));
        if (!added.ok()) return std::move(added).error();
        holder().push_back(*added);
        open.push_back({*added, false, tag, unless});
        continue;
      }
      if (inside == "else") {
        if (open.empty() || open.back().in_else) {
          return Refuse(tag, "{{else}} is not inside an {{#if}}");
        }
        open.back().in_else = true;
        continue;
      }
      if (inside[0] == '/') {
        std::string_view what = Trim(inside.substr(1));
        if (open.empty()) return Refuse(tag, "nothing to close here");
        const char* expected = open.back().unless ? "unless" : "if";
        if (what != expected) {
          return Refuse(tag, std::string("expected {{/") + expected + "}} to close the one at " +
                                 Where(source_, open.back().at));
        }
        open.pop_back();
        continue;
      }
      auto field = Field(tag, inside);
      if (!field.ok()) return std::move(field).error();
      auto added = Add(std::move(*field));
      if (!added.ok()) return std::move(added).error();
      holder().push_back(*added);
    }
    if (!open.empty()) {
      return Refuse(
          open.back().at,
          std::string("this {{#") + (open.back().unless ? "unless" : "if") + "}} is never closed");
    }
    if (kind_ == TemplatePart::Kind::kHtml && html_.in_tag()) {
      return Refuse(source_.size(), "the HTML ends inside a tag");
    }
    return std::move(nodes_);
  }

 private:
  struct Open {
    std::size_t node;
    bool in_else;
    std::size_t at;
    bool unless;
  };

  Error Refuse(std::size_t at, const std::string& why) const {
    return MakeError(ErrorCode::kInvalidArgument,
                     std::string(PartName(kind_)) + ": " + Where(source_, at) + ": " + why,
                     PartName(kind_));
  }

  Result<std::size_t> Add(Node n) {
    if (nodes_.size() >= kMaxTemplateParts) {
      return Refuse(source_.size(), "the template has too many parts (" +
                                        std::to_string(kMaxTemplateParts) + " at most)");
    }
    nodes_.push_back(std::move(n));
    return nodes_.size() - 1;
  }

  Result<Node> Field(std::size_t tag, std::string_view inside) {
    Node n;
    n.kind = Node::Kind::kField;
    std::size_t bar = inside.find('|');
    std::string_view name = Trim(inside.substr(0, bar));
    if (!name.empty() && name[0] == '@') {
      n.fact = true;
      name.remove_prefix(1);
      if (name != "address" && name != "domain" && !IsLinkName(name)) {
        std::string known = "@address, @domain";
        for (const auto& l : TemplateLinkNames()) known += ", @" + l;
        return Refuse(
            tag, "'@" + std::string(name) + "' is not something sealpost fills in (" + known + ")");
      }
    } else if (!IsAttributeName(name)) {
      return Refuse(tag, "'" + std::string(name) +
                             "' is not an attribute's name (a lower-case letter, then letters, "
                             "digits or '_')");
    }
    n.name = std::string(name);
    // A contact's value may not go inside a tag (an href, an onclick) or a style sheet;
    // sealpost's own links may go in an attribute.
    if (kind_ == TemplatePart::Kind::kHtml) {
      const bool link = n.fact && n.name.size() > 4 && n.name.substr(n.name.size() - 4) == "_url";
      if (html_.in_style()) return Refuse(tag, "a merge field may not go inside a style sheet");
      if (html_.in_tag() && !link) {
        return Refuse(tag,
                      "a contact's value may not go inside an HTML tag (only sealpost's "
                      "links, such as {{@unsubscribe_url}}, may)");
      }
    }
    while (bar != std::string_view::npos) {
      const std::size_t next = inside.find('|', bar + 1);
      std::string_view filter = Trim(inside.substr(
          bar + 1, next == std::string_view::npos ? std::string_view::npos : next - bar - 1));
      bar = next;
      Node::Filter f;
      const std::size_t colon = filter.find(':');
      f.name = std::string(Trim(filter.substr(0, colon)));
      if (f.name == "default") {
        std::string_view arg =
            colon == std::string_view::npos ? "" : Trim(filter.substr(colon + 1));
        if (arg.size() < 2 || (arg.front() != '"' && arg.front() != '\'') ||
            arg.back() != arg.front()) {
          return Refuse(tag, "default needs a quoted text: {{name | default: \"there\"}}");
        }
        f.argument = std::string(arg.substr(1, arg.size() - 2));
      } else if (f.name != "upper" && f.name != "lower" && f.name != "date" && f.name != "time") {
        return Refuse(tag, "'" + f.name + "' is not a filter (default, upper, lower, date, time)");
      } else if (colon != std::string_view::npos) {
        return Refuse(tag, "'" + f.name + "' takes nothing after it");
      }
      n.filters.push_back(std::move(f));
    }
    return n;
  }

  std::string_view source_;
  TemplatePart::Kind kind_;
  std::vector<Node> nodes_;
  HtmlState html_;
};

std::string NumberText(double v) {
  if (std::floor(v) == v && std::fabs(v) < 1e15)
    return std::to_string(static_cast<std::int64_t>(v));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

const char* const kMonths[] = {"January",   "February", "March",    "April",
                               "May",       "June",     "July",     "August",
                               "September", "October",  "November", "December"};

// "6 December 2026", or "09:30 UTC", from a date or a moment; the text itself otherwise.
std::string DateText(const std::string& text, bool time) {
  auto at = ParseRfc3339OrDate(text);
  if (!at.ok()) return text;
  const std::int64_t t = *at;
  const std::int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
  if (time) {
    const std::int64_t seconds = t - days * 86400;
    char buf[16];
    std::snprintf(buf, sizeof buf, "%02d:%02d UTC", static_cast<int>(seconds / 3600),
                  static_cast<int>(seconds / 60 % 60));
    return buf;
  }
  // Civil from days (H. Hinnant's algorithm).
  std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t y = yoe + era * 400 + (m <= 2);
  return std::to_string(d) + " " + kMonths[m - 1] + " " + std::to_string(y);
}

void Escape(std::string& out, std::string_view value, TemplatePart::Kind kind) {
  for (char c : value) {
    if (kind == TemplatePart::Kind::kHtml) {
      switch (c) {
        case '&':
          out += "&amp;";
          continue;
        case '<':
          out += "&lt;";
          continue;
        case '>':
          out += "&gt;";
          continue;
        case '"':
          out += "&quot;";
          continue;
        case '\'':
          out += "&#39;";
          continue;
        default:
          break;
      }
    }
    const auto u = static_cast<unsigned char>(c);
    if (kind == TemplatePart::Kind::kSubject && (u < 0x20 || u == 0x7f)) {
      out += ' ';  // a header stays one line
      continue;
    }
    if (u < 0x20 && c != '\n' && c != '\t') continue;
    out += c;
  }
}

class Renderer {
 public:
  Renderer(const std::vector<Node>& nodes, TemplatePart::Kind kind, const ContactFacts& contact,
           const TemplateLinks& links, std::int64_t now)
      : nodes_(nodes), kind_(kind), contact_(contact), links_(links), now_(now) {}

  void Block(const std::vector<std::size_t>& children, std::string& out) const {
    for (std::size_t i : children) {
      const Node& n = nodes_[i];
      switch (n.kind) {
        case Node::Kind::kLiteral:
          out += n.text;
          break;
        case Node::Kind::kField:
          Escape(out, Value(n), kind_);
          break;
        case Node::Kind::kIf: {
          const bool yes = n.condition->Matches(contact_, now_) != n.negated;
          Block(yes ? n.then_nodes : n.else_nodes, out);
          break;
        }
        case Node::Kind::kBlock:
          Block(n.then_nodes, out);
          break;
      }
    }
  }

 private:
  std::string Value(const Node& n) const {
    std::string v;
    if (n.fact) {
      if (n.name == "address") {
        v = contact_.address;
      } else if (n.name == "domain") {
        const auto at = contact_.address.rfind('@');
        v = at == std::string::npos ? "" : contact_.address.substr(at + 1);
      } else if (auto it = links_.find(n.name); it != links_.end()) {
        v = it->second;
      }
    } else if (contact_.attributes) {
      if (auto it = contact_.attributes->find(n.name); it != contact_.attributes->end()) {
        const AttributeValue& a = it->second;
        v = a.kind == AttributeValue::Kind::kString   ? a.text
            : a.kind == AttributeValue::Kind::kNumber ? NumberText(a.number)
                                                      : (a.flag ? "yes" : "no");
      }
    }
    for (const auto& f : n.filters) {
      if (f.name == "default") {
        if (v.empty()) v = f.argument;
      } else if (f.name == "upper" || f.name == "lower") {
        for (char& c : v) {
          if (f.name == "upper" && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
          if (f.name == "lower" && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        }
      } else if (!v.empty()) {
        v = DateText(v, f.name == "time");
      }
    }
    return v;
  }

  const std::vector<Node>& nodes_;
  TemplatePart::Kind kind_;
  const ContactFacts& contact_;
  const TemplateLinks& links_;
  std::int64_t now_;
};

}  // namespace

const std::vector<std::string>& TemplateLinkNames() {
  static const std::vector<std::string> names = {"unsubscribe_url", "preferences_url",
                                                 "organisation"};
  return names;
}

Result<TemplatePart> TemplatePart::Parse(std::string_view source, Kind kind) {
  if (source.size() > kMaxTemplateBytes) {
    return MakeError(ErrorCode::kInvalidArgument,
                     std::string(PartName(kind)) + ": longer than " +
                         std::to_string(kMaxTemplateBytes / 1024) + " KiB",
                     PartName(kind));
  }
  if (kind == Kind::kSubject && source.find_first_of("\r\n") != std::string_view::npos) {
    return MakeError(ErrorCode::kInvalidArgument, "subject: one line only", "subject");
  }
  auto nodes = Parser(source, kind).Run();
  if (!nodes.ok()) return std::move(nodes).error();
  TemplatePart part;
  part.kind_ = kind;
  part.source_ = std::string(source);
  part.nodes_ = std::make_shared<const std::vector<Node>>(std::move(*nodes));
  return part;
}

std::string TemplatePart::Render(const ContactFacts& contact, const TemplateLinks& links,
                                 std::int64_t now) const {
  std::string out;
  if (!nodes_ || nodes_->empty()) return out;
  Renderer(*nodes_, kind_, contact, links, now).Block((*nodes_)[0].then_nodes, out);
  if (kind_ == Kind::kSubject) {
    std::string_view trimmed = Trim(out);
    out = std::string(trimmed.substr(0, 500));
  }
  return out;
}

Result<MessageTemplate> MessageTemplate::Parse(std::string_view subject, std::string_view text,
                                               std::string_view html) {
  MessageTemplate t;
  if (Trim(subject).empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "subject: a message needs a subject", "subject");
  }
  if (Trim(text).empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "text: a message needs a text part (what mail programs without HTML show)",
                     "text");
  }
  auto s = TemplatePart::Parse(subject, TemplatePart::Kind::kSubject);
  if (!s.ok()) return std::move(s).error();
  auto x = TemplatePart::Parse(text, TemplatePart::Kind::kText);
  if (!x.ok()) return std::move(x).error();
  auto h = TemplatePart::Parse(html, TemplatePart::Kind::kHtml);
  if (!h.ok()) return std::move(h).error();
  t.subject = std::move(*s);
  t.text = std::move(*x);
  t.html = std::move(*h);
  return t;
}

MessageTemplate::Rendered MessageTemplate::Render(const ContactFacts& contact,
                                                  const TemplateLinks& links,
                                                  std::int64_t now) const {
  return {subject.Render(contact, links, now), text.Render(contact, links, now),
          html.empty() ? std::string() : html.Render(contact, links, now)};
}

}  // namespace sealpost::campaigns
