#include "tools/mxprobe/input_files.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>

namespace mxprobe {

namespace fs = std::filesystem;

namespace {

const char* kind_of(fs::file_type t) {
    switch (t) {
    case fs::file_type::directory:
        return "a directory";
    case fs::file_type::fifo:
        return "a FIFO";
    case fs::file_type::socket:
        return "a socket";
    case fs::file_type::block:
        return "a block device";
    case fs::file_type::character:
        return "a character device";
    default:
        return "not a regular file";
    }
}

// One folder and its subfolders, without following links to directories. An unreadable
// subfolder is an error of its own; the rest of the walk goes on.
void walk_into(const fs::path& folder, std::vector<std::string>& found, input_listing& out) {
    std::error_code ec;
    fs::directory_iterator it(folder, ec);
    if (ec) {
        out.errors.push_back({folder.string(), "cannot read the folder: " + ec.message()});
        return;
    }
    std::vector<fs::path> subfolders;
    for (const fs::directory_iterator end; it != end; it.increment(ec)) {
        if (ec) {
            break;
        }
        const fs::path& p = it->path();
        std::error_code sec;
        const auto link = it->symlink_status(sec);
        if (fs::is_symlink(link)) {
            const auto target = fs::status(p, sec);
            if (!fs::exists(target)) {
                out.errors.push_back({p.string(), "broken symbolic link"});
            } else if (fs::is_regular_file(target)) {
                found.push_back(p.string());
            } else {
                out.skipped.push_back({p.string(), std::string("symbolic link to ") +
                                                       kind_of(target.type()) + ", not followed"});
            }
        } else if (fs::is_regular_file(link)) {
            found.push_back(p.string());
        } else if (fs::is_directory(link)) {
            subfolders.push_back(p);
        } else {
            out.skipped.push_back({p.string(), kind_of(link.type())});
        }
    }
    if (ec) {
        out.errors.push_back({folder.string(), "cannot read the folder: " + ec.message()});
    }
    for (const auto& sub : subfolders) {
        walk_into(sub, found, out);
    }
}

// Files of a folder tree sorted by path, so that the first of two duplicates is always the
// same one whatever order the file system lists them in.
void walk(const fs::path& root, input_listing& out) {
    std::vector<std::string> found;
    walk_into(root, found, out);
    std::sort(found.begin(), found.end());
    out.files.insert(out.files.end(), found.begin(), found.end());
}

} // namespace

std::string size_text(std::size_t bytes) {
    constexpr std::size_t mib = std::size_t{1024} * 1024;
    if (bytes >= mib && bytes % mib == 0) {
        return std::to_string(bytes / mib) + " MiB (" + std::to_string(bytes) + " bytes)";
    }
    return std::to_string(bytes) + " bytes";
}

input_listing list_input_files(const std::vector<std::string>& paths) {
    input_listing out;
    for (const auto& path : paths) {
        std::error_code ec;
        const auto status = fs::status(path, ec);
        if (ec || !fs::exists(status)) {
            const bool dangling = fs::is_symlink(fs::symlink_status(path, ec));
            out.errors.push_back(
                {path, dangling ? "broken symbolic link" : "no such file or directory"});
        } else if (fs::is_directory(status)) {
            // A folder named explicitly is walked even when the name is a link to it.
            walk(path, out);
        } else if (fs::is_regular_file(status)) {
            out.files.push_back(path);
        } else {
            out.errors.push_back({path, std::string(kind_of(status.type())) + ", not read"});
        }
    }
    return out;
}

file_read read_bounded(const std::string& path, std::size_t max_bytes) {
    file_read out;
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (ec) {
        out.error = "cannot read: " + ec.message();
        return out;
    }
    if (size > max_bytes) {
        out.error = std::to_string(size) + " bytes, over the limit of " + size_text(max_bytes) +
                    " per file; not read";
        return out;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        out.error = std::string("cannot open: ") + std::strerror(errno);
        return out;
    }
    std::string bytes(static_cast<std::size_t>(size), '\0');
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    bytes.resize(static_cast<std::size_t>(in.gcount()));
    // A file that grew after the size check: read no more than the limit allows.
    if (in && in.peek() != std::char_traits<char>::eof()) {
        std::string more(max_bytes - bytes.size() + 1, '\0');
        in.read(more.data(), static_cast<std::streamsize>(more.size()));
        bytes.append(more.data(), static_cast<std::size_t>(in.gcount()));
        if (bytes.size() > max_bytes) {
            out.error = "grew beyond the limit of " + size_text(max_bytes) + " while being read";
            return out;
        }
    }
    if (in.bad()) {
        out.error = std::string("read error: ") + std::strerror(errno);
        return out;
    }
    out.bytes = std::move(bytes);
    return out;
}

} // namespace mxprobe
