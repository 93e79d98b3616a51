// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
// Must not compile (run.sh): a transport without get_executor()
// expect-c++17: missing `executor_type get_executor()`
// expect-c++20: transport_has_get_executor
#include "transport_check.hpp"
struct bad_transport {
    using executor_type = ex_t;
    ex_t ex;
    template <class H>
    void async_send(akool::http_request&&, H&&) {}
    void send(const akool::http_request&, akool::http_response&, akool::error_code&) {}
};
int main() { make_client<bad_transport>(); }
