// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
// Must not compile (run.sh): a transport completing without error_code
// expect-c++17: async_send must complete its handler with (error_code, http_response)
// expect-c++20: async_send must complete its handler with (error_code, http_response)
#include "transport_check.hpp"
struct bad_transport {
    using executor_type = ex_t;
    ex_t ex;
    ex_t get_executor() const { return ex; }
    template <class H>
    void async_send(akool::http_request&&, H&& h)  // completes with the response alone
    {
        boost::asio::post(ex, boost::asio::append(std::forward<H>(h), akool::http_response{}));
    }
    void send(const akool::http_request&, akool::http_response&, akool::error_code&) {}
};
int main() { make_client<bad_transport>(); }
