// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_DETAIL_SANSIO_EXCHANGE_HPP
#define AKOOL_DETAIL_SANSIO_EXCHANGE_HPP

// The exchange algorithm, without I/O: gate admission, send, classify the outcome
// (classify_reply), retry with backoff (decide_retry), a new token and one more send when
// the service refuses the credentials (client_options::credentials; one exchange of a client
// asks at a time, the others refused meanwhile wait for its token), done. It never waits,
// sends or reads; `resume` says what to do next and the drivers (the async composed op in
// client_ops.hpp, the blocking driver in blocking_driver.hpp) carry that out and resume it
// with the outcome. As Boost.MySQL's sansio algorithms: one algorithm, two drivers.
// No Asio include here.

#include <akool/client_options.hpp>
#include <akool/diagnostics.hpp>
#include <akool/error.hpp>
#include <akool/transport.hpp>
#include <akool/workflow.hpp>
#include <akool/detail/protocol.hpp>
#include <akool/detail/request_gate.hpp>
#include <akool/detail/time_after.hpp>
#include <akool/detail/url.hpp>

#include <boost/system/errc.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace akool {
namespace detail {

// Something queued in the request gate (the in-flight cap) that `leave` wakes: the async
// driver's timer, the blocking driver's condition variable.
struct gate_waiter {
    virtual void cancel() noexcept = 0;

protected:
    ~gate_waiter() = default;
};

// The gate every exchange of one client passes.
using exchange_gate = request_gate<gate_waiter>;

namespace sansio {

// What a driver does next.
struct exchange_action {
    enum kind_t {
        wait_gate,  // wait until `wake_at`, or until the gate wakes the waiter (wake_at is max()); then resume
        send,       // send request() (see take_request), put the reply in response(); resume with its error
        sleep,      // wait `delay` (the backoff before a retry); resume with the wait's error
        done,       // finished: error() and value() hold the outcome
    };
    kind_t kind = done;
    std::chrono::steady_clock::time_point wake_at{};
    std::chrono::milliseconds delay{0};
};

// A source of uniform numbers in [0, 1) for the backoff jitter.
struct jitter_source {
    double (*fn)(void*) = nullptr;
    void* ctx = nullptr;
    double operator()() const { return fn ? fn(ctx) : 0.5; }
};

// True when a decoder wants to see every attempt's reply (status, headers) before it is
// classified: `d.see_reply(error_code, const http_response&)` (downloads: redirects).
template <class Decode, class = void>
struct has_see_reply : std::false_type {};
template <class Decode>
struct has_see_reply<Decode, std::void_t<decltype(std::declval<const Decode&>().see_reply(
                                 std::declval<const error_code&>(), std::declval<const http_response&>()))>>
    : std::true_type {};

// False when a decoder's replies carry no Akool envelope (`static constexpr bool api_envelope
// = false`: a download's image host), whose non-200 bodies are then not read for an API code.
template <class Decode, class = void>
struct reads_api_envelope : std::true_type {};
template <class Decode>
struct reads_api_envelope<Decode, std::enable_if_t<!Decode::api_envelope>> : std::false_type {};

// The exchange log hook of client_options, as the algorithm takes it.
using exchange_hook = std::function<void(const exchange_record&)>;

// The token a client got by itself (client_options::credentials), which every later request
// of the client carries. Its exchanges may run on several threads at once (the synchronous
// forms), hence the lock. Each `set` starts a new generation: an exchange refused with the
// token of an older one sends again with the newer token instead of asking for one more.
// One exchange at a time asks for a token; the others refused meanwhile wait for its end
// (their waiter's `cancel` wakes them) and take its token, or ask themselves if it got none.
class renewed_token {
public:
    // What an exchange refused with its token does next (`after_refusal`).
    enum class next { use_newer, wait, renew };

    // The token (empty: none) and, when `generation` is given, the generation it belongs to.
    std::string get(std::uint64_t* generation = nullptr) const
    {
        std::lock_guard<std::mutex> lock(mtx_);
        if (generation) *generation = generation_;
        return token_;
    }
    void set(std::string token)
    {
        std::lock_guard<std::mutex> lock(mtx_);
        token_ = std::move(token);
        ++generation_;
    }

