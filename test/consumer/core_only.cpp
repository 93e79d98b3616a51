// Builds, validates and encodes requests with the core headers only (akool::core target).
// Prints the encoded body of a valid request, then one line per issue of an invalid one.
#include <akool/json.hpp>
#include <akool/model.hpp>
#include <akool/validate.hpp>

#include <iostream>

int main()
{
    auto ok = akool::image_request::text_to_image("A lighthouse in a storm");
    ok.batch_quantity = 2;
    if (!akool::validate(ok).empty()) return 1;
    std::cout << akool::encode_image_request(ok) << "\n";

    auto bad = akool::image_request::text_to_image("   ");
    bad.batch_quantity = 5;
    bad.scale = akool::image_scale::original;  // only for image-to-image
    for (const auto& issue : akool::validate(bad))
        std::cout << issue.field << ": " << issue.message << "\n";
    return 0;
}
