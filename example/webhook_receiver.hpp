// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_EXAMPLE_WEBHOOK_RECEIVER_HPP
#define AKOOL_EXAMPLE_WEBHOOK_RECEIVER_HPP

/// @file webhook_receiver.hpp
/// A small Beast HTTP server that receives the service's webhook callbacks: every POST body is
/// checked with `akool::verify_webhook` (signature, age, decryption, payload). A valid one is
/// handed to `on_callback` and answered 200 at once (the handler decides the status, for
/// tests); an invalid one is answered 401 and reported to `on_rejected` with the error only,
/// never the body. A valid callback accepted before (same ciphertext: a resend or a replay,
/// signed anew or not; `akool::webhook_replay_guard`) is answered 200 without reaching `on_callback` and reported
/// to `on_rejected` as `webhook_duplicate`; a callback `on_callback` did not answer 200 is
/// forgotten, so that its resend is handled. Other methods get 405, bodies over `body_limit` 413.
/// A sender's `Expect: 100-continue` is answered. At most `max_connections` are open at once:
/// when full, a new connection takes the place of the one that has waited longest with nothing
/// of a request come (since it was opened, or since its last answer when kept alive), else it
/// is closed unread; so a peer that opens connections and sends nothing, or keeps them alive
/// with a request now and then, cannot hold every place, and a request under way is never cut.
/// Each request is read within `read_timeout`, and a failed accept (out of file descriptors)
/// is retried after 100 ms.
///
/// The server runs on its own thread and io_context, like the emulator: construct, `start()`,
/// point `webhookurl` at `url()`, `stop()` (or destroy). The handlers run on that thread.
/// `webhook_receiver.cpp` wraps it as the `akool-webhook-receiver` program.

#include <akool/error.hpp>
#include <akool/model.hpp>
#include <akool/webhook.hpp>
#include <akool/detail/time_after.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/system/system_error.hpp>
#include <boost/throw_exception.hpp>

#include <atomic>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <limits.h>  // PIPE_BUF (POSIX)
#include <poll.h>
#include <unistd.h>

namespace akool_receiver {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using error_code = boost::system::error_code;

/// Called for each valid callback; returns the HTTP status to answer (200: delivered; anything
/// else makes the sender retry). Runs on the receiver's thread: keep it short.
using callback_handler = std::function<http::status(const akool::webhook_payload&)>;

/// Called for each refused callback with the reason (an `akool::error` webhook code) and its
/// diagnostics: the field or check that failed (`client_message`), the task once known.
using rejected_handler = std::function<void(const akool::error_code&, const akool::diagnostics&)>;

/// Receiver settings.
struct options {
    std::string host = "127.0.0.1";          ///< address to bind
    std::uint16_t port = 0;                   ///< 0 picks a free port
    std::string path = "/";                   ///< path of `url()`; every path is accepted
    akool::client_credentials creds;          ///< the account's client id (16) and secret (16, 24 or 32)
    akool::webhook_options verify;            ///< age window (default 5 minutes), clock, replay guard
    bool reject_duplicates = true;            ///< give `verify` a replay guard if it has none
    std::size_t body_limit = 64 * 1024;       ///< larger bodies get 413
    std::chrono::seconds read_timeout{10};    ///< to read one request (and idle keep-alive)
    std::size_t max_connections = 256;        ///< open at once; past it, see the class comment
    callback_handler on_callback;             ///< empty: answer 200
    rejected_handler on_rejected;
};

/// Counters, a snapshot.
struct counters {
    std::uint64_t requests = 0;  ///< HTTP requests read (those answered 405 and 413 too)
    std::uint64_t accepted = 0;  ///< valid callbacks (whatever `on_callback` answered)
    std::uint64_t rejected = 0;  ///< answered 401
    std::uint64_t duplicates = 0;  ///< valid but accepted before: answered 200, not handled again
    std::uint64_t refused_connections = 0;  ///< closed unread: `max_connections` open, each with a request come
    std::uint64_t closed_idle = 0;  ///< connections closed with nothing of a request come, to make room
    std::uint64_t failed_accepts = 0;  ///< accepts that failed (out of file descriptors, ...): retried every 100 ms
};

/// Lets at most `per_second` lines through in each one-second window (the first line after a
/// second or more opens the next window) and counts the others, so that a
/// flood of bad requests cannot fill a log: one line per rejected request would cost the
/// sender a request and the disk a line. Not thread-safe (one per log, under its lock).
class log_limiter {
public:
    using clock = std::chrono::steady_clock;

    explicit log_limiter(unsigned per_second = 10) : per_second_(per_second) {}

