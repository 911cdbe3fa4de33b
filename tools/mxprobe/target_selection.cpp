#include "tools/mxprobe/target_selection.hpp"

#include <algorithm>
#include <iostream>
#include <stdexcept>

namespace mxprobe {

namespace {

// FNV-1a, 64 bits: stable across runs, machines and versions, which std::hash is not.
std::uint64_t fnv1a(const std::string& s) {
    std::uint64_t h = 1469598103934665603ULL;
    for (unsigned char c : s) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    return h;
}

std::string trimmed(const std::string& line) {
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos) {
        return {};
    }
    const auto last = line.find_last_not_of(" \t\r");
    return line.substr(first, last - first + 1);
}

constexpr std::size_t max_line = 1024;

} // namespace

shard parse_shard(const std::string& text) {
    const auto slash = text.find('/');
    const auto bad = [&] {
        return std::invalid_argument("--shard must be K/N with 0 <= K < N (e.g. 0/4), not '" +
                                     text + "'");
    };
    if (slash == std::string::npos || slash == 0 || slash + 1 == text.size()) {
        throw bad();
    }
    const std::string k = text.substr(0, slash);
    const std::string n = text.substr(slash + 1);
    const auto digits = [](const std::string& s) {
        return s.size() <= 9 &&
               std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
    };
    if (!digits(k) || !digits(n)) {
        throw bad();
    }
    shard s{std::stoull(k), std::stoull(n)};
    if (s.count == 0 || s.index >= s.count) {
        throw bad();
    }
    return s;
}

bool in_shard(const std::string& domain, const shard& s) {
    return s.count <= 1 || fnv1a(domain) % s.count == s.index;
}

std::vector<scan_item> select_targets(const targets_file& file,
                                      const std::vector<std::string>& tags, const shard& s) {
    std::vector<scan_item> out;
    for (const auto& t : file.all_targets()) {
        const bool tagged =
            tags.empty() || std::any_of(tags.begin(), tags.end(), [&](const std::string& want) {
                return std::find(t.tags.begin(), t.tags.end(), want) != t.tags.end();
            });
        if (tagged && in_shard(t.domain, s)) {
            out.push_back({t.domain, domain_meta{t.name, t.role, t.tags}, t.overrides});
        }
    }
    return out;
}

domain_list_reader::domain_list_reader(const std::string& path, shard s)
    : path_(path), shard_(s), in_(path) {
    if (!in_) {
        throw std::runtime_error("cannot read the domain list " + path);
    }
    while (next_line_domain(false)) {
        ++total_;
    }
    in_.clear();
    in_.seekg(0);
    line_ = 0;
}

std::optional<std::string> domain_list_reader::next_line_domain(bool report) {
    std::string line;
    while (std::getline(in_, line)) {
        ++line_;
        if (line.size() > max_line) {
            if (report) {
                ++rejected_;
                std::cerr << path_ << ":" << line_ << ": line longer than " << max_line
                          << " characters, skipped\n";
            }
            continue;
        }
        if (const auto hash = line.find('#'); hash != std::string::npos) {
            line.erase(hash);
        }
        const std::string text = trimmed(line);
        if (text.empty()) {
            continue;
        }
        std::string domain;
        try {
            domain = normalise_domain(text);
        } catch (const std::invalid_argument& e) {
            if (report) {
                ++rejected_;
                std::cerr << path_ << ":" << line_ << ": " << e.what() << ", skipped\n";
            }
            continue;
        }
        if (in_shard(domain, shard_)) {
            return domain;
        }
    }
    return std::nullopt;
}

std::optional<scan_item> domain_list_reader::next() {
    auto domain = next_line_domain(true);
    if (!domain) {
        return std::nullopt;
    }
    scan_item item;
    item.domain = *domain;
    item.meta.name = *domain;
    return item;
}

} // namespace mxprobe
