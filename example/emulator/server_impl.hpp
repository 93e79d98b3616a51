// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_EMULATOR_SERVER_IMPL_HPP
#define AKOOL_EMULATOR_SERVER_IMPL_HPP

/// @file server_impl.hpp
/// The emulator's server (emulator.hpp says what it does): the Beast sessions, the request
/// handling and the webhook deliveries. Included by emulator.hpp in header-only mode; compiled
/// once by emulator.cpp with `AKOOL_EMULATOR_SEPARATE_COMPILATION`.

#include "emulator.hpp"
#include "png.hpp"
#include "webhook_sender_impl.hpp"

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

#include <algorithm>
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
    std::shared_ptr<const std::string> file;  // an image's bytes, served as they are kept (body unused)
    std::optional<std::chrono::seconds> retry_after;
    std::string location;  // the Location of a redirect
};

// Drops the oldest keys of `m` (`order` holds them, oldest first) until at most `cap` (at
// least 1) remain: what keeps every per-task, per-token and per-key record of a long run bounded
// (options::max_tasks). Keys of `m` not in `order` are never dropped.
template <class Map>
void keep_newest(Map& m, std::deque<std::string>& order, std::size_t cap)
{
    while (order.size() > std::max<std::size_t>(cap, 1)) {
        m.erase(order.front());
        order.pop_front();
    }
}

// Counts one more `key` in `m`; a key seen for the first time is remembered in `order`, and
// beyond `cap` such keys the oldest is dropped (keep_newest). A `pinned` key is counted
// without being remembered, so it is never dropped.
inline void count_bounded(std::map<std::string, std::uint64_t>& m, std::deque<std::string>& order,
                          std::size_t cap, std::string key, bool pinned = false)
{
    auto placed = m.try_emplace(key, 0);
    ++placed.first->second;
    if (!placed.second || pinned) return;
    order.push_back(std::move(key));
    keep_newest(m, order, cap);
}

} // namespace detail

template <class Stream>
class session;

// What `server` (emulator.hpp) forwards to: its state, its thread and its request handling.
// emulator.hpp documents each public member.
class server_impl {
public:
    explicit server_impl(options opts) : opts_(std::move(opts)), rng_(opts_.seed), plan_(opts_.faults)
    {
        webhook_ = opts_.on_status_change;
        if (opts_.webhooks.enabled)
            sender_ = std::make_unique<webhook_sender>(ioc_.get_executor(), webhook_credentials(opts_), opts_.webhooks);
    }

    server_impl(const server_impl&) = delete;
    server_impl& operator=(const server_impl&) = delete;

    ~server_impl() { stop(); }

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

    void start()
    {
        error_code ec;
        start(ec);
        if (ec) boost::throw_exception(boost::system::system_error(ec, "akool_emulator::server::start"));
    }

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

    const std::string& base_url() const noexcept { return base_url_; }

    std::uint16_t port() const noexcept { return port_; }

    bool uses_tls() const noexcept { return ssl_ != nullptr; }

    options get_options() const
    {
        std::lock_guard<std::mutex> lock(mtx_);
        return opts_;
    }

    void set_faults(const fault_plan& plan)
    {
        std::lock_guard<std::mutex> lock(mtx_);
        plan_ = plan;
    }

    void set_create_faults(std::optional<fault_plan> plan)
    {
        std::lock_guard<std::mutex> lock(mtx_);
        create_plan_ = std::move(plan);
    }

    fault_plan faults() const
    {
        std::lock_guard<std::mutex> lock(mtx_);
        return plan_;
    }

    void fail_next(fault_kind kind, unsigned n = 1, std::string path_prefix = "/api/")
    {
        std::lock_guard<std::mutex> lock(mtx_);
        if (kind == fault_kind::fail_generation)
            pending_generation_failures_ += n;
        else if (n > 0)
            pending_.push_back({kind, n, std::move(path_prefix), 0});
    }

    void answer_next(int code, unsigned n = 1, std::string path_prefix = "/api/")
    {
        std::lock_guard<std::mutex> lock(mtx_);
        if (n > 0) pending_.push_back({fault_kind::api_code, n, std::move(path_prefix), code});
    }

    void set_next_task_ids(std::vector<std::string> ids)
    {
        std::lock_guard<std::mutex> lock(mtx_);
        for (auto& id : ids) next_task_ids_.push_back(std::move(id));
    }

    void set_next_task_counts(std::vector<int> counts)
    {
        std::lock_guard<std::mutex> lock(mtx_);
        for (int n : counts) next_task_counts_.push_back(n);
    }