    /// True when a line may be written at `now`. Then `dropped` is how many lines were
    /// refused since the last one let through (to say so in the line), else it is left alone.
    bool admit(clock::time_point now, std::uint64_t& dropped)
    {
        if (now - window_start_ >= std::chrono::seconds(1)) {
            window_start_ = now;
            in_window_ = 0;
        }
        if (in_window_ >= per_second_) {
            ++dropped_;
            return false;
        }
        ++in_window_;
        dropped = dropped_;
        dropped_ = 0;
        return true;
    }

private:
    unsigned per_second_;
    clock::time_point window_start_{};
    unsigned in_window_ = 0;
    std::uint64_t dropped_ = 0;
};

/// Writes `text` to the file descriptor `fd`, waiting at most `limit` in all for room (poll):
/// false when it could not all be written by then or the write failed. A reader that stops
/// reading (a full pipe) thus holds the calling thread for `limit`, not until it reads again
/// (helper-43's audit: the receiver's one thread blocked in fputs, every connection with it, and
/// SIGTERM's stop() waited for it for good). The descriptor is left blocking (its flags belong
/// to the open file, which other processes share): a write of at most PIPE_BUF bytes (a line,
/// print_callback) to a pipe that poll says has room is written whole at once.
inline bool write_within(int fd, std::string_view text, std::chrono::milliseconds limit)
{
    const auto until = akool::detail::time_after(std::chrono::steady_clock::now(), limit);
    while (!text.empty()) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        pollfd pfd{fd, POLLOUT, 0};
        const int ready = ::poll(&pfd, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 60000)));
        if (ready < 0 && errno == EINTR) continue;
        if (ready < 0 || (pfd.revents & POLLNVAL)) return false;
        if (ready == 0) continue;  // the time left is checked above
        const ssize_t n = ::write(fd, text.data(), text.size());
        if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
        if (n <= 0) return false;  // EPIPE (SIGPIPE ignored), ENOSPC, ...
        text.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

/// The longest line print_callback writes: PIPE_BUF (4096 on Linux, 512 on macOS and the
/// BSDs), which a pipe takes whole or not at all.
inline constexpr std::size_t max_callback_line = PIPE_BUF;

/// Writes "callback task=ID status=NAME url=URL" and a newline to `out` (its descriptor, with
/// what `out` buffered flushed first), waiting at most `limit` for room (write_within). The id
/// and URL are the sender's data even once decrypted: they are written escaped
/// (`akool::printable`), so that no byte of theirs moves a terminal or starts a log line, and
/// a URL that would make the line longer than max_callback_line is cut (with a note of its
/// size; get_result gives it whole), so that the line is never written in part.
/// Returns 200 when written, else 503: a callback not written is not delivered, and the
/// service sends it again.
inline http::status print_callback(std::FILE* out, const akool::webhook_payload& p,
                                   std::chrono::milliseconds limit = std::chrono::seconds(2))
{
    const std::string head =
        "callback task=" + akool::printable(p.id, 256) + " status=" + std::string(akool::to_string(p.status)) + " url=";
    std::string url = akool::printable(p.url);
    // 64: printable's note of the size. The id is a valid task id (1 to 64 characters).
    const std::size_t room = head.size() + 64 < max_callback_line ? max_callback_line - head.size() - 64 : 0;
    if (head.size() + url.size() + 1 > max_callback_line) url = akool::printable(p.url, room);
    if (head.size() + url.size() + 1 > max_callback_line)  // escapes: at most 4 bytes a byte
        url = akool::printable(p.url, room / 4);
    const std::string line = head + url + "\n";
    if (std::fflush(out) != 0 || !write_within(::fileno(out), line, limit)) {
        std::clearerr(out);
        return http::status::service_unavailable;
    }
    return http::status::ok;
}

/// The receiver. Every public member is thread-safe.
class server {
public:
    explicit server(options o) : opts_(std::move(o))
    {
        if (opts_.reject_duplicates && !opts_.verify.replay_guard)
            opts_.verify.replay_guard = std::make_shared<akool::webhook_replay_guard>();
    }
    server(const server&) = delete;
    server& operator=(const server&) = delete;
    ~server() { stop(); }

    /// Binds (an address literal), listens, starts the thread. Sets `ec` on failure.
    void start(error_code& ec)
    {
        ec = {};
        if (started_) return;
        auto addr = asio::ip::make_address(opts_.host, ec);
        if (ec) return;
        asio::ip::tcp::endpoint ep(addr, opts_.port);
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
        std::string host = opts_.host.find(':') != std::string::npos ? "[" + opts_.host + "]" : opts_.host;
        std::string path = opts_.path.empty() || opts_.path.front() != '/' ? "/" + opts_.path : opts_.path;
        url_ = "http://" + host + ":" + std::to_string(local.port()) + path;
        started_ = true;
        do_accept();
        thread_ = std::thread([this] { ioc_.run(); });
    }

