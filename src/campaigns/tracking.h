// Opens and clicks of a campaign's or automation's message (issue 25), as links of
// ours: a pixel (GET /t/o/{token}) and each web link of the HTML part sent through
// GET /t/c/{token}, which redirects to it. A token names the message and, for a link,
// the address it goes to, MAC-bound under the link key: only addresses we wrote into a
// message redirect (no open redirect), and no one makes a token for another's message.
// Only the HTML part is tracked (a plain-text reader sees the links as written); a
// message that carries health data is never tracked (campaigns.h). Pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sealpost {
class PurposeKey;
}  // namespace sealpost

namespace sealpost::campaigns {

inline constexpr std::size_t kMaxTrackedUrlChars = 2000;  // a longer link is left as it is
inline constexpr std::size_t kMaxTrackingTokenChars = 3000;

// The first half of the MAC of `input` (what our links carry), and whether `mac` is
// it under any generation of the key, compared in constant time.
std::string ShortMac(const PurposeKey& key, std::string_view input);
bool ShortMacMatches(const PurposeKey& key, std::string_view input, std::string_view mac);

std::string OpenToken(const PurposeKey& key, const std::string& message_id);
std::string ClickToken(const PurposeKey& key, const std::string& message_id, std::string_view url);
// The message a token of ours names, or nullopt.
std::optional<std::string> ReadOpenToken(const PurposeKey& key, std::string_view token);
struct Click {
  std::string message_id;
  std::string url;
};
std::optional<Click> ReadClickToken(const PurposeKey& key, std::string_view token);

// `html` with the address of each <a href="http(s)://…"> (not those starting with
// `keep_prefix`: the unsubscribe links) made a click link of `public_url`, and the
// pixel put before </body> (or at the end).
std::string TrackedHtml(std::string_view html, const PurposeKey& key, const std::string& public_url,
                        const std::string& message_id, const std::string& keep_prefix);

// What a click's event may say of the link: its host and path, never its query (which
// may name the reader).
std::string LinkForRecord(std::string_view url);

}  // namespace sealpost::campaigns
