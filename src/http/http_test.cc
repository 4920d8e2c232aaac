#include <gtest/gtest.h>

#include "http/message.h"
#include "http/router.h"

namespace sealpost::http {
namespace {

boost::asio::awaitable<Response> Nothing(Request&) { co_return Response{}; }

TEST(Router, MatchesLiteralsAndPlaceholders) {
  Router r;
  r.Add("POST", "/api/v1/messages", Nothing);
  r.Add("GET", "/api/v1/messages/{id}", Nothing);
  r.Add("GET", "/r/{rid}/attachments/{n}", Nothing);

  auto m = r.Match("GET", "/api/v1/messages/abc");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/api/v1/messages/{id}");
  EXPECT_EQ(m.params, std::vector<std::string>{"abc"});

  m = r.Match("GET", "/r/x/attachments/2");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.params, (std::vector<std::string>{"x", "2"}));

  m = r.Match("GET", "/api/v1/messages");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_TRUE(m.method_not_allowed);

  EXPECT_EQ(r.Match("GET", "/api/v1/messages/").route, nullptr);  // empty placeholder
  EXPECT_EQ(r.Match("GET", "/nope").route, nullptr);
  EXPECT_FALSE(r.Match("GET", "/nope").method_not_allowed);
  EXPECT_EQ(r.Match("GET", "").route, nullptr);
  EXPECT_EQ(r.Match("GET", "api/v1/messages/abc").route, nullptr);
}

TEST(Form, ParsesAndDecodes) {
  auto form = ParseForm("answer=Blue+Whale&csrf=a%2Fb&empty=");
  ASSERT_TRUE(form.ok());
  EXPECT_EQ(FormValue(*form, "answer").value_or(""), "Blue Whale");
  EXPECT_EQ(FormValue(*form, "csrf").value_or(""), "a/b");
  EXPECT_EQ(FormValue(*form, "empty").value_or("x"), "");
  EXPECT_FALSE(FormValue(*form, "missing").has_value());
}

TEST(PercentEncode, KeepsUnreservedAndRoundTrips) {
  EXPECT_EQ(PercentEncode("account:Springfield Clinic:a+b/c?"),
            "account%3ASpringfield%20Clinic%3Aa%2Bb%2Fc%3F");
  EXPECT_EQ(PercentEncode("a-b.c_d~e"), "a-b.c_d~e");
  const std::string odd = "ünï\x01&=#%";
  EXPECT_EQ(PercentDecode(PercentEncode(odd)).value_or(""), odd);
}

TEST(PercentDecode, DecodesStrictly) {
  EXPECT_EQ(PercentDecode("account:Springfield%20Clinic:a+b").value_or(""),
            "account:Springfield Clinic:a+b");
  EXPECT_FALSE(PercentDecode("%2").has_value());
  EXPECT_FALSE(PercentDecode("%zz").has_value());
}

TEST(Form, RefusesMalformed) {
  EXPECT_FALSE(ParseForm("a=%zz").ok());
  EXPECT_FALSE(ParseForm("a=%2").ok());
  EXPECT_FALSE(ParseForm("a=%").ok());
  EXPECT_FALSE(ParseForm("novalue").ok());
  std::string many;
  for (int i = 0; i < 100; ++i) many += "a=b&";
  EXPECT_EQ(ParseForm(many, 64).error().code, ErrorCode::kResourceExhausted);
}

TEST(Request, ReadsHeadersAndCookies) {
  Request req;
  req.headers = {{"Content-Type", "application/json"},
                 {"Cookie", "a=1; __Host-sp_link=tok.en; b=2"}};
  EXPECT_EQ(req.header("content-type"), "application/json");
  EXPECT_EQ(req.header("x-missing"), "");
  EXPECT_EQ(req.cookie("__Host-sp_link").value_or(""), "tok.en");
  EXPECT_EQ(req.cookie("b").value_or(""), "2");
  EXPECT_FALSE(req.cookie("c").has_value());
}

TEST(MediaType, ParsesParameters) {
  auto mt = ParseMediaType("Multipart/Form-Data; boundary=\"abc; def\"; charset=utf-8");
  ASSERT_TRUE(mt.has_value());
  EXPECT_EQ(mt->type, "multipart/form-data");
  EXPECT_EQ(mt->param("boundary").value_or(""), "abc; def");
  EXPECT_EQ(mt->param("charset").value_or(""), "utf-8");
  EXPECT_FALSE(ParseMediaType("nonsense").has_value());
  EXPECT_FALSE(ParseMediaType("a/b; boundary=\"unterminated").has_value());
}

TEST(Problem, IsRfc9457) {
  auto r = ProblemResponse(400, "Invalid request", "bad address", {{"to[0]", "not an address"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body,
            "{\"type\":\"about:blank\",\"title\":\"Invalid request\",\"status\":400,"
            "\"detail\":\"bad address\",\"invalid-params\":[{\"name\":\"to[0]\",\"reason\":\"not an "
            "address\"}]}");
  bool json_type = false;
  for (const auto& h : r.headers) json_type |= h.value == "application/problem+json";
  EXPECT_TRUE(json_type);
  auto internal = ProblemFromError(MakeError(ErrorCode::kInternal, "sqlite: disk I/O error"));
  EXPECT_EQ(internal.status, 500);
  EXPECT_EQ(internal.body.find("sqlite"), std::string::npos);  // internals stay in the log
  EXPECT_EQ(internal.log_note, "internal error: sqlite: disk I/O error");  // for the server's log line
  // Busy: nothing was done, come back shortly.
  auto busy = ProblemFromError(MakeError(ErrorCode::kUnavailable, "pool full"));
  EXPECT_EQ(busy.status, 503);
  EXPECT_TRUE(busy.log_note.empty());  // nothing went wrong inside
  std::string retry_after;
  for (const auto& h : busy.headers) {
    if (h.name == "Retry-After") retry_after = h.value;
  }
  EXPECT_EQ(retry_after, "5");
  EXPECT_EQ(busy.body.find("pool"), std::string::npos);
}

TEST(EscapeHtml, EscapesEverythingSignificant) {
  EXPECT_EQ(EscapeHtml("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}

}  // namespace
}  // namespace sealpost::http
