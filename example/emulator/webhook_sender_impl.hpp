// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_EMULATOR_WEBHOOK_SENDER_IMPL_HPP
#define AKOOL_EMULATOR_WEBHOOK_SENDER_IMPL_HPP

/// @file webhook_sender_impl.hpp
/// The deliveries of webhook_sender.hpp: one Beast client exchange per attempt, with TLS,
/// timeouts and backoff. Included by webhook_sender.hpp in header-only mode; compiled once by
/// emulator.cpp (through server_impl.hpp) with `AKOOL_EMULATOR_SEPARATE_COMPILATION`.

#include "webhook_sender.hpp"
#include "webhook_options.hpp"

#include <akool/detail/url.hpp>
#include <akool/error.hpp>
#include <akool/model.hpp>
#include <akool/webhook.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/version.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace akool_emulator {

namespace detail {

struct webhook_job {
    std::string url;
    akool::webhook_payload payload;
    std::function<void(const webhook_outcome&)> done;
};

class webhook_delivery;

struct webhook_sender_state : std::enable_shared_from_this<webhook_sender_state> {
    webhook_sender_state(boost::asio::any_io_executor e, akool::client_credentials c, webhook_sender_options o)
        : ex(std::move(e)), creds(std::move(c)), opts(std::move(o)), rng(std::random_device{}())
    {
        if (opts.max_attempts == 0) opts.max_attempts = 1;
    }

    boost::asio::any_io_executor ex;
    akool::client_credentials creds;
    webhook_sender_options opts;
    std::mt19937_64 rng;
    std::unique_ptr<boost::asio::ssl::context> ssl;
    std::map<std::string, std::deque<webhook_job>> queues;  // task id -> jobs, the front one in flight
    std::set<std::shared_ptr<webhook_delivery>> active;
    bool stopped = false;

    boost::asio::ssl::context* ssl_context(akool::error_code& ec)
    {
        ec = {};
        if (ssl) return ssl.get();
        auto ctx = std::make_unique<boost::asio::ssl::context>(boost::asio::ssl::context::tls_client);
        ctx->set_options(boost::asio::ssl::context::default_workarounds | boost::asio::ssl::context::no_sslv2 |
                         boost::asio::ssl::context::no_sslv3 | boost::asio::ssl::context::no_tlsv1 |
                         boost::asio::ssl::context::no_tlsv1_1);
        if (opts.tls_verify) {
            if (opts.ca_file.empty())
                ctx->set_default_verify_paths(ec);
            else
                ctx->load_verify_file(opts.ca_file, ec);
            if (ec) return nullptr;
            ctx->set_verify_mode(boost::asio::ssl::verify_peer, ec);
        } else {
            ctx->set_verify_mode(boost::asio::ssl::verify_none, ec);
        }
        if (ec) return nullptr;
        ssl = std::move(ctx);
        return ssl.get();
    }

    void start(const std::string& task_id);
    void finished(const std::shared_ptr<webhook_delivery>& d, const std::string& task_id, const webhook_outcome& out);
};

/// One callback: its attempts, one at a time. Runs on the sender's executor.
class webhook_delivery : public std::enable_shared_from_this<webhook_delivery> {
public:
    webhook_delivery(std::shared_ptr<webhook_sender_state> st, webhook_job job)
        : st_(std::move(st)), job_(std::move(job)), resolver_(st_->ex), deadline_(st_->ex), backoff_(st_->ex)
    {
        out_.webhook_url = job_.url;
        out_.task_id = job_.payload.id;
        out_.status = job_.payload.status;
    }

    void start()
    {
        if (!akool::detail::parse_http_url(job_.url, url_)) return finish(akool::make_error_code(akool::error::invalid_url));
        if (url_.tls) {
            akool::error_code ec;
            if (!st_->ssl_context(ec)) return finish(ec);
        }
        attempt();
    }

    /// Ends the delivery now with `operation_aborted`.
    void cancel() { finish(boost::asio::error::operation_aborted); }

private:
    using tcp = boost::asio::ip::tcp;
    using tcp_stream = boost::beast::tcp_stream;
    using tls_stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

    // A callback for credentials AES-CBC cannot use (a client id that is not 16 bytes, a
    // secret that is not 16, 24 or 32): no documented encryption exists for them, so the
    // payload is a placeholder block, but the body is signed with the client id as the
    // service signs, whatever its length. A receiver checks the signature, then refuses the
    // sizes (`webhook_bad_credentials`).
    std::string signed_only_body(std::int64_t now, const std::string& nonce) const
    {
        const std::string data = "AAAAAAAAAAAAAAAAAAAAAA==";  // 16 zero bytes
        const std::string ts = std::to_string(now);
        boost::json::object o;
        o["signature"] = akool::webhook_signature(st_->creds.client_id, ts, nonce, data);
        o["dataEncrypt"] = data;
        o["timestamp"] = now;
        o["nonce"] = nonce;
        return boost::json::serialize(o);
    }

