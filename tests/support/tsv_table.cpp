#include "tests/support/tsv_table.hpp"

#include <fstream>
#include <stdexcept>

namespace mxprobe_test {

std::vector<std::string> split_fields(const std::string& text, char separator) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (;;) {
        const std::size_t end = text.find(separator, start);
        out.push_back(
            text.substr(start, end == std::string::npos ? std::string::npos : end - start));
        if (end == std::string::npos) {
            return out;
        }
        start = end + 1;
    }
}

std::vector<tsv_row> read_tsv(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        throw std::runtime_error("cannot read " + path);
    }
    std::string line;
    if (!std::getline(in, line)) {
        throw std::runtime_error(path + ": empty, no header line");
    }
    const std::vector<std::string> header = split_fields(line, '\t');
    std::vector<tsv_row> rows;
    for (int number = 2; std::getline(in, line); ++number) {
        if (line.empty()) {
            continue;
        }
        const std::vector<std::string> fields = split_fields(line, '\t');
        if (fields.size() != header.size()) {
            throw std::runtime_error(path + ":" + std::to_string(number) + ": " +
                                     std::to_string(fields.size()) + " fields, the header has " +
                                     std::to_string(header.size()));
        }
        tsv_row row;
        for (std::size_t i = 0; i < header.size(); ++i) {
            row[header[i]] = fields[i];
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

std::optional<tsv_row> find_row(const std::vector<tsv_row>& rows, const std::string& name) {
    for (const auto& row : rows) {
        const auto it = row.find("name");
        if (it != row.end() && it->second == name) {
            return row;
        }
    }
    return std::nullopt;
}

} // namespace mxprobe_test
