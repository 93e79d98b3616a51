// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
// Owner of a precompiled header shared by the test executables (CMake REUSE_FROM).
