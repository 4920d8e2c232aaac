// SQLite implementations of the Store interfaces.
#pragma once

#include <memory>

#include "store/sqlite/database.h"
#include "store/stores.h"

namespace sealpost {
class ContactStore;
class CampaignStore;
}  // namespace sealpost

namespace sealpost::sqlite {

std::unique_ptr<ApiClientStore> NewApiClientStore(Database& db);
std::unique_ptr<AnswerKeyStore> NewAnswerKeyStore(Database& db);
std::unique_ptr<SigningKeyStore> NewSigningKeyStore(Database& db);
std::unique_ptr<EventStore> NewEventStore(Database& db);
std::unique_ptr<MessageStore> NewMessageStore(Database& db);
std::unique_ptr<QueueStore> NewQueueStore(Database& db);
std::unique_ptr<InboundStore> NewInboundStore(Database& db);
std::unique_ptr<OrgStore> NewOrgStore(Database& db);
std::unique_ptr<AddressBookStore> NewAddressBookStore(Database& db);
std::unique_ptr<TlsReportStore> NewTlsReportStore(Database& db);
std::unique_ptr<MtaStsStore> NewMtaStsStore(Database& db);
std::unique_ptr<PortalAccountStore> NewPortalAccountStore(Database& db);
std::unique_ptr<WebhookStore> NewWebhookStore(Database& db);
std::unique_ptr<FormStore> NewFormStore(Database& db);
std::unique_ptr<PortalSessionStore> NewPortalSessionStore(Database& db);
std::unique_ptr<KeyStore> NewKeyStore(Database& db);
std::unique_ptr<DashboardStore> NewDashboardStore(Database& db);
std::unique_ptr<ContactStore> NewContactStore(Database& db);    // store/contact_store.h
std::unique_ptr<CampaignStore> NewCampaignStore(Database& db);  // store/campaign_store.h
// Also makes every transaction on `db` write its thread's pending audit records.
std::unique_ptr<AuditStore> NewAuditStore(Database& db);
// Writes `record` next in the trail, inside the caller's transaction (its seq and
// hashes are filled in): for a store that records its own change.
Status AppendAuditIn(Connection& db, audit::AuditRecord& record);

}  // namespace sealpost::sqlite
