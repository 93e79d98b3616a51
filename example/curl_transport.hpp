// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
//
// curl_transport: an akool transport on libcurl (see include/akool/transport.hpp for the
// concept). `async_send` drives curl's multi-socket API from the client's io_context (socket
// waits through asio::posix::stream_descriptor, curl's timer through a steady_timer; no
// thread of its own); the blocking `send` runs a curl easy handle on the calling thread.
//  - timeouts: http_request::timeout becomes CURLOPT_TIMEOUT_MS (connect included);
//    error::timeout when it passes;
//  - cancellation: any signal on the handler's slot removes the transfer from the multi
//    handle (its connection is closed) and completes with asio::error::operation_aborted;
//  - size limits: max_response_bytes (else `default_max_response_bytes`), counted as the
//    body arrives: error::response_too_large; a 200 body goes to the request's body_sink;
//  - TLS: peer and host verification on (the system CAs, or `ca_file`);
//  - requests that are not replay-safe (a create) get a fresh connection that is not kept
//    (CURLOPT_FRESH_CONNECT, CURLOPT_FORBID_REUSE): libcurl before 8.16 resends a request,
//    POST included, when a reused connection dies before the reply;
//  - maybe_sent: set once curl is about to send the request (CURLOPT_PREREQFUNCTION); a
//    failure before that is error::request_not_sent (or error::timeout);
//  - ended_by_close: an HTTP/1.x reply with neither Content-Length nor chunked framing;
//  - public_address_only (a download's): each address curl would connect to is checked
//    (CURLOPT_OPENSOCKETFUNCTION), one that is not public skipped; none left is
//    error::address_not_allowed; on a connection of its own, never a cached one. A host that
//    is private in its own words (an address, a local name) is refused before curl starts.
//    Through a proxy the address checked is the proxy's (a proxy on a private address
//    refuses every download: left out here).
// Redirects are not followed (the client follows a download's). POSIX only (file descriptors).
#ifndef AKOOL_EXAMPLE_CURL_TRANSPORT_HPP
#define AKOOL_EXAMPLE_CURL_TRANSPORT_HPP

#include <akool/transport.hpp>
#include <akool/detail/address_policy.hpp>

