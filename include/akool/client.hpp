// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_CLIENT_HPP
#define AKOOL_CLIENT_HPP

/// @file client.hpp
/// `basic_client<Transport, Executor>`: the service's operations over any transport.
///
/// Every operation comes in three forms:
///  - `async_x(args..., [diagnostics&,] token)`: any Asio completion token (callback,
///    `use_future`, `use_awaitable`, `deferred`, `yield_context`). The handler runs on its
///    associated executor, by default the client's. Per-operation cancellation: emit on the
///    handler's cancellation slot (any type); the transport stops and the operation completes
///    with `asio::error::operation_aborted`. A create cancelled after it was sent may still
///    have been processed (diagnostics say so).
///  - `x(args..., error_code&, [diagnostics&])`: synchronous, never throws for an operation
///    failure;
///  - `x(args...)`: synchronous, throws `error_with_diagnostics` through boost::throw_exception.
/// The synchronous forms drive the client's io_context until the operation completes: call
/// them when no other thread runs that io_context. They need an executor of an io_context.
///
/// An invalid request fails with `error::validation_failed`, the validator's findings in
/// `diagnostics::issues`, and sends no byte.

#include <akool/client_options.hpp>
#include <akool/config.hpp>
#include <akool/diagnostics.hpp>
#include <akool/error.hpp>
#include <akool/model.hpp>
#include <akool/transport.hpp>
#include <akool/detail/protocol.hpp>

#include <boost/asio/append.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/execution/context.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/query.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace akool {
namespace detail {

struct decode_create {
    std::vector<image_task> operator()(std::string_view body, error_code& ec, diagnostics& diag) const
    {
        return decode_create_response(body, ec, diag);
    }
};
struct decode_result {
    image_result operator()(std::string_view body, error_code& ec, diagnostics& diag) const
    {
        return decode_result_response(body, ec, diag);
    }
};
struct decode_token {
    std::string operator()(std::string_view body, error_code& ec, diagnostics& diag) const
    {
        return decode_token_response(body, ec, diag);
    }
};

// One request/reply exchange: send through the transport, then finish_exchange + decode.
// A request that failed to build (validation) completes without touching the transport.
template <class Transport, class Decode>
struct exchange_op {
    using result_type = decltype(std::declval<Decode>()(std::string_view{}, std::declval<error_code&>(),
                                                        std::declval<diagnostics&>()));
    Transport* transport;
    http_request request;
    error_code build_ec;
    diagnostics* user_diag;
    diagnostics own_diag;  // used when the caller passed none
    bool replay_safe;

    diagnostics& diag() noexcept { return user_diag ? *user_diag : own_diag; }

    template <class Self>
    void operator()(Self& self)
    {
        if (build_ec) {
            // Complete through the executor, never inside the initiating call.
            auto ex = transport->get_executor();
            return boost::asio::post(ex, boost::asio::append(std::move(self), build_ec, result_type{}));
        }
        transport->async_send(std::move(request), std::move(self));
    }

    template <class Self>
    void operator()(Self& self, error_code ec, http_response resp)
    {
        error_code out;
        result_type value = finish_exchange(ec, resp, replay_safe, Decode{}, out, diag());
        self.complete(out, std::move(value));
    }

    template <class Self>
    void operator()(Self& self, error_code ec, result_type value)  // the validation failure, posted
    {
        self.complete(ec, std::move(value));
    }
};

template <class Executor, class = void>
struct has_io_context : std::false_type {};
template <class Executor>
struct has_io_context<Executor, std::enable_if_t<std::is_convertible_v<
                                    decltype(boost::asio::query(std::declval<const Executor&>(),
                                                                boost::asio::execution::context)),
                                    boost::asio::io_context&>>> : std::true_type {};

} // namespace detail

