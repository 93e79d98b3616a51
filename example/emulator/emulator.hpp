// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_EMULATOR_EMULATOR_HPP
#define AKOOL_EMULATOR_EMULATOR_HPP

/// @file emulator.hpp
/// A local emulator of Akool's image API, as a Boost.Beast server that runs on its own thread
/// and io_context. Tests use it in-process (`akool_emulator::server`); `akool-emulator` (main.cpp)
/// wraps it as a program.
///
/// What it does, as far as the service's documentation tells:
/// - `POST /api/open/v4/content/image/createBySourcePrompt`: decodes and validates the body with
///   the library's own codec; an error answers `{"code":1003,"msg":"<field>: <message>"}` with
///   HTTP 200. Otherwise it creates one task per image and answers like the documented examples
///   (`data` is an object for one image, an array for a batch).
/// - `GET /api/open/v3/content/image/infobymodelid?image_model_id=ID`: the task's status moves
///   queueing (for `queue_time`), processing (for `process_time`), then completed (or failed when a
///   generation-failure fault hit it). Completed tasks carry `image`, a URL on the emulator.
/// - `POST /api/open/v3/getToken`: issues a bearer token for the configured client id and secret.
/// - `GET /files/<id>.png`: a real PNG, deterministic from the prompt and the image's index in its
///   batch. Its size keeps the documented aspect ratio; the long side is 1920 px (1080p) or 3840 px
///   (4k) divided by `image_scale_down` (default 10: 192 px and 384 px), so that tests stay small.
///   "Original" has no source image to measure, so it uses 4:3. With `redirect_images` N, it
///   first answers with N redirects (`/files/hop/1/<id>.png` ... `/files/hop/N/<id>.png`), as a
///   CDN or a pre-signed storage URL may.
/// - `GET /_emulator/stats`: the counters as JSON (no auth).
/// - Webhooks: when a create carries `webhookurl`, each documented status change of its tasks
///   (processing, then completed or failed) is POSTed there as a signed, encrypted callback
///   (webhook_sender.hpp), retried until HTTP 200 (bounded), with `webhook_credentials(options)`.
///
/// Auth: `Authorization: Bearer T` takes precedence over `x-api-key`. No credential gives 1102.
/// With `api_key` set, `x-api-key` must equal it and a bearer token must be one this emulator
/// issued and that has not expired, else 1101. Without `api_key`, any non-empty key or token is
/// accepted, except an issued token that has expired.
///
/// Faults apply to `/api/` paths (and, through `fail_next` with a path prefix, to any path):
/// latency, HTTP 429 with Retry-After, HTTP 500/502/503 with text/html bodies (503 also has
/// Retry-After), a dropped connection before processing (the request is read, never processed,
/// the socket closed without a reply), a dropped connection after processing (a create is counted
/// and its tasks exist, but no reply is sent), a truncated (malformed) JSON body with HTTP 200,
/// and generation failure (the task ends with status 4).

#include "emulator_config.hpp"
#include "png.hpp"
#include "webhook_options.hpp"

#include <akool/error.hpp>
#include <akool/model.hpp>

#include <boost/system/error_code.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>


