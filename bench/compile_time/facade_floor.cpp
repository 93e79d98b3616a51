// Compile-time TU (bench/compile-time.sh): the floor under facade.cpp, the headers its
// interface cannot do without and no akool header: boost::system::error_code (every
// operation's error form), std::function (progress callbacks), std::unique_ptr (the pimpl),
// the std containers of its values, and the <iostream> facade.cpp prints with. What
// facade.cpp costs above this is akool's share.
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

int main()
{
    std::function<void(int)> on_progress = [](int n) { std::cout << n << "\n"; };
    auto paths = std::make_unique<std::vector<std::string>>();
    std::optional<std::chrono::seconds> retry_after;
    boost::system::error_code ec;
    if (const char* key = std::getenv("AKOOL_API_KEY")) paths->push_back(key);
    on_progress(static_cast<int>(paths->size()));
    if (ec) {
        std::cerr << ec.message() << "\n";
        return 1;
    }
    for (const auto& p : *paths) std::cout << p << (retry_after ? "" : "\n");
}