    void clear_faults()
    {
        std::lock_guard<std::mutex> lock(mtx_);
        plan_ = fault_plan{};
        create_plan_.reset();
        pending_.clear();
        pending_generation_failures_ = 0;
    }

    void set_timings(std::chrono::milliseconds queue_time, std::chrono::milliseconds process_time)
    {
        std::lock_guard<std::mutex> lock(mtx_);
        opts_.queue_time = queue_time;
        opts_.process_time = process_time;
    }

    void set_webhook_handler(webhook_handler h)
    {
        std::lock_guard<std::mutex> lock(mtx_);
        webhook_ = std::move(h);
    }

    stats get_stats() const
    {
        std::lock_guard<std::mutex> lock(mtx_);
        return stats_;
    }

    void reset_stats()
    {
        std::lock_guard<std::mutex> lock(mtx_);
        stats_ = stats{};
        path_order_.clear();
        body_order_.clear();
        idempotency_key_order_.clear();
    }

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
        o["images_rendered"] = s.images_rendered;
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
        // The documented paths are kept for good; the others (an image's, a hostile client's)
        // are among the newest options::max_tasks.
        const bool documented = path == paths::create || path == paths::result || path == paths::token ||
                                path == paths::stats;
        detail::count_bounded(stats_.requests_by_path, path_order_, opts_.max_tasks, path, documented);
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

