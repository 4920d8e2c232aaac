// The web console for organisation users (issue 22), at /console in the portal's server:
// sign-in with a password chosen from an administrator's invitation (the portal's
// account rules, in the pool kConsolePool: Argon2id, the same guards, reset by mailed
// link), sessions like the portal's (a __Host- cookie, 15 minutes idle, 12 hours at
// most, ended on the server at sign-out and at a password change), CSRF tokens on every
// form, and roles (console/roles.h) checked on every request against the user's current
// record, so a role taken away or a user deleted ends their access at the next click.
// Every sign-in is recorded in the audit trail (auth.console.password).
//
// Each route names its area (Routes(), in one table); the role test walks them all. Pages here:
// home, the Received-header analyser (the portal's, in the console's frame) and the
// audit trail (auditors and organisation administrators; an account's people see their
// account's records only), and the user's own two-step sign-in (TOTP, the portal's
// rules: each code once, recovery codes).
// Internal to the portal.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "audit/chain.h"
#include "campaigns/contacts.h"
#include "console/roles.h"
#include "console/webauthn.h"
#include "http/router.h"
#include "portal/campaign_services.h"
#include "portal/challenges.h"
#include "portal/context.h"
#include "portal/held_compositions.h"
#include "portal/tool_pages.h"
#include "portal/writing.h"
#include "store/campaign_store.h"
#include "store/records.h"

namespace sealpost {
struct AuditQuery;
class ApiClientStore;
class AuditStore;
class BlobStore;
class DashboardStore;
class FormStore;
class OrgStore;
class QueueStore;
class TlsReportStore;
class WebhookStore;
}  // namespace sealpost
namespace sealpost::submission {
struct Submission;
}
namespace sealpost::integrations {
class WebhookEndpoints;
}
namespace sealpost::dkim {
class DomainSigner;
}
namespace sealpost::forms {
class FormDirectory;
class RequestDesk;
}
namespace sealpost::policy {
class AddressBookDirectory;
class OrgDirectory;
class SigningIdentities;
struct BookRef;
struct RecipientPlan;
}

namespace sealpost::portal {

// A signed-in (or half-signed-in) console user: not the portal account's cookie, so a
// recipient's sign-in and a staff sign-in in one browser never stand in for each other.
inline constexpr char kConsoleCookie[] = "__Host-sp_console";

// What the console needs beyond the portal's context; with `accounts` null the console
// is not served.
struct ConsoleServices {
  PortalAccounts* accounts = nullptr;  // Audience::kConsole
  OrgStore* org = nullptr;
  AuditStore* audit = nullptr;
  policy::OrgDirectory* directory = nullptr;  // settings: console_two_step
  policy::AddressBookDirectory* books = nullptr;  // the administrators' book pages
  DashboardStore* dashboard = nullptr;
  QueueStore* queue = nullptr;  // the queue's pages
  policy::SigningIdentities* identities = nullptr;
  dkim::DomainSigner* dkim = nullptr;
  // Whether DNS publishes this DKIM key at its selector (the check `sealpost admin
  // check` makes); an error when it could not be looked up. Blocking.
  std::function<Result<bool>(const DkimKeyRecord&)> dkim_published;
  TlsReportStore* tls_reports = nullptr;  // the TLS reports page
  ApiClientStore* clients = nullptr;      // the API clients page
  WebhookStore* webhooks = nullptr;       // the webhooks page: listing
  integrations::WebhookEndpoints* webhook_endpoints = nullptr;  // and changing
  // The console's site as WebAuthn sees it; unset: passkeys are not offered (the public
  // URL names no host).
  std::optional<console::RelyingParty> relying_party;
  forms::FormDirectory* forms = nullptr;  // the forms pages
  FormStore* form_store = nullptr;        // what people sent through them
  BlobStore* blobs = nullptr;             // and the files they sent
  std::string public_url;                 // the server's address, for a form's link
  forms::RequestDesk* requests = nullptr;  // secure requests: asking for documents
  CampaignServices campaigns;              // the campaign pages (none without `engagement`)
};

// A console page's outcome: `error` (a change refused) as an alert, `notice` (one
// made) as a status, each shown only when there is one.
void ShowOutcome(ctemplate::TemplateDictionary& dict, const std::string& error,
                 const std::string& notice);

// A console page with scripts (static/console-*.js, from this origin only, which may
// ask this server): the console's CSP with exactly that allowed.
void AllowOwnScripts(http::Response& r);

// The accounts an integration may belong to, as ACCOUNT_OPTION sections: every account,
// and the organisation's own ("default") even before it is made.
void AddAccountOptions(ctemplate::TemplateDictionary& dict,
                       const std::vector<AccountRecord>& accounts);
// A whole number from a form field (digits only), at most `max`; nullopt otherwise.
std::optional<std::int64_t> WholeNumber(std::string_view text, std::int64_t max);

class ConsolePages {
 public:
  ConsolePages(PortalContext& ctx, ToolPages& tools, Writing& writing, ConsoleServices services);
  void Register(http::Router& router);

