// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
// Must compile (run.sh): the control case, a transport with every member, so that the
// failures of the other files come from the member each one lacks.
// expect-c++17:
// expect-c++20:
#include "transport_check.hpp"
struct bad_transport {  // the name the other files use; nothing is wrong with this one
    using executor_type = ex_t;
    ex_t ex;
    ex_t get_executor() const { return ex; }
    template <class H>
    void async_send(akool::http_request&&, H&& h)
    {
        boost::asio::post(ex, boost::asio::append(std::forward<H>(h), akool::error_code{}, akool::http_response{}));
    }
    void send(const akool::http_request&, akool::http_response&, akool::error_code&) {}
};
int main() { make_client<bad_transport>(); }
