// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
// Must not compile (run.sh): the Beast transport, header-only, without exceptions (Boost 1.81's
// Beast throws): the message says so, and what serves such code, before Beast's own errors
// flags: -fno-exceptions
// expect-c++17: akool: the Beast transport and akool::client need C++ exceptions
// expect-c++20: akool: the Beast transport and akool::client need C++ exceptions
#include <akool/beast_transport.hpp>
