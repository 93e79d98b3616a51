// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
//
// Compiled with -fno-exceptions (test/standalone/CMakeLists.txt and meson.build): everything but the
// Beast transport builds for a user without exceptions (an engine with its own transport), who calls
// the error_code forms and provides boost::throw_exception. Boost 1.81's Beast itself does not
// compile without exceptions (a bare `throw` in beast/core/impl/buffers_cat.hpp), so
// beast_transport.hpp, akool.hpp, beast_client.hpp and blocking_client.hpp (header-only: they
// include the transport) are left out: they stop with an #error (detail/needs_exceptions.hpp).
// The facade in the compiled mode serves such code: no_exceptions_facade.cpp.
#include <akool/batch_journal.hpp>
#include <akool/client.hpp>
#include <akool/diagnostics.hpp>
#include <akool/error.hpp>
#include <akool/fake_transport.hpp>
#include <akool/json.hpp>
#include <akool/model.hpp>
#include <akool/validate.hpp>
#include <akool/webhook.hpp>
#include <akool/workflow.hpp>

#include <boost/asio/io_context.hpp>

#include <cstdlib>

namespace boost {
void throw_exception(const std::exception&) { std::abort(); }
void throw_exception(const std::exception&, const boost::source_location&) { std::abort(); }
} // namespace boost

// The error_code forms, instantiated as such a user calls them.
void akool_no_exceptions_use(const akool::image_request& req, const std::string& callback)
{
    boost::asio::io_context ioc;
    akool::client_options opts;
    opts.api_key = "key";
    using fake = akool::basic_fake_transport<boost::asio::io_context::executor_type>;
    akool::basic_client<fake> client(fake(ioc.get_executor()), opts);
    akool::error_code ec;
    akool::diagnostics diag;
    auto tasks = client.create(req, ec, diag);
    if (!ec && !tasks.empty()) (void)client.get_result(tasks.front().id, ec, diag);
    akool::generate_options gen;
    (void)client.generate(req, gen, ec, diag);
    (void)akool::verify_webhook(callback, akool::client_credentials{"0123456789abcdef", "0123456789abcdef01234567"},
                               akool::webhook_options{}, ec);
}
