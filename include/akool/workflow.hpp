// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_WORKFLOW_HPP
#define AKOOL_WORKFLOW_HPP

/// @file workflow.hpp
/// The values that steer the generation workflow (wait, generate, download, retries) and
/// the pure decisions behind it: the next poll delay, whether to retry. No Asio, no I/O:
/// every decision here is testable with plain numbers.

#include <akool/config.hpp>
#include <akool/diagnostics.hpp>
#include <akool/error.hpp>
#include <akool/model.hpp>

#include <boost/system/errc.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace akool {

/// The unit of every delay and deadline of the workflow.
using milliseconds = std::chrono::milliseconds;

/// When to poll a task: the first poll after `initial_delay`, each next delay `growth`
/// times the previous, never above `max_delay`, each randomised by +/- `jitter` (a fraction).
/// A Retry-After from the service overrides a shorter delay.
struct poll_schedule {
    milliseconds initial_delay{1000};  ///< before the first poll
    double growth = 1.5;               ///< factor from one delay to the next (below 1 counts as 1)
    milliseconds max_delay{10000};     ///< cap of the delay before jitter
    double jitter = 0.2;               ///< +/- this fraction of each delay, at random (0 to 1)

    /// The delay before poll number `attempt` (0-based), for a uniform `unit` in [0, 1):
    /// pass a random number; 0.5 means no jitter.
    milliseconds delay(unsigned attempt, double unit) const noexcept
    {
        double base = static_cast<double>(initial_delay.count());
        double cap = static_cast<double>(max_delay.count());
        for (unsigned i = 0; i < attempt && base < cap; ++i) base *= std::max(growth, 1.0);
        base = std::min(base, cap);
        double j = std::clamp(jitter, 0.0, 1.0);
        double factor = 1.0 + j * (2.0 * std::clamp(unit, 0.0, 1.0) - 1.0);
        return milliseconds(static_cast<std::int64_t>(std::llround(std::max(0.0, base * factor))));
    }
};

/// Retries of failed exchanges, with exponential backoff. Readable and changeable, like
/// Azure's RetryOptions. Idempotent reads (get-result, download, token) are retried on
/// connection errors, timeouts, HTTP 408, 429 and 5xx, API code 1108, and garbled replies. A create is
/// retried only when the service cannot have processed it: no byte reached it (connection
/// refused, name resolution or TLS failure before sending), or it answered 408, 429 or 503
/// (refused before processing), or 1108 ("try again later"). Any other failure after sending
/// (`error::outcome_unknown`, a timeout, 500, 502, 504) may have created the task and charged
/// the account: it is reported, not repeated, unless `retry_ambiguous_creates` is set.
struct retry_policy {
    unsigned max_retries = 3;           ///< retries after the first attempt (0: none)
    milliseconds initial_backoff{500};  ///< wait before the first retry
    double growth = 2.0;                ///< factor from one wait to the next
    milliseconds max_backoff{8000};     ///< cap of the wait before jitter
    double jitter = 0.2;                ///< +/- this fraction of each wait, at random (0 to 1)
    /// Retry a create whose outcome is unknown. Off: such a create is reported, not repeated.
    bool retry_ambiguous_creates = false;

    /// The wait before retry number `retry` (0-based), for a uniform `unit` in [0, 1); a
    /// Retry-After from the service, when longer, wins.
    milliseconds backoff(unsigned retry, double unit, const diagnostics& diag) const noexcept
    {
        poll_schedule s{initial_backoff, growth, max_backoff, jitter};
        milliseconds d = s.delay(retry, unit);
        if (diag.retry_after) d = std::max(d, milliseconds(*diag.retry_after));
        return d;
    }
};

/// What kind of exchange failed, for `should_retry`.
enum class request_kind {
    create,  ///< a create: charged, resent only when it cannot have been processed
    read,    ///< anything else: retried on every transient failure
};

/// True when `ec` is a failure no byte of the request can have survived: the connection
/// was never established (refused, unreachable, name not resolved) or TLS failed before
/// the request was written. The transport reports anything later as outcome_unknown (for a
/// create) or keeps its own code with `maybe_sent` (for a read).
inline bool is_not_sent_failure(const error_code& ec) noexcept
{
    namespace errc = boost::system::errc;
    if (ec == error::request_not_sent) return true;
    if (ec == errc::connection_refused || ec == errc::network_unreachable || ec == errc::host_unreachable ||
        ec == errc::address_not_available)
        return true;
    // Name resolution failures (netdb category) and TLS handshake failures (ssl category).
    std::string_view cat = ec.category().name();
    return cat == "asio.netdb" || cat == "asio.addrinfo" || cat.substr(0, 8) == "asio.ssl";
}

