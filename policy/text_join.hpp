#pragma once
// Lists in messages and tables: the items with a separator between each two.

#include <string>
#include <string_view>
#include <vector>

namespace policy {

inline std::string join(const std::vector<std::string>& items, std::string_view separator = ", ") {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0) {
            out += separator;
        }
        out += items[i];
    }
    return out;
}

} // namespace policy
