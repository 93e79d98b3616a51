// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
// Must not compile (run.sh): a transport without the blocking send
// expect-c++17: missing the blocking `send(
// expect-c++20: transport_has_blocking_send
#include <akool/client.hpp>
#include <boost/asio/io_context.hpp>
using ex_t = boost::asio::io_context::executor_type;
struct bad_transport {
    using executor_type = ex_t;
    ex_t ex;
    ex_t get_executor() const { return ex; }
    template <class H>
    void async_send(akool::http_request&&, H&&) {}
};
int main()
{
    boost::asio::io_context ioc;
    akool::basic_client<bad_transport> client(bad_transport{ioc.get_executor()});
}
