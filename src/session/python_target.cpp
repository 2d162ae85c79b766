#include "session/python_target.hpp"

#include <regex>

namespace leakscope::session {

std::string cpython_version(const std::vector<Module>& modules) {
    // The executable (python3.12, python3.12d) or the shared interpreter a build with --enable-shared loads.
    static const std::regex interpreter(R"((?:^|/)(?:lib)?python(3\.[0-9]+)[a-z]*(?:\.so[.0-9]*)?$)");
    for (const auto& module : modules) {
        std::smatch match;
        if (std::regex_search(module.path, match, interpreter)) return match[1].str();
    }
    return "";
}

std::string missing_python_frames_note(const std::string& version, const std::string& built_in) {
    if (built_in.empty())
        return "Python " + version + " target, but this leakscope was built without Python frames (CPython headers "
               "not found: python3-dev): sites show the interpreter's native frames";
    if (version != built_in)
        return "Python " + version + " target: leakscope reads the frames of CPython " + built_in +
               " only (each version lays them out differently): sites show the interpreter's native frames";
    return "Python " + version + " target, but no Python frames arrived: sites show the interpreter's native frames";
}

}  // namespace leakscope::session