#include <boost/asio/append.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <curl/curl.h>
#if LIBCURL_VERSION_NUM < 0x075000
#error "curl_transport needs libcurl 7.80 or newer (CURLOPT_PREREQFUNCTION tells when a request leaves)"
#endif
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace akool_example {

namespace net = boost::asio;
using akool::error_code;

/// Settings of a curl_transport.
struct curl_transport_options {
    std::string ca_file;  ///< PEM file of trusted CAs; empty: the system's
    std::size_t default_max_response_bytes = 64u << 20;  ///< when a request sets no limit
    /// Addresses of hosts instead of DNS, curl's --resolve entries ("HOST:PORT:ADDRESS").
    std::vector<std::string> resolve;
};

/// libcurl's CURLcode values as error codes (for failures that have no akool error).
inline const boost::system::error_category& curl_category()
{
    struct category : boost::system::error_category {
        const char* name() const noexcept override { return "curl"; }
        std::string message(int ev) const override { return curl_easy_strerror(static_cast<CURLcode>(ev)); }
    };
    static const category c;
    return c;
}

namespace detail {

// One exchange: its easy handle, the request it owns, the reply as it arrives.
struct transfer {
    struct completion {  // the handler, type-erased; posts it through its executor
        virtual ~completion() = default;
        // `from_slot`: called by the handler's cancellation slot, which must not be cleared then.
        virtual void complete(error_code ec, akool::http_response r, bool from_slot) = 0;
    };

    akool::http_request req;
    akool::http_response resp;
    CURL* easy = curl_easy_init();
    std::uint64_t serial = 0;  // tells this transfer from a later one at the same address
    curl_slist* headers = nullptr;
    curl_slist* resolve = nullptr;
    std::size_t limit = 0, received = 0;
    bool request_started = false;  // curl was about to send it: from here on, maybe_sent
    bool too_large = false;
    bool address_refused = false;  // an address was skipped: not public (public_address_only)
    bool address_opened = false;   // a public one was tried
    akool::error_code setup_error = akool::make_error_code(akool::error::request_not_sent);  // when setup fails
    error_code sink_ec;
    char errbuf[CURL_ERROR_SIZE] = {};
    std::unique_ptr<completion> done;  // async_send only

    transfer(akool::http_request r, const curl_transport_options& o) : req(std::move(r))
    {
        limit = req.max_response_bytes ? req.max_response_bytes : o.default_max_response_bytes;
    }
    ~transfer()
    {
        if (easy) curl_easy_cleanup(easy);
        curl_slist_free_all(headers);
        curl_slist_free_all(resolve);
    }
    transfer(const transfer&) = delete;
    transfer& operator=(const transfer&) = delete;

    // Sets every option of the exchange; false when curl refuses one (failure_detail says which).
    bool setup(const curl_transport_options& o)
    {
        if (!easy) return fail_setup("curl_easy_init failed");
        akool::detail::url_view u;  // what the URL says itself (through a proxy, all that is checked)
        if (req.public_address_only && akool::detail::split_http_url(req.url, u) &&
            akool::detail::names_a_private_host(u.host)) {
            setup_error = akool::make_error_code(akool::error::address_not_allowed);
            return fail_setup("curl: the host \"" + std::string(u.host) +
                              "\" is not a public address (a local name or address): a download goes only to "
                              "public addresses (download_options::addresses)");
        }
        for (const auto& f : req.headers) headers = curl_slist_append(headers, (f.name + ": " + f.value).c_str());
        headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
        CURLcode rc = CURLE_OK;
        auto set = [&](CURLoption opt, auto v) {
            if (rc == CURLE_OK) rc = curl_easy_setopt(easy, opt, v);
        };
        set(CURLOPT_URL, req.url.c_str());
        for (const auto& entry : o.resolve) resolve = curl_slist_append(resolve, entry.c_str());
        if (resolve) set(CURLOPT_RESOLVE, resolve);
        set(CURLOPT_HTTPHEADER, headers);
        if (req.method == akool::http_method::post) {
            set(CURLOPT_POSTFIELDS, req.body.c_str());  // not copied: the transfer owns req
            set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
        } else {
            set(CURLOPT_HTTPGET, 1L);
        }
#if LIBCURL_VERSION_NUM >= 0x075500
        set(CURLOPT_PROTOCOLS_STR, "http,https");
#endif
        set(CURLOPT_FOLLOWLOCATION, 0L);
        set(CURLOPT_NOSIGNAL, 1L);
        set(CURLOPT_SSL_VERIFYPEER, 1L);
        set(CURLOPT_SSL_VERIFYHOST, 2L);
        if (!o.ca_file.empty()) set(CURLOPT_CAINFO, o.ca_file.c_str());
        if (req.timeout.count() > 0) set(CURLOPT_TIMEOUT_MS, static_cast<long>(req.timeout.count()));
        if (!req.replay_safe) {  // never over a reused connection, never kept for another request
            set(CURLOPT_FRESH_CONNECT, 1L);
            set(CURLOPT_FORBID_REUSE, 1L);
        }
        if (req.public_address_only) {  // on a connection of its own: a cached one was not checked
            set(CURLOPT_OPENSOCKETFUNCTION, &transfer::on_open_socket);
            set(CURLOPT_OPENSOCKETDATA, this);
            set(CURLOPT_FRESH_CONNECT, 1L);
            set(CURLOPT_FORBID_REUSE, 1L);
        }
        set(CURLOPT_PREREQFUNCTION, &transfer::on_prereq);
        set(CURLOPT_PREREQDATA, this);
        set(CURLOPT_HEADERFUNCTION, &transfer::on_header);
        set(CURLOPT_HEADERDATA, this);
        set(CURLOPT_WRITEFUNCTION, &transfer::on_body);
        set(CURLOPT_WRITEDATA, this);
        set(CURLOPT_PRIVATE, this);
        set(CURLOPT_ERRORBUFFER, errbuf);
        return rc == CURLE_OK || fail_setup(std::string("curl_easy_setopt: ") + curl_easy_strerror(rc));
    }

    // The exchange's outcome once curl is done with it (`rc`); fills resp.status or maybe_sent.
    error_code finish(CURLcode rc)
    {
        if (rc == CURLE_OK) {
            long status = 0;
            curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
            resp.status = static_cast<int>(status);
            // HTTP/1.x with neither Content-Length nor chunked: the server's close ended the
            // body, so a body cut short looks whole (the client then checks an image's end).
            long version = 0;
            curl_easy_getinfo(easy, CURLINFO_HTTP_VERSION, &version);
            std::string coding(resp.header("Transfer-Encoding"));
            for (char& c : coding) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
            resp.ended_by_close = version != CURL_HTTP_VERSION_2_0 && version != CURL_HTTP_VERSION_3 &&
                                  resp.header("Content-Length").empty() && coding.find("chunked") == std::string::npos;
            return {};
        }
        resp = akool::http_response{};
        resp.maybe_sent = request_started;
        resp.failure_detail = std::string("curl: ") + curl_easy_strerror(rc) + (errbuf[0] ? std::string(": ") + errbuf : "");
        if (too_large) return akool::make_error_code(akool::error::response_too_large);
        if (address_refused && !address_opened && rc == CURLE_COULDNT_CONNECT) {  // no other address
            resp.failure_detail += " (an address of the host that is not public was skipped: a download goes "
                                   "only to public addresses, download_options::addresses)";
            return akool::make_error_code(akool::error::address_not_allowed);
        }
        if (sink_ec) return sink_ec;
        if (rc == CURLE_OPERATION_TIMEDOUT) return akool::make_error_code(akool::error::timeout);
        if (!request_started) return akool::make_error_code(akool::error::request_not_sent);
        return error_code(static_cast<int>(rc), curl_category());
    }

private:
    bool fail_setup(std::string why)
    {
        resp.failure_detail = std::move(why);
        return false;
    }
    // A connection's socket, for a request that asks for a public address: none for another.
    static curl_socket_t on_open_socket(void* self, curlsocktype purpose, curl_sockaddr* a)
    {
        bool allowed = true;
        if (purpose == CURLSOCKTYPE_IPCXN && a->family == AF_INET) {
            const auto* in = reinterpret_cast<const sockaddr_in*>(&a->addr);
            allowed = akool::detail::is_public_v4(ntohl(in->sin_addr.s_addr));
        } else if (purpose == CURLSOCKTYPE_IPCXN && a->family == AF_INET6) {
            const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&a->addr);
            boost::asio::ip::address_v6::bytes_type bytes;
            std::memcpy(bytes.data(), &in6->sin6_addr, bytes.size());
            allowed = akool::detail::is_public_address(boost::asio::ip::address_v6(bytes));
        }
        auto* t = static_cast<transfer*>(self);
        if (!allowed) {
            t->address_refused = true;
            return CURL_SOCKET_BAD;
        }
        t->address_opened = true;
        return ::socket(a->family, a->socktype, a->protocol);
    }
    static int on_prereq(void* self, char*, char*, int, int)
    {
        static_cast<transfer*>(self)->request_started = true;
        return CURL_PREREQFUNC_OK;
    }
    static std::size_t on_header(char* data, std::size_t, std::size_t n, void* self)
    {
        auto& t = *static_cast<transfer*>(self);
        std::string_view line(data, n);
        while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
        if (line.rfind("HTTP/", 0) == 0) {
            t.resp.headers.clear();  // a new reply head (after a 100 Continue, say)
        } else if (auto colon = line.find(':'); colon != std::string_view::npos) {
            std::string_view value = line.substr(colon + 1);
            while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
            t.resp.headers.push_back({std::string(line.substr(0, colon)), std::string(value)});
        }
        return n;
    }
    static std::size_t on_body(char* data, std::size_t, std::size_t n, void* self)
    {
        auto& t = *static_cast<transfer*>(self);
        t.received += n;
        if (t.received > t.limit) {
            t.too_large = true;
            return 0;  // ends the transfer with CURLE_WRITE_ERROR
        }
        long status = 0;
        curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &status);
        if (t.req.body_sink && status == 200) {
            t.req.body_sink(std::string_view(data, n), t.sink_ec);
            return t.sink_ec ? 0 : n;
        }
        t.resp.body.append(data, n);
        return n;
    }
};

