// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
// Must not compile (run.sh): a transport without executor_type
// expect-c++17: missing member type `executor_type`
// expect-c++20: transport_has_executor_type
#include "transport_check.hpp"
struct bad_transport {
    ex_t ex;
    ex_t get_executor() const { return ex; }
    template <class H>
    void async_send(akool::http_request&&, H&&) {}
    void send(const akool::http_request&, akool::http_response&, akool::error_code&) {}
};
int main() { make_client<bad_transport>(); }
