// Compile-time TU (bench/compile-time.sh): the floor under core.cpp, the standard headers
// the core's model, validator and encoder are written with (strings, vectors, optionals,
// std::array, std::to_chars) and no akool header. What core.cpp costs above this is akool's
// share.
#include <array>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

int main()
{
    std::vector<std::string> images{"https://example.com/a.png"};
    std::optional<int> batch_quantity = 2;
    std::array<char, 24> digits{};
    auto r = std::to_chars(digits.data(), digits.data() + digits.size(), *batch_quantity);
    std::string body = "{\"prompt\":\"A lighthouse in a storm\",\"batch_quantity\":";
    body.append(digits.data(), static_cast<std::size_t>(r.ptr - digits.data()));
    body += images.empty() ? "}" : ",\"source_images\":[\"" + images.front() + "\"]}";
    std::fwrite(body.data(), 1, body.size(), stdout);
    return 0;
}
