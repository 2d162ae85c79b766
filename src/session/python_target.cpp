#include "session/python_target.hpp"

#include <algorithm>
#include <iterator>
#include <regex>
#include <sstream>

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
    std::istringstream versions(built_in);
    std::vector<std::string> known{std::istream_iterator<std::string>(versions), std::istream_iterator<std::string>()};
    if (std::find(known.begin(), known.end(), version) == known.end()) {
        std::string list;
        for (std::size_t i = 0; i < known.size(); ++i)
            list += (i == 0 ? "" : i + 1 == known.size() ? " and " : ", ") + known[i];
        return "Python " + version + " target: leakscope reads the frames of CPython " + list +
               " only (each version lays them out differently): sites show the interpreter's native frames";
    }
    return "Python " + version + " target, but no Python frames arrived: sites show the interpreter's native frames";
}

}  // namespace leakscope::session
