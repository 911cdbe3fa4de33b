#pragma once
// Finding and reading the files a subcommand ingests (TLS-RPT reports): files and folders
// named on the command line, folders walked recursively, every read bounded. Nothing here
// follows a symbolic link to a directory, so a link pointing back up cannot loop.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace mxprobe {

struct input_problem {
    std::string file;
    std::string message;
};

struct input_listing {
    /// Regular files (or links to them) in command-line order; each folder's in path order.
    std::vector<std::string> files;
    /// Entries inside folders that are not regular files: links to directories, FIFOs,
    /// sockets, devices. Named, so nothing is left out silently.
    std::vector<input_problem> skipped;
    /// Paths that do not exist, broken links, unreadable folders, and non-regular files
    /// named on the command line.
    std::vector<input_problem> errors;
};

/// Expands `paths` into the files to read.
input_listing list_input_files(const std::vector<std::string>& paths);

struct file_read {
    std::optional<std::string> bytes;
    std::string error; ///< when bytes is empty, e.g. "40000000 bytes, over the 16 MiB limit"
};

/// Reads a whole file, refusing before reading anything when it is larger than `max_bytes`
/// (and while reading, should it grow).
file_read read_bounded(const std::string& path, std::size_t max_bytes);

/// "16 MiB (16777216 bytes)", "512 bytes": a limit as an error message names it.
std::string size_text(std::size_t bytes);

} // namespace mxprobe
