// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
// Must not compile (run.sh): akool::client in code built without exceptions, compiled mode (its
// library is built with them, and Asio's types differ without: a hang or worse at run time)
// flags: -fno-exceptions -DAKOOL_SEPARATE_COMPILATION
// expect-c++17: akool: the Beast transport and akool::client need C++ exceptions
// expect-c++20: akool: the Beast transport and akool::client need C++ exceptions
#include <akool/beast_client.hpp>