    // For an exchange refused with the token of generation `refused`: use_newer (`newer` is
    // a token got since), wait (another exchange is asking for one; `w` is woken when it
    // ends), or renew (this exchange asks, and must call `end_renewal`).
    next after_refusal(std::uint64_t refused, gate_waiter* w, std::string& newer)
    {
        std::lock_guard<std::mutex> lock(mtx_);
        if (generation_ != refused && !token_.empty()) {
            newer = token_;
            return next::use_newer;
        }
        if (!renewing_) {
            renewing_ = true;
            renewal_generation_ = generation_;
            return next::renew;
        }
        if (std::find(waiters_.begin(), waiters_.end(), w) == waiters_.end()) waiters_.push_back(w);
        return next::wait;
    }
    // Ends the renewal `after_refusal` handed out, keeping `token` (null: none was got) unless
    // `set` ran meanwhile (the user's new key or token wins over one asked for with the old
    // credentials), and wakes the exchanges waiting for it.
    void end_renewal(std::string* token) noexcept
    {
        std::lock_guard<std::mutex> lock(mtx_);
        if (token && generation_ == renewal_generation_) {
            token_ = std::move(*token);
            ++generation_;
        }
        renewing_ = false;
        for (gate_waiter* w : waiters_) w->cancel();
        waiters_.clear();
    }
    // Forgets a waiting exchange (it was cancelled, or ended).
    void forget(gate_waiter* w) noexcept
    {
        std::lock_guard<std::mutex> lock(mtx_);
        waiters_.erase(std::remove(waiters_.begin(), waiters_.end(), w), waiters_.end());
    }

private:
    mutable std::mutex mtx_;
    std::string token_;
    std::uint64_t generation_ = 0;
    std::uint64_t renewal_generation_ = 0;  // generation_ when the renewal under way began
    bool renewing_ = false;
    std::vector<gate_waiter*> waiters_;
};

// An exchange's part in its client's renewal (renewed_token::after_refusal): the one asking
// for a token, or one waiting. Released when the exchange moves on or ends, however it ends
// (an operation destroyed unfinished included), so that no renewal is left open and no
// waiter is woken after it has gone.
class renewal_claim {
public:
    renewal_claim() = default;
    renewal_claim(renewed_token* store, gate_waiter* waiter, bool renewing) noexcept
        : store_(store), waiter_(waiter), renewing_(renewing)
    {
    }
    renewal_claim(renewal_claim&& o) noexcept
        : store_(std::exchange(o.store_, nullptr)), waiter_(o.waiter_), renewing_(o.renewing_)
    {
    }
    renewal_claim& operator=(renewal_claim&& o) noexcept
    {
        if (this != &o) {
            release(nullptr);
            store_ = std::exchange(o.store_, nullptr);
            waiter_ = o.waiter_;
            renewing_ = o.renewing_;
        }
        return *this;
    }
    ~renewal_claim() { release(nullptr); }

    // Ends the renewal (with `token`, null: none) or the wait.
    void release(std::string* token) noexcept
    {
        renewed_token* s = std::exchange(store_, nullptr);
        if (!s) return;
        if (renewing_)
            s->end_renewal(token);
        else
            s->forget(waiter_);
    }

private:
    renewed_token* store_ = nullptr;
    gate_waiter* waiter_ = nullptr;
    bool renewing_ = false;
};

// An exchange's place at its client's request gate: queued for a slot, or holding one.
// Released when the exchange moves on or ends, however it ends (an exception out of a blocking
// send, an operation destroyed unfinished included), so that no slot stays taken and no
// waiter stays queued after it has gone.
class gate_place {
public:
    gate_place(exchange_gate& gate, gate_waiter& waiter) noexcept : gate_(&gate), waiter_(&waiter) {}
    gate_place(gate_place&& o) noexcept : gate_(o.gate_), waiter_(o.waiter_), kind_(std::exchange(o.kind_, none)) {}
    gate_place& operator=(gate_place&& o) noexcept
    {
        if (this != &o) {
            release();
            gate_ = o.gate_;
            waiter_ = o.waiter_;
            kind_ = std::exchange(o.kind_, none);
        }
        return *this;
    }
    ~gate_place() { release(); }