    void attempt()
    {
        ++out_.attempts;
        const unsigned gen = ++gen_;
        const std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count();
        const std::string nonce = std::to_string(std::uniform_int_distribution<unsigned>(1, 99999)(st_->rng));
        akool::error_code ec;
        std::string body = akool::webhook_credentials_problem(st_->creds).empty()
                               ? akool::make_webhook_body(job_.payload, st_->creds, now, nonce, ec)
                               : signed_only_body(now, nonce);
        if (ec) return finish(ec);

        namespace http = boost::beast::http;
        req_ = {};
        req_.method(http::verb::post);
        req_.target(url_.target);
        req_.version(11);
        const bool default_port = url_.port == (url_.tls ? 443 : 80);
        std::string host = url_.host.find(':') != std::string::npos ? "[" + url_.host + "]" : url_.host;
        req_.set(http::field::host, default_port ? host : host + ":" + std::to_string(url_.port));
        req_.set(http::field::user_agent, "akool-emulator");
        req_.set(http::field::content_type, "application/json");
        req_.keep_alive(false);
        req_.body() = std::move(body);
        req_.prepare_payload();
        buffer_.clear();
        parser_.emplace();
        parser_->body_limit(st_->opts.response_limit);
        close_streams();

        boost::system::error_code aec;
        auto addr = boost::asio::ip::make_address(url_.host, aec);
        if (!aec) {
            std::vector<tcp::endpoint> eps{tcp::endpoint(addr, url_.port)};
            return connect(gen, eps);
        }
        resolving_ = true;
        deadline_.expires_after(st_->opts.timeout);
        deadline_.async_wait([self = shared_from_this(), gen](boost::system::error_code tec) {
            if (tec || gen != self->gen_ || !self->resolving_) return;
            self->resolving_ = false;
            self->resolver_.cancel();
            self->failed(boost::beast::error::timeout);
        });
        resolver_.async_resolve(url_.host, std::to_string(url_.port),
                                [self = shared_from_this(), gen](boost::system::error_code rec,
                                                                 tcp::resolver::results_type results) {
                                    if (gen != self->gen_ || !self->resolving_) return;
                                    self->resolving_ = false;
                                    self->deadline_.cancel();
                                    if (rec) return self->failed(rec);
                                    self->connect(gen, results);
                                });
    }

    template <class Endpoints>
    void connect(unsigned gen, const Endpoints& eps)
    {
        if (url_.tls)
            tls_.emplace(st_->ex, *st_->ssl);
        else
            tcp_.emplace(st_->ex);
        tcp_stream& low = lowest();
        low.expires_after(st_->opts.timeout);
        low.async_connect(eps, [self = shared_from_this(), gen](boost::system::error_code ec, const tcp::endpoint&) {
            if (gen != self->gen_) return;
            if (ec) return self->failed(ec);
            if (self->tls_) return self->handshake(gen);
            self->write(gen, *self->tcp_);
        });
    }

    void handshake(unsigned gen)
    {
        boost::system::error_code ec;
        boost::asio::ip::make_address(url_.host, ec);
        const bool is_name = ec.failed();
        if (is_name && !SSL_set_tlsext_host_name(tls_->native_handle(), url_.host.c_str()))
            return failed(boost::system::error_code(static_cast<int>(::ERR_get_error()),
                                                    boost::asio::error::get_ssl_category()));
        if (st_->opts.tls_verify) tls_->set_verify_callback(boost::asio::ssl::host_name_verification(url_.host));
        lowest().expires_after(st_->opts.timeout);
        tls_->async_handshake(boost::asio::ssl::stream_base::client, [self = shared_from_this(), gen](boost::system::error_code hec) {
            if (gen != self->gen_) return;
            if (hec) return self->failed(hec);
            self->write(gen, *self->tls_);
        });
    }

    template <class Stream>
    void write(unsigned gen, Stream& s)
    {
        lowest().expires_after(st_->opts.timeout);
        boost::beast::http::async_write(s, req_, [self = shared_from_this(), gen, &s](boost::system::error_code ec, std::size_t) {
            if (gen != self->gen_) return;
            if (ec) return self->failed(ec);
            self->read(gen, s);
        });
    }

    template <class Stream>
    void read(unsigned gen, Stream& s)
    {
        lowest().expires_after(st_->opts.timeout);
        boost::beast::http::async_read(s, buffer_, *parser_, [self = shared_from_this(), gen](boost::system::error_code ec, std::size_t) {
            if (gen != self->gen_) return;
            if (ec) return self->failed(ec);
            self->out_.http_status = self->parser_->get().result_int();
            if (self->out_.http_status == 200) return self->finish({});
            self->failed(akool::make_error_code(akool::error::http_status));
        });
    }

