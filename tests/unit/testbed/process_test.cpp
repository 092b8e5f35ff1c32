#include "prose/testbed/process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "prose/testbed/wait.h"

namespace prose::testbed {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class ProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("prose-testbed-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string read(const fs::path& p) {
    std::ifstream f(p);
    return std::string((std::istreambuf_iterator<char>(f)), {});
  }
  Process sh(const std::string& script, SpawnOptions o = {}) {
    o.argv = {"/bin/sh", "-c", script};
    auto p = Process::spawn(std::move(o));
    EXPECT_TRUE(p.ok()) << p.error().to_string();
    return p.ok() ? std::move(*p) : Process();
  }
  fs::path dir_;
};

TEST_F(ProcessTest, RunsWithEnvironmentWorkingDirectoryAndLog) {
  SpawnOptions o;
  o.env = {{"PROSE_TESTBED_X", "forty-two"}};
  o.cwd = dir_.string();
  o.log = (dir_ / "child.log").string();
  Process p = sh("echo \"$PROSE_TESTBED_X\"; pwd; echo to-stderr >&2; exit 3", o);
  auto st = p.wait(10s);
  ASSERT_TRUE(st.has_value());
  EXPECT_FALSE(st->signalled);
  EXPECT_EQ(st->code, 3);
  EXPECT_FALSE(st->ok());
  EXPECT_EQ(st->to_string(), "exit code 3");
  EXPECT_EQ(read(dir_ / "child.log"), "forty-two\n" + fs::canonical(dir_).string() + "\nto-stderr\n");
  EXPECT_FALSE(p.alive());
}

TEST_F(ProcessTest, AppendsToTheLogWhenAsked) {
  SpawnOptions o;
  o.log = (dir_ / "a.log").string();
  o.append_log = true;
  for (const char* word : {"one", "two"}) {
    Process p = sh(std::string("echo ") + word, o);
    ASSERT_TRUE(p.wait(10s).has_value());
  }
  EXPECT_EQ(read(dir_ / "a.log"), "one\ntwo\n");
}

TEST_F(ProcessTest, StdoutToAPipe) {
  SpawnOptions o;
  o.pipe_stdout = true;
  o.log = (dir_ / "err.log").string();
  Process p = sh("echo piped; echo logged >&2", o);
  ASSERT_GE(p.stdout_fd(), 0);
  std::string out;
  char buf[256];
  ssize_t n;
  while ((n = ::read(p.stdout_fd(), buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  EXPECT_EQ(out, "piped\n");
  ASSERT_TRUE(p.wait(10s).has_value());
  EXPECT_EQ(read(dir_ / "err.log"), "logged\n");
}

TEST_F(ProcessTest, ProgramThatCannotRunIsAnErrorThatSaysSo) {
  auto p = Process::spawn(SpawnOptions{{(dir_ / "no-such-program").string()}});
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, Errc::kIo);
  EXPECT_NE(p.error().message.find("no-such-program: cannot run it: No such file or directory"), std::string::npos)
      << p.error().message;
  SpawnOptions bad_cwd{{"/bin/true"}};
  bad_cwd.cwd = (dir_ / "missing").string();
  auto q = Process::spawn(bad_cwd);
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.error().message.find("cannot enter"), std::string::npos) << q.error().message;
  auto r = Process::spawn(SpawnOptions{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
}

TEST_F(ProcessTest, WaitTimesOutWhileTheChildRuns) {
  Process p = sh("exec sleep 30");
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(p.wait(100ms).has_value());
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 100ms);
  EXPECT_TRUE(p.alive());
  auto st = p.stop();
  ASSERT_TRUE(st.has_value());
  EXPECT_TRUE(st->signalled);
  EXPECT_EQ(st->code, SIGTERM);
  EXPECT_FALSE(p.alive());
}

TEST_F(ProcessTest, ChildThatIgnoresSigtermIsKilledAfterTheGracePeriod) {
  SpawnOptions o;
  o.log = (dir_ / "stubborn.log").string();
  // An ignored signal stays ignored across exec: sleep itself ignores SIGTERM.
  Process p = sh("trap '' TERM; echo ready; exec sleep 30", o);
  ASSERT_TRUE(wait_for_log_line(o.log, "ready", 10s, &p).ok());
  auto t0 = std::chrono::steady_clock::now();
  auto st = p.stop(300ms);
  auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(st.has_value());
  EXPECT_TRUE(st->signalled);
  EXPECT_EQ(st->code, SIGKILL);
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 10s);
}

TEST_F(ProcessTest, DestructorStopsAndSignalLeavesRunning) {
  const std::string log = (dir_ / "hup.log").string();
  pid_t pid = -1;
  {
    SpawnOptions o;
    o.log = log;
    Process p = sh("trap 'echo hup' HUP; echo ready; while :; do sleep 0.05; done", o);
    pid = p.pid();
    ASSERT_GT(pid, 0);
    ASSERT_TRUE(wait_for_log_line(log, "ready", 10s, &p).ok());  // the trap is set
    p.signal(SIGHUP);
    EXPECT_TRUE(wait_for_log_line(log, "hup", 10s, &p).ok());
    EXPECT_TRUE(p.alive());  // handled, still running
    Process moved(std::move(p));
    EXPECT_EQ(p.pid(), -1);
    EXPECT_EQ(moved.pid(), pid);
  }
  EXPECT_NE(::kill(pid, 0), 0);  // reaped: no such process any more
}

TEST_F(ProcessTest, OtherDescriptorsAreClosedWhenAsked) {
  const int fd = ::open("/dev/null", O_RDONLY);  // inherited: not close-on-exec
  ASSERT_GT(fd, 2);
  const std::string script = "if [ -e /proc/$$/fd/" + std::to_string(fd) + " ]; then echo open; else echo closed; fi";
  for (bool close_them : {false, true}) {
    SpawnOptions o;
    o.log = (dir_ / "fds.log").string();
    o.close_other_fds = close_them;
    o.die_with_parent = true;
    Process p = sh(script, o);
    ASSERT_TRUE(p.wait(10s).has_value());
    EXPECT_EQ(read(dir_ / "fds.log"), close_them ? "closed\n" : "open\n");
  }
  ::close(fd);
}

TEST_F(ProcessTest, RunCapturesStdoutAndStderrTogether) {
  auto r = run({"/bin/sh", "-c", "echo out; echo err >&2; exit 5"});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->output, "out\nerr\n");
  EXPECT_EQ(r->status.code, 5);
  EXPECT_FALSE(r->status.signalled);
  EXPECT_FALSE(run({(dir_ / "nothing-here").string()}).ok());
  auto [code, out] = run_shell("echo via-sh; exit 7");
  EXPECT_EQ(code, 7);
  EXPECT_EQ(out, "via-sh\n");
  EXPECT_EQ(run_shell("kill -9 $$").first, -1);
}

TEST_F(ProcessTest, ReleasedStdoutIsTheCallersToClose) {
  SpawnOptions o;
  o.pipe_stdout = true;
  Process p = sh("echo once", o);
  int fd = p.release_stdout();
  ASSERT_GE(fd, 0);
  EXPECT_EQ(p.stdout_fd(), -1);
  char buf[16] = {};
  EXPECT_EQ(::read(fd, buf, sizeof buf), 5);
  EXPECT_EQ(std::string(buf, 5), "once\n");
  ::close(fd);
  ASSERT_TRUE(p.wait(10s).has_value());
}

}  // namespace
}  // namespace prose::testbed