 private:
  // The signed-in user of this request, read afresh.
  struct Visitor {
    AccountSession session;
    std::string cookie;
    console::Role role = console::Role::kNone;
    std::string account;  // the user's account (their domain's)
    std::string domain;   // the user's domain
    // Their account requires two-step sign-in and they have not set it up: only the
    // set-up (and signing out) is open to them until they do.
    bool must_enrol = false;
    bool two_step_required = false;  // by their account (console_two_step)
  };
  // Routes open to anyone (signing in), and routes for a signed-in user whose role
  // reaches the route's area: the table in console_pages.cc is the only place that
  // says which area a route is in.
  using OpenHandler = boost::asio::awaitable<http::Response> (ConsolePages::*)(http::Request&);
  using UserHandler = boost::asio::awaitable<http::Response> (ConsolePages::*)(http::Request&,
                                                                               const Visitor&);
  struct Route {
    const char* method;
    const char* path;
    OpenHandler open = nullptr;  // set: no sign-in needed
    UserHandler user = nullptr;
    console::Area area = console::Area::kSelf;
    std::uint64_t body_limit = 0;  // 0: no body
    bool while_enrolling = false;  // open to a user who must set up two-step sign-in first
    bool streamed = false;         // the body is read as it arrives (uploads)
  };
  static const std::vector<Route>& Routes();

  // The visitor when their role reaches `area`; else the answer: to the sign-in page
  // (303) when nobody is signed in, 403 when the role does not reach.
  boost::asio::awaitable<std::optional<Visitor>> Admit(const http::Request& req, console::Area area,
                                                       std::optional<http::Response>* refused);
  boost::asio::awaitable<http::Response> Guarded(http::Request& req, const Route& route);

