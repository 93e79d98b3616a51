// Copyright (c) 2026 akool-cpp developers. Distributed under the Boost Software License 1.0.
#ifndef AKOOL_DETAIL_REPEATED_ID_HPP
#define AKOOL_DETAIL_REPEATED_ID_HPP

// The one check that a batch's task ids are distinct, for the create reply's decoder and the
// batch journal (apart from model.hpp, so that core TUs do not pay for <algorithm>).

#include <algorithm>
#include <cstddef>
#include <string_view>
#include <utility>
#include <vector>

namespace akool {
namespace detail {

// Whether two of the `n` ids `id_at(0)` ... `id_at(n - 1)` are equal (a task id becomes a file
// name and a journal key, so one batch must not hold it twice). When they are, `first <
// second` index the repeat that `second` makes earliest, `first` the nearest earlier one.
// A batch the service makes (at most 4) is compared pair by pair, without allocating; a
// longer list (a hostile reply) is sorted, O(n log n).
template <class IdAt>
bool find_repeated_id(std::size_t n, IdAt id_at, std::size_t& first, std::size_t& second)
{
    constexpr std::size_t pairwise_up_to = 16;
    if (n <= pairwise_up_to) {
        for (std::size_t s = 1; s < n; ++s)
            for (std::size_t f = s; f-- > 0;)
                if (std::string_view(id_at(f)) == std::string_view(id_at(s))) {
                    first = f;
                    second = s;
                    return true;
                }
        return false;
    }
    std::vector<std::pair<std::string_view, std::size_t>> sorted;
    sorted.reserve(n);
    for (std::size_t i = 0; i < n; ++i) sorted.emplace_back(id_at(i), i);
    std::sort(sorted.begin(), sorted.end());  // equal ids sit together, by index
    bool found = false;
    for (std::size_t i = 1; i < sorted.size(); ++i) {
        if (sorted[i].first != sorted[i - 1].first || (found && sorted[i].second >= second)) continue;
        first = sorted[i - 1].second;  // equal ids sorted by index: i - 1 is the nearest earlier one
        second = sorted[i].second;
        found = true;
    }
    return found;
}

} // namespace detail
} // namespace akool

#endif