    // Tries to take a slot now (gate::try_enter); queued when it may not.
    bool try_enter(std::chrono::steady_clock::time_point now, std::chrono::steady_clock::time_point& wake_at)
    {
        const bool entered = gate_->try_enter(now, waiter_, wake_at);
        kind_ = entered ? holding : queued;
        return entered;
    }
    exchange_gate& gate() const noexcept { return *gate_; }
    gate_waiter& waiter() const noexcept { return *waiter_; }
    // Leaves the gate: gives the slot back, or the place in the queue.
    void release() noexcept
    {
        switch (std::exchange(kind_, none)) {
        case holding: gate_->leave(); break;
        case queued: gate_->forget(waiter_); break;
        case none: break;
        }
    }

private:
    enum kind_t : unsigned char { none, queued, holding };
    exchange_gate* gate_;
    gate_waiter* waiter_;
    kind_t kind_ = none;
};

struct token_renewal;

// One exchange with the service (create, get-result, token, download), all but the decoding
// of its reply (exchange_algo<Decode> below): compiled once, whatever the decoder.
// Resume it first with no outcome; then, after each action, with that action's outcome.
// With a `hook` (client_options::on_exchange), each attempt is reported to it once classified;
// a streamed body is then counted by a sink of its own in front of the request's.
// With `auth` (the client's options, for a request that carries its credentials) and
// `auth->credentials` set, the request carries the token in `store` when there is one, and a
// refusal with 1101 or 1102 sends the request once more with a newer token: the one `store`
// got since the exchange started, if any (another exchange renewed it), else the one another
// exchange's token request under way gets (waited for as a `wait_gate`), else one from a token
// exchange (an algorithm of its own, whose actions this one passes on), kept in `store`.
class exchange_core {
public:
    using clock = std::chrono::steady_clock;

    // `request` was built with `build_ec` (when set, the exchange ends at once with it);
    // `gate`, `waiter` and `diag` must outlive the algorithm.
    exchange_core(http_request request, error_code build_ec, exchange_gate& gate, gate_waiter& waiter,
                  const retry_policy& policy, request_kind kind, jitter_source jitter, diagnostics& diag,
                  const exchange_hook* hook, const client_options* auth, renewed_token* store)
        : request_(std::move(request)), place_(gate, waiter), policy_(policy), kind_(kind), jitter_(jitter),
          hook_(hook && *hook ? hook : nullptr),
          auth_(auth && auth->credentials && store ? auth : nullptr), store_(store), diag_(&diag), ec_(build_ec),
          replay_safe_(request_.replay_safe)
    {
        if (hook_) watch_request();
        if (request_.body_sink) watch_sink();
    }
    virtual ~exchange_core();
    exchange_core(exchange_core&&) = default;
    exchange_core& operator=(exchange_core&&);

