#include "session/python_target.hpp"

#include <gtest/gtest.h>

namespace leakscope::session {
namespace {

std::vector<Module> modules(std::initializer_list<const char*> paths) {
    std::vector<Module> out;
    for (const char* path : paths) {
        Module module;
        module.path = path;
        out.push_back(module);
    }
    return out;
}

TEST(PythonTarget, VersionFromTheExecutableOrTheSharedInterpreter) {
    EXPECT_EQ(cpython_version(modules({"/usr/bin/python3.11", "/usr/lib/x86_64-linux-gnu/libc.so.6"})), "3.11");
    EXPECT_EQ(cpython_version(modules({"/root/.pyenv/versions/3.12.1/bin/python3.12",
                                       "/root/.pyenv/versions/3.12.1/lib/libpython3.12.so.1.0"})), "3.12");
    EXPECT_EQ(cpython_version(modules({"/opt/app/bin/server", "/opt/py/lib/libpython3.13d.so.1.0"})), "3.13");
}

TEST(PythonTarget, OtherProgramsAreNotPython) {
    EXPECT_EQ(cpython_version(modules({"/usr/bin/perl", "/usr/lib/x86_64-linux-gnu/libc.so.6"})), "");
    // A module of a Python package is not the interpreter.
    EXPECT_EQ(cpython_version(modules({"/usr/bin/node", "/usr/lib/python3/dist-packages/numpy/core/_multiarray_umath"
                                                          ".cpython-311-x86_64-linux-gnu.so"})), "");
    EXPECT_EQ(cpython_version(modules({"/usr/bin/python3-config-helper"})), "");
}

TEST(PythonTarget, TheNoteSaysWhichVersionsAreReadAndWhy) {
    EXPECT_EQ(missing_python_frames_note("3.13", "3.11 3.12"),
              "Python 3.13 target: leakscope reads the frames of CPython 3.11 and 3.12 only (each version lays them "
              "out differently): sites show the interpreter's native frames");
    EXPECT_NE(missing_python_frames_note("3.10", "3.11 3.12 3.13").find("CPython 3.11, 3.12 and 3.13 only"),
              std::string::npos);
    EXPECT_NE(missing_python_frames_note("3.11", "").find("built without Python frames"), std::string::npos);
    EXPECT_NE(missing_python_frames_note("3.12", "3.11 3.12").find("no Python frames arrived"), std::string::npos);
}

}  // namespace
}  // namespace leakscope::session
