// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
// The library's non-template code, compiled once for compiled_mode.cpp. Also the standalone
// check of <akool/src.hpp> and <akool/src_webhook.hpp>: each compiles on its own and survives a second inclusion.
#include <akool/src.hpp>
#include <akool/src.hpp>
#include <akool/src_webhook.hpp>
#include <akool/src_webhook.hpp>
