// The PostgreSQL implementations of the Store interfaces (issue 23). Each passes the same
// conformance tests as its SQLite twin (store/conformance_test.cc).
#pragma once

#include <memory>

#include "store/blob_store.h"
#include "store/postgres/database.h"
#include "store/stores.h"

namespace sealpost {
class LimitEventStore;
class ContactStore;
class CampaignStore;
}  // namespace sealpost

namespace sealpost::pg {

std::unique_ptr<OrgStore> NewOrgStore(Database& db);
std::unique_ptr<ApiClientStore> NewApiClientStore(Database& db);
std::unique_ptr<PortalAccountStore> NewPortalAccountStore(Database& db);
std::unique_ptr<PortalSessionStore> NewPortalSessionStore(Database& db);
std::unique_ptr<WebhookStore> NewWebhookStore(Database& db);
std::unique_ptr<KeyStore> NewKeyStore(Database& db);
std::unique_ptr<DashboardStore> NewDashboardStore(Database& db);
std::unique_ptr<ContactStore> NewContactStore(Database& db);    // store/contact_store.h
std::unique_ptr<CampaignStore> NewCampaignStore(Database& db);  // store/campaign_store.h
std::unique_ptr<LimitEventStore> NewLimitEventStore(Database& db);  // store/limit_events.h

std::unique_ptr<AddressBookStore> NewAddressBookStore(Database& db);
std::unique_ptr<FormStore> NewFormStore(Database& db);
std::unique_ptr<TlsReportStore> NewTlsReportStore(Database& db);
std::unique_ptr<MtaStsStore> NewMtaStsStore(Database& db);
std::unique_ptr<SigningKeyStore> NewSigningKeyStore(Database& db);
std::unique_ptr<AnswerKeyStore> NewAnswerKeyStore(Database& db);
std::unique_ptr<EventStore> NewEventStore(Database& db);
std::unique_ptr<MessageStore> NewMessageStore(Database& db);
// `node`: this node's name among those sharing the database (app/open_stores.h NodeName):
// entries it claims are marked with it, and ReleaseInFlight releases only those.
std::unique_ptr<QueueStore> NewQueueStore(Database& db, std::string node);
std::unique_ptr<QueueStore> NewQueueStore(Database& db);  // a node without a name (tests)
std::unique_ptr<InboundStore> NewInboundStore(Database& db);
// The audit trail; also makes every transaction on `db` write its thread's pending
// audit records (audit/pending.h) and chain them once it commits.
std::unique_ptr<AuditStore> NewAuditStore(Database& db);
// Writes `record` into the trail's pending records inside the caller's transaction
// (chained after it commits): for a store that records its own change.
Status AppendAuditIn(Connection& db, const audit::AuditRecord& record);
// Chains what is pending into the trail, on whichever node; what a commit does anyway.
Status ChainPendingAudit(Database& db);
// Blobs in the database, in chunks (store/postgres/blob_store.cc says why).
std::unique_ptr<BlobStore> NewBlobStore(Database& db);

}  // namespace sealpost::pg
