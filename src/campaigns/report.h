// What became of a campaign's or automation's messages (CampaignStore::Report), as each
// reader takes it: CSV (the console's and the API's download, the CLI's --csv), JSON
// (the API's), and lines of text (the CLI). Pure functions.
#pragma once

#include <string>

#include "store/campaign_store.h"

namespace sealpost::campaigns {

// One row per line of the report: by,name,sent,delivered,bounced,opened,clicked,
// unsubscribed,complained — "all" first, then each method (sent only), domain and step.
std::string ReportCsv(const EngagementReport& report);
std::string ReportJson(const EngagementReport& report);
std::string ReportText(const EngagementReport& report);

// "12.5%" of `whole` (or "-" when there is no whole).
std::string Share(std::int64_t part, std::int64_t whole);

}  // namespace sealpost::campaigns