/// The retry decision: should an exchange of `kind` that failed with `ec` (and `diag`) be
/// tried again, given `retries_done` retries so far? Cancellation, validation failures,
/// and the service's refusals (1003, 1101, 1102, 1200) are never retried.
inline bool should_retry(const retry_policy& p, request_kind kind, const error_code& ec, const diagnostics& diag,
                         unsigned retries_done) noexcept
{
    if (!ec || retries_done >= p.max_retries) return false;
    if (ec == boost::system::errc::operation_canceled) return false;
    if (ec == error::validation_failed || ec == error::invalid_url || ec == error::response_too_large ||
        ec == error::not_an_image || ec == error::generation_failed)
        return false;
    // A garbled reply to a read is asked again; to a create it means the create was processed.
    if (ec == error::bad_response) return kind == request_kind::read;
    bool not_processed = false;  // the service answered that it did not take the request
    bool ambiguous = false;      // the service may have processed it
    if (ec == error::http_status) {
        int s = diag.http_status;
        if (s == 408 || s == 429 || s == 503)
            not_processed = true;
        else if (s >= 500 && s <= 599)
            ambiguous = true;
        else
            return false;
    }
    if (is_api_error(ec)) {
        if (ec != error::api_generation_error) return false;  // 1108: "try again later"
        not_processed = true;
    }
    if (kind == request_kind::read) return true;
    if (not_processed) return true;
    if (ambiguous || ec == error::outcome_unknown) return p.retry_ambiguous_creates;
    if (ec == error::timeout) return false;  // a create's timeout after sending is outcome_unknown
    return is_not_sent_failure(ec);
}

/// One status change of a task being waited on.
struct progress_event {
    std::string task_id;               ///< the task whose status changed
    std::size_t index = 0;             ///< position of the task in its batch
    image_status status = image_status::queueing;  ///< the new status
    milliseconds elapsed{0};           ///< since the wait started
};

/// How `wait` and `generate` wait for a task.
struct wait_options {
    poll_schedule schedule;  ///< when to poll
    /// Give up after this long (error::timeout). Zero means no deadline.
    milliseconds deadline{std::chrono::minutes(15)};
    /// Called on the client's executor on every status change, starting with the first status seen.
    std::function<void(const progress_event&)> on_progress;
};

/// How results are downloaded.
struct download_options {
    /// Largest image accepted.
    std::size_t max_bytes = std::size_t(128) << 20;
    /// Refuse content that is not PNG, JPEG, GIF or WebP (by its first bytes).
    bool require_image = true;
};

/// How `generate` runs.
struct generate_options {
    wait_options wait;  ///< how each task of the batch is waited for (all concurrently)
    /// Download each completed image: to memory when `output_dir` is empty, else to a file.
    bool download = true;
    /// Directory for downloaded images; the file name is the task id plus the extension its
    /// content implies. Written atomically (a temporary file, then a rename).
    std::string output_dir;
    download_options download_limits;  ///< limits of each download
};

/// One image of a `generate` call, in request order.
struct generated_image {
    image_task task;        ///< the task as create returned it
    image_result result;    ///< its final state (empty after a failure other than generation_failed)
    std::string data;       ///< the image bytes, when downloaded to memory
    std::string file_path;  ///< the saved file, when downloaded to a directory
};

/// The file extension (".png", ".jpg", ".gif", ".webp") an image's first bytes imply, or
/// empty when they are not one of those formats.
inline std::string_view image_extension(std::string_view bytes) noexcept
{
    auto starts = [&](std::string_view magic) { return bytes.substr(0, magic.size()) == magic; };
    if (starts("\x89PNG\r\n\x1a\n")) return ".png";
    if (starts("\xff\xd8\xff")) return ".jpg";
    if (starts("GIF87a") || starts("GIF89a")) return ".gif";
    if (bytes.size() >= 12 && starts("RIFF") && bytes.substr(8, 4) == "WEBP") return ".webp";
    return {};
}

/// Client-side limits for large jobs: at most `max_in_flight` exchanges at once and at most
/// `max_requests_per_second` started per second (0: unlimited), shared by every operation of
/// one client.
struct rate_limits {
    unsigned max_in_flight = 16;          ///< exchanges in flight at once (0: unlimited)
    double max_requests_per_second = 0;   ///< exchanges started per second (0: unlimited)
};

} // namespace akool

#endif