template <class Transport, class Executor = typename Transport::executor_type>
class basic_client {
    static_assert(is_transport<Transport>::value,
                  "Transport must have executor_type, get_executor() and async_send(http_request&&, handler)");

public:
    using transport_type = Transport;
    using executor_type = Executor;

    /// A client whose handlers default to the transport's executor.
    explicit basic_client(Transport transport, client_options opts = {})
        : ex_(transport.get_executor()), transport_(std::move(transport)), opts_(std::move(opts))
    {
    }

    /// A client whose handlers default to `ex`.
    basic_client(const Executor& ex, Transport transport, client_options opts = {})
        : ex_(ex), transport_(std::move(transport)), opts_(std::move(opts))
    {
    }

    executor_type get_executor() const noexcept { return ex_; }
    Transport& transport() noexcept { return transport_; }
    const client_options& options() const noexcept { return opts_; }

    /// Authenticates with an API key from now on (`x-api-key`), dropping any token.
    void set_api_key(std::string key)
    {
        opts_.api_key = std::move(key);
        opts_.token.clear();
    }
    /// Authenticates with a bearer token from now on; it takes precedence over the API key.
    void set_token(std::string token) { opts_.token = std::move(token); }

    // ---- create ------------------------------------------------------------------------

    /// Starts a generation: validates `req` (nothing is sent when it is invalid), posts it,
    /// and completes with the created tasks, always as a sequence (one per image of the batch).
    /// Handler: `void(error_code, std::vector<image_task>)`. `diag` must outlive the operation.
    /// The request is copied at initiation; it need not outlive the call.
    template <class CompletionToken = boost::asio::default_completion_token_t<Executor>>
    auto async_create(const image_request& req, diagnostics& diag,
                      CompletionToken&& token = boost::asio::default_completion_token_t<Executor>{})
    {
        diag.clear();
        return start<detail::decode_create>(
            [&](error_code& ec, diagnostics& d) { return detail::make_create_request(opts_, req, ec, d); }, &diag,
            std::forward<CompletionToken>(token));
    }
    template <class CompletionToken = boost::asio::default_completion_token_t<Executor>>
    auto async_create(const image_request& req,
                      CompletionToken&& token = boost::asio::default_completion_token_t<Executor>{})
    {
        return start<detail::decode_create>(
            [&](error_code& ec, diagnostics& d) { return detail::make_create_request(opts_, req, ec, d); }, nullptr,
            std::forward<CompletionToken>(token));
    }
    std::vector<image_task> create(const image_request& req, error_code& ec, diagnostics& diag)
    {
        return run_sync<std::vector<image_task>>(
            [&](auto&& h) { async_create(req, diag, std::move(h)); }, ec);
    }
    std::vector<image_task> create(const image_request& req, error_code& ec)
    {
        diagnostics diag;
        return create(req, ec, diag);
    }
    std::vector<image_task> create(const image_request& req)
    {
        error_code ec;
        diagnostics diag;
        auto r = create(req, ec, diag);
        throw_on_error(ec, diag);
        return r;
    }

    // ---- get result --------------------------------------------------------------------

    /// Reads a task's state (`infobymodelid`). Handler: `void(error_code, image_result)`.
    template <class CompletionToken = boost::asio::default_completion_token_t<Executor>>
    auto async_get_result(std::string_view task_id, diagnostics& diag,
                          CompletionToken&& token = boost::asio::default_completion_token_t<Executor>{})
    {
        diag.clear();
        return start<detail::decode_result>(
            [&](error_code& ec, diagnostics& d) { return detail::make_result_request(opts_, task_id, ec, d); }, &diag,
            std::forward<CompletionToken>(token));
    }
    template <class CompletionToken = boost::asio::default_completion_token_t<Executor>>
    auto async_get_result(std::string_view task_id,
                          CompletionToken&& token = boost::asio::default_completion_token_t<Executor>{})
    {
        return start<detail::decode_result>(
            [&](error_code& ec, diagnostics& d) { return detail::make_result_request(opts_, task_id, ec, d); },
            nullptr, std::forward<CompletionToken>(token));
    }
    image_result get_result(std::string_view task_id, error_code& ec, diagnostics& diag)
    {
        return run_sync<image_result>([&](auto&& h) { async_get_result(task_id, diag, std::move(h)); }, ec);
    }
    image_result get_result(std::string_view task_id, error_code& ec)
    {
        diagnostics diag;
        return get_result(task_id, ec, diag);
    }
    image_result get_result(std::string_view task_id)
    {
        error_code ec;
        diagnostics diag;
        auto r = get_result(task_id, ec, diag);
        throw_on_error(ec, diag);
        return r;
    }

