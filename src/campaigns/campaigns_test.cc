#include "campaigns/campaigns.h"

#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <mutex>
#include <set>

#include "base/temp_dir.h"
#include "campaigns/automations.h"
#include "campaigns/engagement.h"
#include "campaigns/tracking.h"
#include "crypto/key_ring.h"
#include "crypto/random.h"
#include "store/sqlite/stores.h"
#include "store/stores.h"

namespace sealpost::campaigns {
namespace {

const char kAccount[] = "Springfield";

// The road, as a unit test sees it: what was sent, by message id. A message id can be
// made once (as the messages table's key makes it); `fail_after` sends, it says busy.
struct FakeRoad {
  std::mutex mu;  // a campaign may send on several threads
  std::map<std::string, CampaignMessage> made;
  std::set<std::string> opened;  // message ids the recipient viewed
  int busy_after = -1;
  int calls = 0;

  Road AsRoad() {
    return Road{[this](const CampaignMessage& m) -> Result<std::string> {
                  std::lock_guard<std::mutex> lock(mu);
                  if (busy_after >= 0 && calls >= busy_after) {
                    return MakeError(ErrorCode::kUnavailable, "the queue is full");
                  }
                  ++calls;
                  if (!made.emplace(m.message_id, m).second) {
                    return MakeError(ErrorCode::kAlreadyExists, "made twice");
                  }
                  return std::string(m.carries_phi ? "escrow" : "tls-only");
                },
                [this](const std::string& id) -> Result<std::optional<std::string>> {
                  std::lock_guard<std::mutex> lock(mu);
                  if (made.count(id)) return std::optional<std::string>("tls-only");
                  return std::optional<std::string>();
                },
                [this](const std::string& id) -> Result<bool> { return opened.count(id) > 0; }};
  }
};

class CampaignsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::move(*sqlite::Database::OpenInMemory());
    contacts_ = sqlite::NewContactStore(*db_);
    store_ = sqlite::NewCampaignStore(*db_);
    events_ = sqlite::NewEventStore(*db_);
    book_.emplace(*contacts_, metadata_, clock_);
    engagement_.emplace(*store_, *contacts_, *book_, *events_, links_, clock_,
                        "https://mail.example");
    Restart();
    ASSERT_TRUE(book_->CreateList(kAccount, "patients", "").ok());
    std::string csv = "email,first_name,last_visit\n";
    for (int i = 0; i < 40; ++i) {
      csv += "p" + std::to_string(i) + "@" + (i % 4 ? "example.net" : "other.example") + ",P" +
             std::to_string(i) + "," + (i % 2 ? "2025-01-01" : "2026-11-01") + "\n";
    }
    ASSERT_EQ(book_->ImportCsv(kAccount, "patients", csv, "import")->added, 40u);
    ASSERT_TRUE(
        book_->PutSegment(kAccount, "lapsed", "patients", "last_visit < 6 months ago").ok());
    ASSERT_TRUE(campaigns_
                    ->PutTemplate(kAccount, "recall", "Time for a visit, {{first_name}}",
                                  "Dear {{first_name}}, book a visit. Stop: {{@unsubscribe_url}}",
                                  "", false)
                    .ok());
  }

  // A new Campaigns over the same stores, as a restarted server makes it.
  void Restart(int senders = 1) {
    campaigns_.emplace(*store_, *contacts_, *book_, links_, clock_,
                       CampaignSettings{"https://mail.example", "Springfield Clinic", senders},
                       road_.AsRoad());
  }

  Campaigns::NewCampaign Recall(int per_minute = 600, int per_domain = 600) {
    return {"recall-december", "lapsed", "recall", "office@clinic.example", per_minute, per_domain};
  }

