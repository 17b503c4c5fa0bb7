// Runs the real wsd binary for integration tests: once to completion
// (run_wsd) or as a live server on an ephemeral port (wsd_server). The child
// never sees the caller's WSD_* variables, so a developer's or CI's settings
// cannot change what a test observes.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <memory>
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

// Runs WSD_BINARY_PATH with args in a fresh temporary working directory
// (removed afterwards) and the parent's environment minus WSD_* plus env.
// A run that outlives timeout is killed (exit code 137, and a note in err).
process_result run_wsd(std::vector<std::string> args, env_list env = {},
                       std::chrono::seconds timeout = std::chrono::seconds{30});

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
// directory, with stdout and stderr captured continuously.
class wsd_server {
 public:
  using options = server_options;

  // Returns once the server printed `wsd listening on http://HOST:PORT`;
  // throws std::runtime_error (with the captured stderr) if it exits first or
  // does not print it within 30 s.
  explicit wsd_server(options opts = {});
  // SIGTERM, up to 20 s for a clean exit, then SIGKILL; removes temp_dir().
  ~wsd_server();
  wsd_server(wsd_server&&) noexcept;
  wsd_server& operator=(wsd_server&&) noexcept;

  std::uint16_t port() const noexcept;
  pid_t pid() const noexcept;
  // Sends sig and waits for the exit (SIGKILL after 20 s); returns the exit
  // code, 128 + signal if killed. Later calls return the same code. Once it
  // returns, out() and err() hold everything the process wrote.
  int stop(int sig = SIGTERM);
  bool running() const;

  std::string out() const;
  std::string err() const;
  // True once needle appears in stdout or stderr; false if the timeout passes
  // or the process closed both streams without writing it.
  bool wait_for_output(std::string_view needle, std::chrono::milliseconds timeout) const;

  std::string const& temp_dir() const noexcept;

 private:
  struct state;
  std::unique_ptr<state> state_;
};

}  // namespace wsd::test
