// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_IMPL_BEAST_CLIENT_IPP
#define AKOOL_IMPL_BEAST_CLIENT_IPP

// akool::client: each member forwards to one basic_client over the Beast transport on an
// any_io_executor, so the client's templates are instantiated here once, for one handler
// type (any_completion_handler of each signature).

#include <akool/beast_client.hpp>
#include <akool/beast_transport.hpp>
#include <akool/client.hpp>

#include <utility>

namespace akool {

namespace detail {
// The basic_client of `st`, as an expression that depends on `Deferred`.
template <class Deferred, class Impl>
auto& client_of(Impl& st) noexcept
{
    return st.c;
}
} // namespace detail

struct client::impl {
    basic_client<basic_beast_transport<boost::asio::any_io_executor>, boost::asio::any_io_executor> c;

    impl(executor_type ex, client_options opts, beast_transport_options topts)
        : c(basic_beast_transport<boost::asio::any_io_executor>(std::move(ex), std::move(topts)), std::move(opts))
    {
    }
};

AKOOL_DECL client::client(executor_type ex, client_options opts, beast_transport_options topts)
    : impl_(std::make_shared<impl>(std::move(ex), std::move(opts), std::move(topts)))
{
}

AKOOL_DECL client::~client() = default;
AKOOL_DECL client::client(client&&) noexcept = default;
AKOOL_DECL client& client::operator=(client&&) noexcept = default;

AKOOL_DECL client::executor_type client::get_executor() const noexcept { return impl_->c.get_executor(); }
AKOOL_DECL basic_beast_transport<client::executor_type>& client::transport() noexcept { return impl_->c.transport(); }
AKOOL_DECL const client_options& client::options() const noexcept { return impl_->c.options(); }
AKOOL_DECL void client::set_api_key(std::string key) { impl_->c.set_api_key(std::move(key)); }
AKOOL_DECL void client::set_token(std::string token) { impl_->c.set_token(std::move(token)); }
AKOOL_DECL const retry_policy& client::get_retry_policy() const noexcept { return impl_->c.get_retry_policy(); }
AKOOL_DECL void client::set_retry_policy(const retry_policy& p) { impl_->c.set_retry_policy(p); }
AKOOL_DECL rate_limits client::get_limits() const { return impl_->c.get_limits(); }
AKOOL_DECL void client::set_limits(const rate_limits& l) { impl_->c.set_limits(l); }
AKOOL_DECL void client::seed_jitter(unsigned seed) { impl_->c.seed_jitter(seed); }
AKOOL_DECL unsigned client::exchanges_in_flight() const { return impl_->c.exchanges_in_flight(); }

// ---- asynchronous operations: the basic_client operation, with the erased handler -------
// `detail::client_of<Deferred>(st)` makes each body's calls depend on the template parameter,
// so that nothing under them is compiled before the body is instantiated.

template <class Deferred>
AKOOL_DECL void client::launch_create(impl& st, handler<create_signature> h, const image_request& req,
                                      diagnostics* diag)
{
    auto& c = detail::client_of<Deferred>(st);
    if (diag)
        c.async_create(req, *diag, std::move(h));
    else
        c.async_create(req, std::move(h));
}

template <class Deferred>
AKOOL_DECL void client::launch_get_result(impl& st, handler<result_signature> h, const std::string& task_id,
                                          diagnostics* diag)
{
    auto& c = detail::client_of<Deferred>(st);
    if (diag)
        c.async_get_result(task_id, *diag, std::move(h));
    else
        c.async_get_result(task_id, std::move(h));
}

template <class Deferred>
AKOOL_DECL void client::launch_get_token(impl& st, handler<string_signature> h, const client_credentials& creds,
                                         diagnostics* diag)
{
    auto& c = detail::client_of<Deferred>(st);
    if (diag)
        c.async_get_token(creds, *diag, std::move(h));
    else
        c.async_get_token(creds, std::move(h));
}

template <class Deferred>
AKOOL_DECL void client::launch_wait(impl& st, handler<result_signature> h, std::string task_id, wait_options opts,
                                    diagnostics* diag)
{
    auto& c = detail::client_of<Deferred>(st);
    if (diag)
        c.async_wait(std::move(task_id), std::move(opts), *diag, std::move(h));
    else
        c.async_wait(std::move(task_id), std::move(opts), std::move(h));
}

template <class Deferred>
AKOOL_DECL void client::launch_generate(impl& st, handler<generate_signature> h, const image_request& req,
                                        generate_options opts, diagnostics* diag)
{
    auto& c = detail::client_of<Deferred>(st);
    if (diag)
        c.async_generate(req, std::move(opts), *diag, std::move(h));
    else
        c.async_generate(req, std::move(opts), std::move(h));
}

template <class Deferred>
AKOOL_DECL void client::launch_download(impl& st, handler<string_signature> h, std::string url,
                                        download_options opts, diagnostics* diag)
{
    auto& c = detail::client_of<Deferred>(st);
    if (diag)
        c.async_download(std::move(url), std::move(opts), *diag, std::move(h));
    else
        c.async_download(std::move(url), std::move(opts), std::move(h));
}

template <class Deferred>
AKOOL_DECL void client::launch_download_to_file(impl& st, handler<size_signature> h, std::string url,
                                                std::string path, download_options opts, diagnostics* diag)
{
    auto& c = detail::client_of<Deferred>(st);
    if (diag)
        c.async_download_to_file(std::move(url), std::move(path), std::move(opts), *diag, std::move(h));
    else
        c.async_download_to_file(std::move(url), std::move(path), std::move(opts), std::move(h));
}

// ---- synchronous operations ----------------------------------------------------------------

template <class Deferred>
AKOOL_DECL std::vector<image_task> client::create(const image_request& req, error_code& ec, diagnostics& diag)
{
    return detail::client_of<Deferred>(*impl_).create(req, ec, diag);
}
template <class Deferred>
AKOOL_DECL std::vector<image_task> client::create(const image_request& req, error_code& ec)
{
    return detail::client_of<Deferred>(*impl_).create(req, ec);
}
template <class Deferred>
AKOOL_DECL std::vector<image_task> client::create(const image_request& req)
{
    return detail::client_of<Deferred>(*impl_).create(req);
}

template <class Deferred>
AKOOL_DECL image_result client::get_result(std::string_view task_id, error_code& ec, diagnostics& diag)
{
    return detail::client_of<Deferred>(*impl_).get_result(task_id, ec, diag);
}
template <class Deferred>
AKOOL_DECL image_result client::get_result(std::string_view task_id, error_code& ec)
{
    return detail::client_of<Deferred>(*impl_).get_result(task_id, ec);
}
template <class Deferred>
AKOOL_DECL image_result client::get_result(std::string_view task_id)
{
    return detail::client_of<Deferred>(*impl_).get_result(task_id);
}

template <class Deferred>
AKOOL_DECL std::string client::get_token(const client_credentials& creds, error_code& ec, diagnostics& diag)
{
    return detail::client_of<Deferred>(*impl_).get_token(creds, ec, diag);
}
template <class Deferred>
AKOOL_DECL std::string client::get_token(const client_credentials& creds, error_code& ec)
{
    return detail::client_of<Deferred>(*impl_).get_token(creds, ec);
}
template <class Deferred>
AKOOL_DECL std::string client::get_token(const client_credentials& creds)
{
    return detail::client_of<Deferred>(*impl_).get_token(creds);
}

template <class Deferred>
AKOOL_DECL image_result client::wait(std::string task_id, wait_options opts, error_code& ec, diagnostics& diag)
{
    return detail::client_of<Deferred>(*impl_).wait(std::move(task_id), std::move(opts), ec, diag);
}
template <class Deferred>
AKOOL_DECL image_result client::wait(std::string task_id, wait_options opts, error_code& ec)
{
    return detail::client_of<Deferred>(*impl_).wait(std::move(task_id), std::move(opts), ec);
}
template <class Deferred>
AKOOL_DECL image_result client::wait(std::string task_id, wait_options opts)
{
    return detail::client_of<Deferred>(*impl_).wait(std::move(task_id), std::move(opts));
}

template <class Deferred>
AKOOL_DECL std::vector<generated_image> client::generate(const image_request& req, generate_options opts,
                                                         error_code& ec, diagnostics& diag)
{
    return detail::client_of<Deferred>(*impl_).generate(req, std::move(opts), ec, diag);
}
template <class Deferred>
AKOOL_DECL std::vector<generated_image> client::generate(const image_request& req, generate_options opts,
                                                         error_code& ec)
{
    return detail::client_of<Deferred>(*impl_).generate(req, std::move(opts), ec);
}
template <class Deferred>
AKOOL_DECL std::vector<generated_image> client::generate(const image_request& req, generate_options opts)
{
    return detail::client_of<Deferred>(*impl_).generate(req, std::move(opts));
}

template <class Deferred>
AKOOL_DECL std::string client::download(std::string url, download_options opts, error_code& ec, diagnostics& diag)
{
    return detail::client_of<Deferred>(*impl_).download(std::move(url), std::move(opts), ec, diag);
}
template <class Deferred>
AKOOL_DECL std::string client::download(std::string url, download_options opts, error_code& ec)
{
    return detail::client_of<Deferred>(*impl_).download(std::move(url), std::move(opts), ec);
}
template <class Deferred>
AKOOL_DECL std::string client::download(std::string url, download_options opts)
{
    return detail::client_of<Deferred>(*impl_).download(std::move(url), std::move(opts));
}

template <class Deferred>
AKOOL_DECL std::uint64_t client::download_to_file(std::string url, std::string path, download_options opts,
                                                  error_code& ec, diagnostics& diag)
{
    return detail::client_of<Deferred>(*impl_).download_to_file(std::move(url), std::move(path), std::move(opts), ec,
                                                                 diag);
}
template <class Deferred>
AKOOL_DECL std::uint64_t client::download_to_file(std::string url, std::string path, download_options opts,
                                                  error_code& ec)
{
    return detail::client_of<Deferred>(*impl_).download_to_file(std::move(url), std::move(path), std::move(opts), ec);
}
template <class Deferred>
AKOOL_DECL std::uint64_t client::download_to_file(std::string url, std::string path, download_options opts)
{
    return detail::client_of<Deferred>(*impl_).download_to_file(std::move(url), std::move(path), std::move(opts));
}

#ifdef AKOOL_SEPARATE_COMPILATION
// Compiled mode: each body once, here (header-only TUs instantiate the ones they start or
// call).
template void client::launch_create<void>(impl&, handler<create_signature>, const image_request&, diagnostics*);
template void client::launch_get_result<void>(impl&, handler<result_signature>, const std::string&, diagnostics*);
template void client::launch_get_token<void>(impl&, handler<string_signature>, const client_credentials&,
                                             diagnostics*);
template void client::launch_wait<void>(impl&, handler<result_signature>, std::string, wait_options, diagnostics*);
template void client::launch_generate<void>(impl&, handler<generate_signature>, const image_request&,
                                            generate_options, diagnostics*);
template void client::launch_download<void>(impl&, handler<string_signature>, std::string, download_options,
                                            diagnostics*);
template void client::launch_download_to_file<void>(impl&, handler<size_signature>, std::string, std::string,
                                                    download_options, diagnostics*);
template std::vector<image_task> client::create<void>(const image_request&, error_code&, diagnostics&);
template std::vector<image_task> client::create<void>(const image_request&, error_code&);
template std::vector<image_task> client::create<void>(const image_request&);
template image_result client::get_result<void>(std::string_view, error_code&, diagnostics&);
template image_result client::get_result<void>(std::string_view, error_code&);
template image_result client::get_result<void>(std::string_view);
template std::string client::get_token<void>(const client_credentials&, error_code&, diagnostics&);
template std::string client::get_token<void>(const client_credentials&, error_code&);
template std::string client::get_token<void>(const client_credentials&);
template image_result client::wait<void>(std::string, wait_options, error_code&, diagnostics&);
template image_result client::wait<void>(std::string, wait_options, error_code&);
template image_result client::wait<void>(std::string, wait_options);
template std::vector<generated_image> client::generate<void>(const image_request&, generate_options, error_code&,
                                                             diagnostics&);
template std::vector<generated_image> client::generate<void>(const image_request&, generate_options, error_code&);
template std::vector<generated_image> client::generate<void>(const image_request&, generate_options);
template std::string client::download<void>(std::string, download_options, error_code&, diagnostics&);
template std::string client::download<void>(std::string, download_options, error_code&);
template std::string client::download<void>(std::string, download_options);
template std::uint64_t client::download_to_file<void>(std::string, std::string, download_options, error_code&,
                                                      diagnostics&);
template std::uint64_t client::download_to_file<void>(std::string, std::string, download_options, error_code&);
template std::uint64_t client::download_to_file<void>(std::string, std::string, download_options);
#endif

} // namespace akool

#endif
