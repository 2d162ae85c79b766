// What cannot be tracked is detected and said in one line: static binaries, setuid programs, programs
// that never call malloc.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <elf.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "collector/trackability.hpp"
#include "tracker_harness.hpp"

namespace leakscope::tracker_test {
namespace {

TEST(TrackerTrackability, DynamicProgramIsTrackable) {
    auto t = collector::check_trackable(target_path("tracker_alloc_patterns"));
    EXPECT_TRUE(t.trackable) << t.reason;
    EXPECT_TRUE(collector::check_trackable("sh").trackable) << "found through PATH";
}

TEST(TrackerTrackability, StaticBinaryIsNot) {
    auto t = collector::check_trackable(target_path("tracker_static_target"));
    EXPECT_FALSE(t.trackable);
    EXPECT_NE(t.reason.find("statically linked"), std::string::npos) << t.reason;
    EXPECT_EQ(t.reason.find('\n'), std::string::npos) << "one line";
    // And indeed it never connects when run under the tracker anyway.
    RunResult run = run_program({target_path("tracker_static_target")});
    EXPECT_EQ(run.exit_code, 0);
    EXPECT_FALSE(run.ever_connected);
}

// An ELF file of one PT_NOTE segment holding `notes` (each: name, type, description), written to a
// temporary file whose path is returned.
std::string elf_with_notes(const std::string& name, const std::vector<std::vector<std::uint8_t>>& notes) {
    std::vector<std::uint8_t> body;
    for (const auto& note : notes) body.insert(body.end(), note.begin(), note.end());
    Elf64_Ehdr header{};
    std::memcpy(header.e_ident, ELFMAG, SELFMAG);
    header.e_ident[EI_CLASS] = ELFCLASS64;
    header.e_ident[EI_DATA] = ELFDATA2LSB;
    header.e_type = ET_EXEC;
    header.e_phoff = sizeof header;
    header.e_phentsize = sizeof(Elf64_Phdr);
    header.e_phnum = 1;
    Elf64_Phdr note_segment{};
    note_segment.p_type = PT_NOTE;
    note_segment.p_offset = sizeof header + sizeof note_segment;
    note_segment.p_filesz = body.size();
    const auto path = std::filesystem::temp_directory_path() / ("leakscope-notes-" + name + "-" + std::to_string(getpid()));
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(&header), sizeof header);
    out.write(reinterpret_cast<const char*>(&note_segment), sizeof note_segment);
    out.write(reinterpret_cast<const char*>(body.data()), static_cast<std::streamsize>(body.size()));
    return path.string();
}

std::vector<std::uint8_t> note(std::uint32_t name_size, const char* name, std::uint32_t type, std::uint32_t desc_size) {
    std::vector<std::uint8_t> bytes(sizeof(Elf64_Nhdr));
    const Elf64_Nhdr header{name_size, desc_size, type};
    std::memcpy(bytes.data(), &header, sizeof header);
    std::vector<std::uint8_t> padded_name((std::min<std::uint32_t>(name_size, 256) + 3) & ~3u, 0);
    std::memcpy(padded_name.data(), name, std::min<std::size_t>(std::strlen(name), padded_name.size()));
    bytes.insert(bytes.end(), padded_name.begin(), padded_name.end());
    bytes.insert(bytes.end(), (std::min<std::uint32_t>(desc_size, 256) + 3) & ~3u, 'x');
    return bytes;
}

TEST(TrackerTrackability, AGoProgramIsFoundByItsBuildIdNote) {
    // Go's linker writes owner "Go", type 4 (the build id) into a PT_NOTE segment, kept when stripped.
    const std::string go = elf_with_notes("go", {note(4, "GNU", 3, 20), note(4, "Go", 4, 83)});
    EXPECT_EQ(collector::garbage_collected_runtime(go), "go");
    // A GNU build id alone, another owner's type 4, and notes whose sizes run past the segment: not Go,
    // and nothing read beyond what the file holds.
    const std::string gnu = elf_with_notes("gnu", {note(4, "GNU", 3, 20)});
    const std::string other = elf_with_notes("other", {note(8, "GoLang", 4, 8)});
    const std::string corrupt = elf_with_notes("corrupt", {note(0xffffffffu, "Go", 4, 16)});
    EXPECT_EQ(collector::garbage_collected_runtime(gnu), "");
    EXPECT_EQ(collector::garbage_collected_runtime(other), "");
    EXPECT_EQ(collector::garbage_collected_runtime(corrupt), "");
    for (const auto& path : {go, gnu, other, corrupt}) std::filesystem::remove(path);
    // A C program, a directory, a path with nothing there, a program found through PATH that is not Go.
    EXPECT_EQ(collector::garbage_collected_runtime(target_path("tracker_alloc_patterns")), "");
    EXPECT_EQ(collector::garbage_collected_runtime("/"), "");
    EXPECT_EQ(collector::garbage_collected_runtime("/nonexistent/program"), "");
    EXPECT_EQ(collector::garbage_collected_runtime_of_program("sh"), "");
}

TEST(TrackerTrackability, ARealGoBinaryIsFound) {
    // The accuracy corpus's Go programs, built when Debian's golang-go is there.
    const auto program = std::filesystem::path(LEAKSCOPE_EXAMPLES_DIR) / "go_session_lru_flat";
    if (!std::filesystem::exists(program)) GTEST_SKIP() << "no Go toolchain at configure time: " << program;
    EXPECT_EQ(collector::garbage_collected_runtime(program.string()), "go");
}

TEST(TrackerTrackability, SetuidProgramIsNot) {
    auto copy = std::filesystem::temp_directory_path() / ("leakscope-setuid-" + std::to_string(getpid()));
    std::filesystem::copy_file(target_path("tracker_alloc_patterns"), copy, std::filesystem::copy_options::overwrite_existing);
    ASSERT_EQ(chmod(copy.c_str(), 04755), 0);
    auto t = collector::check_trackable(copy.string());
    std::filesystem::remove(copy);
    EXPECT_FALSE(t.trackable);
    EXPECT_NE(t.reason.find("setuid"), std::string::npos) << t.reason;
}

TEST(TrackerTrackability, MissingOrNotAProgram) {
    EXPECT_FALSE(collector::check_trackable("/nonexistent/program").trackable);
    EXPECT_FALSE(collector::check_trackable("no-such-program-leakscope").trackable);
    auto text = std::filesystem::temp_directory_path() / ("leakscope-text-" + std::to_string(getpid()));
    {
        std::FILE* f = std::fopen(text.c_str(), "w");
        std::fputs("\x7f" "ELF garbage", f);
        std::fclose(f);
    }
    auto t = collector::check_trackable(text.string());
    std::filesystem::remove(text);
    EXPECT_FALSE(t.trackable) << "a truncated ELF header is reported, not crashed on";
}

TEST(TrackerTrackability, ProgramThatNeverCallsMallocNeverConnects) {
    RunResult run = run_program({target_path("tracker_no_malloc")});
    EXPECT_EQ(run.exit_code, 0);
    EXPECT_EQ(run.out, "no malloc here\n");
    EXPECT_FALSE(run.ever_connected);
    std::string reason = collector::explain_never_connected("tracker_no_malloc");
    EXPECT_NE(reason.find("never allocated through malloc"), std::string::npos);
}

}  // namespace
}  // namespace leakscope::tracker_test
