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

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace akool {

/// The unit of every delay and deadline of the workflow.
using milliseconds = std::chrono::milliseconds;

/// When to poll a task: the first poll after `initial_delay`, each next delay `growth`
/// times the previous, never above `max_delay`, each randomised by +/- `jitter` (a fraction).
/// A refusal (HTTP 429, API code 1005) or a transient failure of a poll is retried by the
/// exchange with `retry_policy`'s backoff, where a longer Retry-After wins, before the poll
/// counts; a Retry-After on a poll's 200 reply is not read.
///
/// The defaults poll every 1.38 s (+/- 3 %): a completion is noticed within 1.43 s of it
/// (0.7 s on average), with 20 polls for a job of 25 s (the first poll is immediate), 5 for
/// one of 5 s and 45 for one of 60 s. bench/poll_overhead.cpp measures it against the emulator.
/// For long jobs where the poll count matters more than the delay, set `growth` above 1 and
/// a larger `max_delay`.
struct poll_schedule {
    milliseconds initial_delay{1380};  ///< between the first poll (at once) and the second
    double growth = 1.0;               ///< factor from one delay to the next (below 1 counts as 1)
    milliseconds max_delay{1380};      ///< cap of the delay before jitter
    double jitter = 0.03;              ///< +/- this fraction of each delay, at random (0 to 1)

    /// The delay before poll number `attempt` (0-based), for a uniform `unit` in [0, 1):
    /// pass a random number; 0.5 means no jitter.
    milliseconds delay(unsigned attempt, double unit) const noexcept
    {
        // Plain comparisons instead of <algorithm> and <cmath> (this header is part of the
        // Asio-free facade's TU). A NaN growth counts as 1, a NaN jitter as 0, a NaN unit as 0.5.
        const double g = growth > 1.0 ? growth : 1.0;
        const double j = jitter > 0.0 ? (jitter < 1.0 ? jitter : 1.0) : 0.0;
        const double u = unit >= 0.0 ? (unit < 1.0 ? unit : 1.0) : (unit < 0.0 ? 0.0 : 0.5);
        double base = static_cast<double>(initial_delay.count());
        const double cap = static_cast<double>(max_delay.count());
        for (unsigned i = 0; g > 1.0 && i < attempt && base < cap; ++i) base *= g;
        if (base > cap) base = cap;
        double v = base * (1.0 + j * (2.0 * u - 1.0));
        if (!(v > 0.0)) v = 0.0;
        constexpr double limit = 9.2e18;  // below INT64_MAX: the conversion stays defined
        return milliseconds(v + 0.5 < limit ? static_cast<std::int64_t>(v + 0.5) : static_cast<std::int64_t>(limit));
    }
};

/// Retries of failed exchanges, with exponential backoff. Readable and changeable, like
/// Azure's RetryOptions. The HTTP status decides first: a reply other than 200 is classified
/// by its status alone, whatever API envelope its body carries (a 429 with
/// `{"code":1429}` is a 429); the API code decides only for a 200 reply. Idempotent reads
/// (get-result, download, token) are retried on connection errors, timeouts, HTTP 408, 429
/// and 5xx, API codes 1005 and 1108, and garbled replies. A create is retried only when the
/// service cannot have processed it: no byte reached it (connection refused, name resolution
/// or TLS failure before sending), or it answered HTTP 408, 429 or 503, or API code 1005
/// ("frequent operation") or 1108 ("try again later") with HTTP 200. Any other failure after
/// sending (`error::outcome_unknown`, a timeout, HTTP 500, 502, 504) may have created the task
/// and charged the account: it is reported, saying so, not repeated, unless
/// `retry_ambiguous_creates` is set.
struct retry_policy {
    unsigned max_retries = 3;           ///< retries after the first attempt (0: none)
    milliseconds initial_backoff{500};  ///< wait before the first retry
    double growth = 2.0;                ///< factor from one wait to the next
    milliseconds max_backoff{8000};     ///< cap of the wait before jitter
    double jitter = 0.2;                ///< +/- this fraction of each wait, at random (0 to 1)
    /// Retry a create whose outcome is unknown. Off: such a create is reported, not repeated.
    /// On: once an attempt may have been processed, the create ends either with its task ids
    /// or, however its later attempts end (a refusal, nothing sent, a cancellation in the
    /// backoff), with `error::outcome_unknown` (HTTP 500, 502, 504: that status, when the last
    /// attempt's): the service may hold a task of it.
    bool retry_ambiguous_creates = false;
    /// The longest Retry-After the client waits for. A reply asking for longer is reported at
    /// once (its `diagnostics::retry_after` says how long), not slept on: the reply is the
    /// server's, and "Retry-After: 999999999" would otherwise hold a call for 31 years.
    std::chrono::seconds max_retry_after{60};

    /// The wait before retry number `retry` (0-based), for a uniform `unit` in [0, 1); a
    /// Retry-After from the service, when longer, wins.
    milliseconds backoff(unsigned retry, double unit, const diagnostics& diag) const noexcept
    {
        poll_schedule s{initial_backoff, growth, max_backoff, jitter};
        milliseconds d = s.delay(retry, unit);
        if (diag.retry_after && d < milliseconds(*diag.retry_after)) d = milliseconds(*diag.retry_after);
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
/// the request was written. A transport reports anything later with its own code and
/// `maybe_sent`; the client turns that into outcome_unknown for a create (classify_reply).
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

/// What a failed exchange tells about the request, for the retry decision (`classify_failure`).
enum class failure_class {
    final,          ///< never retried: a refusal of the request itself, a cancellation, a local error
    not_processed,  ///< the service did not take the request (nothing sent, 408, 429, 503, 1005, 1108)
    ambiguous,      ///< the request may have been processed (500, 502, 504, connection lost after sending)
    transient,      ///< a failure worth asking again for a read (timeout, garbled reply, network error)
};

/// Classifies a failed exchange of `kind` (`ec`, with `diag.http_status` as the reply's
/// status, 0 when none arrived). The one place of the retry rules: `should_retry` and the
/// client's exchanges (async and sync) decide through it.
inline failure_class classify_failure(request_kind kind, const error_code& ec, const diagnostics& diag) noexcept
{
    if (!ec || ec == boost::system::errc::operation_canceled) return failure_class::final;
    // A request the transport refused before any I/O (a header with CR or LF, an address
    // that is not one): the same request is refused again.
    if (ec == boost::system::errc::invalid_argument) return failure_class::final;
    if (ec == error::validation_failed || ec == error::invalid_url || ec == error::response_too_large ||
        ec == error::not_an_image || ec == error::generation_failed || ec == error::invalid_task_id ||
        ec == error::proxy_refused || ec == error::address_not_allowed)
        return failure_class::final;
    // A reply other than 200: its status decides, whatever envelope the body carries.
    const int s = diag.http_status;
    if (s != 0 && s != 200 && (ec == error::http_status || is_api_error(ec) || ec == error::unexpected_api_code)) {
        if (s == 408 || s == 429 || s == 503) return failure_class::not_processed;
        if (s >= 500 && s <= 599) return failure_class::ambiguous;
        return failure_class::final;
    }
    // A garbled reply to a read is asked again; to a create it means the create was processed.
    if (ec == error::bad_response) return kind == request_kind::read ? failure_class::transient : failure_class::final;
    if (is_api_error(ec) || ec == error::unexpected_api_code || ec == error::http_status) {
        // 1005 "frequent operation" and 1108 "try again later": refusals before processing.
        if (ec == error::api_frequent_operation || ec == error::api_generation_error)
            return failure_class::not_processed;
        return failure_class::final;
    }
    if (ec == error::outcome_unknown) return failure_class::ambiguous;
    if (is_not_sent_failure(ec)) return failure_class::not_processed;
    // A timeout or a network error after sending: a create's is outcome_unknown (above).
    return kind == request_kind::read ? failure_class::transient : failure_class::final;
}

/// True when the service may have processed (and charged) a create that failed with `ec`:
/// what `classify_failure` finds ambiguous (HTTP 500/502/504 whatever their body, a connection
/// lost after sending), a garbled reply, and, erring on the side of not charging twice, a
/// timeout or a cancellation (the last attempt may have followed an ambiguous one); false for
/// a failure known to have sent nothing (a connection refused, a name that does not resolve,
/// a proxy's refusal, no credentials, a local setup error such as a CA file) and for the
/// service's refusals (validation, an API code with HTTP 200, an HTTP status below 500, or
/// 503). A batch journal records such a failure with `processed_maybe` set
/// (`batch_journal::create_failed`).
inline bool create_may_have_been_processed(const error_code& ec, const diagnostics& diag) noexcept
{
    switch (classify_failure(request_kind::create, ec, diag)) {
    case failure_class::not_processed: return false;
    case failure_class::ambiguous: return true;
    case failure_class::final:
    case failure_class::transient: break;
    }
    if (ec == error::validation_failed || ec == error::invalid_url || ec == error::no_credentials ||
        ec == error::proxy_refused || ec == error::address_not_allowed || ec == boost::system::errc::invalid_argument)
        return false;
    return !(is_api_error(ec) || ec == error::unexpected_api_code || ec == error::http_status);
}

namespace detail {

// True when a reply asked for a longer wait (Retry-After) than `p` allows.
inline bool retry_after_over_cap(const retry_policy& p, const diagnostics& diag) noexcept
{
    return diag.retry_after && *diag.retry_after > p.max_retry_after;
}

// should_retry, whatever the Retry-After.
inline bool may_retry_after_any_wait(const retry_policy& p, request_kind kind, const error_code& ec,
                                     const diagnostics& diag, unsigned retries_done) noexcept
{
    if (!ec || retries_done >= p.max_retries) return false;
    switch (classify_failure(kind, ec, diag)) {
    case failure_class::final: return false;
    case failure_class::not_processed: return true;
    case failure_class::ambiguous: return kind == request_kind::read || p.retry_ambiguous_creates;
    case failure_class::transient: return kind == request_kind::read;
    }
    return false;
}

} // namespace detail

/// The retry decision: should an exchange of `kind` that failed with `ec` (and `diag`) be
/// tried again, given `retries_done` retries so far? Cancellation, validation failures,
/// the service's refusals (1003, 1101, 1102, 1200, ...) and a reply whose Retry-After is over
/// `p.max_retry_after` are never retried.
inline bool should_retry(const retry_policy& p, request_kind kind, const error_code& ec, const diagnostics& diag,
                         unsigned retries_done) noexcept
{
    return !detail::retry_after_over_cap(p, diag) && detail::may_retry_after_any_wait(p, kind, ec, diag, retries_done);
}

namespace detail {

/// The exchanges' decision after each attempt (async exchange_op and the sync exchange): true
/// to try again. When it stops on a create that may have reached the service, it says so in
/// `diag.client_message`: the create may have been processed, and charged, and was not resent.
inline bool decide_retry(const retry_policy& p, request_kind kind, const error_code& ec, diagnostics& diag,
                         unsigned retries_done)
{
    if (should_retry(p, kind, ec, diag, retries_done)) return true;
    if (retry_after_over_cap(p, diag) && may_retry_after_any_wait(p, kind, ec, diag, retries_done)) {
        if (!diag.client_message.empty()) diag.client_message += "; ";
        diag.client_message += "not retried: the reply asked to wait " + std::to_string(diag.retry_after->count()) +
                               " s (Retry-After), over retry_policy::max_retry_after (" +
                               std::to_string(p.max_retry_after.count()) + " s)";
    }
    if (ec && kind == request_kind::create && classify_failure(kind, ec, diag) == failure_class::ambiguous) {
        if (!diag.client_message.empty()) diag.client_message += "; ";
        diag.client_message += retries_done == 0
                                   ? "the create may have reached the service: it may have been processed (and "
                                     "charged) and was not resent"
                                   : "the create may have reached the service: it may have been processed (and "
                                     "charged) on any of its " + std::to_string(retries_done + 1) + " attempts";
    }
    return false;
}

} // namespace detail

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
    /// Give up after this long (error::timeout), counted from the wait's start, retries of a
    /// poll, their waits (Retry-After included) and a token renewal within it; a poll whose
    /// retry could not start before it ends the wait at once. A poll that fell due before the
    /// deadline is made even when its driver comes to it later (a generate's blocking form
    /// after another task's download, a rarely run io_context), with the time that was left
    /// when it fell due. Zero means no deadline; a negative one has passed already
    /// (error::timeout, nothing polled). Only status 3 (completed) and 4 (failed) end a wait:
    /// any other, one this client does not know included, is polled again, so without a
    /// deadline a service that never finishes the task is polled for ever.
    milliseconds deadline{std::chrono::minutes(15)};
    /// Called on every status change (a status that goes back, 2 then 1, is a change too),
    /// starting with the first status seen: with the async
    /// forms through the handler's associated executor (by default the client's), with the
    /// synchronous ones on the calling thread. It must not throw (with the async forms the exception would leave the io_context's
    /// run and the operation with it; blocking_client catches it and ends the call).
    std::function<void(const progress_event&)> on_progress;
};

/// How far a download is: one event per chunk of body received (with the Beast transport,
/// chunks of at most 64 KiB). A redirect or a retry starts the body again, from 0.
struct download_progress {
    std::uint64_t received = 0;            ///< body bytes received so far (after the last chunk)
    std::optional<std::uint64_t> total;    ///< the body's size, when the reply announced it (Content-Length)
    /// The file being written: the target path (for generate, without the extension its
    /// content implies, which is not known yet); empty for a download to memory.
    std::string_view path;
};

/// Which addresses a download may connect to. An image URL and its redirects come from the
/// service: a hostile or compromised one could point them at the user's own network (a
/// router's admin page, a cloud metadata service at 169.254.169.254).
enum class download_addresses {
    /// Public addresses only, unless the API itself is on a private one: `base_url`'s host is
    /// a loopback, private or link-local address, `localhost` (or a name under it), or a name
    /// of one label (an emulator, a container or intranet name).
    like_the_api,
    /// Public addresses only: not loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7),
    /// shared (100.64/10), link-local (169.254/16, fe80::/10), multicast, documentation or
    /// reserved ones (the Beast transport checks each resolved address; through a proxy, which
    /// resolves the name itself, only a host written as an address or a local name).
    public_only,
    /// Any address.
    any,
};

/// How results are downloaded.
struct download_options {
    /// Which addresses the image's host (and each redirect's) may resolve to; one that may
    /// not is skipped, and a host with no other fails the download with
    /// `error::address_not_allowed`, nothing sent (`http_request::public_address_only`).
    download_addresses addresses = download_addresses::like_the_api;
    /// Largest image accepted.
    std::size_t max_bytes = std::size_t(128) << 20;
    /// Refuse content that is not PNG, JPEG, GIF or WebP (by its first bytes), and, when the
    /// reply had no length of its own (no Content-Length, not chunked: the server's close
    /// ended it, `http_response::ended_by_close`), an image that does not end as its format
    /// does (PNG's IEND chunk, JPEG's EOI marker, GIF's trailer, WebP's RIFF length), a body
    /// cut short. Both fail with `error::not_an_image`, and no file stays.
    bool require_image = true;
    /// Downloads to a file: flush it to disk (fsync) before it is renamed into place, so that
    /// a crash or power loss cannot leave a partial file under the final name. The body is
    /// written to a temporary file as it arrives either way, and the rename is atomic for
    /// other processes either way. The fsync costs what the disk takes for the whole file
    /// (up to hundreds of milliseconds for a 25 MB image), once, at the end of the download,
    /// on the thread running the client's executor: turn it off in a frame loop, or where a
    /// lost file can be fetched again. POSIX fsyncs the file and then its directory (and each
    /// directory `generate` creates for `output_dir`); macOS uses F_FULLFSYNC for the file;
    /// Windows flushes the file (FlushFileBuffers) but not the rename's directory entry.
    bool sync_to_disk = true;
    /// Called after each chunk of the body is taken (see download_progress), on the thread
    /// doing the exchange (the transport's executor for the async forms, the caller's for the
    /// synchronous ones), before the next chunk is read: keep it short. It must not throw.
    /// For generate, every image's download calls it (`path` tells them apart).
    std::function<void(const download_progress&)> on_progress;
};

/// How `generate` runs.
struct generate_options {
    wait_options wait;  ///< how each task of the batch is waited for (all concurrently)
    /// Download each completed image: to memory when `output_dir` is empty, else to a file.
    bool download = true;
    /// Directory for downloaded images; the file name is the task id plus the extension its
    /// content implies. Written atomically (a temporary file, then a rename). A task id that is
    /// not of the documented shape (`is_valid_task_id`) is never used as a file name: that
    /// image fails with `error::invalid_task_id` before it is polled, nothing written. So
    /// does the later of two ids that differ only in letter case (one file on a
    /// case-insensitive file system).
    /// Created when absent, and checked to accept new files before the create: a directory
    /// that cannot be used fails the generate before anything is sent (no credit spent).
    std::string output_dir;
    download_options download_limits;  ///< limits of each download
};

/// One image of a `generate` call, in request order. When some images of a batch fail,
/// `generate` reports the first failure in request order and still returns every image:
/// those that were saved carry `file_path`, those that failed their own `ec` and `diag`.
struct generated_image {
    image_task task;        ///< the task as create returned it
    image_result result;    ///< its final state (empty after a failure other than generation_failed)
    std::string data;       ///< the image bytes, when downloaded to memory
    std::string file_path;  ///< the saved file, when downloaded to a directory
    error_code ec;          ///< this image's failure; clear when it succeeded
    diagnostics diag;       ///< what this image's failure reports (task id, server message, ...)
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
    double max_requests_per_second = 0;   ///< exchanges started per second (0: unlimited; below
                                          ///< 10^-6, one per 10^6 s)
};

} // namespace akool

#endif