namespace akool_emulator {

using error_code = boost::system::error_code;

/// A switchable fault.
enum class fault_kind {
    http_429,         ///< HTTP 429 with Retry-After, request not processed
    http_500,         ///< HTTP 500, text/html body, request not processed
    http_502,         ///< HTTP 502, text/html body, request not processed
    http_503,         ///< HTTP 503, text/html body and Retry-After, request not processed
    drop_before,      ///< connection closed after reading the request, before processing it
    drop_after,       ///< request processed (a create creates its tasks), connection closed, no reply
    malformed_json,   ///< request processed, reply body cut in half (for API replies: invalid JSON)
    fail_generation,  ///< a created task ends with status 4 (failed)
    api_code,         ///< HTTP 200 with the envelope {"code":N,"msg":...}, request not processed
                      ///< (`server::answer_next`)
};

/// Name of a fault kind ("http_429", ...), as used in the stats.
constexpr const char* to_string(fault_kind k) noexcept
{
    switch (k) {
    case fault_kind::http_429: return "http_429";
    case fault_kind::http_500: return "http_500";
    case fault_kind::http_502: return "http_502";
    case fault_kind::http_503: return "http_503";
    case fault_kind::drop_before: return "drop_before";
    case fault_kind::drop_after: return "drop_after";
    case fault_kind::malformed_json: return "malformed_json";
    case fault_kind::fail_generation: return "fail_generation";
    case fault_kind::api_code: return "api_code";
    }
    return "unknown";
}

/// The message the service documents for an error `code` (ai-tools-suite/error-code), as the
/// emulator's envelope `msg`; "Error" for a code it does not document.
inline const char* documented_message(int code) noexcept
{
    switch (code) {
    case 1003: return "Parameter error or parameter validation error";
    case 1004: return "Requires verification";
    case 1005: return "Operation is too frequent";
    case 1006: return "Your quota is not enough";
    case 1008: return "The content you get does not exist";
    case 1009: return "You do not have permission to operate";
    case 1010: return "You can not operate this content";
    case 1101: return "Invalid authorization or The request token has expired";
    case 1102: return "Authorization cannot be empty";
    case 1103: return "Not paid or payment is overdue";
    case 1104: return "Insufficient credit";
    case 1108: return "image generate error,please try again later";
    case 1109: return "Account does not exist";
    case 1200: return "The account has been banned";
    case 1213: return "Subscription required";
    case 1221: return "Subscription required";
    case 1429: return "Too Many Requests";
    case 1500: return "Internal Server Error";
    case 1502: return "Bad Gateway";
    case 1503: return "Service Unavailable";
    }
    return "Error";
}

/// Writes the fault's name.
inline std::ostream& operator<<(std::ostream& os, fault_kind k) { return os << to_string(k); }

/// Random faults, each a probability in [0, 1] per `/api/` request (per task for
/// `fail_generation_rate`). Settable at start (`options::faults`) and at run time (`server::set_faults`).
struct fault_plan {
    std::chrono::milliseconds latency{0};      ///< delay before every `/api/` reply (or drop)
    double http_429_rate = 0;
    std::chrono::seconds retry_after{1};       ///< Retry-After of 429 and 503 replies
    double http_5xx_rate = 0;                  ///< spread evenly over 500, 502 and 503
    double drop_before_rate = 0;
    double drop_after_rate = 0;
    double malformed_json_rate = 0;
    double fail_generation_rate = 0;
    /// HTTP 429, 500, 502 and 503 faults carry an API envelope, `{"code":1429,"msg":"Too Many
    /// Requests"}` (1000 plus the status), instead of a text or HTML page.
    bool envelope_http_errors = false;

