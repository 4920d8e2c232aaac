// Analyse's answer for people (text) and for machines (JSON).
#include <boost/json.hpp>

#include "base/clock.h"
#include "received/received.h"

namespace sealpost::received {
std::string FormatText(const Path& path) {
  std::string out;
  for (std::size_t i = 0; i < path.hops.size(); ++i) {
    const Hop& h = path.hops[i];
    out += "Hop " + std::to_string(i + 1) + ": " + HopText(h) + "\n";
    if (h.time) {
      out += "  time:     " + FormatRfc3339(*h.time);
      if (h.delay) out += " (" + DelayText(*h.delay) + ")";
      out += "\n";
    }
    if (!h.with.empty()) out += "  with:     " + h.with + "\n";
    if (!h.tls_version.empty() || !h.tls_cipher.empty()) {
      out += "  TLS:      " + h.tls_version +
             (h.tls_cipher.empty() ? "" : (h.tls_version.empty() ? "" : ", ") + h.tls_cipher) + "\n";
    }
    out += "  verdict:  " + std::string(VerdictName(h.verdict)) + " — " + h.reason + "\n";
  }
  out += "Path: " + std::string(VerdictName(path.verdict)) + ". " + path.summary + "\n";
  return out;
}

std::string FormatJson(const Path& path) {
  boost::json::array hops;
  for (const Hop& h : path.hops) {
    boost::json::object o;
    o["from"] = h.from;
    o["from_address"] = h.from_address;
    o["by"] = h.by;
    o["with"] = h.with;
    o["id"] = h.id;
    o["for"] = h.for_address;
    if (h.time) {
      o["time"] = FormatRfc3339(*h.time);
    } else {
      o["time"] = nullptr;
    }
    if (h.delay) {
      o["delay_seconds"] = *h.delay;
    } else {
      o["delay_seconds"] = nullptr;
    }
    o["tls_version"] = h.tls_version;
    o["tls_cipher"] = h.tls_cipher;
    o["verdict"] = VerdictName(h.verdict);
    o["reason"] = h.reason;
    o["field"] = h.field;
    hops.push_back(std::move(o));
  }
  boost::json::object out;
  out["verdict"] = VerdictName(path.verdict);
  out["summary"] = path.summary;
  out["hops"] = std::move(hops);
  return boost::json::serialize(out);
}

}  // namespace sealpost::received