// The multi handle and what drives it on the io_context: one per transport (and its copies).
class curl_multi_state : public std::enable_shared_from_this<curl_multi_state> {
public:
    curl_multi_state(net::io_context::executor_type ex, curl_transport_options o)
        : ex_(ex), opts_(std::move(o)), timer_(ex)
    {
        curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &curl_multi_state::on_socket);
        curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
        curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &curl_multi_state::on_timer);
        curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
    }
    ~curl_multi_state()
    {
        for (auto& [easy, t] : transfers_) curl_multi_remove_handle(multi_, easy);
        transfers_.clear();
        curl_multi_cleanup(multi_);
    }
    const curl_transport_options& options() const noexcept { return opts_; }

    void start(std::unique_ptr<transfer> t)
    {
        CURL* easy = t->easy;
        if (!t->setup(opts_)) {
            const error_code ec = t->setup_error;
            return complete(std::move(t), ec);
        }
        // Sockets closed by curl (possibly after the transfer, from its connection cache) leave
        // the io_context first.
        curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, &curl_multi_state::on_close);
        curl_easy_setopt(easy, CURLOPT_CLOSESOCKETDATA, this);
        if (CURLMcode mc = curl_multi_add_handle(multi_, easy); mc != CURLM_OK) {
            t->resp.failure_detail = std::string("curl_multi_add_handle: ") + curl_multi_strerror(mc);
            return complete(std::move(t), akool::make_error_code(akool::error::request_not_sent));
        }
        transfers_.emplace(easy, std::move(t));  // curl's timer callback starts it
    }

    std::uint64_t next_serial() noexcept { return ++serial_; }

    // Abandons the transfer of `easy` (a cancellation): its connection goes with it.
    void abort(CURL* easy, std::uint64_t serial)
    {
        auto it = transfers_.find(easy);
        if (it == transfers_.end() || it->second->serial != serial) return;  // already completed
        auto t = std::move(it->second);
        transfers_.erase(it);
        curl_multi_remove_handle(multi_, easy);
        t->resp = akool::http_response{};
        t->resp.maybe_sent = t->request_started;
        t->resp.failure_detail = "curl: cancelled";
        complete(std::move(t), net::error::operation_aborted, true);
    }

