// Runs the real wsd binary for integration tests: once to completion
// (run_wsd) or as a live server on an ephemeral port (wsd_server). The child
// never sees the caller's WSD_* variables, so a developer's or CI's settings
// cannot change what a test observes. Every run ends checked: a sanitizer
// report on the child's stderr, or a server that does not exit 0 when
// stopped, fails the current test with the report.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <memory>
#include <source_location>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wsd::test {

inline constexpr char const* test_jwt_secret = "test-secret-0123456789abcdef0123456789abcdef";
inline constexpr char const* test_admin_password = "admin-pass-123";

struct process_result {
  int exit_code = -1;  // 128 + signal when the process was killed
  std::string out;
  std::string err;
};

using env_list = std::vector<std::pair<std::string, std::string>>;

// The sanitizer report (AddressSanitizer, LeakSanitizer, ThreadSanitizer,
// UndefinedBehaviorSanitizer) in a process's stderr, from its first line on;
// "" if there is none.
std::string sanitizer_report(std::string_view err);

// Runs WSD_BINARY_PATH with args in a fresh temporary working directory
// (removed afterwards) and the parent's environment minus WSD_* plus env.
// A run that outlives timeout is killed (exit code 137, and a note in err).
// A sanitizer report in err fails the current test; the exit code is the
// caller's to check (see check_exit).
// Failures are reported at where, the caller's line.
process_result run_wsd(std::vector<std::string> args, env_list env = {},
                       std::chrono::seconds timeout = std::chrono::seconds{30},
                       std::source_location where = std::source_location::current());

// Fails the current test, quoting stderr, unless result exited with
// expected_code. run_wsd has already checked for a sanitizer report.
void check_exit(process_result const& result, int expected_code,
                std::source_location where = std::source_location::current());

// A directory under $TMPDIR (or /tmp), removed with everything in it.
class temp_directory {
 public:
  explicit temp_directory(std::string_view prefix = "wsd-test-");
  ~temp_directory();
  temp_directory(temp_directory const&) = delete;
  temp_directory& operator=(temp_directory const&) = delete;

  std::string const& path() const noexcept { return path_; }
  // Writes name (relative to path()) and returns its full path.
  std::string write_file(std::string_view name, std::string_view content) const;

 private:
  std::string path_;
};

struct server_options {
  std::vector<std::string> args{};
  // Added to the child's environment; wins over the test secrets below.
  env_list env{};
  // Appends --db sqlite3://db=<temp_dir>/wsd.db unless args already choose a
  // database (--db, --set db.url=...) or env sets WSD_DB / WSD_DB_URL.
  bool sqlite_temp_db = true;
  // Sets WSD_JWT_SECRET=test_jwt_secret and WSD_ADMIN_PASSWORD=test_admin_password.
  bool test_secrets = true;
};

// `wsd --host 127.0.0.1 --port 0 <args>` running in its own temporary
// directory, with stdout and stderr captured continuously. Failures of its
// stop are reported at the line that started it (or that called stop).
class wsd_server {
 public:
  using options = server_options;

  // Returns once the server printed `wsd listening on http://HOST:PORT`;
  // throws std::runtime_error (with the captured stderr) if it exits first or
  // does not print it within 30 s.
  explicit wsd_server(options opts = {},
                      std::source_location where = std::source_location::current());
  // Unless the test stopped the server itself: stop_expecting(0), so a
  // server that does not exit 0 on SIGTERM, or reports a leak or another
  // sanitizer finding on the way out, fails the test. Removes temp_dir().
  ~wsd_server();
  wsd_server(wsd_server&&) noexcept;
  // Ends the server this object held as the destructor would.
  wsd_server& operator=(wsd_server&&) noexcept;

  std::uint16_t port() const noexcept;
  pid_t pid() const noexcept;
  // Sends sig and waits for the exit (SIGKILL after 20 s); returns the exit
  // code, 128 + signal if killed. Later calls return the same code. Once it
  // returns, out() and err() hold everything the process wrote. A sanitizer
  // report in err() fails the current test; the exit code is the caller's to
  // check from now on (the destructor no longer does).
  [[nodiscard]] int stop(int sig = SIGTERM,
                         std::source_location where = std::source_location::current());
  // stop(sig), then fails the current test, quoting stderr, unless the exit
  // code is expected_code. stop_expecting(0) is the clean stop every test
  // ends with; another code is for a test that kills the server on purpose.
  void stop_expecting(int expected_code, int sig = SIGTERM,
                      std::source_location where = std::source_location::current());
  bool running() const;

  std::string out() const;
  std::string err() const;
  // True once needle appears in stdout or stderr; false if the timeout passes
  // or the process closed both streams without writing it.
  bool wait_for_output(std::string_view needle, std::chrono::milliseconds timeout) const;

  std::string const& temp_dir() const noexcept;

 private:
  struct state;
  void finish() noexcept;

  std::unique_ptr<state> state_;
};

}  // namespace wsd::test
