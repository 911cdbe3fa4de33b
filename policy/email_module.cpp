#include "policy/email_module.hpp"

#include "policy/email/email_abi.hpp"

#include <dlfcn.h>

namespace policy {

namespace {

struct loaded_module {
    mxprobe_email_find_report_fn find_report = nullptr;
    std::string error; ///< why the module is not there
};

std::string dlopen_error() {
    const char* why = dlerror();
    return why != nullptr ? why : "unknown dlopen error";
}

// Opened where this build put it, else wherever the library path finds one (LD_LIBRARY_PATH,
// the system's directories); once per process. The handle stays open until exit, like a
// linked library's.
const loaded_module& email_module() {
    static const loaded_module module = [] {
        loaded_module m;
        const std::string built = std::string(MXPROBE_MODULE_DIR) + "/" + email::module_file;
        void* handle = dlopen(built.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (handle == nullptr) {
            const std::string first_error = dlopen_error();
            handle = dlopen(email::module_file, RTLD_NOW | RTLD_LOCAL);
            if (handle == nullptr) {
                m.error = "email reports need " + built +
                          ", which cannot be loaded: " + first_error +
                          " (nor from the library path: " + dlopen_error() + ")";
                return m;
            }
        }
        void* entry = dlsym(handle, email::entry_symbol);
        if (entry == nullptr) {
            m.error = std::string(email::module_file) + " has no " + email::entry_symbol +
                      " (a module from another mxprobe build?)";
            return m;
        }
        m.find_report = reinterpret_cast<mxprobe_email_find_report_fn>(entry);
        return m;
    }();
    return module;
}

void collect(void* context, mxprobe_email_answer answer, const char* bytes, std::size_t size) {
    auto& out = *static_cast<email_report_part*>(context);
    (answer == mxprobe_email_report_part ? out.bytes : out.error).assign(bytes, size);
}

} // namespace

email_report_part find_email_report_part(std::string_view message) {
    const loaded_module& module = email_module();
    email_report_part out;
    if (module.find_report == nullptr) {
        out.error = module.error;
        return out;
    }
    module.find_report(message.data(), message.size(), &collect, &out);
    return out;
}

} // namespace policy
