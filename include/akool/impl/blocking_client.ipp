// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_IMPL_BLOCKING_CLIENT_IPP
#define AKOOL_IMPL_BLOCKING_CLIENT_IPP

// blocking_client: the client's asynchronous operations, each started with a cancellation
// slot and run to its end by the calling thread on a private io_context. cancel() posts the
// terminal cancellation there, tagged with the call it was meant for, so that a late cancel
// never reaches the next call.

#include <akool/beast_client.hpp>
#include <akool/blocking_client.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <chrono>
#include <exception>
#include <functional>
#include <mutex>
#include <utility>

namespace akool {

struct blocking_client::impl {
    boost::asio::io_context ioc{1};
    client c;
    boost::asio::cancellation_signal signal;
    std::mutex mtx;               // guards `call`, `running` and `stopped` against cancel() and stop()
    std::uint64_t call = 0;       // the number of the running (or last) call
    bool running = false;
    bool stopped = false;         // stop() was called, restart() not since
    std::exception_ptr thrown;    // the first exception a callback threw in the running call

    impl(client_options opts, beast_transport_options topts)
        : c(ioc, guard_on_exchange(std::move(opts), this), std::move(topts))
    {
    }

    // `f` as the operations call it: an exception it throws never unwinds through an
    // operation (one left without its handler would never end: a generate waiting for a poll
    // that is gone); it is kept, the call is cancelled (terminal, posted), and run() throws it
    // once the operation has ended. Without exceptions, `f` itself.
    template <class Arg>
    std::function<void(const Arg&)> guarded(std::function<void(const Arg&)> f)
    {
#ifndef BOOST_NO_EXCEPTIONS
        if (!f) return f;
        return [this, f = std::move(f)](const Arg& a) {
            try {
                f(a);
            } catch (...) {
                if (!thrown) {
                    thrown = std::current_exception();
                    cancel();
                }
            }
        };
#else
        return f;
#endif
    }
    static client_options guard_on_exchange(client_options opts, impl* self)
    {
        opts.on_exchange = self->guarded(std::move(opts.on_exchange));
        return opts;
    }
    wait_options guard(wait_options o)
    {
        o.on_progress = guarded(std::move(o.on_progress));
        return o;
    }
    download_options guard(download_options o)
    {
        o.on_progress = guarded(std::move(o.on_progress));
        return o;
    }
    generate_options guard(generate_options o)
    {
        o.wait = guard(std::move(o.wait));
        o.download_limits = guard(std::move(o.download_limits));
        return o;
    }

    // Starts one asynchronous operation with `start(handler)` and runs the io_context on this
    // thread until its handler has run; returns the handler's value, the error in `ec` (and
    // `diag`, which the operation fills). After stop(), starts nothing.
    template <class R, class Start>
    R run(Start&& start, error_code& ec, diagnostics& diag)
    {
        R result{};
        bool done = false;
        ioc.restart();
        {
            // Before the start: a cancel() from now on is posted, and runs inside run_one below.
            std::lock_guard<std::mutex> lock(mtx);
            if (stopped) {
                ec = boost::asio::error::operation_aborted;
                diag.clear();
                diag.client_message = "the client is stopped (blocking_client::stop()): nothing was sent";
                return result;
            }
            ++call;
            running = true;
        }
        thrown = nullptr;
        std::forward<Start>(start)(boost::asio::bind_cancellation_slot(signal.slot(), [&](error_code e, R r) {
            ec = e;
            result = std::move(r);
            done = true;
        }));
#ifdef BOOST_NO_EXCEPTIONS
        while (!done && ioc.run_one() != 0) {
        }
#else
        try {
            while (!done && ioc.run_one() != 0) {
            }
        } catch (...) {
            // Something threw out of run_one (not a callback of the options: they are guarded):
            // end the operation, whose handler refers to this frame, before the exception
            // leaves it. An operation the exception unwound may never end: give up when
            // nothing has happened for a second.
            signal.emit(boost::asio::cancellation_type::terminal);
            for (;;) {
                try {
                    if (done || ioc.run_one_for(std::chrono::seconds(1)) == 0) break;
                } catch (...) {
                }
            }
            finish();
            throw;
        }
#endif
        finish();
        if (!done) ec = boost::asio::error::operation_aborted;  // cannot happen: the operation always completes
#ifndef BOOST_NO_EXCEPTIONS
        if (thrown) std::rethrow_exception(std::exchange(thrown, nullptr));  // a callback's (guarded)
#endif
        return result;
    }