    // Takes the next step. `ec` is the outcome of the last action: the transport's error after
    // `send`, the wait's after `sleep` (set: cancelled, and the exchange ends with it).
    // `cancelled` says the operation was cancelled meanwhile: after `wait_gate` it ends the
    // exchange with `ec` (operation_canceled when clear); after `send` no retry follows.
    exchange_action resume(clock::time_point now, error_code ec = {}, bool cancelled = false)
    {
        switch (state_) {
        case state::start:
            if (ec_) return finish();
            // The request's timeout bounds the whole exchange, its retries and their waits too
            // (a poll's: what is left of the wait's deadline).
            if (request_.timeout.count() > 0) deadline_ = time_after(now, request_.timeout);
            if (auth_) {
                std::string token = store_->get(&token_generation_);
                if (!token.empty()) set_bearer_token(request_, token);
            }
            return enter(now);
        case state::gating:
            if (cancelled) {
                place_.release();
                ec_ = ec ? ec : make_error_code(boost::system::errc::operation_canceled);
                clear_value();
                return finish();
            }
            return enter(now);
        case state::sending: {
            place_.release();
            reset_attempt(*diag_);
            // A timeout that came, in the transport's word (maybe_sent clear), before any byte
            // of the request left (a resolve, connect, TLS handshake or proxy tunnel that
            // timed out): this attempt was not processed. Only a timeout: it is the one
            // failure whose code cannot tell, and a code that says the request was sent
            // (outcome_unknown, a reply too large or garbled, a reset) is believed whatever
            // the flag, which a transport may have left at its default.
            const bool timed_out_unsent = !response_.maybe_sent && (ec == error::timeout ||
                                                                    ec == boost::system::errc::timed_out);
            take_reply(ec);
            const std::uint64_t received = (counter_ ? counter_->bytes : 0) + response_.body.size();
            response_ = http_response{};
            // Whether this attempt's outcome, when it is the create's last word, says itself that
            // the create may have been processed (finish() then keeps it).
            last_attempt_ambiguous_ =
                kind_ == request_kind::create && ec_ && classify_failure(kind_, ec_, *diag_) == failure_class::ambiguous;
            // Whether this attempt may have been processed (read alone): nothing sent, or a
            // refusal before processing (429, 503, 1005, 1108, 1101), says it was not.
            if (kind_ == request_kind::create && processing_ == processing::none && !timed_out_unsent &&
                (!ec_ || create_may_have_been_processed(ec_, *diag_)))
                processing_ = processing::maybe;
            // A refusal of the credentials is the service's word that nothing was processed;
            // in a reply whose status says the request may have been (500, 502, 504), the
            // status decides: no new token, and a create is not sent again.
            if (may_renew() && !cancelled &&
                (diag_->api_code == static_cast<int>(error::api_invalid_authorization) ||
                 diag_->api_code == static_cast<int>(error::api_authorization_empty)) &&
                classify_failure(kind_, ec_, *diag_) != failure_class::ambiguous) {
                if (hook_) report(now, received, std::chrono::milliseconds(0), true);
                return renew(now);
            }
            exchange_action a;
            // A body the sink refused is refused again (a disk that is full, a directory it may
            // not write): not retried, whatever its error says.
            bool retry = !cancelled && !(counter_ && counter_->refused) &&
                         decide_retry(policy_, kind_, ec_, *diag_, retries_);
            if (retry) {
                a.kind = exchange_action::sleep;
                a.delay = policy_.backoff(retries_, jitter_(), *diag_);
                if (deadline_ && time_after(now, a.delay) >= *deadline_) {  // the retry would start too late
                    retry = false;
                    a = exchange_action{};
                    time_out("the deadline leaves no time to retry");
                }
            }
            if (hook_) report(now, received, a.delay, retry);
            if (!retry) return finish();
            // A create sent again after an attempt that may have been processed (only with
            // retry_policy::retry_ambiguous_creates): its outcome is unknown unless it succeeds.
            if (last_attempt_ambiguous_) processing_ = processing::maybe_earlier;
            last_attempt_ambiguous_ = false;  // what ends the exchange now comes later
            ++retries_;
            state_ = state::backing_off;
            return a;
        }
        case state::backing_off:
            if (ec) {
                ec_ = ec;
                diag_->client_message += " (cancelled while waiting to retry)";
                return finish();
            }
            return enter(now);
        case state::renewing: return step_renewal(now, ec, cancelled);
        case state::awaiting_token:
            claim_.release(nullptr);
            if (cancelled) {
                ec_ = ec ? ec : make_error_code(boost::system::errc::operation_canceled);
                clear_value();
                return finish();
            }
            return after_refusal(now);
        case state::finished: break;
        }
        return exchange_action{};
    }

    // The request to send now: the kept one itself when it cannot be sent again (moved out),
    // else a copy. For a transport that takes the request over (async_send).
    http_request take_request();
    // The request, for a transport that only reads it (the blocking send).
    const http_request& request() const noexcept;
    // Where the driver puts the reply of a `send`.
    http_response& response() noexcept;

    // The outcome, once `done` (the value: exchange_algo::value).
    const error_code& error() const noexcept { return ec_; }
    // Retries made so far.
    unsigned retries() const noexcept { return retries_; }

protected:
    // The decoder's part: reads the reply in `response_` after a send that ended with
    // `transport_ec` (classify_reply, then the decoder for a 200), setting `ec_` and the value.
    virtual void take_reply(const error_code& transport_ec) = 0;
    // Drops the value (a failed attempt's, or the one an earlier attempt decoded).
    virtual void clear_value() = 0;

private:
    enum class state { start, gating, sending, backing_off, renewing, awaiting_token, finished };

    // True while a refusal of the credentials may still be answered with a new token.
    bool may_renew() const noexcept { return auth_ && !renewed_; }
    exchange_action renew(clock::time_point now);
    exchange_action after_refusal(clock::time_point now);
    exchange_action step_renewal(clock::time_point now, error_code ec, bool cancelled);

