// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_DETAIL_ABI_CHECK_HPP
#define AKOOL_DETAIL_ABI_CHECK_HPP

// The compiled mode's link-time check of the settings a TU shares with the compiled library.
// A setting that changes the layout of a type both use must be the library's, or the program
// corrupts memory with no build error (a TU with _GLIBCXX_DEBUG crashed through the Asio-free
// facade; with Asio in the TU, abi_check_asio.hpp has more). Each TU refers, per setting, to
// a symbol named by its own value; <akool/src.hpp> defines the library's. A mismatch fails to
// link and names the setting: "undefined reference to `akool::detail::abi::glibcxx_debug_on'".
// g++ and clang++ only (the reference is a `used` variable of each TU); none in header-only
// mode, where there is no library to disagree with.

#if defined(_GLIBCXX_DEBUG)
#define AKOOL_ABI_STD(X) X(glibcxx_debug_on)
#else
#define AKOOL_ABI_STD(X) X(glibcxx_debug_off)
#endif

// In a TU: a reference the linker must resolve.
#define AKOOL_ABI_REFER(name)                                                                    \
    namespace akool { namespace detail { namespace abi {                                        \
    extern const char name;                                                                      \
    __attribute__((used)) static const char* const ref_##name = &name;                           \
    } } }
// In <akool/src.hpp>: the library's own values.
#define AKOOL_ABI_DEFINE(name)                                                                   \
    namespace akool { namespace detail { namespace abi {                                        \
    extern const char name;                                                                      \
    const char name = 0;                                                                         \
    } } }

#if defined(AKOOL_SEPARATE_COMPILATION) && (defined(__GNUC__) || defined(__clang__))
#define AKOOL_ABI_CHECKED 1
AKOOL_ABI_STD(AKOOL_ABI_REFER)
#endif

#endif
