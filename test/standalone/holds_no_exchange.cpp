// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
// Compiled, not run (part of akool_standalone_headers): a header-only TU that holds clients
// and starts no operation compiles no exchange. The Beast transport's exchange operation is
// declared below, for the executors these clients use, as explicit specializations that are
// never defined: anything in this TU that needed it (a synchronous form compiled whether
// called or not, the transport concept's check instantiating async_send) fails the build.
// The same holds for a transport of one's own: `held_transport`'s async_send fails to compile
// if anything instantiates it (the completion check belongs to the operations that send).
#include <akool/detail/beast_send_op.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>

namespace akool {
namespace detail {
using ioc_executor = boost::asio::io_context::executor_type;
template <>
class beast_send_op<boost::asio::any_io_executor, boost::asio::any_io_executor>;  // akool::client's
template <>
class beast_send_op<ioc_executor, ioc_executor>;  // akool::beast_transport's async_send
template <>
class beast_send_op<ioc_executor, boost::asio::any_io_executor>;  // its blocking send
} // namespace detail
} // namespace akool

#include <akool/akool.hpp>

namespace {
// A transport whose async_send names its return type and must never be instantiated here.
struct held_transport {
    using executor_type = akool::detail::ioc_executor;
    executor_type ex;
    executor_type get_executor() const { return ex; }
    template <class Handler>
    void async_send(akool::http_request&&, Handler&&)
    {
        static_assert(sizeof(Handler) == 0, "a TU that only holds a client compiled async_send");
    }
    void send(const akool::http_request&, akool::http_response&, akool::error_code&) {}
};

struct image_service {
    boost::asio::io_context ioc;
    akool::client client{ioc.get_executor(), akool::client_options{}};
    akool::basic_client<akool::beast_transport> basic{akool::beast_transport(ioc.get_executor())};
    akool::basic_client<held_transport> own{held_transport{ioc.get_executor()}};
};
} // namespace

void akool_standalone_holds_no_exchange()
{
    image_service s;
    (void)s;
}