    exchange_action enter(clock::time_point now)
    {
        if (deadline_) {  // each attempt gets what is left of the exchange's time
            if (now >= *deadline_) {
                place_.release();  // the queue's place, when gating
                time_out("the deadline passed before the request could be sent");
                return finish();
            }
            request_.timeout = time_left(now);
        }
        exchange_action a;
        if (place_.try_enter(now, a.wake_at)) {
            a.kind = exchange_action::send;
            state_ = state::sending;
            sent_at_ = now;
            if (counter_) counter_->bytes = 0;
        } else {
            a.kind = exchange_action::wait_gate;
            state_ = state::gating;
            if (deadline_ && *deadline_ < a.wake_at) a.wake_at = *deadline_;
        }
        return a;
    }
    exchange_action finish()
    {
        state_ = state::finished;
        // A create of which no attempt may have been processed (none was sent, or the service
        // refused each before processing it: 429, 503, 1005, 1108, its credentials), ended by
        // what would say it may have been (a resolve, connect, TLS handshake or tunnel that
        // timed out with nothing sent; its deadline while waiting to retry, at the gate or for
        // a new token; getToken's 5xx or garbled reply): the outcome is request_not_sent, which
        // says it was not processed and may be sent again (a batch sends the line again rather
        // than marking it "unknown"); what ended it stays in the message. A cancellation stays
        // one.
        if (kind_ == request_kind::create && processing_ == processing::none && ec_ &&
            ec_ != boost::system::errc::operation_canceled &&
            create_may_have_been_processed(ec_, *diag_)) {
            ec_ = make_error_code(error::request_not_sent);
            clear_value();
            if (!diag_->client_message.empty()) diag_->client_message += "; ";
            diag_->client_message += "the create was not processed: the service refused each attempt before "
                                     "processing it, or none was sent";
        }
        // A create retried after an attempt that may have been processed: however it ended (a
        // refusal, nothing sent, a cancellation in the backoff, a failed token renewal), the
        // service may hold the task. A last attempt that is itself ambiguous keeps its code
        // (HTTP 500, ...).
        if (processing_ == processing::maybe_earlier && ec_ && !last_attempt_ambiguous_) {
            ec_ = make_error_code(error::outcome_unknown);
            clear_value();
            if (!diag_->client_message.empty()) diag_->client_message += "; ";
            diag_->client_message += "an earlier attempt of this create may have been processed (and charged): "
                                     "its outcome is unknown";
        }
        return exchange_action{};
    }
    // What is left of the exchange's time (at least 1 ms), once it has a deadline.
    std::chrono::milliseconds time_left(clock::time_point now) const
    {
        return std::max(std::chrono::ceil<std::chrono::milliseconds>(*deadline_ - now), std::chrono::milliseconds(1));
    }
    // The exchange's outcome is a timeout: its deadline passed, or leaves no time for what is
    // next (`why` says which).
    void time_out(const char* why)
    {
        ec_ = make_error_code(error::timeout);
        clear_value();
        if (!diag_->client_message.empty()) diag_->client_message += "; ";
        diag_->client_message += why;
    }

    // For the hook: the request's method, host and path (never its query string or headers),
    // and its body sink wrapped so that streamed bytes are counted.
    void watch_request()
    {
        url_parts u;
        if (parse_http_url(request_.url, u)) {
            host_ = url_authority(u);
            path_ = u.target.substr(0, u.target.find_first_of("?#"));
        }
        sent_bytes_ = request_.body.size();
    }
    // The request's body sink behind one that counts the bytes it passes on (for the hook) and
    // sees a refusal. On the heap: the algorithm may move, the sink's context stays where it is.
    void watch_sink()
    {
        counter_ = std::make_unique<sink_counter>();
        counter_->inner = request_.body_sink;
        request_.body_sink = {&sink_counter::write, counter_.get(),
                              counter_->inner.length ? &sink_counter::length : nullptr};
    }
    struct sink_counter {
        http_body_sink inner;
        std::uint64_t bytes = 0;
        bool refused = false;  // the sink refused a chunk (a file it cannot write, a limit, not an image)
        static void write(void* self, std::string_view chunk, error_code& ec)
        {
            auto* me = static_cast<sink_counter*>(self);
            me->bytes += chunk.size();
            me->inner.write(me->inner.ctx, chunk, ec);
            if (ec) me->refused = true;
        }
        static void length(void* self, std::uint64_t n) { static_cast<sink_counter*>(self)->inner.announce_length(n); }
    };
    void report(clock::time_point now, std::uint64_t received, std::chrono::milliseconds delay, bool retry) const
    {
        exchange_record r;
        r.method = to_string(request_.method);
        r.host = host_;
        r.path = path_;
        r.http_status = diag_->http_status;
        r.api_code = diag_->api_code;
        r.ec = ec_;
        r.attempt = retries_ + (renewed_ ? 2 : 1);
        r.duration = std::chrono::duration_cast<std::chrono::microseconds>(now - sent_at_);
        r.bytes_sent = sent_bytes_;
        r.bytes_received = received;
        r.will_retry = retry;
        r.retry_delay = retry ? delay : std::chrono::milliseconds(0);
        (*hook_)(r);
    }

