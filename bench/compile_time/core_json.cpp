// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
// Compile-time TU "core_json" (bench/compile-time.sh): core.cpp through <akool/json.hpp>,
// which also declares (and in header-only mode defines) the Boost.JSON decoders.
#include <akool/json.hpp>

#include "core.cpp"