    // The attempt failed: retry after the backoff, or give up.
    void failed(akool::error_code ec)
    {
        if (done_) return;
        ++gen_;  // every completion of this attempt is stale from now on
        close_streams();
        out_.ec = ec;
        if (out_.attempts >= st_->opts.max_attempts || st_->stopped) return finish(ec);
        auto delay = st_->opts.first_backoff;
        for (unsigned i = 1; i < out_.attempts && delay < st_->opts.max_backoff; ++i) delay *= 2;
        delay = std::min(delay, st_->opts.max_backoff);
        backoff_.expires_after(delay);
        backoff_.async_wait([self = shared_from_this(), gen = gen_](boost::system::error_code tec) {
            if (tec || gen != self->gen_ || self->done_) return;
            self->attempt();
        });
    }

    void finish(akool::error_code ec)
    {
        if (done_) return;
        done_ = true;
        ++gen_;
        resolving_ = false;
        resolver_.cancel();
        deadline_.cancel();
        backoff_.cancel();
        close_streams();
        out_.ec = ec;
        st_->finished(shared_from_this(), job_.payload.id, out_);
    }

    tcp_stream& lowest() { return tls_ ? boost::beast::get_lowest_layer(*tls_) : *tcp_; }

    void close_streams()
    {
        // Only called when no operation of the stream is pending (from a completion of the
        // attempt's one chain, or from finish, after which no attempt replaces the stream);
        // a pending one would complete with operation_aborted and be ignored as stale.
        if (tcp_) tcp_->close();
        if (tls_) boost::beast::get_lowest_layer(*tls_).close();
    }

    std::shared_ptr<webhook_sender_state> st_;
    webhook_job job_;
    akool::detail::url_parts url_;
    tcp::resolver resolver_;
    boost::asio::steady_timer deadline_;  // resolve timeout
    boost::asio::steady_timer backoff_;
    std::optional<tcp_stream> tcp_;
    std::optional<tls_stream> tls_;
    boost::beast::http::request<boost::beast::http::string_body> req_;
    boost::beast::flat_buffer buffer_;
    std::optional<boost::beast::http::response_parser<boost::beast::http::string_body>> parser_;
    webhook_outcome out_;
    unsigned gen_ = 0;
    bool resolving_ = false;
    bool done_ = false;
};

inline void webhook_sender_state::start(const std::string& task_id)
{
    auto it = queues.find(task_id);
    if (it == queues.end() || it->second.empty()) return;
    auto d = std::make_shared<webhook_delivery>(shared_from_this(), it->second.front());
    active.insert(d);
    d->start();
}

inline void webhook_sender_state::finished(const std::shared_ptr<webhook_delivery>& d, const std::string& task_id,
                                           const webhook_outcome& out)
{
    active.erase(d);
    std::function<void(const webhook_outcome&)> done;
    auto it = queues.find(task_id);
    if (it != queues.end() && !it->second.empty()) {
        done = std::move(it->second.front().done);
        it->second.pop_front();
        if (it->second.empty()) queues.erase(it);
    }
    // The next callback of this task goes after this one's completion handler has run.
    if (!stopped && queues.count(task_id))
        boost::asio::post(ex, [self = shared_from_this(), task_id] {
            if (!self->stopped) self->start(task_id);
        });
    if (done) done(out);
}

} // namespace detail

AKOOL_EMULATOR_DECL webhook_sender::webhook_sender(boost::asio::any_io_executor ex, akool::client_credentials creds,
                                                   webhook_sender_options opts)
    : st_(std::make_shared<detail::webhook_sender_state>(std::move(ex), std::move(creds), std::move(opts)))
{
}

AKOOL_EMULATOR_DECL webhook_sender::~webhook_sender() { stop(); }

AKOOL_EMULATOR_DECL void webhook_sender::send(std::string url, akool::webhook_payload payload, completion_handler done)
{
    if (st_->stopped) {
        webhook_outcome out;
        out.webhook_url = std::move(url);
        out.task_id = payload.id;
        out.status = payload.status;
        out.ec = boost::asio::error::operation_aborted;
        if (done) boost::asio::post(st_->ex, [done = std::move(done), out] { done(out); });
        return;
    }
    std::string id = payload.id;
    auto& q = st_->queues[id];
    q.push_back(detail::webhook_job{std::move(url), std::move(payload), std::move(done)});
    if (q.size() == 1) st_->start(id);
}

AKOOL_EMULATOR_DECL void webhook_sender::stop()
{
    if (st_->stopped) return;
    st_->stopped = true;
    auto active = st_->active;
    for (const auto& d : active) d->cancel();
    auto queues = std::move(st_->queues);
    st_->queues.clear();
    for (auto& kv : queues)
        for (auto& job : kv.second) {
            if (!job.done) continue;
            webhook_outcome out;
            out.webhook_url = job.url;
            out.task_id = job.payload.id;
            out.status = job.payload.status;
            out.ec = boost::asio::error::operation_aborted;
            job.done(out);
        }
}

AKOOL_EMULATOR_DECL std::size_t webhook_sender::pending() const noexcept
{
    std::size_t n = 0;
    for (const auto& kv : st_->queues) n += kv.second.size();
    return n;
}

} // namespace akool_emulator

#endif