    /// Throwing form of `start(error_code&)`.
    void start()
    {
        error_code ec;
        start(ec);
        if (ec) boost::throw_exception(boost::system::system_error(ec, "akool_receiver::server::start"));
    }

    /// Closes the listener and every connection, joins the thread. Idempotent.
    void stop()
    {
        if (!started_ || stopped_.exchange(true)) return;
        asio::post(ioc_, [this] {
            error_code ignored;
            acceptor_.close(ignored);
            accept_retry_.cancel();
            for (auto& w : sessions_)
                if (auto s = w.lock()) s->socket().close(ignored);
            ioc_.stop();
        });
        if (thread_.joinable()) thread_.join();
    }

    /// `http://host:port/path`, the URL to give as `webhookurl`. Valid after `start`.
    const std::string& url() const noexcept { return url_; }

    /// A snapshot of the counters.
    counters get_counters() const
    {
        std::lock_guard<std::mutex> lock(mtx_);
        return counters_;
    }

    /// Replaces the credentials callbacks are verified with.
    void set_credentials(akool::client_credentials c)
    {
        std::lock_guard<std::mutex> lock(mtx_);
        opts_.creds = std::move(c);
    }

    /// Replaces the callback handler.
    void set_callback_handler(callback_handler h)
    {
        std::lock_guard<std::mutex> lock(mtx_);
        opts_.on_callback = std::move(h);
    }

private:
    class session : public std::enable_shared_from_this<session> {
    public:
        session(server& srv, asio::ip::tcp::socket sock) : srv_(srv), stream_(std::move(sock)) {}

        asio::ip::tcp::socket& socket() { return stream_.socket(); }

        // Since when the connection has waited for a request: set as a read starts with an
        // empty buffer (the first, or the next on a kept-alive connection), cleared once a
        // header has come; nullopt while a request is read or answered.
        const std::optional<std::chrono::steady_clock::time_point>& idle_since() const { return idle_since_; }

        // True when the connection waits with nothing of a request come: none in the buffer,
        // none parsed (a header read whose handler has not run yet), none in the socket.
        bool nothing_came()
        {
            if (!idle_since_ || buffer_.size() != 0 || (parser_ && parser_->got_some())) return false;
            error_code ec;
            const std::size_t waiting = stream_.socket().available(ec);
            return !ec && waiting == 0;
        }

        // Closes the connection (the read under way ends, and the session with it).
        void close()
        {
            idle_since_.reset();
            error_code ignored;
            stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
            stream_.socket().close(ignored);
        }

        void read()
        {
            if (buffer_.size() == 0)
                idle_since_ = std::chrono::steady_clock::now();
            else
                idle_since_.reset();  // a pipelined request has come
            parser_.emplace();
            parser_->body_limit(srv_.opts_.body_limit);
            stream_.expires_after(srv_.opts_.read_timeout);  // the header and the body, together
            http::async_read_header(stream_, buffer_, *parser_, [self = shared_from_this()](error_code ec, std::size_t) {
                self->on_header(ec);
            });
        }

    private:
        // A sender that asks with `Expect: 100-continue` waits for a 100 before its body.
        void on_header(error_code ec)
        {
            idle_since_.reset();
            if (ec) return on_read(ec);
            if (!beast::iequals(parser_->get()[http::field::expect], "100-continue")) return read_body();
            continue_ = {http::status::continue_, 11};
            http::async_write(stream_, continue_, [self = shared_from_this()](error_code wec, std::size_t) {
                if (wec) return self->close();
                self->read_body();
            });
        }

