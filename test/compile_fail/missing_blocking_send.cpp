// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
// Must not compile (run.sh): a transport without the blocking send
// expect-c++17: missing the blocking `send(
// expect-c++20: transport_has_blocking_send
#include "transport_check.hpp"
struct bad_transport {
    using executor_type = ex_t;
    ex_t ex;
    ex_t get_executor() const { return ex; }
    template <class H>
    void async_send(akool::http_request&&, H&&) {}
};
int main() { make_client<bad_transport>(); }
