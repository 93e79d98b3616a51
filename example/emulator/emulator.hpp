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

#include "png.hpp"
#include "webhook_sender.hpp"

#include <akool/error.hpp>
#include <akool/json.hpp>
#include <akool/model.hpp>
#include <akool/validate.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>
#include <boost/system/system_error.hpp>
#include <boost/throw_exception.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace akool_emulator {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
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

namespace detail {

inline std::string to_hex(std::uint64_t v, int digits)
{
    static const char* hex = "0123456789abcdef";
    std::string s(static_cast<std::size_t>(digits), '0');
    for (int i = digits - 1; i >= 0; --i) {
        s[static_cast<std::size_t>(i)] = hex[v & 0xFu];
        v >>= 4;
    }
    return s;
}

inline bool iequals_prefix(std::string_view text, std::string_view prefix)
{
    if (text.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        char a = text[i], b = prefix[i];
        if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z') b = static_cast<char>(b - 'A' + 'a');
        if (a != b) return false;
    }
    return true;
}

inline std::string_view trim(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

inline std::string percent_decode(std::string_view s)
{
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') {
            out += ' ';
        } else if (s[i] == '%' && i + 2 < s.size()) {
            auto val = [](char c) -> int {
                if (c >= '0' && c <= '9') return c - '0';
                if (c >= 'a' && c <= 'f') return c - 'a' + 10;
                if (c >= 'A' && c <= 'F') return c - 'A' + 10;
                return -1;
            };
            int hi = val(s[i + 1]), lo = val(s[i + 2]);
            if (hi < 0 || lo < 0) {
                out += s[i];
                continue;
            }
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

/// The value of query parameter `name` in `query` (the part after '?').
inline std::optional<std::string> query_param(std::string_view query, std::string_view name)
{
    while (!query.empty()) {
        auto amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        auto eq = pair.find('=');
        std::string key = percent_decode(pair.substr(0, eq));
        if (key == name) return eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1));
    }
    return std::nullopt;
}

struct closable {
    virtual ~closable() = default;
    virtual void close_now() = 0;
};

/// What the server decided to do with one request.
struct request_plan {
    std::chrono::milliseconds latency{0};
    std::optional<fault_kind> fault;
    int api_code = 0;  ///< for fault_kind::api_code
};

/// A reply to send.
struct reply {
    http::status status = http::status::ok;
    std::string content_type = "application/json; charset=utf-8";
    std::string body;
    std::optional<std::chrono::seconds> retry_after;
    std::string location;  // the Location of a redirect
};

} // namespace detail

template <class Stream>
class session;

/// The emulator. Construct with options, `start()`, use `base_url()`, `stop()` (or destroy).
/// Every public member is thread-safe.
class server {
public:
    /// Keeps `opts`; nothing is bound until `start`.
    explicit server(options opts = {}) : opts_(std::move(opts)), rng_(opts_.seed), plan_(opts_.faults)
    {
        webhook_ = opts_.on_status_change;
        if (opts_.webhooks.enabled)
            sender_ = std::make_unique<webhook_sender>(ioc_.get_executor(), webhook_credentials(opts_), opts_.webhooks);
    }

    server(const server&) = delete;
    server& operator=(const server&) = delete;

    /// Stops the server.
    ~server() { stop(); }