    /// A plan spreading a total rate `p` over the transport faults: a third to 429, a third
    /// to 5xx, a sixth each to drop-before and drop-after (the `--fail-rate` option).
    static fault_plan spread(double p)
    {
        fault_plan f;
        f.http_429_rate = p / 3;
        f.http_5xx_rate = p / 3;
        f.drop_before_rate = p / 6;
        f.drop_after_rate = p / 6;
        return f;
    }
};

/// Called on the emulator's thread when a task whose create carried `webhookurl` changes
/// status: (task id, new status, image URL (set when completed), webhook URL).
using webhook_handler = std::function<void(const std::string& task_id, akool::image_status status,
                                           const std::string& image_url, const std::string& webhook_url)>;

/// Server settings.
struct options {
    std::string host = "127.0.0.1";          ///< address or name to bind
    std::uint16_t port = 0;                   ///< 0 picks a free port
    std::string api_key;                      ///< empty: any non-empty key is accepted
    /// getToken credentials; empty: any non-empty pair. Also what webhook callbacks are signed
    /// and encrypted with (16 and 24 characters, as the service's); empty: the defaults
    /// `default_webhook_client_id` and `default_webhook_client_secret`.
    std::string client_id;
    std::string client_secret;
    std::chrono::milliseconds token_ttl{std::chrono::hours(2)};
    std::chrono::milliseconds queue_time{500};     ///< time a task spends queueing
    std::chrono::milliseconds process_time{1500};  ///< then processing
    std::string tls_cert_file;                ///< PEM certificate chain; with `tls_key_file`, serve HTTPS
    std::string tls_key_file;                 ///< PEM private key
    unsigned image_scale_down = 10;           ///< divides the documented pixel sizes (see file comment)
    /// Answer each image URL with this many redirects before the file (301, 302, 303, 307,
    /// 308 in turn, through `/files/hop/K/<id>.png`); 0: none.
    unsigned redirect_images = 0;
    /// The redirects' Location: an absolute URL (true) or an absolute path, resolved by the client.
    bool redirect_absolute = false;
    std::uint64_t seed = 0x5eedu;             ///< seeds the fault RNG, ids and tokens
    std::size_t body_limit = 1024 * 1024;     ///< largest request body accepted (413 beyond)
    std::chrono::seconds idle_timeout{60};    ///< keep-alive connections idle this long are closed
    /// Tasks remembered: beyond it the oldest is forgotten (its get-result then answers 1003
    /// "no such task", its image 404), so that a long run's memory stays bounded. The same
    /// bound holds for tokens (with `api_key` set, a forgotten one is refused with 1101) and for the keys of the
    /// `stats` counters per body, per `Idempotency-Key` and per path (the documented paths
    /// are always kept).
    std::size_t max_tasks = 100000;
    fault_plan faults;
    webhook_handler on_status_change;
    webhook_sender_options webhooks;          ///< delivery of callbacks to `webhookurl` (`enabled` by default)
};

/// Client id the emulator signs callbacks with when `options::client_id` is empty.
inline constexpr std::string_view default_webhook_client_id = "emu-client-id-16";
/// Client secret the emulator encrypts callbacks with when `options::client_id` is empty.
inline constexpr std::string_view default_webhook_client_secret = "emu-client-secret-24-chr";

/// The credentials of the callbacks: `client_id`/`client_secret`, or the defaults when
/// `client_id` is empty.
inline akool::client_credentials webhook_credentials(const options& o)
{
    if (o.client_id.empty())
        return {std::string(default_webhook_client_id), std::string(default_webhook_client_secret)};
    return {o.client_id, o.client_secret};
}

/// A snapshot of the emulator's counters.
struct stats {
    std::uint64_t connections = 0;         ///< TCP connections accepted
    std::uint64_t requests = 0;            ///< HTTP requests read
    std::uint64_t creates_processed = 0;   ///< create calls that created tasks
    std::uint64_t tasks_created = 0;       ///< tasks (images) created
    std::uint64_t tokens_issued = 0;
    std::uint64_t images_served = 0;       ///< PNG files sent
    std::uint64_t images_rendered = 0;     ///< PNG files rendered (the last 8 are kept; an older one is rendered again)
    std::uint64_t webhooks_sent = 0;       ///< callbacks answered with HTTP 200
    std::uint64_t webhooks_failed = 0;     ///< callbacks given up (attempts exhausted, bad URL or credentials)
    std::map<std::string, std::uint64_t> requests_by_path;    ///< path without query -> count
    std::map<std::string, std::uint64_t> faults_injected;     ///< fault name -> count
    std::map<std::string, std::uint64_t> creates_by_body;     ///< FNV-1a (hex) of the body -> creates
    std::map<std::string, std::uint64_t> creates_by_idempotency_key;  ///< `Idempotency-Key` -> creates

    /// Injected count of one fault kind.
    std::uint64_t faults(fault_kind k) const
    {
        auto it = faults_injected.find(to_string(k));
        return it == faults_injected.end() ? 0 : it->second;
    }

    /// Largest number of creates processed for one identical body (1 means no duplicate).
    std::uint64_t max_creates_per_body() const
    {
        std::uint64_t m = 0;
        for (const auto& kv : creates_by_body) m = std::max(m, kv.second);
        return m;
    }

    /// Requests seen on `path`.
    std::uint64_t requests_on(const std::string& path) const
    {
        auto it = requests_by_path.find(path);
        return it == requests_by_path.end() ? 0 : it->second;
    }
};

/// The documented paths.
namespace paths {
inline constexpr std::string_view create = "/api/open/v4/content/image/createBySourcePrompt";
inline constexpr std::string_view result = "/api/open/v3/content/image/infobymodelid";
inline constexpr std::string_view token = "/api/open/v3/getToken";
inline constexpr std::string_view files = "/files/";
inline constexpr std::string_view stats = "/_emulator/stats";
} // namespace paths

/// Pixel size of a result: the long side is 1920 (1080p) or 3840 (4k) divided by `scale_down`,
/// the short side follows the aspect ratio (rounded); "Original" uses 4:3.
inline std::pair<std::uint32_t, std::uint32_t> image_size(akool::image_scale s, akool::image_resolution r,
                                                          unsigned scale_down) noexcept
{
    using akool::image_scale;
    std::uint32_t w = 1, h = 1;
    switch (s) {
    case image_scale::ratio_1_1: w = 1; h = 1; break;
    case image_scale::ratio_3_2: w = 3; h = 2; break;
    case image_scale::ratio_4_3: w = 4; h = 3; break;
    case image_scale::ratio_16_9: w = 16; h = 9; break;
    case image_scale::ratio_2_3: w = 2; h = 3; break;
    case image_scale::ratio_3_4: w = 3; h = 4; break;
    case image_scale::ratio_9_16: w = 9; h = 16; break;
    case image_scale::original: w = 4; h = 3; break;
    }
    std::uint32_t long_side = r == akool::image_resolution::p1080 ? 1920u : 3840u;
    long_side = std::max<std::uint32_t>(1, long_side / std::max(1u, scale_down));
    auto other = [long_side](std::uint32_t a, std::uint32_t b) {
        return std::max<std::uint32_t>(1, (long_side * a + b / 2) / b);
    };
    if (w >= h) return {long_side, other(h, w)};
    return {other(w, h), long_side};
}

class server_impl;

/// The emulator. Construct with options, `start()`, use `base_url()`, `stop()` (or destroy).
/// Every public member is thread-safe.
class server {
public:
    /// Keeps `opts`; nothing is bound until `start`.
    explicit server(options opts = {});