private:
    struct watch {  // a socket of curl's, waited on through the io_context
        explicit watch(net::io_context::executor_type ex) : sd(ex) {}
        net::posix::stream_descriptor sd;
        int what = 0;  // CURL_POLL_IN / _OUT / _INOUT
        bool reading = false, writing = false;
    };

    static void complete(std::unique_ptr<transfer> t, error_code ec, bool from_slot = false)
    {
        auto done = std::move(t->done);
        auto resp = std::move(t->resp);
        t.reset();  // the easy handle goes before the handler runs
        done->complete(ec, std::move(resp), from_slot);
    }
    static int on_close(void* self, curl_socket_t s)
    {
        static_cast<curl_multi_state*>(self)->forget(s);
        return ::close(s);
    }

    static int on_socket(CURL*, curl_socket_t s, int what, void* self, void*)
    {
        auto& st = *static_cast<curl_multi_state*>(self);
        if (what == CURL_POLL_REMOVE) {
            st.forget(s);
            return 0;
        }
        auto& w = st.watches_[s];
        if (!w) {
            w = std::make_shared<watch>(st.ex_);
            error_code ec;
            w->sd.assign(s, ec);
            if (ec) {
                st.watches_.erase(s);
                return -1;
            }
        }
        w->what = what;
        st.arm(s, w);
        return 0;
    }
    static int on_timer(CURLM*, long timeout_ms, void* self)
    {
        auto& st = *static_cast<curl_multi_state*>(self);
        if (timeout_ms < 0) {
            st.timer_.cancel();
            return 0;
        }
        st.timer_.expires_after(std::chrono::milliseconds(timeout_ms));
        st.timer_.async_wait([w = st.weak_from_this()](error_code ec) {
            if (auto sp = w.lock(); sp && !ec) sp->act(CURL_SOCKET_TIMEOUT, 0);
        });
        return 0;
    }

    void forget(curl_socket_t s)
    {
        auto it = watches_.find(s);
        if (it == watches_.end()) return;
        it->second->sd.release();  // cancels its waits; curl closes the socket itself
        watches_.erase(it);
    }

    void arm(curl_socket_t s, const std::shared_ptr<watch>& w)
    {
        if ((w->what & CURL_POLL_IN) && !w->reading) wait(s, w, net::posix::stream_descriptor::wait_read);
        if ((w->what & CURL_POLL_OUT) && !w->writing) wait(s, w, net::posix::stream_descriptor::wait_write);
    }
    void wait(curl_socket_t s, const std::shared_ptr<watch>& w, net::posix::stream_descriptor::wait_type type)
    {
        const bool read = type == net::posix::stream_descriptor::wait_read;
        (read ? w->reading : w->writing) = true;
        w->sd.async_wait(type, [self = shared_from_this(), s, w, read](error_code ec) {
            (read ? w->reading : w->writing) = false;
            if (ec || !self->current(s, w)) return;  // released, or the socket was replaced
            if (!(w->what & (read ? CURL_POLL_IN : CURL_POLL_OUT))) return;  // no longer wanted
            self->act(s, read ? CURL_CSELECT_IN : CURL_CSELECT_OUT);
            if (self->current(s, w)) self->arm(s, w);
        });
    }
    bool current(curl_socket_t s, const std::shared_ptr<watch>& w) const
    {
        auto it = watches_.find(s);
        return it != watches_.end() && it->second == w;
    }

    // Lets curl progress on `s` (or its timeouts), then completes the transfers it finished.
    void act(curl_socket_t s, int events)
    {
        int running = 0;
        curl_multi_socket_action(multi_, s, events, &running);
        int left = 0;
        while (CURLMsg* m = curl_multi_info_read(multi_, &left)) {
            if (m->msg != CURLMSG_DONE) continue;
            CURL* easy = m->easy_handle;
            CURLcode rc = m->data.result;  // `m` is invalid after remove_handle
            auto it = transfers_.find(easy);
            if (it == transfers_.end()) continue;
            auto t = std::move(it->second);
            transfers_.erase(it);
            curl_multi_remove_handle(multi_, easy);
            error_code ec = t->finish(rc);
            complete(std::move(t), ec);
        }
    }

    net::io_context::executor_type ex_;
    curl_transport_options opts_;
    CURLM* multi_ = curl_multi_init();
    net::steady_timer timer_;
    std::map<curl_socket_t, std::shared_ptr<watch>> watches_;
    std::map<CURL*, std::unique_ptr<transfer>> transfers_;
    std::uint64_t serial_ = 0;
};