        int count = akool::image_count(ir);
        if (!next_task_counts_.empty()) {  // a broken service's count, not the request's
            count = next_task_counts_.front();
            next_task_counts_.pop_front();
        }
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
            auto placed = tasks_.emplace(info.id, std::move(t));  // `info` is t's: moved from now
            if (placed.second) task_order_.push_back(placed.first->first);
        }
        detail::keep_newest(tasks_, task_order_, opts_.max_tasks);
        stats_.creates_processed++;
        stats_.tasks_created += static_cast<std::uint64_t>(count);
        detail::count_bounded(stats_.creates_by_body, body_order_, opts_.max_tasks,
                              detail::to_hex(fnv1a(req.body()), 16));
        std::string_view idem = req["Idempotency-Key"];
        if (!idem.empty())
            detail::count_bounded(stats_.creates_by_idempotency_key, idempotency_key_order_, opts_.max_tasks,
                                  std::string(idem));
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
        token_order_.push_back(token);  // a new token: ids and the counter make each one unique
        detail::keep_newest(tokens_, token_order_, opts_.max_tasks);
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
            png = recent_png(id);
            seed = it->second.picture_seed;
            w = it->second.width;
            h = it->second.height;
        }
        if (!png) {  // rendered again after it left the cache: the same bytes (seed, size)
            png = std::make_shared<const std::string>(make_picture_png(seed, w, h));
            std::lock_guard<std::mutex> lock(mtx_);
            stats_.images_rendered++;
            if (!recent_png(id)) {
                recent_pngs_.emplace_back(id, png);
                if (recent_pngs_.size() > max_recent_pngs) recent_pngs_.pop_front();
            }
        }
        {
            std::lock_guard<std::mutex> lock(mtx_);
            stats_.images_served++;
        }
        detail::reply r;
        r.content_type = "image/png";
        r.file = std::move(png);  // not copied: 25 MB at 4k
        return r;
    }

    // The picture of task `id` if it is among the last ones rendered (under mtx_).
    std::shared_ptr<const std::string> recent_png(const std::string& id) const
    {
        for (const auto& p : recent_pngs_)
            if (p.first == id) return p.second;
        return nullptr;
    }

    options opts_;
    mutable std::mutex mtx_;
    // The last pictures rendered, oldest first: a 4k one is 25 MB, so keeping every task's
    // would grow the emulator by 100 MB per batch of four for as long as it runs.
    static constexpr std::size_t max_recent_pngs = 8;
    std::deque<std::pair<std::string, std::shared_ptr<const std::string>>> recent_pngs_;
    std::mt19937_64 rng_;
    fault_plan plan_;
    std::optional<fault_plan> create_plan_;
    std::deque<pending_fault> pending_;
    unsigned pending_generation_failures_ = 0;
    std::deque<std::string> next_task_ids_;
    std::deque<int> next_task_counts_;
    webhook_handler webhook_;
    stats stats_;
    std::map<std::string, task_state> tasks_;
    std::deque<std::string> task_order_;  // the ids of tasks_, oldest first (options::max_tasks)
    std::map<std::string, token_state> tokens_;
    std::deque<std::string> token_order_;  // the same for tokens_
    // The same for stats_'s counters (a documented path is not in path_order_: kept for good).
    std::deque<std::string> path_order_, body_order_, idempotency_key_order_;
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
    session(server_impl& srv, Args&&... args)
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
            detail::reply r = server_impl::text_reply(http::status::payload_too_large, "Payload Too Large\n");
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
                if (!faults.envelope_http_errors) return server_impl::text_reply(st, std::move(page), std::move(type));
                const int code = 1000 + static_cast<int>(st);
                auto r = server_impl::text_reply(st, akool::encode_error_response(code, documented_message(code)),
                                            "application/json; charset=utf-8");
                return r;
            };
            switch (*plan_.fault) {
            case fault_kind::drop_before: return close_now();
            case fault_kind::api_code:
                return send(server_impl::json_reply(
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
        if (plan_.fault == fault_kind::malformed_json) {  // a cut JSON object (or a cut file)
            if (r.file) r.body = *std::exchange(r.file, nullptr);
            r.body.resize(r.body.size() / 2);
        }
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
        body_ = r.file ? std::move(r.file) : std::make_shared<const std::string>(std::move(r.body));
        res_.body() = {body_->data(), body_->size()};
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

    server_impl& srv_;
    Stream stream_;
    asio::steady_timer timer_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    http::request<http::string_body> req_;
    std::shared_ptr<const std::string> body_;         // the bytes res_'s body refers to
    http::response<http::span_body<const char>> res_;
    std::string path_, query_;
    detail::request_plan plan_;
    bool keep_alive_ = true;
};

inline void server_impl::do_accept()
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

// ---- server: forwards to server_impl (inline here, or compiled once in emulator.cpp)

AKOOL_EMULATOR_DECL server::server(options opts) : impl_(std::make_unique<server_impl>(std::move(opts))) {}
AKOOL_EMULATOR_DECL server::~server() = default;
AKOOL_EMULATOR_DECL void server::start(error_code& ec) { impl_->start(ec); }
AKOOL_EMULATOR_DECL void server::start() { impl_->start(); }
AKOOL_EMULATOR_DECL void server::stop() { impl_->stop(); }
AKOOL_EMULATOR_DECL const std::string& server::base_url() const noexcept { return impl_->base_url(); }
AKOOL_EMULATOR_DECL std::uint16_t server::port() const noexcept { return impl_->port(); }
AKOOL_EMULATOR_DECL bool server::uses_tls() const noexcept { return impl_->uses_tls(); }
AKOOL_EMULATOR_DECL options server::get_options() const { return impl_->get_options(); }
AKOOL_EMULATOR_DECL void server::set_faults(const fault_plan& plan) { impl_->set_faults(plan); }
AKOOL_EMULATOR_DECL void server::set_create_faults(std::optional<fault_plan> plan) { impl_->set_create_faults(std::move(plan)); }
AKOOL_EMULATOR_DECL fault_plan server::faults() const { return impl_->faults(); }
AKOOL_EMULATOR_DECL void server::fail_next(fault_kind kind, unsigned n, std::string path_prefix)
{
    impl_->fail_next(kind, n, std::move(path_prefix));
}
AKOOL_EMULATOR_DECL void server::answer_next(int code, unsigned n, std::string path_prefix)
{
    impl_->answer_next(code, n, std::move(path_prefix));
}
AKOOL_EMULATOR_DECL void server::set_next_task_ids(std::vector<std::string> ids) { impl_->set_next_task_ids(std::move(ids)); }
AKOOL_EMULATOR_DECL void server::set_next_task_counts(std::vector<int> counts)
{
    impl_->set_next_task_counts(std::move(counts));
}
AKOOL_EMULATOR_DECL void server::clear_faults() { impl_->clear_faults(); }
AKOOL_EMULATOR_DECL void server::set_timings(std::chrono::milliseconds queue_time, std::chrono::milliseconds process_time)
{
    impl_->set_timings(queue_time, process_time);
}
AKOOL_EMULATOR_DECL void server::set_webhook_handler(webhook_handler h) { impl_->set_webhook_handler(std::move(h)); }
AKOOL_EMULATOR_DECL stats server::get_stats() const { return impl_->get_stats(); }
AKOOL_EMULATOR_DECL void server::reset_stats() { impl_->reset_stats(); }
AKOOL_EMULATOR_DECL std::string server::stats_json() const { return impl_->stats_json(); }
AKOOL_EMULATOR_DECL std::optional<akool::image_status> server::status_of(const std::string& id) const
{
    return impl_->status_of(id);
}

} // namespace akool_emulator

#endif