    // ---- get token ---------------------------------------------------------------------

    /// Exchanges client credentials for a bearer token (`getToken`). It does not install the
    /// token: call `set_token` with it. Handler: `void(error_code, std::string)`.
    template <class CompletionToken = boost::asio::default_completion_token_t<Executor>>
    auto async_get_token(const client_credentials& creds, diagnostics& diag,
                         CompletionToken&& token = boost::asio::default_completion_token_t<Executor>{})
    {
        diag.clear();
        return start<detail::decode_token>(
            [&](error_code& ec, diagnostics& d) { return detail::make_token_request(opts_, creds, ec, d); }, &diag,
            std::forward<CompletionToken>(token));
    }
    template <class CompletionToken = boost::asio::default_completion_token_t<Executor>>
    auto async_get_token(const client_credentials& creds,
                         CompletionToken&& token = boost::asio::default_completion_token_t<Executor>{})
    {
        return start<detail::decode_token>(
            [&](error_code& ec, diagnostics& d) { return detail::make_token_request(opts_, creds, ec, d); }, nullptr,
            std::forward<CompletionToken>(token));
    }
    std::string get_token(const client_credentials& creds, error_code& ec, diagnostics& diag)
    {
        return run_sync<std::string>([&](auto&& h) { async_get_token(creds, diag, std::move(h)); }, ec);
    }
    std::string get_token(const client_credentials& creds, error_code& ec)
    {
        diagnostics diag;
        return get_token(creds, ec, diag);
    }
    std::string get_token(const client_credentials& creds)
    {
        error_code ec;
        diagnostics diag;
        auto r = get_token(creds, ec, diag);
        throw_on_error(ec, diag);
        return r;
    }

private:
    template <class Decode, class Build, class CompletionToken>
    auto start(Build&& build, diagnostics* user_diag, CompletionToken&& token)
    {
        using op = detail::exchange_op<Transport, Decode>;
        using result_type = typename op::result_type;
        op o{&transport_, http_request{}, error_code{}, user_diag, diagnostics{}, true};
        // Build eagerly: the caller's arguments need not outlive this call.
        o.request = build(o.build_ec, o.diag());
        o.replay_safe = o.request.replay_safe;
        return boost::asio::async_compose<CompletionToken, void(error_code, result_type)>(
            std::move(o), token, ex_, transport_.get_executor());
    }

    template <class R, class Initiate>
    R run_sync(Initiate&& initiate, error_code& ec)
    {
        static_assert(detail::has_io_context<Executor>::value,
                      "the synchronous forms need an executor of an io_context; use the async forms otherwise");
        boost::asio::io_context& ioc = boost::asio::query(ex_, boost::asio::execution::context);
        std::optional<R> out;
        initiate([&](error_code e, R r) {
            ec = e;
            out.emplace(std::move(r));
        });
        int idle_rounds = 0;
        while (!out) {
            if (ioc.stopped()) ioc.restart();
            if (ioc.run_one() == 0 && !out && ++idle_rounds > 1) {
                ec = boost::asio::error::shut_down;  // nothing left to run: the context was stopped
                return R{};
            }
        }
        return std::move(*out);
    }

    Executor ex_;
    Transport transport_;
    client_options opts_;
};

} // namespace akool

#endif