inline void curl_global_once()
{
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

} // namespace detail

/// The transport: copies share one multi handle. Not thread-safe: use it from the thread
/// running its io_context (the blocking `send` may be called from any thread). Like any Asio
/// I/O object, it (and every copy) must go before its io_context.
class curl_transport {
public:
    using executor_type = net::io_context::executor_type;  ///< the client's io_context

    explicit curl_transport(executor_type ex, curl_transport_options o = {})
        : ex_(ex), st_((detail::curl_global_once(), std::make_shared<detail::curl_multi_state>(ex, std::move(o))))
    {
    }
    executor_type get_executor() const noexcept { return ex_; }

    /// Sends `req` on the io_context; completes `handler(error_code, http_response)` through
    /// its associated executor, never inside this call. Any cancellation signal abandons it.
    template <class Handler>
    void async_send(akool::http_request&& req, Handler&& handler)
    {
        auto t = std::make_unique<detail::transfer>(std::move(req), st_->options());
        t->serial = st_->next_serial();
        auto slot = net::get_associated_cancellation_slot(handler);
        t->done = std::make_unique<completion<std::decay_t<Handler>>>(std::forward<Handler>(handler), ex_);
        if (slot.is_connected()) {
            slot.assign([w = std::weak_ptr<detail::curl_multi_state>(st_), easy = t->easy,
                         serial = t->serial](net::cancellation_type) {
                if (auto sp = w.lock()) sp->abort(easy, serial);
            });
        }
        st_->start(std::move(t));
    }

    /// The same exchange on the calling thread, with an easy handle of its own.
    void send(const akool::http_request& req, akool::http_response& out, error_code& ec)
    {
        detail::transfer t(req, st_->options());
        if (!t.setup(st_->options())) {
            ec = t.setup_error;
        } else {
            ec = t.finish(curl_easy_perform(t.easy));
        }
        out = std::move(t.resp);
    }

private:
    // Posts to the transport's executor, which dispatches the handler through its associated
    // executor (as Asio's I/O objects do): the client's operation resumes on the io_context's
    // thread even when that executor is use_future's (the system executor).
    template <class Handler>
    struct completion final : detail::transfer::completion {
        completion(Handler h, executor_type ex)
            : handler(std::move(h)), io(ex), work(net::make_work_guard(net::get_associated_executor(handler, ex)))
        {
        }
        void complete(error_code ec, akool::http_response r, bool from_slot) override
        {
            auto slot = net::get_associated_cancellation_slot(handler);
            if (!from_slot && slot.is_connected()) slot.clear();
            net::post(io, net::append(std::move(handler), ec, std::move(r)));
            work.reset();
        }
        Handler handler;
        executor_type io;
        net::executor_work_guard<net::associated_executor_t<Handler, executor_type>> work;
    };

    executor_type ex_;
    std::shared_ptr<detail::curl_multi_state> st_;
};

static_assert(akool::is_transport<curl_transport>::value);

} // namespace akool_example

#endif
