// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
// The library's non-template code, compiled once for compiled_mode.cpp.
#include <akool/src.hpp>
