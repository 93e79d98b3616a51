// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
// Must not compile (run.sh): a transport without async_send
// expect-c++17: missing `async_send(http_request&&, Handler&&)`
// expect-c++20: transport_has_async_send
#include "transport_check.hpp"
struct bad_transport {
    using executor_type = ex_t;
    ex_t ex;
    ex_t get_executor() const { return ex; }
    void send(const akool::http_request&, akool::http_response&, akool::error_code&) {}
};
int main() { make_client<bad_transport>(); }