  boost::asio::awaitable<http::Response> SignInForm(http::Request& req);
  boost::asio::awaitable<http::Response> SubmitSignIn(http::Request& req);
  boost::asio::awaitable<http::Response> ResetForm(http::Request& req);
  boost::asio::awaitable<http::Response> SubmitResetRequest(http::Request& req);
  boost::asio::awaitable<http::Response> PasswordForm(http::Request& req);
  boost::asio::awaitable<http::Response> SubmitPassword(http::Request& req);
  boost::asio::awaitable<http::Response> SubmitCode(http::Request& req);
  boost::asio::awaitable<http::Response> TwoStep(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> StartTwoStep(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> ConfirmTwoStep(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> TwoStepOff(http::Request& req, const Visitor& visitor);
  // The two-step page: the code's state and the user's passkeys. Reads the stores: call
  // off the loop.
  http::Response TwoStepPage(int status, const Visitor& visitor, const std::string& error,
                             const std::string& notice);
  // Passkeys (console_passkeys.cc): a challenge for the sign-in form and the sign-in
  // with it; for a signed-in user, a challenge to make one, adding it (with their
  // password) and removing one.
  boost::asio::awaitable<http::Response> PasskeySignInChallenge(http::Request& req);
  boost::asio::awaitable<http::Response> SubmitPasskeySignIn(http::Request& req);
  boost::asio::awaitable<http::Response> PasskeyChallenge(http::Request& req,
                                                          const Visitor& visitor);
  boost::asio::awaitable<http::Response> AddPasskey(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> RemovePasskey(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> Home(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> SignOut(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> Received(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> Audit(http::Request& req, const Visitor& visitor);
  // The trail as filtered on the page, streamed as CSV or JSON Lines; the export itself
  // recorded first.
  boost::asio::awaitable<http::Response> AuditExport(http::Request& req, const Visitor& visitor);
  // The audit page's filters from the query (and the account the visitor may see).
  static AuditQuery AuditQueryOf(const http::Request& req, const Visitor& visitor,
                                 std::string* action_filter);
  static bool SeesEveryAccount(const Visitor& visitor);

  // Sending (console_send.cc): write, review (each recipient's method and why, a
  // question where one is needed), send by the one road; then what was sent.
  boost::asio::awaitable<http::Response> ComposeForm(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> SubmitCompose(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> PreviewCompose(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> Review(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> SendHeld(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> DiscardHeld(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> SentList(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> SentMessage(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> RetractSent(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> ExtendSent(http::Request& req, const Visitor& visitor);
  // Administering (console_admin.cc): accounts and domains (organisation
  // administrators), users and their console roles, settings with where each value
  // comes from, address books (CSV import, keys) — each change made by the services the
  // CLI and API use, as the user, with its audit record in the change's transaction.
  boost::asio::awaitable<http::Response> Dashboard(http::Request& req, const Visitor& visitor);
  // The outbound queue (console_queue.cc, organisation administrators): list by state,
  // one entry with its last delivery report, retry now, delete.
  boost::asio::awaitable<http::Response> Queue(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> QueueEntryPage(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> RetryEntry(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> DeleteEntry(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> Organisation(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> CreateAccount(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> CreateDomain(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> DeleteAccountOrDomain(http::Request& req,
                                                               const Visitor& visitor);
  boost::asio::awaitable<http::Response> Users(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> DeleteUser(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> CreateUser(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> SetRole(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> Settings(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> SetSetting(http::Request& req, const Visitor& visitor);
  // The settings page, with `error` (a change just refused) when there is one (422).
  boost::asio::awaitable<http::Response> SettingsView(http::Request& req, const Visitor& visitor,
                                                      const std::string& error);
  boost::asio::awaitable<http::Response> Books(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> Book(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> MakeBook(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> ImportBook(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> ImportBookKeys(http::Request& req, const Visitor& visitor);
  // Namespaces (console_brand.cc): list, make, edit with a preview and the contrast check.
  boost::asio::awaitable<http::Response> Namespaces(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> NewNamespace(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> EditNamespace(http::Request& req, const Visitor& visitor);
  // Creates (no {name}) or updates; "do=preview" shows it without saving.
  boost::asio::awaitable<http::Response> SaveNamespace(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> BrandPreviewCss(http::Request& req,
                                                         const Visitor& visitor);
  http::Response NamespacePage(int status, const Visitor& visitor, const NamespaceRecord& ns,
                               bool existing, const std::string& carried_logo,
                               const std::string& error, const std::string& notice) const;
  // Signing keys (console_keys.cc): DKIM keys and their DNS records, identities.
  boost::asio::awaitable<http::Response> Keys(http::Request& req, const Visitor& visitor);
  // "do" = create (a domain's first key), rollover (a pending next key) or activate
  // (sign with the pending key, once DNS publishes it).
  boost::asio::awaitable<http::Response> ChangeDkim(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> DeleteDkim(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> MakeIdentity(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> IdentityPublicPart(http::Request& req,
                                                            const Visitor& visitor);
  // API clients (console_clients.cc): list, make, new secret, revoke.
  boost::asio::awaitable<http::Response> Clients(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> CreateClient(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> RotateClient(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> RevokeClient(http::Request& req, const Visitor& visitor);
  http::Response ClientsPage(int status, const Visitor& visitor, const std::string& error,
                             const std::string& notice);
  // A secret (an API client's credentials, a webhook's signing secret) on this page
  // only: no-store, and `secret` wiped once the page is made.
  struct OnceShown {
    std::string heading, name, what, previous, back, back_label;
    const char* current;  // the navigation entry
  };
  http::Response SecretPage(const Visitor& visitor, const OnceShown& shown,
                            std::string& secret) const;
  // Webhook endpoints (console_webhooks.cc): list, make, on/off, new secret, delete.
  boost::asio::awaitable<http::Response> Webhooks(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> CreateWebhook(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> SwitchWebhook(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> RotateWebhook(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> DeleteWebhook(http::Request& req, const Visitor& visitor);
  // An endpoint's delivery log (state filter, older pages) and sending one again.
  boost::asio::awaitable<http::Response> WebhookLog(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> RedeliverWebhook(http::Request& req,
                                                          const Visitor& visitor);
  http::Response WebhookLogPage(int status, const Visitor& visitor, const std::string& id,
                                const std::string& state, const std::string& before,
                                const std::string& error, const std::string& notice);
  http::Response WebhooksPage(int status, const Visitor& visitor, const std::string& error,
                              const std::string& notice);
  // Secure web forms (console_forms.cc): list, make, change, delete.
  boost::asio::awaitable<http::Response> Forms(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> FormView(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> CreateForm(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> SaveForm(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> DeleteForm(http::Request& req, const Visitor& visitor);
  // The list with the make form (what was written kept in it when refused).
  http::Response FormsPage(int status, const Visitor& visitor, const std::string& error,
                           const std::string& notice, const std::string& written_name,
                           const std::string& written_definition);
  // One form; `written_definition` set: the refused definition back in the box.
  http::Response FormPage(int status, const Visitor& visitor, const std::string& name,
                          const std::string& error, const std::string& notice,
                          const std::string* written_definition);
  // What people sent through the forms (console_submissions.cc), for the staff who read
  // it: the forms, a form's submissions (searched, exported), one, its files, deleting.
  boost::asio::awaitable<http::Response> SubmissionForms(http::Request& req,
                                                         const Visitor& visitor);
  boost::asio::awaitable<http::Response> Submissions(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> SubmissionView(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> SubmissionFile(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> DeleteSubmission(http::Request& req,
                                                          const Visitor& visitor);
  // Secure requests (console_submissions.cc): the sender's own — ask someone for
  // documents, see what became of each, read the answer and its files.
  boost::asio::awaitable<http::Response> Requests(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> CreateRequest(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> RequestView(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> RequestFile(http::Request& req, const Visitor& visitor);
  http::Response RequestsPage(int status, const Visitor& visitor, const std::string& error,
                              const std::string& notice, const std::string& to,
                              const std::string& message);
  // Campaigns (console_campaigns.cc): the account's campaigns, automations, segments
  // (counted as written), templates (previewed for a contact), and each campaign's and
  // automation's report with its CSV.
  struct SegmentDraft {
    std::string name, list, condition;
    bool counted = false;
    campaigns::ContactBook::SegmentCount count;
  };
  boost::asio::awaitable<http::Response> Campaigns(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> SaveSegment(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> CampaignView(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> CampaignReportCsv(http::Request& req,
                                                           const Visitor& visitor);
  boost::asio::awaitable<http::Response> MoveCampaign(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> AutomationView(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> AutomationReportCsv(http::Request& req,
                                                             const Visitor& visitor);
  boost::asio::awaitable<http::Response> TemplatePreview(http::Request& req,
                                                         const Visitor& visitor);
  http::Response CampaignsPage(int status, const Visitor& visitor, const std::string& error,
                               const std::string& notice, const SegmentDraft& draft);
  // A campaign's or automation's report as a CSV download (or why there is none).
  http::Response ReportCsvPage(const Visitor& visitor, const std::string& name,
                               const Result<EngagementReport>& report) const;
  // TLS reports (console_tls.cc): the last days' sessions by domain and policy.
  boost::asio::awaitable<http::Response> TlsReports(http::Request& req, const Visitor& visitor);
  http::Response KeysPage(int status, const Visitor& visitor, const std::string& error,
                          const std::string& notice);
  // A refused change in words for its page ("Field: message."), and its status.
  static std::string Refusal(const Error& e);
  static int StatusOf(const Error& e);
  // The audit record of this request by the visitor: "console.<METHOD> <route>", ok.
  audit::AuditRecord RecordOf(const http::Request& req, const Visitor& visitor) const;
  // `change` off the loop as the visitor (audit::ActingAs), with the record of this
  // request ("console.POST /console/users", `subject`) pending: the change's transaction
  // writes it; a change refused or failed is recorded on its own. The page for a busy
  // server, else nothing and `*status` the change's outcome.
  boost::asio::awaitable<std::optional<http::Response>> Change(
      const http::Request& req, const Visitor& visitor, const std::string& subject,
      const std::function<Status()>& change, Status* status);
  // Whether the visitor administers `domain` (its users and settings): an organisation
  // administrator every domain, a domain administrator their own.
  static bool Administers(const Visitor& visitor, std::string_view domain);
  // An account's books are the organisation administrators'; a domain's, or a user's,
  // their domain's administrators'.
  static bool AdministersBook(const Visitor& visitor, const policy::BookRef& ref);
  // The book the request's {book} names, when the visitor administers it; else nullopt
  // and `*refused` the 404 page.
  std::optional<policy::BookRef> BookOf(const http::Request& req, const Visitor& visitor,
                                        std::optional<http::Response>* refused) const;
  // A page whose making reads the stores, made off the loop (or the busy page).
  boost::asio::awaitable<http::Response> MadeOffLoop(const std::function<http::Response()>& make);
  // Pages that read the organisation: called inside OffLoop work.
  http::Response OrganisationPage(int status, const Visitor& visitor, const std::string& error);
  http::Response UsersPage(int status, const Visitor& visitor, const std::string& error,
                           const std::string& notice);

  // The sender's own address book: their questions, looked through, added, removed.
  boost::asio::awaitable<http::Response> OwnBook(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> AddToOwnBook(http::Request& req, const Visitor& visitor);
  boost::asio::awaitable<http::Response> OwnBookView(http::Request& req, const Visitor& visitor,
                                                     const std::string& error);
  boost::asio::awaitable<http::Response> RemoveFromOwnBook(http::Request& req,
                                                           const Visitor& visitor);
  // The compose form again, with what was written and why it was not taken.
  struct Written {
    std::string to, cc, bcc, subject, text, expires;
    bool read_receipt = false, no_tls_only = false;
  };
  http::Response ComposePage(int status, const Visitor& visitor, const Written& written,
                             const std::vector<std::string>& problems) const;
  // The message as written, checked as the API checks one; what is wrong in `problems`
  // (a message to nobody is the caller's to refuse: the preview shows nothing then).
  static submission::Submission SubmissionOf(const Written& w, const std::string& from,
                                             std::vector<std::string>* problems);
  // The review of a held message: `plan` as the policy engine made it (null: it could
  // not be planned, `error` says why).
  http::Response ReviewPage(int status, const Visitor& visitor, const std::string& id,
                            const HeldComposition& held, const policy::RecipientPlan* plan,
                            const std::string& error, const std::string& question) const;

  // A page in the console's frame; `visitor` set: with the navigation for their role.
  http::Response Page(int status, const std::string& page, const std::string& title,
                      const Visitor* visitor, const char* current,
                      const std::function<void(ctemplate::TemplateDictionary&)>& fill) const;
  http::Response Info(int status, const std::string& heading,
                      const std::vector<std::string>& paragraphs, const Visitor* visitor = nullptr,
                      const std::string& href = {}, const std::string& label = {}) const;
  // A form whose CSRF token is missing or not this browser's (403).
  http::Response FormExpired(const Visitor* visitor, const std::string& href,
                             const std::string& label) const;
  http::Response SignInPage(int status, const std::string& binding, const std::string& address,
                            const std::string& error) const;
  http::Response PasswordPage(int status, const std::string& address, const std::string& token,
                              const std::string& error) const;
  http::Response CodePage(int status, const std::string& cookie, const std::string& error) const;
  // The QR code and key of the secret being enrolled (no-store: it holds the secret).
  http::Response EnrolPage(int status, const Visitor& visitor, const std::string& error) const;
  // The signed-in user's portal account (their console sign-in), read off the loop.
  boost::asio::awaitable<std::optional<PortalAccountRecord>> SignInOf(
      const Visitor& visitor, std::optional<http::Response>* failed);

  // The dashboard's counts by scope (an account, or "" for the organisation) and first
  // day, counted at most once a minute: counting takes tens of milliseconds over ten
  // thousand messages, and a dashboard a minute old is as good to look at.
  struct CountedFacts {
    std::int64_t counted_at = 0;
    std::int64_t first_day = 0;
    std::shared_ptr<const DashboardFacts> facts;
  };
  std::mutex dashboard_mu_;
  std::map<std::string, CountedFacts> dashboard_cache_;

  PortalContext& ctx_;
  ToolPages& tools_;
  Writing& writing_;
  ConsoleServices services_;
  AccountSessions sessions_;
  HeldCompositions held_;
  Challenges challenges_;  // passkeys'
};

}  // namespace sealpost::portal
