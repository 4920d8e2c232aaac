#include "app/readiness.h"

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "base/clock.h"
#include "crypto/random.h"
#include "store/blob_store.h"
#include "store/stores.h"

namespace sealpost {

http::Response ReadinessResponse(const std::vector<ReadinessCheck>& checks) {
  boost::json::object results;
  std::string failing;
  for (const auto& c : checks) {
    Status status = c.check();
    results[c.name] = status.ok() ? "ok" : status.error().message;
    if (!status.ok()) {
      failing += (failing.empty() ? "" : "; ") + c.name + ": " + status.error().message;
    }
  }
  http::Response r;
  if (failing.empty()) {
    r = http::JsonResponse(200, boost::json::serialize(boost::json::object{
                                    {"status", "ready"}, {"checks", std::move(results)}}));
  } else {
    spdlog::warn("readyz: not ready: {}", failing);
    r = http::ProblemResponse(503, "Not ready", failing);
    auto problem = boost::json::parse(r.body).as_object();
    problem["checks"] = std::move(results);
    r.body = boost::json::serialize(problem);
    r.Set("Retry-After", "5");
  }
  r.Set("Cache-Control", "no-store");
  return r;
}

ReadinessCheck DatabaseReadiness(QueueStore& queue, const Clock& clock) {
  return {"database", [&queue, &clock]() -> Status {
            auto waiting = queue.Waiting(clock.NowUnix());
            if (waiting.ok()) return OkStatus();
            spdlog::warn("readyz: database: {}", waiting.error().ToString());
            return MakeError(ErrorCode::kUnavailable, "cannot read");
          }};
}

ReadinessCheck BlobReadiness(BlobStore& blobs) {
  return {"blobs", [&blobs]() -> Status {
            // A real write, synced, as every accepted message's content needs.
            const std::string id = NewBlobId();
            auto writer = blobs.Create(id);
            Status status = writer.ok() ? (*writer)->Append("ready") : Status(writer.error());
            if (status.ok()) status = (*writer)->Commit();
            if (writer.ok()) (void)blobs.Remove(id);
            if (status.ok()) return OkStatus();
            spdlog::warn("readyz: blobs: {}", status.error().ToString());
            return MakeError(ErrorCode::kUnavailable, "cannot write");
          }};
}

http::Response Readiness::Answer() {
  std::lock_guard lock(mu_);
  const std::int64_t now = clock_.NowUnix();
  if (!last_ || last_at_ != now) {
    last_ = ReadinessResponse(checks_);
    last_at_ = now;
  }
  return *last_;
}

}  // namespace sealpost