    /// Binds, listens and starts the server thread. Sets `ec` on failure (bad address, port in
    /// use, unreadable certificate or key).
    void start(error_code& ec)
    {
        ec = {};
        if (started_) return;
        if (!opts_.tls_cert_file.empty() || !opts_.tls_key_file.empty()) {
            ssl_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
            ssl_->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                              asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                              asio::ssl::context::no_tlsv1_1);
            ssl_->use_certificate_chain_file(opts_.tls_cert_file, ec);
            if (ec) return;
            ssl_->use_private_key_file(opts_.tls_key_file, asio::ssl::context::pem, ec);
            if (ec) return;
        }
        asio::ip::tcp::endpoint ep;
        auto addr = asio::ip::make_address(opts_.host, ec);
        if (!ec) {
            ep = asio::ip::tcp::endpoint(addr, opts_.port);
        } else {
            asio::ip::tcp::resolver resolver(ioc_);
            auto results = resolver.resolve(opts_.host, std::to_string(opts_.port), ec);
            if (ec) return;
            if (results.empty()) {
                ec = asio::error::host_not_found;
                return;
            }
            ep = results.begin()->endpoint();
        }
        acceptor_.open(ep.protocol(), ec);
        if (ec) return;
        acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
        if (ec) return;
        acceptor_.bind(ep, ec);
        if (ec) return;
        acceptor_.listen(asio::socket_base::max_listen_connections, ec);
        if (ec) return;
        auto local = acceptor_.local_endpoint(ec);
        if (ec) return;
        port_ = local.port();
        std::string host = opts_.host;
        if (host.find(':') != std::string::npos) host = "[" + host + "]";
        base_url_ = std::string(ssl_ ? "https://" : "http://") + host + ":" + std::to_string(port_);
        started_ = true;
        do_accept();
        thread_ = std::thread([this] { run(); });
    }

    /// Throwing form of `start(error_code&)`.
    void start()
    {
        error_code ec;
        start(ec);
        if (ec) boost::throw_exception(boost::system::system_error(ec, "akool_emulator::server::start"));
    }

    /// Closes the listener and every connection, cancels pending webhook timers and
    /// deliveries (not counted as failed), joins the thread. Idempotent.
    void stop()
    {
        if (!started_ || stopped_.exchange(true)) return;
        asio::post(ioc_, [this] {
            error_code ignored;
            acceptor_.close(ignored);
            for (auto& w : sessions_)
                if (auto s = w.lock()) s->close_now();
            sessions_.clear();
            for (auto& t : timers_) t->cancel();
            timers_.clear();
            if (sender_) sender_->stop();
            ioc_.stop();
        });
        if (thread_.joinable()) thread_.join();
    }

    /// `http://host:port` or `https://host:port`, without a trailing slash. Valid after `start`.
    const std::string& base_url() const noexcept { return base_url_; }

    /// The bound port. Valid after `start`.
    std::uint16_t port() const noexcept { return port_; }

    /// True when serving HTTPS.
    bool uses_tls() const noexcept { return ssl_ != nullptr; }

    /// A copy of the options (with the timings of `set_timings`; the live fault plan is `faults()`).
    options get_options() const
    {
        std::lock_guard<std::mutex> lock(mtx_);
        return opts_;
    }

    /// Replaces the random fault plan (pending `fail_next` faults are kept).
    void set_faults(const fault_plan& plan)
    {
        std::lock_guard<std::mutex> lock(mtx_);
        plan_ = plan;
    }

    /// A random fault plan for the create path only, replacing the general plan there
    /// (nullopt: the general plan applies). Lets a test inject only the faults a create can
    /// survive without being charged twice, while reads get every kind.
    void set_create_faults(std::optional<fault_plan> plan)
    {
        std::lock_guard<std::mutex> lock(mtx_);
        create_plan_ = std::move(plan);
    }

    /// The current random fault plan.
    fault_plan faults() const
    {
        std::lock_guard<std::mutex> lock(mtx_);
        return plan_;
    }

    /// Makes the next `n` requests whose path starts with `path_prefix` fail with `kind`
    /// (for `fail_generation`: the next `n` tasks created, whatever the prefix). Calls add up;
    /// older entries are used first.
    void fail_next(fault_kind kind, unsigned n = 1, std::string path_prefix = "/api/")
    {
        std::lock_guard<std::mutex> lock(mtx_);
        if (kind == fault_kind::fail_generation)
            pending_generation_failures_ += n;
        else if (n > 0)
            pending_.push_back({kind, n, std::move(path_prefix), 0});
    }

    /// Answers the next `n` requests whose path starts with `path_prefix` with HTTP 200 and the
    /// envelope `{"code":code,"msg":<the documented message>}`, without processing them (a
    /// create creates nothing). Shares the queue of `fail_next`.
    void answer_next(int code, unsigned n = 1, std::string path_prefix = "/api/")
    {
        std::lock_guard<std::mutex> lock(mtx_);
        if (n > 0) pending_.push_back({fault_kind::api_code, n, std::move(path_prefix), code});
    }

    /// The ids of the next tasks created, in order, instead of generated ones: any text, as a
    /// hostile or broken service might send (`../../x`, an empty string, 10,000 characters).
    void set_next_task_ids(std::vector<std::string> ids)
    {
        std::lock_guard<std::mutex> lock(mtx_);
        for (auto& id : ids) next_task_ids_.push_back(std::move(id));
    }

    /// Removes every random and pending fault, and the latency.
    void clear_faults()
    {
        std::lock_guard<std::mutex> lock(mtx_);
        plan_ = fault_plan{};
        create_plan_.reset();
        pending_.clear();
        pending_generation_failures_ = 0;
    }

    /// Changes the timings of tasks created from now on.
    void set_timings(std::chrono::milliseconds queue_time, std::chrono::milliseconds process_time)
    {
        std::lock_guard<std::mutex> lock(mtx_);
        opts_.queue_time = queue_time;
        opts_.process_time = process_time;
    }

    /// Replaces the webhook handler.
    void set_webhook_handler(webhook_handler h)
    {
        std::lock_guard<std::mutex> lock(mtx_);
        webhook_ = std::move(h);
    }

    /// A snapshot of the counters.
    stats get_stats() const
    {
        std::lock_guard<std::mutex> lock(mtx_);
        return stats_;
    }

    /// Sets every counter back to zero.
    void reset_stats()
    {
        std::lock_guard<std::mutex> lock(mtx_);
        stats_ = stats{};
    }

    /// The counters as a JSON object (what `GET /_emulator/stats` returns).
    std::string stats_json() const
    {
        stats s = get_stats();
        boost::json::object o;
        o["connections"] = s.connections;
        o["requests"] = s.requests;
        o["creates_processed"] = s.creates_processed;
        o["tasks_created"] = s.tasks_created;
        o["tokens_issued"] = s.tokens_issued;
        o["images_served"] = s.images_served;
        o["webhooks_sent"] = s.webhooks_sent;
        o["webhooks_failed"] = s.webhooks_failed;
        o["max_creates_per_body"] = s.max_creates_per_body();
        auto map_of = [](const std::map<std::string, std::uint64_t>& m) {
            boost::json::object r;
            for (const auto& kv : m) r[kv.first] = kv.second;
            return r;
        };
        o["requests_by_path"] = map_of(s.requests_by_path);
        o["faults_injected"] = map_of(s.faults_injected);
        o["creates_by_body"] = map_of(s.creates_by_body);
        o["creates_by_idempotency_key"] = map_of(s.creates_by_idempotency_key);
        return boost::json::serialize(o);
    }

    /// The current status of a task, or nullopt for an unknown id.
    std::optional<akool::image_status> status_of(const std::string& id) const
    {
        std::lock_guard<std::mutex> lock(mtx_);
        auto it = tasks_.find(id);
        if (it == tasks_.end()) return std::nullopt;
        return status_at(it->second, std::chrono::steady_clock::now());
    }

