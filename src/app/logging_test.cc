#include <gtest/gtest.h>

#include "app/logging.h"

namespace sealpost {
namespace {

TEST(JsonLogLine, TakesTheComponentAndIdApart) {
  EXPECT_EQ(JsonLogLine("2026-12-03T10:00:00.000Z", "info",
                        "http[5f0c2a9e11d4b7a3]: 127.0.0.1 GET /api/v1/messages 202 12ms"),
            "{\"time\":\"2026-12-03T10:00:00.000Z\",\"level\":\"info\",\"component\":\"http\","
            "\"request_id\":\"5f0c2a9e11d4b7a3\",\"message\":\"127.0.0.1 GET /api/v1/messages "
            "202 12ms\"}");
  EXPECT_EQ(JsonLogLine("t", "warning", "smtp[0b1c]: failed login"),
            "{\"time\":\"t\",\"level\":\"warning\",\"component\":\"smtp\",\"session_id\":\"0b1c\","
            "\"message\":\"failed login\"}");
  EXPECT_EQ(JsonLogLine("t", "warning", "portal[5f0c]: form refused"),
            "{\"time\":\"t\",\"level\":\"warning\",\"component\":\"portal\",\"request_id\":"
            "\"5f0c\",\"message\":\"form refused\"}");
  EXPECT_EQ(JsonLogLine("t", "info", "reload: done"),
            "{\"time\":\"t\",\"level\":\"info\",\"component\":\"reload\",\"message\":\"done\"}");
  // Not the convention: all of it is the message.
  EXPECT_EQ(JsonLogLine("t", "info", "42 expired message(s) destroyed"),
            "{\"time\":\"t\",\"level\":\"info\",\"component\":\"sealpost\","
            "\"message\":\"42 expired message(s) destroyed\"}");
  EXPECT_EQ(JsonLogLine("t", "info", "http[bad id]: x"),
            "{\"time\":\"t\",\"level\":\"info\",\"component\":\"sealpost\","
            "\"message\":\"http[bad id]: x\"}");
}

TEST(JsonLogLine, EveryLineIsValidJsonWhateverTheMessageHolds) {
  const std::string nasty = std::string("a \"quote\" \\ back\nnew\ttab \x01 caf\xc3\xa9 ") +
                            "\xff\xfe bad \xe2\x82 cut";
  EXPECT_EQ(JsonLogLine("t", "error", nasty),
            "{\"time\":\"t\",\"level\":\"error\",\"component\":\"sealpost\",\"message\":"
            "\"a \\\"quote\\\" \\\\ back\\nnew\\ttab \\u0001 caf\xc3\xa9 "
            "\\ufffd\\ufffd bad \\ufffd\\ufffd cut\"}");
}

TEST(ParseLogFormat, KnowsTextAndJson) {
  EXPECT_EQ(ParseLogFormat("text"), LogFormat::kText);
  EXPECT_EQ(ParseLogFormat("json"), LogFormat::kJson);
  EXPECT_EQ(ParseLogFormat("JSON"), std::nullopt);
}

}  // namespace
}  // namespace sealpost