  TempDir temp_;
  std::unique_ptr<sqlite::Database> db_;
  std::unique_ptr<ContactStore> contacts_;
  std::unique_ptr<CampaignStore> store_;
  std::unique_ptr<EventStore> events_;
  PurposeKey metadata_{RandomSecret(32)};
  PurposeKey links_{RandomSecret(32)};
  ManualClock clock_{1'796'500'000};  // 2026-12-06
  FakeRoad road_;
  std::optional<ContactBook> book_;
  std::optional<Campaigns> campaigns_;
  std::optional<Engagement> engagement_;
};

TEST_F(CampaignsTest, ACampaignReachesItsSegmentOnceEachRenderedAndThenIsDone) {
  ASSERT_TRUE(campaigns_->Create(kAccount, Recall()).ok());
  EXPECT_EQ(*campaigns_->Step(), 0);  // a draft sends nothing
  ASSERT_TRUE(campaigns_->Schedule(kAccount, "recall-december", clock_.NowUnix() + 3600).ok());
  EXPECT_EQ(*campaigns_->Step(), 0);  // not yet
  clock_.Advance(3600);
  EXPECT_EQ(*campaigns_->Step(), 20);
  EXPECT_EQ(*campaigns_->Step(), 0);
  auto progress = campaigns_->Find(kAccount, "recall-december");
  ASSERT_TRUE(progress.ok());
  EXPECT_EQ(progress->campaign.state, "done");
  EXPECT_EQ(progress->tally["sent"], 20);
  EXPECT_EQ(progress->tally["sent:tls-only"], 20);
  ASSERT_EQ(road_.made.size(), 20u);
  std::set<std::string> to;
  for (const auto& [id, m] : road_.made) {
    to.insert(m.address);
    EXPECT_EQ(m.sender, "office@clinic.example");
    EXPECT_EQ(m.rendered.subject.rfind("Time for a visit, P", 0), 0u);
    EXPECT_NE(m.rendered.text.find("Stop: https://mail.example/u/"), std::string::npos);
    EXPECT_EQ(m.rendered.text.find("Stop: " + m.unsubscribe_url), m.rendered.text.find("Stop: "));
  }
  EXPECT_EQ(to.size(), 20u);
  EXPECT_EQ(to.count("p1@example.net"), 1u);
  EXPECT_EQ(to.count("p2@example.net"), 0u);  // visited lately
  // The contact's last sending is known to segments now.
  EXPECT_EQ((*contacts_->FindContact(kAccount, "p1@example.net"))->last_sent, clock_.NowUnix());
}

TEST_F(CampaignsTest, SentOnSeveralThreadsEachContactStillGetsOneMessage) {
  Restart(4);
  ASSERT_TRUE(campaigns_->Create(kAccount, Recall(12, 12)).ok());
  ASSERT_TRUE(campaigns_->Schedule(kAccount, "recall-december", 0).ok());
  EXPECT_EQ(*campaigns_->Step(), 12);  // the pace holds across threads
  road_.busy_after = 15;               // the road fills during the next minute's share
  clock_.Advance(60);
  EXPECT_EQ(*campaigns_->Step(), 3);
  road_.busy_after = -1;
  clock_.Advance(60);
  EXPECT_EQ(*campaigns_->Step(), 5);
  std::set<std::string> to;
  for (const auto& [id, m] : road_.made) to.insert(m.address);
  EXPECT_EQ(road_.made.size(), 20u);
  EXPECT_EQ(to.size(), 20u);
  EXPECT_EQ(campaigns_->Find(kAccount, "recall-december")->campaign.state, "done");
}

TEST_F(CampaignsTest, APaceHoldsPerMinuteAndPerDomain) {
  ASSERT_TRUE(campaigns_->Create(kAccount, Recall(8, 3)).ok());
  ASSERT_TRUE(campaigns_->Schedule(kAccount, "recall-december", 0).ok());
  // The lapsed are the odd ones, every one at example.net: three a minute to it.
  EXPECT_EQ(*campaigns_->Step(), 3);
  EXPECT_EQ(*campaigns_->Step(), 0);  // the same minute
  clock_.Advance(60);
  EXPECT_EQ(*campaigns_->Step(), 3);
  ASSERT_TRUE(campaigns_->Pause(kAccount, "recall-december").ok());
  clock_.Advance(60);
  EXPECT_EQ(*campaigns_->Step(), 0);
  EXPECT_EQ(campaigns_->Pause(kAccount, "recall-december").error().code,
            ErrorCode::kFailedPrecondition);
  ASSERT_TRUE(campaigns_->Resume(kAccount, "recall-december").ok());
  EXPECT_EQ(*campaigns_->Step(), 3);
  ASSERT_TRUE(campaigns_->Cancel(kAccount, "recall-december").ok());
  clock_.Advance(60);
  EXPECT_EQ(*campaigns_->Step(), 0);
  EXPECT_EQ(road_.made.size(), 9u);
  EXPECT_EQ(campaigns_->Find(kAccount, "recall-december")->campaign.state, "cancelled");
  EXPECT_EQ(campaigns_->Resume(kAccount, "recall-december").error().code,
            ErrorCode::kFailedPrecondition);
}

TEST_F(CampaignsTest, ARestartWithinAMinuteKeepsToThatMinutesPace) {
  ASSERT_TRUE(campaigns_->Create(kAccount, Recall(5, 5)).ok());
  ASSERT_TRUE(campaigns_->Schedule(kAccount, "recall-december", 0).ok());
  EXPECT_EQ(*campaigns_->Step(), 5);
  Restart();  // the same minute: the five made before count
  EXPECT_EQ(*campaigns_->Step(), 0);
  clock_.Advance(60);
  EXPECT_EQ(*campaigns_->Step(), 5);
}

TEST_F(CampaignsTest, ARestartedServerFinishesWithoutWritingToAnyoneTwice) {
  ASSERT_TRUE(campaigns_->Create(kAccount, Recall()).ok());
  ASSERT_TRUE(campaigns_->Schedule(kAccount, "recall-december", 0).ok());
  // Seven go, then the road is busy: the rest stay pending.
  road_.busy_after = 7;
  EXPECT_EQ(*campaigns_->Step(), 7);
  // A message made whose send row was never settled (the server stopped between the
  // commit of the one and the other): made by hand here, as the road would have.
  auto pending = store_->Pending(campaigns_->Find(kAccount, "recall-december")->campaign.id, 1);
  ASSERT_EQ(pending->size(), 1u);
  CampaignMessage made;
  made.message_id = (*pending)[0].message_id;
  made.address = (*pending)[0].address;
  road_.made.emplace(made.message_id, made);

  road_.busy_after = -1;
  Restart();
  EXPECT_EQ(*campaigns_->Step(), 12);  // 12 new messages; the one made before, settled
  EXPECT_EQ(road_.made.size(), 20u);
  std::map<std::string, int> per_address;
  for (const auto& [id, m] : road_.made) ++per_address[m.address];
  for (const auto& [address, n] : per_address) EXPECT_EQ(n, 1) << address;
  auto progress = campaigns_->Find(kAccount, "recall-december");
  EXPECT_EQ(progress->campaign.state, "done");
  EXPECT_EQ(progress->tally["sent"], 20);
  EXPECT_EQ(progress->tally.count("pending"), 0u);
}

TEST_F(CampaignsTest, OneClickUnsubscribeStopsTheNextCampaignAndSuppressionsAreHonoured) {
  ASSERT_TRUE(campaigns_->Create(kAccount, Recall()).ok());
  ASSERT_TRUE(campaigns_->Schedule(kAccount, "recall-december", 0).ok());
  ASSERT_EQ(*campaigns_->Step(), 20);
  std::string token;
  for (const auto& [id, m] : road_.made) {
    if (m.address == "p1@example.net")
      token = m.unsubscribe_url.substr(strlen("https://mail.example/u/"));
  }
  ASSERT_FALSE(token.empty());
  // A forged or altered token is no one's.
  EXPECT_EQ(engagement_->Unsubscribe(token + "x", "").error().code, ErrorCode::kNotFound);
  std::string altered = token;
  altered[altered.size() - 3] = altered[altered.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_EQ(engagement_->Unsubscribe(altered, "").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(engagement_->Unsubscribe("a.b.c", "").error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(engagement_->Unsubscribe(token, "192.0.2.7").ok());
  ASSERT_TRUE(engagement_->Unsubscribe(token, "192.0.2.7").ok());  // twice is once
  ASSERT_TRUE(book_->Suppress(kAccount, "p3@example.net", "complained", "ARF").ok());

  road_.made.clear();
  auto next = Recall();
  next.name = "recall-january";
  ASSERT_TRUE(campaigns_->Create(kAccount, next).ok());
  ASSERT_TRUE(campaigns_->Schedule(kAccount, "recall-january", 0).ok());
  EXPECT_EQ(*campaigns_->Step(), 18);
  for (const auto& [id, m] : road_.made) {
    EXPECT_NE(m.address, "p1@example.net");
    EXPECT_NE(m.address, "p3@example.net");
  }
}

TEST_F(CampaignsTest, ALeaverBetweenTakingAndSendingIsSkippedAndTemplatesAreChecked) {
  ASSERT_TRUE(campaigns_->Create(kAccount, Recall(5, 5)).ok());
  ASSERT_TRUE(campaigns_->Schedule(kAccount, "recall-december", 0).ok());
  EXPECT_EQ(*campaigns_->Step(), 5);  // 20 taken, 5 sent
  // Two of those taken and not yet written to: one leaves the list, one is forgotten.
  auto pending = store_->Pending(campaigns_->Find(kAccount, "recall-december")->campaign.id, 20);
  ASSERT_EQ(pending->size(), 15u);
  ASSERT_TRUE(book_->Unsubscribe(kAccount, "patients", (*pending)[0].address).ok());
  ASSERT_TRUE(book_->Delete(kAccount, (*pending)[1].address).ok());
  // The two skipped take no share of the minute's pace: 5 messages each minute still.
  for (int expected : {5, 5, 3}) {  // the 13 left of 20
    clock_.Advance(60);
    auto n = campaigns_->Step();
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, expected);
  }
  auto progress = campaigns_->Find(kAccount, "recall-december");
  EXPECT_EQ(progress->campaign.state, "done");
  EXPECT_EQ(progress->tally["sent"], 18);
  EXPECT_EQ(progress->tally["skipped"], 2);

  auto bad = campaigns_->PutTemplate(kAccount, "bad", "Hi", "x", "<a href='{{site}}'>", false);
  EXPECT_EQ(bad.error().field, "html");
  EXPECT_EQ(
      campaigns_->Create(kAccount, {"x", "nope", "recall", "a@clinic.example", 5, 5}).error().code,
      ErrorCode::kNotFound);
  EXPECT_EQ(campaigns_->Create(kAccount, {"x", "lapsed", "recall", "nobody", 5, 5}).error().field,
            "from");
  EXPECT_EQ(campaigns_->Create(kAccount, {"x", "lapsed", "recall", "a@clinic.example", 5, 6})
                .error()
                .field,
            "per_domain_per_minute");
  EXPECT_EQ(campaigns_->Create(kAccount, Recall()).error().code, ErrorCode::kAlreadyExists);
}

TEST_F(CampaignsTest, AnAddressWhoseServerRefusedTheMessageIsSuppressed) {
  ASSERT_TRUE(campaigns_->Create(kAccount, Recall()).ok());
  ASSERT_TRUE(campaigns_->Schedule(kAccount, "recall-december", 0).ok());
  ASSERT_EQ(*campaigns_->Step(), 20);
  // The queue entry of p1's message ends bounced, as the runner records a 5xx.
  std::string message_id;
  for (const auto& [id, m] : road_.made) {
    if (m.address == "p1@example.net") message_id = id;
  }
  auto queue = sqlite::NewQueueStore(*db_);
  QueueEntry q{"q1",
               message_id,
               "r1",
               "office@clinic.example",
               "p1@example.net",
               "x",
               "",
               "",
               QueueState::kQueued,
               0,
               clock_.NowUnix(),
               clock_.NowUnix(),
               "",
               "",
               "",
               false,
               ""};
  ASSERT_TRUE(queue->Record({}, {q}, {}).ok());
  ASSERT_EQ(queue->Claim(clock_.NowUnix(), 10, clock_.NowUnix() + 60)->size(), 1u);
  ASSERT_TRUE(queue
                  ->Record({{"q1", QueueState::kBounced, clock_.NowUnix(),
                             "550 5.1.1 <p1@example.net>: no such user", "{}"}},
                           {}, {})
                  .ok());
  clock_.Advance(60);
  ASSERT_TRUE(campaigns_->Step().ok());
  auto suppressed = contacts_->FindSuppression(kAccount, "p1@example.net");
  ASSERT_TRUE(suppressed.ok() && suppressed->has_value());
  EXPECT_EQ((*suppressed)->reason, "bounced");
  EXPECT_NE((*suppressed)->detail.find("550 5.1.1"), std::string::npos);
  auto progress = campaigns_->Find(kAccount, "recall-december");
  EXPECT_EQ(progress->tally["bounced"], 1);
  EXPECT_EQ(progress->tally["sent"], 19);
  ASSERT_TRUE(campaigns_->Step().ok());  // once: the send is bounced now, not sent
  EXPECT_EQ(campaigns_->Find(kAccount, "recall-december")->tally["bounced"], 1);
}

TEST_F(CampaignsTest, APreviewAndATestSendRenderForAContact) {
  ASSERT_TRUE(campaigns_
                  ->PutTemplate(kAccount, "results", "Your results",
                                "{{first_name}}, your results are ready.", "", true)
                  .ok());
  auto preview = campaigns_->Preview(kAccount, "results", "p5@example.net");
  ASSERT_TRUE(preview.ok());
  EXPECT_EQ(preview->text, "P5, your results are ready.");
  auto method = campaigns_->TestSend(kAccount, "results", "p5@example.net", "office@clinic.example",
                                     "nurse@clinic.example");
  ASSERT_TRUE(method.ok());
  EXPECT_EQ(*method, "escrow");  // carries health data: never in clear
  ASSERT_EQ(road_.made.size(), 1u);
  const auto& m = road_.made.begin()->second;
  EXPECT_EQ(m.address, "nurse@clinic.example");
  EXPECT_EQ(m.rendered.subject, "[Test] Your results");
  EXPECT_TRUE(m.carries_phi);
  EXPECT_EQ(campaigns_->Preview(kAccount, "results", "nobody@example.net").error().code,
            ErrorCode::kNotFound);
}

// What a link token in a message is: the first after `marker`, to the closing quote.
std::string TokenAfter(const std::string& html, const std::string& marker) {
  const auto at = html.find(marker);
  if (at == std::string::npos) return "";
  const auto start = at + marker.size();
  return html.substr(start, html.find('"', start) - start);
}

// An ARF report (RFC 5965) about a message that had this List-Unsubscribe link.
std::string ArfAbout(const std::string& unsubscribe_url) {
  return "From: fbl@mailbox.example\r\nTo: fbl@clinic.example\r\nSubject: report\r\n"
         "MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=feedback-report; "
         "boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nA complaint.\r\n"
         "--b\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\n"
         "Version: 1\r\n\r\n--b\r\nContent-Type: text/rfc822-headers\r\n\r\n"
         "Subject: Flu shots\r\nList-Unsubscribe: <" +
         unsubscribe_url + ">\r\n\r\n--b--\r\n";
}

TEST_F(CampaignsTest, OpensClicksLeavingAndComplaintsAreCountedOnceAndFeedSegmentsAndReports) {
  ASSERT_TRUE(campaigns_
                  ->PutTemplate(kAccount, "flu", "Flu shots, {{first_name}}", "Flu shots are in.",
                                "<html><body><p>Hi {{first_name}}</p><a href=\"https://clinic."
                                "example/flu?patient=7\">Book</a> <a href=\"{{@unsubscribe_url}}"
                                "\">Unsubscribe</a></body></html>",
                                false)
                  .ok());
  auto flu = Recall();
  flu.name = "flu";
  flu.template_name = "flu";
  ASSERT_TRUE(campaigns_->Create(kAccount, flu).ok());
  ASSERT_TRUE(campaigns_->Schedule(kAccount, "flu", 0).ok());
  ASSERT_EQ(*campaigns_->Step(), 20);
  std::map<std::string, std::pair<std::string, CampaignMessage>> by_address;  // message id, m
  for (const auto& [id, m] : road_.made) by_address[m.address] = {id, m};
  const auto& [p1_id, p1] = by_address["p1@example.net"];
  EXPECT_EQ(p1.rendered.html.find("clinic.example/flu"), std::string::npos);  // through us
  EXPECT_NE(p1.rendered.html.find("href=\"" + p1.unsubscribe_url + "\""), std::string::npos);

  // Opened (the pixel, twice: once counted), clicked (the address given back; its
  // query not recorded).
  const std::string pixel = TokenAfter(p1.rendered.html, "https://mail.example/t/o/");
  const std::string link = TokenAfter(p1.rendered.html, "https://mail.example/t/c/");
  ASSERT_TRUE(engagement_->Opened(pixel, "192.0.2.7").ok());
  ASSERT_TRUE(engagement_->Opened(pixel, "192.0.2.7").ok());
  EXPECT_EQ(engagement_->Opened(pixel + "x", "").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(engagement_->Clicked(link, "192.0.2.7").value(),
            "https://clinic.example/flu?patient=7");
  EXPECT_EQ(engagement_->Clicked("x" + link, "").error().code, ErrorCode::kNotFound);
  std::map<std::string, int> types;
  const auto p1_events = events_->ForMessage(p1_id);
  ASSERT_TRUE(p1_events.ok());
  for (const auto& e : *p1_events) {
    ++types[e.type];
    if (e.type == "clicked") {
      EXPECT_NE(e.detail.find("clinic.example/flu"), std::string::npos);
      EXPECT_EQ(e.detail.find("patient"), std::string::npos);
      EXPECT_NE(e.detail.find("\"campaign\":\"flu\""), std::string::npos);
    }
  }
  EXPECT_EQ(types["opened"], 1);
  EXPECT_EQ(types["clicked"], 1);
  // ... which segments now see.
  auto p1_contact = contacts_->FindContact(kAccount, "p1@example.net").value();
  EXPECT_EQ(p1_contact->last_opened, clock_.NowUnix());
  EXPECT_EQ(p1_contact->last_clicked, clock_.NowUnix());
  ASSERT_TRUE(book_->PutSegment(kAccount, "engaged", "patients", "@last_opened > 1 day ago").ok());
  EXPECT_EQ(book_->Count(kAccount, "engaged")->matched, 1);

  // The preferences page: p1 leaves the list.
  const std::string p1_token = p1.unsubscribe_url.substr(strlen("https://mail.example/u/"));
  auto prefs = engagement_->PreferencesOf(p1_token);
  ASSERT_TRUE(prefs.ok());
  EXPECT_EQ(prefs->address, "p1@example.net");
  EXPECT_EQ(prefs->from, "flu");
  ASSERT_EQ(prefs->lists.size(), 1u);
  EXPECT_TRUE(prefs->lists[0].subscribed);
  ASSERT_TRUE(engagement_->SetPreferences(p1_token, {}, false, "192.0.2.7").ok());
  EXPECT_FALSE(engagement_->PreferencesOf(p1_token)->lists[0].subscribed);
  EXPECT_FALSE(engagement_->PreferencesOf(p1_token)->suppressed);
  // p9 wants nothing at all: suppressed.
  const auto& p9 = by_address["p9@example.net"].second;
  ASSERT_TRUE(engagement_
                  ->SetPreferences(p9.unsubscribe_url.substr(strlen("https://mail.example/u/")), {},
                                   true, "192.0.2.8")
                  .ok());
  EXPECT_EQ(contacts_->FindSuppression(kAccount, "p9@example.net").value()->reason, "unsubscribed");

  // A complaint through the feedback loop: p5 suppressed as "complained".
  const auto& [p5_id, p5] = by_address["p5@example.net"];
  ASSERT_TRUE(engagement_->Complaint(ArfAbout(p5.unsubscribe_url)).ok());
  auto suppressed = contacts_->FindSuppression(kAccount, "p5@example.net").value();
  ASSERT_TRUE(suppressed);
  EXPECT_EQ(suppressed->reason, "complained");
  EXPECT_NE(suppressed->detail.find("abuse"), std::string::npos);
  EXPECT_EQ(engagement_->Complaint(ArfAbout("https://elsewhere.example/u/x.y.z")).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(engagement_->Complaint("Subject: hi\r\n\r\nhello\r\n").error().code,
            ErrorCode::kInvalidArgument);

  auto report = store_->Report(campaigns_->Find(kAccount, "flu")->campaign.id);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->all.sent, 20);
  EXPECT_EQ(report->all.opened, 1);
  EXPECT_EQ(report->all.clicked, 1);
  EXPECT_EQ(report->all.unsubscribed, 2);
  EXPECT_EQ(report->all.complained, 1);
  EXPECT_EQ(report->by_method["tls-only"], 20);
  ASSERT_EQ(report->by_domain.size(), 1u);
  EXPECT_EQ(report->by_domain[0].first, "example.net");
  EXPECT_EQ(report->by_domain[0].second.sent, 20);
  EXPECT_TRUE(report->by_step.empty());
}

TEST_F(CampaignsTest, HealthDataAndACampaignWithoutTrackingCarryNoTrackingLinks) {
  const std::string html = "<html><body><a href=\"https://clinic.example/x\">x</a></body></html>";
  ASSERT_TRUE(campaigns_->PutTemplate(kAccount, "results", "Results", "In.", html, true).ok());
  ASSERT_TRUE(campaigns_->PutTemplate(kAccount, "plain", "News", "In.", html, false).ok());
  auto phi = Recall();
  phi.name = "results";
  phi.template_name = "results";
  auto untracked = Recall();
  untracked.name = "untracked";
  untracked.template_name = "plain";
  untracked.tracking = false;
  for (const auto* c : {&phi, &untracked}) {
    ASSERT_TRUE(campaigns_->Create(kAccount, *c).ok());
    ASSERT_TRUE(campaigns_->Schedule(kAccount, c->name, 0).ok());
  }
  ASSERT_EQ(*campaigns_->Step(), 40);
  for (const auto& [id, m] : road_.made) {
    EXPECT_EQ(m.rendered.html, html) << m.campaign_id;
  }
}

class AutomationsTest : public CampaignsTest {
 protected:
  void SetUp() override {
    CampaignsTest::SetUp();
    automations_.emplace(*store_, *contacts_, *book_, links_, clock_,
                         CampaignSettings{"https://mail.example", "Springfield Clinic"},
                         road_.AsRoad());
    ASSERT_TRUE(book_->PutSegment(kAccount, "everyone", "patients", "").ok());
    ASSERT_TRUE(campaigns_
                    ->PutTemplate(kAccount, "remind", "Your visit",
                                  "See you on {{appointment | date}}, {{first_name}}.", "", true)
                    .ok());
    ASSERT_TRUE(
        campaigns_->PutTemplate(kAccount, "refill", "Refill", "Time to refill.", "", false).ok());
    ASSERT_TRUE(
        campaigns_->PutTemplate(kAccount, "refill-again", "Refill?", "Still time.", "", false)
            .ok());
  }

  std::vector<std::string> SentTo() {
    std::vector<std::string> out;
    for (const auto& [id, m] : road_.made) out.push_back(m.address);
    std::sort(out.begin(), out.end());
    return out;
  }

  std::optional<Automations> automations_;
};

// 2026-12-06 10:00: an appointment on the 10th is reminded of on the 8th at 09:00; one on
// the 7th (reminder day gone) is not made up for; a contact without one is not reminded.
TEST_F(AutomationsTest, AReminderGoesTwoDaysBeforeTheDateInTheAttributes) {
  clock_.Advance(*ParseRfc3339OrDate("2026-12-06T10:00:00Z") - clock_.NowUnix());
  ASSERT_TRUE(
      book_->Put(kAccount, "p1@example.net", R"({"appointment":"2026-12-10"})", true, {}, "").ok());
  ASSERT_TRUE(
      book_->Put(kAccount, "p3@example.net", R"({"appointment":"2026-12-07"})", true, {}, "").ok());
  ASSERT_TRUE(automations_
                  ->Put(kAccount, "reminder", "everyone", "office@clinic.example",
                        R"({"date": "appointment", "offset_days": -2})",
                        R"([{"template": "remind", "wait_days": 0}])")
                  .ok());
  EXPECT_EQ(*automations_->Step(), 0);
  clock_.Advance(*ParseRfc3339OrDate("2026-12-08T08:59:00Z") - clock_.NowUnix());
  EXPECT_EQ(*automations_->Step(), 0);
  clock_.Advance(60);
  EXPECT_EQ(*automations_->Step(), 1);
  EXPECT_EQ(SentTo(), std::vector<std::string>{"p1@example.net"});
  EXPECT_EQ(road_.made.begin()->second.rendered.text, "See you on 10 December 2026, P1.");
  EXPECT_TRUE(road_.made.begin()->second.carries_phi);
  clock_.Advance(86400);
  EXPECT_EQ(*automations_->Step(), 0);  // once
  auto places = automations_->Places(kAccount, "reminder", 10);
  ASSERT_TRUE(places.ok());
  ASSERT_EQ(places->size(), 1u);
  EXPECT_EQ((*places)[0].state, "done");
  EXPECT_EQ((*places)[0].key, "date:2026-12-10");
  // A new appointment date is a new start.
  ASSERT_TRUE(
      book_->Put(kAccount, "p1@example.net", R"({"appointment":"2027-03-01"})", true, {}, "").ok());
  clock_.Advance(*ParseRfc3339OrDate("2027-02-27T09:00:00Z") - clock_.NowUnix());
  EXPECT_EQ(*automations_->Step(), 1);
}

TEST_F(AutomationsTest, ARefillFollowsAnOrderAndTheFollowUpOnlyWhenNotOpened) {
  ASSERT_TRUE(automations_
                  ->Put(kAccount, "refill", "everyone", "pharmacy@clinic.example",
                        R"({"event": "order"})",
                        R"([{"template": "refill", "wait_days": 30},
                            {"template": "refill-again", "wait_days": 7, "unless_opened": true}])")
                  .ok());
  EXPECT_TRUE(
      *automations_->Trigger(kAccount, "refill", "p1@example.net", "o-1", clock_.NowUnix()));
  EXPECT_TRUE(
      *automations_->Trigger(kAccount, "refill", "p3@example.net", "o-2", clock_.NowUnix()));
  EXPECT_FALSE(
      *automations_->Trigger(kAccount, "refill", "p1@example.net", "o-1", clock_.NowUnix()));
  EXPECT_EQ(automations_->Trigger(kAccount, "refill", "nobody@example.net", "o-3", 0).error().code,
            ErrorCode::kNotFound);
  clock_.Advance(29 * 86400);
  EXPECT_EQ(*automations_->Step(), 0);
  clock_.Advance(86400);
  EXPECT_EQ(*automations_->Step(), 2);
  // p3 viewed theirs: no follow-up for them.
  for (const auto& [id, m] : road_.made) {
    if (m.address == "p3@example.net") road_.opened.insert(id);
  }
  road_.made.clear();
  clock_.Advance(7 * 86400);
  EXPECT_EQ(*automations_->Step(), 1);
  EXPECT_EQ(SentTo(), std::vector<std::string>{"p1@example.net"});
  auto places = automations_->Places(kAccount, "refill", 10);
  std::map<std::string, std::string> state;
  for (const auto& r : *places) state[r.key] = r.state + (r.detail.empty() ? "" : ": " + r.detail);
  EXPECT_EQ(state["event:o-1"], "done");
  EXPECT_EQ(state["event:o-2"], "stopped: the last message was opened");
  // The report counts each step's messages.
  auto report = store_->Report(store_->FindAutomation(kAccount, "refill").value()->id);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->all.sent, 3);
  ASSERT_EQ(report->by_step.size(), 2u);
  EXPECT_EQ(report->by_step[0].first, 1);
  EXPECT_EQ(report->by_step[0].second.sent, 2);
  EXPECT_EQ(report->by_step[1].second.sent, 1);
  EXPECT_EQ(report->by_method["tls-only"], 3);

  // Refusals, each naming its part.
  EXPECT_EQ(automations_
                ->Put(kAccount, "x", "everyone", "a@clinic.example",
                      R"({"date": "x", "event": "y"})", R"([{"template": "refill"}])")
                .error()
                .field,
            "trigger");
  EXPECT_EQ(automations_
                ->Put(kAccount, "x", "everyone", "a@clinic.example", R"({"event": "y"})",
                      R"([{"template": "refill", "unless_opened": true}])")
                .error()
                .field,
            "steps[0].unless_opened");
  EXPECT_EQ(automations_
                ->Put(kAccount, "x", "everyone", "a@clinic.example", R"({"event": "y"})",
                      R"([{"template": "nope"}])")
                .error()
                .field,
            "steps[0].template");
  EXPECT_EQ(
      automations_->Put(kAccount, "x", "everyone", "a@clinic.example", R"({"event": "y"})", R"([])")
          .error()
          .field,
      "steps");
}

TEST_F(AutomationsTest, AStepMadeBeforeARestartIsNotSentAgain) {
  ASSERT_TRUE(automations_
                  ->Put(kAccount, "refill", "everyone", "pharmacy@clinic.example",
                        R"({"event": "order"})", R"([{"template": "refill", "wait_days": 0}])")
                  .ok());
  ASSERT_TRUE(
      *automations_->Trigger(kAccount, "refill", "p1@example.net", "o-1", clock_.NowUnix()));
  road_.busy_after = 0;  // the road is busy: the message id is kept, nothing sent
  EXPECT_EQ(*automations_->Step(), 0);
  auto places = automations_->Places(kAccount, "refill", 10);
  const std::string kept = (*places)[0].pending_message_id;
  ASSERT_FALSE(kept.empty());
  // The message was made after all (the server stopped before the run was saved).
  CampaignMessage made;
  made.message_id = kept;
  made.address = "p1@example.net";
  road_.made.emplace(kept, made);
  road_.busy_after = -1;
  EXPECT_EQ(*automations_->Step(), 0);  // settled, not sent
  EXPECT_EQ(road_.made.size(), 1u);
  places = automations_->Places(kAccount, "refill", 10);
  EXPECT_EQ((*places)[0].state, "done");
  EXPECT_EQ((*places)[0].last_message_id, kept);
}

}  // namespace
}  // namespace sealpost::campaigns