    server(const server&) = delete;
    server& operator=(const server&) = delete;

    /// Stops the server.
    ~server();

    /// Binds, listens and starts the server thread. Sets `ec` on failure (bad address, port in
    /// use, unreadable certificate or key).
    void start(error_code& ec);

    /// Throwing form of `start(error_code&)`.
    void start();

    /// Closes the listener and every connection, cancels pending webhook timers and
    /// deliveries (not counted as failed), joins the thread. Idempotent.
    void stop();

    /// `http://host:port` or `https://host:port`, without a trailing slash. Valid after `start`.
    const std::string& base_url() const noexcept;

    /// The bound port. Valid after `start`.
    std::uint16_t port() const noexcept;

    /// True when serving HTTPS.
    bool uses_tls() const noexcept;

    /// A copy of the options (with the timings of `set_timings`; the live fault plan is `faults()`).
    options get_options() const;

    /// Replaces the random fault plan (pending `fail_next` faults are kept).
    void set_faults(const fault_plan& plan);

    /// A random fault plan for the create path only, replacing the general plan there
    /// (nullopt: the general plan applies). Lets a test inject only the faults a create can
    /// survive without being charged twice, while reads get every kind.
    void set_create_faults(std::optional<fault_plan> plan);

    /// The current random fault plan.
    fault_plan faults() const;

    /// Makes the next `n` requests whose path starts with `path_prefix` fail with `kind`
    /// (for `fail_generation`: the next `n` tasks created, whatever the prefix). Calls add up;
    /// older entries are used first.
    void fail_next(fault_kind kind, unsigned n = 1, std::string path_prefix = "/api/");

    /// Answers the next `n` requests whose path starts with `path_prefix` with HTTP 200 and the
    /// envelope `{"code":code,"msg":<the documented message>}`, without processing them (a
    /// create creates nothing). Shares the queue of `fail_next`.
    void answer_next(int code, unsigned n = 1, std::string path_prefix = "/api/");

    /// The ids of the next tasks created, in order, instead of generated ones: any text, as a
    /// hostile or broken service might send (`../../x`, an empty string, 10,000 characters).
    void set_next_task_ids(std::vector<std::string> ids);

    /// The number of tasks the next creates make, in order, instead of the request's
    /// `batch_quantity`: a broken service's reply, with fewer or more tasks than asked for.
    void set_next_task_counts(std::vector<int> counts);

    /// Removes every random and pending fault, and the latency.
    void clear_faults();

    /// Changes the timings of tasks created from now on.
    void set_timings(std::chrono::milliseconds queue_time, std::chrono::milliseconds process_time);

    /// Replaces the webhook handler.
    void set_webhook_handler(webhook_handler h);

    /// A snapshot of the counters.
    stats get_stats() const;

    /// Sets every counter back to zero.
    void reset_stats();

    /// The counters as a JSON object (what `GET /_emulator/stats` returns).
    std::string stats_json() const;

    /// The current status of a task, or nullopt for an unknown id.
    std::optional<akool::image_status> status_of(const std::string& id) const;

private:
    std::unique_ptr<server_impl> impl_;
};

} // namespace akool_emulator

#ifndef AKOOL_EMULATOR_SEPARATE_COMPILATION
#include "server_impl.hpp"
#endif

#endif
