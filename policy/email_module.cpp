// report_part_from_email (tlsrpt_unwrap.hpp) by way of libmxprobe-email.so (policy/email/),
// loaded the first time an email report needs it. It loads code, not data: no input is read,
// and the answer for a message depends on nothing but that message, unless the module cannot
// be loaded, which is an error that says so.

#include "policy/email/email_abi.hpp"
#include "policy/tlsrpt_unwrap.hpp"

#include <dlfcn.h>
#include <string>

namespace policy {

namespace {

struct loaded_module {
    mxprobe_email_find_report_fn find_report = nullptr;
    std::string error; ///< why the module is not there
};

// Opened where this build put it, by full path (under ASan, dlopen ignores the executable's
// run path), once per process. The handle stays open until exit, like a linked library's.
const loaded_module& email_module() {
    static const loaded_module module = [] {
        loaded_module m;
        const std::string path = std::string(MXPROBE_MODULE_DIR) + "/" + email::module_file;
        void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (handle == nullptr) {
            const char* why = dlerror();
            m.error = "email reports need " + path + ", which cannot be loaded: " +
                      (why != nullptr ? why : "unknown dlopen error");
            return m;
        }
        void* entry = dlsym(handle, email::entry_symbol);
        if (entry == nullptr) {
            m.error = path + " has no " + email::entry_symbol + " (a module from another build?)";
            return m;
        }
        m.find_report = reinterpret_cast<mxprobe_email_find_report_fn>(entry);
        return m;
    }();
    return module;
}

void collect(void* context, mxprobe_email_answer answer, const char* bytes, std::size_t size) {
    auto& out = *static_cast<tlsrpt_unwrapped*>(context);
    (answer == mxprobe_email_report_part ? out.json : out.error).assign(bytes, size);
}

} // namespace

tlsrpt_unwrapped report_part_from_email(std::string_view message) {
    tlsrpt_unwrapped out;
    out.container = "email";
    const loaded_module& module = email_module();
    if (module.find_report == nullptr) {
        out.error = module.error;
        return out;
    }
    module.find_report(message.data(), message.size(), &collect, &out);
    return out;
}

} // namespace policy
