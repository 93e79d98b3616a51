// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_TEST_STALLED_DNS_HPP
#define AKOOL_TEST_STALLED_DNS_HPP

// A DNS server that does not answer, for one test program: while a stalled_dns::scope lives,
// the lookup of a name ending in ".stalled.test" blocks (at most 10 s), then fails; other
// names go to the system's getaddrinfo. The program's own getaddrinfo comes before the C
// library's, for Asio's calls too. Include this header in one source file of a program only
// (it defines getaddrinfo); Linux (glibc) only.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string_view>

#include <dlfcn.h>
#include <netdb.h>

namespace stalled_dns {

inline std::mutex mtx;
inline std::condition_variable cv;
inline bool released = true;
inline int lookups = 0;  // stalled lookups started since the scope began

// Stalls the lookups while it lives; they fail when it ends.
struct scope {
    scope()
    {
        std::lock_guard<std::mutex> lock(mtx);
        released = false;
        lookups = 0;
    }
    ~scope()
    {
        {
            std::lock_guard<std::mutex> lock(mtx);
            released = true;
        }
        cv.notify_all();
    }
    scope(const scope&) = delete;
    scope& operator=(const scope&) = delete;

    int started() const
    {
        std::lock_guard<std::mutex> lock(mtx);
        return lookups;
    }
};

} // namespace stalled_dns

extern "C" int getaddrinfo(const char* node, const char* service, const struct addrinfo* hints, struct addrinfo** res)
{
    const std::string_view name = node ? node : "";
    const std::string_view suffix = ".stalled.test";
    if (name.size() > suffix.size() && name.substr(name.size() - suffix.size()) == suffix) {
        std::unique_lock<std::mutex> lock(stalled_dns::mtx);
        ++stalled_dns::lookups;
        stalled_dns::cv.wait_for(lock, std::chrono::seconds(10), [] { return stalled_dns::released; });
        return EAI_NONAME;
    }
    using real_type = int (*)(const char*, const char*, const struct addrinfo*, struct addrinfo**);
    static const auto real = reinterpret_cast<real_type>(::dlsym(RTLD_NEXT, "getaddrinfo"));
    return real(node, service, hints, res);
}

#endif