    http_request request_;
    gate_place place_;  // this exchange's, not its token exchange's (renewal_); its gate and waiter
    retry_policy policy_;
    request_kind kind_;
    jitter_source jitter_;
    unsigned retries_ = 0;
    state state_ = state::start;
    std::optional<clock::time_point> deadline_;  // from the request's timeout, when it has one
    const exchange_hook* hook_ = nullptr;
    std::string host_, path_;
    std::uint64_t sent_bytes_ = 0;
    clock::time_point sent_at_{};
    std::unique_ptr<sink_counter> counter_;
    const client_options* auth_ = nullptr;   // the credentials and the service's URL; null: no renewal
    renewed_token* store_ = nullptr;
    std::uint64_t token_generation_ = 0;     // the store's generation when the exchange started
    bool renewed_ = false;                   // a newer token was tried (once per exchange)
    // What a create's attempts so far may have done at the service (a poll's stays `none`).
    enum class processing : unsigned char {
        none,          // none may have been processed: none was sent, or each was refused before processing
        maybe,         // one may have been (create_may_have_been_processed), its outcome saying so if it ends the create
        maybe_earlier, // one whose outcome was ambiguous was followed by another (retry_ambiguous_creates)
    };
    processing processing_ = processing::none;
    bool last_attempt_ambiguous_ = false;    // the create's last attempt, if its outcome ends it, may have been processed
    std::unique_ptr<token_renewal> renewal_; // the token exchange under way
    renewal_claim claim_;                    // while asking for a token, or waiting for another's

protected:
    http_response response_;  // the last attempt's reply
    diagnostics* diag_;
    error_code ec_;
    bool replay_safe_ = true;
};

// One exchange of a `Decode`d value: exchange_core with the decoder, which gives the value
// (`Decode` is called as `decode(body, ec, diag)`; with `see_reply`, it also sees each
// attempt's reply before it is classified).
template <class Decode>
class exchange_algo final : public exchange_core {
public:
    using result_type = decltype(std::declval<Decode&>()(std::declval<std::string&>(), std::declval<error_code&>(),
                                                         std::declval<diagnostics&>()));

    exchange_algo(http_request request, error_code build_ec, exchange_gate& gate, gate_waiter& waiter,
                  const retry_policy& policy, request_kind kind, Decode decode, jitter_source jitter,
                  diagnostics& diag, const exchange_hook* hook = nullptr, const client_options* auth = nullptr,
                  renewed_token* store = nullptr)
        : exchange_core(std::move(request), build_ec, gate, waiter, policy, kind, jitter, diag, hook, auth, store),
          decode_(std::move(decode))
    {
    }

    // The outcome's value, once `done`.
    result_type& value() noexcept { return value_; }

private:
    void take_reply(const error_code& transport_ec) override
    {
        if constexpr (has_see_reply<Decode>::value) decode_.see_reply(transport_ec, response_);
        if (classify_reply(transport_ec, response_, replay_safe_, ec_, *diag_, reads_api_envelope<Decode>::value))
            value_ = decode_(response_.body, ec_, *diag_);
        else
            value_ = result_type{};
    }
    void clear_value() override { value_ = result_type{}; }

    Decode decode_;
    result_type value_{};
};

// A token exchange run inside another exchange, with its own diagnostics; on the heap, so that
// the algorithm that runs it may move.
struct token_renewal {
    diagnostics diag;
    std::optional<exchange_algo<decode_token>> algo;