private:
    template <class Stream>
    friend class session;

    struct task_state {
        akool::image_task info;
        std::chrono::steady_clock::time_point created;
        std::chrono::milliseconds queue{0}, process{0};
        bool fail = false;
        std::uint64_t picture_seed = 0;
        std::uint32_t width = 1, height = 1;
        std::string webhook_url;
        std::shared_ptr<const std::string> png;
    };

    struct pending_fault {
        fault_kind kind;
        unsigned remaining;
        std::string prefix;
        int api_code;
    };

    struct token_state {
        std::chrono::steady_clock::time_point expires;
    };

    static akool::image_status status_at(const task_state& t, std::chrono::steady_clock::time_point now)
    {
        auto elapsed = now - t.created;
        if (elapsed < t.queue) return akool::image_status::queueing;
        if (elapsed < t.queue + t.process) return akool::image_status::processing;
        return t.fail ? akool::image_status::failed : akool::image_status::completed;
    }

    void run()
    {
        for (;;) {
            try {
                ioc_.run();
                return;
            } catch (const std::exception& e) {
                std::fprintf(stderr, "akool-emulator: handler error: %s\n", e.what());
            }
        }
    }

    void do_accept();

    void track(const std::shared_ptr<detail::closable>& s)
    {
        // Runs on the server thread only.
        std::vector<std::weak_ptr<detail::closable>> live;
        for (auto& w : sessions_)
            if (!w.expired()) live.push_back(std::move(w));
        live.push_back(s);
        sessions_ = std::move(live);
    }

    double uniform()
    {
        return std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
    }

    // Counts the request and decides its fault. Lock held by the caller.
    detail::request_plan plan_request(const std::string& path)
    {
        detail::request_plan p;
        stats_.requests++;
        stats_.requests_by_path[path]++;
        for (auto it = pending_.begin(); it != pending_.end(); ++it) {
            if (path.compare(0, it->prefix.size(), it->prefix) != 0) continue;
            p.fault = it->kind;
            p.api_code = it->api_code;
            if (--it->remaining == 0) pending_.erase(it);
            break;
        }
        bool api = path.compare(0, 5, "/api/") == 0;
        const fault_plan& plan_ = create_plan_ && path == paths::create ? *create_plan_ : this->plan_;
        if (api) p.latency = plan_.latency;
        if (!p.fault && api) {
            double r = uniform();
            auto pick = [&r](double rate) {
                if (r < rate) return true;
                r -= rate;
                return false;
            };
            if (pick(plan_.http_429_rate))
                p.fault = fault_kind::http_429;
            else if (pick(plan_.http_5xx_rate)) {
                static constexpr fault_kind k[3] = {fault_kind::http_500, fault_kind::http_502, fault_kind::http_503};
                p.fault = k[std::uniform_int_distribution<int>(0, 2)(rng_)];
            } else if (pick(plan_.drop_before_rate))
                p.fault = fault_kind::drop_before;
            else if (pick(plan_.drop_after_rate))
                p.fault = fault_kind::drop_after;
            else if (pick(plan_.malformed_json_rate))
                p.fault = fault_kind::malformed_json;
        }
        if (p.fault) stats_.faults_injected[to_string(*p.fault)]++;
        return p;
    }

    std::string new_id()
    {
        auto secs = std::chrono::duration_cast<std::chrono::seconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
        return detail::to_hex(static_cast<std::uint64_t>(secs), 8) +
               detail::to_hex(splitmix64(opts_.seed * 0x9e3779b97f4a7c15ull + id_counter_++), 16);
    }

    static std::int64_t now_ms()
    {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    }

    static detail::reply json_reply(std::string body)
    {
        detail::reply r;
        r.body = std::move(body);
        return r;
    }

    static detail::reply api_error(int code, std::string_view msg)
    {
        return json_reply(akool::encode_error_response(code, msg));
    }

    static detail::reply text_reply(http::status st, std::string body, std::string type = "text/plain; charset=utf-8")
    {
        detail::reply r;
        r.status = st;
        r.content_type = std::move(type);
        r.body = std::move(body);
        return r;
    }

    // Returns an error reply when the request is not authorised. Lock held by the caller.
    std::optional<detail::reply> check_auth(const http::request<http::string_body>& req)
    {
        std::string_view authz = detail::trim(req[http::field::authorization]);
        if (!authz.empty()) {
            if (!detail::iequals_prefix(authz, "bearer ")) return api_error(1101, "Invalid authorization");
            std::string token(detail::trim(authz.substr(7)));
            if (token.empty()) return api_error(1101, "Invalid authorization");
            auto it = tokens_.find(token);
            if (it != tokens_.end()) {
                if (std::chrono::steady_clock::now() >= it->second.expires)
                    return api_error(1101, "the request token has expired");
                return std::nullopt;
            }
            if (!opts_.api_key.empty()) return api_error(1101, "Invalid authorization");
            return std::nullopt;
        }
        std::string_view key = detail::trim(req["x-api-key"]);
        if (key.empty()) return api_error(1102, "Authorization cannot be empty");
        if (!opts_.api_key.empty() && key != opts_.api_key) return api_error(1101, "Invalid authorization");
        return std::nullopt;
    }

    // Handles one request; may schedule webhook timers (runs on the server thread).
    detail::reply handle(const http::request<http::string_body>& req, const std::string& path, std::string_view query)
    {
        if (path == paths::create) {
            if (req.method() != http::verb::post) return text_reply(http::status::method_not_allowed, "Method Not Allowed\n");
            return handle_create(req);
        }
        if (path == paths::result) {
            if (req.method() != http::verb::get) return text_reply(http::status::method_not_allowed, "Method Not Allowed\n");
            return handle_result(req, query);
        }
        if (path == paths::token) {
            if (req.method() != http::verb::post) return text_reply(http::status::method_not_allowed, "Method Not Allowed\n");
            return handle_token(req);
        }
        if (path == paths::stats) return json_reply(stats_json());
        if (path.compare(0, paths::files.size(), paths::files) == 0) {
            if (req.method() != http::verb::get) return text_reply(http::status::method_not_allowed, "Method Not Allowed\n");
            return handle_file(path.substr(paths::files.size()));
        }
        return text_reply(http::status::not_found, "Not Found\n");
    }

    detail::reply handle_create(const http::request<http::string_body>& req)
    {
        std::lock_guard<std::mutex> lock(mtx_);
        if (auto denied = check_auth(req)) return *denied;

        akool::error_code ec;
        akool::diagnostics diag;
        akool::image_request ir = akool::decode_image_request(req.body(), ec, diag);
        if (ec == akool::error::bad_response) {
            std::string why = diag.client_message.empty() ? "not a JSON object" : diag.client_message;
            return api_error(1003, "body: " + why);
        }
        std::vector<akool::validation_issue> issues = diag.issues;
        if (!ec) {
            auto more = akool::validate(ir);
            issues.insert(issues.end(), more.begin(), more.end());
        }
        for (const auto& i : issues)
            if (i.severity == akool::severity::error) return api_error(1003, i.field + ": " + i.message);
        if (ec) return api_error(1003, "body: " + ec.message());

        const int count = akool::image_count(ir);
        const std::string model(akool::effective_model(ir));
        auto mode = akool::mode_of_model(model).value_or(akool::mode_of(ir));
        const auto sub_type = akool::sub_type_of(mode);
        const auto scale = ir.scale.value_or(akool::image_scale::ratio_1_1);
        const auto resolution = ir.resolution.value_or(akool::image_resolution::k4);
        const auto size = image_size(scale, resolution, opts_.image_scale_down);
        const std::int64_t t0 = now_ms();
        const auto created = std::chrono::steady_clock::now();

        std::vector<akool::image_task> out;
        for (int i = 0; i < count; ++i) {
            task_state t;
            auto& info = t.info;
            if (next_task_ids_.empty()) {
                info.id = new_id();
            } else {
                info.id = std::move(next_task_ids_.front());
                next_task_ids_.pop_front();
            }
            info.status = akool::image_status::queueing;
            info.uid = 378337;
            info.team_id = "team_emulator";
            info.create_time = t0 + i;
            info.prompt = ir.prompt;
            info.origin_prompt = ir.prompt;
            info.source_image = ir.source_images.empty() ? std::string() : ir.source_images.front();
            info.sub_status = 1;
            info.deduction_credit = 1;
            info.model_name = model;
            info.provider = "wavespeed-ai";
            info.type = 4;
            info.from = 4;
            info.sub_type = sub_type;
            info.file_name = "ImageGenerator_" + std::to_string(t0 + i) + ".png";
            t.created = created;
            t.queue = opts_.queue_time;
            t.process = opts_.process_time;
            if (pending_generation_failures_ > 0) {
                --pending_generation_failures_;
                t.fail = true;
            } else if (plan_.fail_generation_rate > 0 && uniform() < plan_.fail_generation_rate) {
                t.fail = true;
            }
            if (t.fail) stats_.faults_injected[to_string(fault_kind::fail_generation)]++;
            t.picture_seed = fnv1a(ir.prompt, fnv1a(std::to_string(i) + "\n"));
            t.width = size.first;
            t.height = size.second;
            if (ir.webhook_url) t.webhook_url = *ir.webhook_url;
            out.push_back(info);
            if (!t.webhook_url.empty()) schedule_webhooks(t);
            tasks_.emplace(info.id, std::move(t));
        }
        stats_.creates_processed++;
        stats_.tasks_created += static_cast<std::uint64_t>(count);
        stats_.creates_by_body[detail::to_hex(fnv1a(req.body()), 16)]++;
        std::string_view idem = req["Idempotency-Key"];
        if (!idem.empty()) stats_.creates_by_idempotency_key[std::string(idem)]++;
        return json_reply(akool::encode_create_response(out, count > 1));
    }

    std::string image_url(const std::string& id) const { return base_url_ + std::string(paths::files) + id + ".png"; }

    // Lock held by the caller; runs on the server thread.
    void schedule_webhooks(const task_state& t)
    {
        auto fire = [this](std::chrono::milliseconds delay, std::string id, akool::image_status st, std::string url,
                           std::string hook_url) {
            auto timer = std::make_shared<asio::steady_timer>(ioc_, delay);
            timers_.push_back(timer);
            timer->async_wait([this, timer, id, st, url, hook_url](error_code ec) {
                {
                    auto& v = timers_;
                    for (auto it = v.begin(); it != v.end(); ++it)
                        if (*it == timer) {
                            v.erase(it);
                            break;
                        }
                }
                if (ec) return;
                webhook_handler h;
                {
                    std::lock_guard<std::mutex> lock(mtx_);
                    h = webhook_;
                }
                if (h) h(id, st, url, hook_url);
                if (sender_) send_webhook(id, st, url, hook_url);
            });
        };
        fire(t.queue, t.info.id, akool::image_status::processing, std::string(), t.webhook_url);
        if (t.fail)
            fire(t.queue + t.process, t.info.id, akool::image_status::failed, std::string(), t.webhook_url);
        else
            fire(t.queue + t.process, t.info.id, akool::image_status::completed, image_url(t.info.id), t.webhook_url);
    }

    // Runs on the server thread.
    void send_webhook(const std::string& id, akool::image_status st, const std::string& url, const std::string& hook_url)
    {
        akool::webhook_payload p;
        p.id = id;
        p.status = st;
        p.type = "image";
        p.url = url;
        sender_->send(hook_url, std::move(p), [this](const webhook_outcome& out) {
            if (out.ec == asio::error::operation_aborted) return;  // stopped
            std::lock_guard<std::mutex> lock(mtx_);
            if (out.ec)
                stats_.webhooks_failed++;
            else
                stats_.webhooks_sent++;
        });
    }

    detail::reply handle_result(const http::request<http::string_body>& req, std::string_view query)
    {
        std::lock_guard<std::mutex> lock(mtx_);
        if (auto denied = check_auth(req)) return *denied;
        auto id = detail::query_param(query, "image_model_id");
        if (!id || id->empty()) return api_error(1003, "image_model_id: is required");
        auto it = tasks_.find(*id);
        if (it == tasks_.end()) return api_error(1003, "image_model_id: no such task");
        const task_state& t = it->second;
        akool::image_result r;
        r.id = t.info.id;
        r.status = status_at(t, std::chrono::steady_clock::now());
        if (r.status == akool::image_status::completed) r.image_url = image_url(t.info.id);
        r.create_time = t.info.create_time;
        r.uid = t.info.uid;
        r.type = t.info.type;
        r.deduction_credit = t.info.deduction_credit;
        return json_reply(akool::encode_result_response(r));
    }

    detail::reply handle_token(const http::request<http::string_body>& req)
    {
        error_code jec;
        boost::json::value v = boost::json::parse(req.body(), jec);
        if (jec || !v.is_object()) return api_error(1003, "body: not a JSON object");
        const auto& o = v.get_object();
        auto str = [&o](const char* name) -> std::optional<std::string> {
            auto p = o.if_contains(name);
            if (!p || !p->is_string()) return std::nullopt;
            return std::string(p->get_string());
        };
        auto id = str("clientId");
        auto secret = str("clientSecret");
        if (!id || id->empty()) return api_error(1003, "clientId: is required");
        if (!secret || secret->empty()) return api_error(1003, "clientSecret: is required");
        std::lock_guard<std::mutex> lock(mtx_);
        if (!opts_.client_id.empty() && (*id != opts_.client_id || *secret != opts_.client_secret))
            return api_error(1101, "Invalid authorization");
        std::string token = "emu" + detail::to_hex(splitmix64(rng_()), 16) + detail::to_hex(splitmix64(rng_()), 16) +
                            detail::to_hex(id_counter_++, 8);
        tokens_[token] = token_state{std::chrono::steady_clock::now() + opts_.token_ttl};
        stats_.tokens_issued++;
        return json_reply(akool::encode_token_response(token));
    }

    detail::reply handle_file(std::string name)
    {
        // Redirects first: /files/<id>.png -> /files/hop/1/<id>.png -> ... -> hop N, the file.
        unsigned hop = 0;
        if (name.compare(0, 4, "hop/") == 0) {
            auto slash = name.find('/', 4);
            if (slash == std::string::npos || slash == 4 || slash > 6) return text_reply(http::status::not_found, "Not Found\n");
            for (std::size_t i = 4; i < slash; ++i)
                if (name[i] < '0' || name[i] > '9') return text_reply(http::status::not_found, "Not Found\n");
            hop = static_cast<unsigned>(std::stoul(name.substr(4, slash - 4)));
            name = name.substr(slash + 1);
            if (hop == 0 || hop > opts_.redirect_images) return text_reply(http::status::not_found, "Not Found\n");
        }
        if (hop < opts_.redirect_images) {
            static constexpr http::status codes[5] = {http::status::moved_permanently, http::status::found,
                                                      http::status::see_other, http::status::temporary_redirect,
                                                      http::status::permanent_redirect};
            detail::reply r = text_reply(codes[hop % 5], "Moved\n");
            r.location = std::string(paths::files) + "hop/" + std::to_string(hop + 1) + "/" + name;
            if (opts_.redirect_absolute) r.location = base_url_ + r.location;
            return r;
        }
        constexpr std::string_view ext = ".png";
        if (name.size() <= ext.size() || name.compare(name.size() - ext.size(), ext.size(), ext) != 0)
            return text_reply(http::status::not_found, "Not Found\n");
        std::string id = name.substr(0, name.size() - ext.size());
        std::shared_ptr<const std::string> png;
        std::uint64_t seed = 0;
        std::uint32_t w = 0, h = 0;
        {
            std::lock_guard<std::mutex> lock(mtx_);
            auto it = tasks_.find(id);
            if (it == tasks_.end() || status_at(it->second, std::chrono::steady_clock::now()) != akool::image_status::completed)
                return text_reply(http::status::not_found, "Not Found\n");
            png = it->second.png;
            seed = it->second.picture_seed;
            w = it->second.width;
            h = it->second.height;
        }
        if (!png) {
            png = std::make_shared<const std::string>(make_picture_png(seed, w, h));
            std::lock_guard<std::mutex> lock(mtx_);
            auto it = tasks_.find(id);
            if (it != tasks_.end()) it->second.png = png;
        }
        {
            std::lock_guard<std::mutex> lock(mtx_);
            stats_.images_served++;
        }
        detail::reply r;
        r.content_type = "image/png";
        r.body = *png;
        return r;
    }

    options opts_;
    mutable std::mutex mtx_;
    std::mt19937_64 rng_;
    fault_plan plan_;
    std::optional<fault_plan> create_plan_;
    std::deque<pending_fault> pending_;
    unsigned pending_generation_failures_ = 0;
    std::deque<std::string> next_task_ids_;
    webhook_handler webhook_;
    stats stats_;
    std::map<std::string, task_state> tasks_;
    std::map<std::string, token_state> tokens_;
    std::uint64_t id_counter_ = 0;

    std::string base_url_;
    std::uint16_t port_ = 0;
    bool started_ = false;
    std::atomic<bool> stopped_{false};
    std::unique_ptr<asio::ssl::context> ssl_;

    // Destroyed before the state above: pending handlers (sessions, timers) go first.
    asio::io_context ioc_{1};
    asio::ip::tcp::acceptor acceptor_{ioc_};
    std::vector<std::weak_ptr<detail::closable>> sessions_;       // server thread only
    std::vector<std::shared_ptr<asio::steady_timer>> timers_;     // server thread only
    std::unique_ptr<webhook_sender> sender_;                      // used on the server thread only
    std::thread thread_;
};