    void finish()
    {
        {
            std::lock_guard<std::mutex> lock(mtx);
            running = false;
        }
        signal.slot().clear();
    }

    void cancel() noexcept
    {
        std::lock_guard<std::mutex> lock(mtx);
        cancel_locked();
    }

    // stop() (true) or restart() (false).
    void set_stopped(bool value) noexcept
    {
        std::lock_guard<std::mutex> lock(mtx);
        stopped = value;
        if (value) cancel_locked();
    }

    // Cancels the running call, if any; `mtx` is held.
    void cancel_locked() noexcept
    {
        if (!running) return;
        boost::asio::post(ioc, [this, which = call] {
            // Runs on the calling thread, inside run(): emit only for the call cancel() saw.
            std::uint64_t now;
            {
                std::lock_guard<std::mutex> l(mtx);
                now = call;
            }
            if (now == which) signal.emit(boost::asio::cancellation_type::terminal);
        });
    }
};

AKOOL_DECL blocking_client::blocking_client() : blocking_client(client_options{}, beast_transport_options{}) {}

AKOOL_DECL blocking_client::blocking_client(const client_options& opts) : blocking_client(opts, beast_transport_options{})
{
}

AKOOL_DECL blocking_client::blocking_client(const client_options& opts, const beast_transport_options& topts)
    : impl_(std::make_unique<impl>(opts, topts))
{
}

AKOOL_DECL blocking_client::~blocking_client() = default;
AKOOL_DECL blocking_client::blocking_client(blocking_client&&) noexcept = default;
AKOOL_DECL blocking_client& blocking_client::operator=(blocking_client&&) noexcept = default;

AKOOL_DECL void blocking_client::set_api_key(std::string key) { impl_->c.set_api_key(std::move(key)); }
AKOOL_DECL void blocking_client::set_token(std::string token) { impl_->c.set_token(std::move(token)); }
AKOOL_DECL const retry_policy& blocking_client::get_retry_policy() const noexcept { return impl_->c.get_retry_policy(); }
AKOOL_DECL void blocking_client::set_retry_policy(const retry_policy& p) { impl_->c.set_retry_policy(p); }

AKOOL_DECL void blocking_client::cancel() noexcept
{
    if (impl_) impl_->cancel();
}

AKOOL_DECL void blocking_client::stop() noexcept
{
    if (impl_) impl_->set_stopped(true);
}

AKOOL_DECL void blocking_client::restart() noexcept
{
    if (impl_) impl_->set_stopped(false);
}

AKOOL_DECL bool blocking_client::stopped() const noexcept
{
    if (!impl_) return false;
    std::lock_guard<std::mutex> lock(impl_->mtx);
    return impl_->stopped;
}

AKOOL_DECL std::vector<image_task> blocking_client::create(const image_request& req, error_code& ec,
                                                           diagnostics& diag)
{
    return impl_->run<std::vector<image_task>>([&](auto h) { impl_->c.async_create(req, diag, std::move(h)); }, ec,
                                               diag);
}

AKOOL_DECL std::vector<image_task> blocking_client::create(const image_request& req, error_code& ec)
{
    diagnostics diag;
    return create(req, ec, diag);
}

AKOOL_DECL std::vector<image_task> blocking_client::create(const image_request& req)
{
    return detail::call_or_throw([&](error_code& ec, diagnostics& d) { return create(req, ec, d); });
}

AKOOL_DECL image_result blocking_client::get_result(std::string_view task_id, error_code& ec, diagnostics& diag)
{
    return impl_->run<image_result>([&](auto h) { impl_->c.async_get_result(task_id, diag, std::move(h)); }, ec, diag);
}

AKOOL_DECL image_result blocking_client::get_result(std::string_view task_id, error_code& ec)
{
    diagnostics diag;
    return get_result(task_id, ec, diag);
}

AKOOL_DECL image_result blocking_client::get_result(std::string_view task_id)
{
    return detail::call_or_throw([&](error_code& ec, diagnostics& d) { return get_result(task_id, ec, d); });
}

AKOOL_DECL std::string blocking_client::get_token(const client_credentials& creds, error_code& ec, diagnostics& diag)
{
    return impl_->run<std::string>([&](auto h) { impl_->c.async_get_token(creds, diag, std::move(h)); }, ec, diag);
}

AKOOL_DECL std::string blocking_client::get_token(const client_credentials& creds, error_code& ec)
{
    diagnostics diag;
    return get_token(creds, ec, diag);
}

AKOOL_DECL std::string blocking_client::get_token(const client_credentials& creds)
{
    return detail::call_or_throw([&](error_code& ec, diagnostics& d) { return get_token(creds, ec, d); });
}

AKOOL_DECL image_result blocking_client::wait(std::string task_id, const wait_options& opts, error_code& ec,
                                              diagnostics& diag)
{
    return impl_->run<image_result>(
        [&](auto h) { impl_->c.async_wait(std::move(task_id), impl_->guard(opts), diag, std::move(h)); }, ec, diag);
}

AKOOL_DECL image_result blocking_client::wait(std::string task_id, const wait_options& opts, error_code& ec)
{
    diagnostics diag;
    return wait(std::move(task_id), opts, ec, diag);
}

AKOOL_DECL image_result blocking_client::wait(std::string task_id, const wait_options& opts)
{
    return detail::call_or_throw(
        [&](error_code& ec, diagnostics& d) { return wait(std::move(task_id), opts, ec, d); });
}

AKOOL_DECL std::vector<generated_image> blocking_client::generate(const image_request& req,
                                                                  const generate_options& opts, error_code& ec,
                                                                  diagnostics& diag)
{
    return impl_->run<std::vector<generated_image>>(
        [&](auto h) { impl_->c.async_generate(req, impl_->guard(opts), diag, std::move(h)); }, ec, diag);
}

AKOOL_DECL std::vector<generated_image> blocking_client::generate(const image_request& req,
                                                                  const generate_options& opts, error_code& ec)
{
    diagnostics diag;
    return generate(req, opts, ec, diag);
}

AKOOL_DECL std::vector<generated_image> blocking_client::generate(const image_request& req,
                                                                  const generate_options& opts)
{
    return detail::call_or_throw(
        [&](error_code& ec, diagnostics& d) { return generate(req, opts, ec, d); });
}

AKOOL_DECL std::string blocking_client::download(std::string url, const download_options& opts, error_code& ec,
                                                 diagnostics& diag)
{
    return impl_->run<std::string>(
        [&](auto h) { impl_->c.async_download(std::move(url), impl_->guard(opts), diag, std::move(h)); }, ec, diag);
}

AKOOL_DECL std::string blocking_client::download(std::string url, const download_options& opts, error_code& ec)
{
    diagnostics diag;
    return download(std::move(url), opts, ec, diag);
}

AKOOL_DECL std::string blocking_client::download(std::string url, const download_options& opts)
{
    return detail::call_or_throw(
        [&](error_code& ec, diagnostics& d) { return download(std::move(url), opts, ec, d); });
}

AKOOL_DECL std::uint64_t blocking_client::download_to_file(std::string url, std::string path,
                                                           const download_options& opts, error_code& ec,
                                                           diagnostics& diag)
{
    return impl_->run<std::uint64_t>(
        [&](auto h) {
            impl_->c.async_download_to_file(std::move(url), std::move(path), impl_->guard(opts), diag,
                                            std::move(h));
        },
        ec, diag);
}

AKOOL_DECL std::uint64_t blocking_client::download_to_file(std::string url, std::string path,
                                                           const download_options& opts, error_code& ec)
{
    diagnostics diag;
    return download_to_file(std::move(url), std::move(path), opts, ec, diag);
}

AKOOL_DECL std::uint64_t blocking_client::download_to_file(std::string url, std::string path,
                                                           const download_options& opts)
{
    return detail::call_or_throw([&](error_code& ec, diagnostics& d) {
        return download_to_file(std::move(url), std::move(path), opts, ec, d);
    });
}

} // namespace akool

#endif