    // `timeout`: what is left of the exchange's own (0: none), which bounds this one too.
    token_renewal(const client_options& opts, exchange_gate& gate, gate_waiter& waiter, const retry_policy& policy,
                  jitter_source jitter, const exchange_hook* hook, std::chrono::milliseconds timeout)
    {
        error_code build_ec;
        http_request req = make_token_request(opts, *opts.credentials, build_ec, diag);
        req.timeout = timeout;
        algo.emplace(std::move(req), build_ec, gate, waiter, policy, request_kind::read, decode_token{}, jitter, diag,
                     hook);
    }
};

// Out of the class: they destroy a token_renewal, complete only here.
inline exchange_core::~exchange_core() = default;
inline exchange_core& exchange_core::operator=(exchange_core&&) = default;

inline http_request exchange_core::take_request()
{
    if (renewal_) return renewal_->algo->take_request();
    return retries_ < policy_.max_retries || may_renew() ? request_ : std::move(request_);
}
inline const http_request& exchange_core::request() const noexcept
{
    return renewal_ ? renewal_->algo->request() : request_;
}
inline http_response& exchange_core::response() noexcept
{
    return renewal_ ? renewal_->algo->response() : response_;
}

// After a refusal of the credentials: a newer token than the one refused (another exchange of
// the client got it meanwhile), else the end of another's token exchange under way, else a
// token exchange of this one.
inline exchange_action exchange_core::renew(clock::time_point now)
{
    renewed_ = true;
    return after_refusal(now);
}

inline exchange_action exchange_core::after_refusal(clock::time_point now)
{
    // A new token is sought within the exchange's deadline too.
    if (deadline_ && now >= *deadline_) {
        time_out("the deadline passed while getting a new token");
        return finish();
    }
    std::string newer;
    switch (store_->after_refusal(token_generation_, &place_.waiter(), newer)) {
    case renewed_token::next::use_newer:
        set_bearer_token(request_, newer);
        ec_ = {};
        clear_value();
        return enter(now);
    case renewed_token::next::wait: {
        // Woken by the store when the other exchange ends; the wake-up time is only a safety
        // net (the exchange then looks again, and waits again while the token is coming).
        claim_ = renewal_claim(store_, &place_.waiter(), false);
        state_ = state::awaiting_token;
        exchange_action a;
        a.kind = exchange_action::wait_gate;
        a.wake_at = now + std::chrono::seconds(1);
        if (deadline_ && *deadline_ < a.wake_at) a.wake_at = *deadline_;
        return a;
    }
    case renewed_token::next::renew: break;
    }
    claim_ = renewal_claim(store_, &place_.waiter(), true);
    state_ = state::renewing;
    renewal_ = std::make_unique<token_renewal>(*auth_, place_.gate(), place_.waiter(), policy_, jitter_, hook_,
                                               deadline_ ? time_left(now) : std::chrono::milliseconds(0));
    return step_renewal(now, {}, false);
}

// Passes an action of the token exchange on; once it is done, sends the request again with
// the new token, or ends with the token exchange's failure (for a create, finish() may say
// instead that it was not processed).
inline exchange_action exchange_core::step_renewal(clock::time_point now, error_code ec, bool cancelled)
{
    exchange_action a = renewal_->algo->resume(now, ec, cancelled);
    if (a.kind != exchange_action::done) return a;
    std::unique_ptr<token_renewal> r = std::move(renewal_);
    if (r->algo->error()) {
        const int refused_code = diag_->api_code;
        ec_ = r->algo->error();
        diag_->api_code = r->diag.api_code;
        diag_->server_message = std::move(r->diag.server_message);
        diag_->http_status = r->diag.http_status;
        diag_->retry_after = r->diag.retry_after;
        for (auto& i : r->diag.issues) diag_->issues.push_back(std::move(i));
        diag_->client_message = "the service refused the credentials (" + std::to_string(refused_code) +
                                ") and getting a new token failed" +
                                (r->diag.client_message.empty() ? std::string() : ": " + r->diag.client_message);
        clear_value();
        claim_.release(nullptr);
        return finish();
    }
    if (cancelled) {
        // Cancelled while the token was coming: the refused request is not sent again (the
        // token is kept for the client's next exchanges).
        claim_.release(&r->algo->value());
        ec_ = make_error_code(boost::system::errc::operation_canceled);
        diag_->client_message += " (cancelled while getting a new token: the request was not sent again)";
        clear_value();
        return finish();
    }
    set_bearer_token(request_, r->algo->value());
    claim_.release(&r->algo->value());
    ec_ = {};
    clear_value();
    return enter(now);
}

} // namespace sansio
} // namespace detail
} // namespace akool

#endif