/// One connection: reads requests, applies the planned fault, answers, keeps alive.
template <class Stream>
class session : public detail::closable, public std::enable_shared_from_this<session<Stream>> {
public:
    template <class... Args>
    session(server& srv, Args&&... args)
        : srv_(srv), stream_(std::forward<Args>(args)...), timer_(beast::get_lowest_layer(stream_).get_executor())
    {
    }

    void start()
    {
        if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
            do_read();
        } else {
            beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(30));
            stream_.async_handshake(asio::ssl::stream_base::server,
                                    [self = this->shared_from_this()](error_code ec) {
                                        if (ec) return self->close_now();
                                        self->do_read();
                                    });
        }
    }

    void close_now() override
    {
        error_code ignored;
        auto& sock = beast::get_lowest_layer(stream_).socket();
        sock.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
        sock.close(ignored);
        timer_.cancel();
    }

private:
    void do_read()
    {
        parser_.emplace();
        parser_->body_limit(srv_.opts_.body_limit);
        beast::get_lowest_layer(stream_).expires_after(srv_.opts_.idle_timeout);
        http::async_read(stream_, buffer_, *parser_,
                         [self = this->shared_from_this()](error_code ec, std::size_t) { self->on_read(ec); });
    }

    void on_read(error_code ec)
    {
        if (ec == http::error::body_limit) {
            detail::reply r = server::text_reply(http::status::payload_too_large, "Payload Too Large\n");
            keep_alive_ = false;
            return send(std::move(r));
        }
        if (ec) return close_now();
        req_ = parser_->release();
        keep_alive_ = req_.keep_alive();
        std::string_view target = req_.target();
        auto q = target.find('?');
        path_ = std::string(target.substr(0, q));
        query_ = q == std::string_view::npos ? std::string() : std::string(target.substr(q + 1));
        {
            std::lock_guard<std::mutex> lock(srv_.mtx_);
            plan_ = srv_.plan_request(path_);
        }
        if (plan_.latency.count() > 0) {
            timer_.expires_after(plan_.latency);
            timer_.async_wait([self = this->shared_from_this()](error_code tec) {
                if (tec) return;
                self->act();
            });
        } else {
            act();
        }
    }

    void act()
    {
        if (plan_.fault) {
            const fault_plan faults = srv_.faults();
            // An HTTP error page, or its API envelope when the plan says so.
            auto error_page = [&](http::status st, std::string page, std::string type) {
                if (!faults.envelope_http_errors) return server::text_reply(st, std::move(page), std::move(type));
                const int code = 1000 + static_cast<int>(st);
                auto r = server::text_reply(st, akool::encode_error_response(code, documented_message(code)),
                                            "application/json; charset=utf-8");
                return r;
            };
            switch (*plan_.fault) {
            case fault_kind::drop_before: return close_now();
            case fault_kind::api_code:
                return send(server::json_reply(
                    akool::encode_error_response(plan_.api_code, documented_message(plan_.api_code))));
            case fault_kind::http_429: {
                auto r = error_page(http::status::too_many_requests, "Too Many Requests\n", "text/plain; charset=utf-8");
                r.retry_after = faults.retry_after;
                return send(std::move(r));
            }
            case fault_kind::http_500:
                return send(error_page(http::status::internal_server_error,
                                       "<html><body><h1>500 Internal Server Error</h1></body></html>\n", "text/html"));
            case fault_kind::http_502:
                return send(error_page(http::status::bad_gateway,
                                       "<html><body><h1>502 Bad Gateway</h1></body></html>\n", "text/html"));
            case fault_kind::http_503: {
                auto r = error_page(http::status::service_unavailable,
                                    "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>\n",
                                    "text/html");
                r.retry_after = faults.retry_after;
                return send(std::move(r));
            }
            default: break;
            }
        }
        detail::reply r = srv_.handle(req_, path_, query_);
        if (plan_.fault == fault_kind::drop_after) return close_now();
        if (plan_.fault == fault_kind::malformed_json) r.body.resize(r.body.size() / 2);  // a cut JSON object
        send(std::move(r));
    }

    void send(detail::reply r)
    {
        res_ = {};
        res_.version(11);
        res_.result(r.status);
        res_.set(http::field::server, "akool-emulator");
        res_.set(http::field::content_type, r.content_type);
        if (r.retry_after) res_.set(http::field::retry_after, std::to_string(r.retry_after->count()));
        if (!r.location.empty()) res_.set(http::field::location, r.location);
        res_.body() = std::move(r.body);
        res_.keep_alive(keep_alive_);
        res_.prepare_payload();
        beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(30));
        http::async_write(stream_, res_, [self = this->shared_from_this()](error_code ec, std::size_t) {
            if (ec || !self->keep_alive_) return self->finish();
            self->do_read();
        });
    }

    void finish()
    {
        if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
            error_code ignored;
            stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
        } else {
            beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
            stream_.async_shutdown([self = this->shared_from_this()](error_code) { self->close_now(); });
        }
    }

    server& srv_;
    Stream stream_;
    asio::steady_timer timer_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    http::request<http::string_body> req_;
    http::response<http::string_body> res_;
    std::string path_, query_;
    detail::request_plan plan_;
    bool keep_alive_ = true;
};

inline void server::do_accept()
{
    acceptor_.async_accept(ioc_, [this](error_code ec, asio::ip::tcp::socket sock) {
        if (ec) {
            if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
            return do_accept();
        }
        {
            std::lock_guard<std::mutex> lock(mtx_);
            stats_.connections++;
        }
        error_code ignored;
        sock.set_option(asio::ip::tcp::no_delay(true), ignored);
        if (ssl_) {
            auto s = std::make_shared<session<beast::ssl_stream<beast::tcp_stream>>>(*this, std::move(sock), *ssl_);
            track(s);
            s->start();
        } else {
            auto s = std::make_shared<session<beast::tcp_stream>>(*this, std::move(sock));
            track(s);
            s->start();
        }
        do_accept();
    });
}

} // namespace akool_emulator

#endif