        void read_body()
        {
            http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](error_code ec, std::size_t) {
                self->on_read(ec);
            });
        }

        void on_read(error_code ec)
        {
            if (ec && ec != http::error::body_limit) return close();
            srv_.count_request();  // every request read, the 405s and 413s too
            if (ec) return answer(http::status::payload_too_large, false);
            auto req = parser_->release();
            const bool keep = req.keep_alive();
            if (req.method() != http::verb::post) return answer(http::status::method_not_allowed, keep);
            answer(srv_.judge(req.body()), keep);
        }

        void answer(http::status st, bool keep)
        {
            res_ = {};
            res_.version(11);
            res_.result(st);
            res_.set(http::field::server, "akool-webhook-receiver");
            res_.set(http::field::content_type, "text/plain; charset=utf-8");
            res_.body() = std::string(http::obsolete_reason(st)) + "\n";
            res_.keep_alive(keep);
            res_.prepare_payload();
            stream_.expires_after(srv_.opts_.read_timeout);
            http::async_write(stream_, res_, [self = shared_from_this()](error_code ec, std::size_t) {
                if (ec || !self->res_.keep_alive()) return self->close();
                self->read();
            });
        }

        server& srv_;
        beast::tcp_stream stream_;
        beast::flat_buffer buffer_;
        std::optional<http::request_parser<http::string_body>> parser_;
        http::response<http::string_body> res_;
        http::response<http::empty_body> continue_;
        std::optional<std::chrono::steady_clock::time_point> idle_since_;
    };

    void count_request()
    {
        std::lock_guard<std::mutex> lock(mtx_);
        counters_.requests++;
    }

    // Verifies one body and calls the handlers; returns the status to answer.
    http::status judge(const std::string& body)
    {
        akool::client_credentials creds;
        akool::webhook_options verify;
        callback_handler on_callback;
        rejected_handler on_rejected;
        {
            std::lock_guard<std::mutex> lock(mtx_);
            creds = opts_.creds;
            verify = opts_.verify;
            on_callback = opts_.on_callback;
            on_rejected = opts_.on_rejected;
        }
        akool::error_code ec;
        akool::diagnostics diag;
        akool::webhook_envelope env = akool::parse_webhook_body(body, ec, diag);
        akool::webhook_payload p;
        if (!ec) p = akool::verify_webhook(env, creds, verify, ec, diag);
        const bool duplicate = ec == akool::error::webhook_duplicate;
        {
            std::lock_guard<std::mutex> lock(mtx_);
            if (duplicate)
                counters_.duplicates++;
            else if (ec)
                counters_.rejected++;
            else
                counters_.accepted++;
        }
        if (ec) {
            if (on_rejected) on_rejected(ec, diag);
            return duplicate ? http::status::ok : http::status::unauthorized;
        }
        http::status answer = on_callback ? on_callback(p) : http::status::ok;
        if (answer != http::status::ok && verify.replay_guard) verify.replay_guard->forget(env);
        return answer;
    }

    void do_accept()
    {
        acceptor_.async_accept([this](error_code ec, asio::ip::tcp::socket sock) {
            if (ec) {
                if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
                // Out of file descriptors (EMFILE, ENFILE) or another failure that the next
                // accept would meet at once: try again a little later, not in a spin.
                {
                    std::lock_guard<std::mutex> lock(mtx_);
                    counters_.failed_accepts++;
                }
                accept_retry_.expires_after(std::chrono::milliseconds(100));
                return accept_retry_.async_wait([this](error_code wec) {
                    if (!wec && acceptor_.is_open()) do_accept();
                });
            }
            std::vector<std::weak_ptr<session>> live;
            for (auto& w : sessions_)
                if (!w.expired()) live.push_back(std::move(w));
            sessions_ = std::move(live);
            const std::size_t most = std::max<std::size_t>(opts_.max_connections, 1);
            if (sessions_.size() >= most) {  // full: the place of the one waiting longest with nothing come
                auto idlest = sessions_.end();
                std::optional<std::chrono::steady_clock::time_point> since;
                for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
                    auto s = it->lock();
                    if (s && s->nothing_came() && (!since || *s->idle_since() < *since)) {
                        idlest = it;
                        since = s->idle_since();
                    }
                }
                if (auto s = idlest != sessions_.end() ? idlest->lock() : nullptr) {
                    {
                        std::lock_guard<std::mutex> lock(mtx_);
                        counters_.closed_idle++;
                    }
                    s->close();  // its read ends, and its session with it
                    sessions_.erase(idlest);
                }
            }
            if (sessions_.size() >= most) {
                {
                    // Counted before the close: a sender that sees its connection end then
                    // finds it counted (the test's loop connected a second one, and saw 2).
                    std::lock_guard<std::mutex> lock(mtx_);
                    counters_.refused_connections++;
                }
                error_code ignored;  // full: the sender retries later; memory stays bounded
                sock.close(ignored);
            } else {
                auto s = std::make_shared<session>(*this, std::move(sock));
                sessions_.push_back(s);
                s->read();
            }
            do_accept();
        });
    }

    options opts_;
    mutable std::mutex mtx_;
    counters counters_;
    std::string url_;
    bool started_ = false;
    std::atomic<bool> stopped_{false};

    // Destroyed before the state above: pending handlers (sessions) go first.
    asio::io_context ioc_{1};
    asio::ip::tcp::acceptor acceptor_{ioc_};
    asio::steady_timer accept_retry_{ioc_};
    std::vector<std::weak_ptr<session>> sessions_;  // server thread only
    std::thread thread_;
};

} // namespace akool_receiver

#endif
