#include "support/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <climits>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <source_location>
#include <stdexcept>
#include <system_error>
#include <thread>

#ifndef WSD_BINARY_PATH
#error "WSD_BINARY_PATH must name the wsd binary (test/CMakeLists.txt defines it)"
#endif

extern char** environ;

namespace wsd::test {
namespace {

using steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr auto forever = steady::time_point::max();
constexpr auto stop_grace = std::chrono::seconds{20};
constexpr auto start_timeout = std::chrono::seconds{30};
// How much of a report or of stderr a failure quotes.
constexpr std::size_t quote_limit = 16 * 1024;

[[noreturn]] void throw_errno(std::string const& what) {
  throw std::system_error{errno, std::generic_category(), what};
}

// posix_spawn* report failures as return values, not through errno.
void check_spawn(int code, char const* what) {
  if (code != 0) throw std::system_error{code, std::generic_category(), what};
}

// Milliseconds left until deadline, as poll() wants them (-1 = no limit).
int poll_timeout(steady::time_point deadline) {
  if (deadline == forever) return -1;
  auto const left = std::chrono::ceil<std::chrono::milliseconds>(deadline - steady::now());
  return static_cast<int>(std::clamp<std::chrono::milliseconds::rep>(left.count(), 0, INT_MAX));
}

class unique_fd {
 public:
  unique_fd() = default;
  explicit unique_fd(int fd) noexcept : fd_{fd} {}
  unique_fd(unique_fd&& other) noexcept : fd_{std::exchange(other.fd_, -1)} {}
  unique_fd& operator=(unique_fd&& other) noexcept {
    reset(std::exchange(other.fd_, -1));
    return *this;
  }
  ~unique_fd() { reset(); }

  int get() const noexcept { return fd_; }
  void reset(int fd = -1) noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

struct child {
  pid_t pid = -1;
  unique_fd out;  // read ends of the child's stdout and stderr
  unique_fd err;
};

void set_variable(std::vector<std::string>& env, std::string const& name,
                  std::string const& value) {
  auto const prefix = name + "=";
  std::erase_if(env, [&](std::string const& entry) { return entry.starts_with(prefix); });
  env.push_back(prefix + value);
}

// The parent's environment without WSD_* (CI's WSD_TEST_PG, a developer's
// WSD_PORT...), then overrides, later ones winning.
std::vector<std::string> child_environment(env_list const& overrides) {
  std::vector<std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string_view const text{*entry};
    if (!text.starts_with("WSD_")) env.emplace_back(text);
  }
  for (auto const& [name, value] : overrides) set_variable(env, name, value);
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> result;
  for (auto& text : strings) result.push_back(text.data());
  result.push_back(nullptr);
  return result;
}

std::pair<unique_fd, unique_fd> make_pipe() {
  std::array<int, 2> ends{};
  // Close-on-exec, so children spawned concurrently never inherit the other
  // ends (which would delay end-of-file on them).
  if (::pipe2(ends.data(), O_CLOEXEC) != 0) throw_errno("pipe2");
  return {unique_fd{ends[0]}, unique_fd{ends[1]}};
}

struct spawn_setup {
  posix_spawn_file_actions_t actions{};
  posix_spawnattr_t attributes{};

  spawn_setup() {
    check_spawn(::posix_spawn_file_actions_init(&actions), "posix_spawn_file_actions_init");
    check_spawn(::posix_spawnattr_init(&attributes), "posix_spawnattr_init");
  }
  ~spawn_setup() {
    ::posix_spawnattr_destroy(&attributes);
    ::posix_spawn_file_actions_destroy(&actions);
  }
  spawn_setup(spawn_setup const&) = delete;
  spawn_setup& operator=(spawn_setup const&) = delete;
};

// posix_spawn rather than fork: the test process has reader threads.
child spawn(std::vector<std::string> args, env_list const& env, std::string const& cwd) {
  args.insert(args.begin(), WSD_BINARY_PATH);
  auto environment = child_environment(env);
  auto argv = c_strings(args);
  auto envp = c_strings(environment);
  auto [out_read, out_write] = make_pipe();
  auto [err_read, err_write] = make_pipe();

  spawn_setup setup;
  check_spawn(::posix_spawn_file_actions_addopen(&setup.actions, 0, "/dev/null", O_RDONLY, 0),
              "addopen");
  check_spawn(::posix_spawn_file_actions_adddup2(&setup.actions, out_write.get(), 1), "adddup2");
  check_spawn(::posix_spawn_file_actions_adddup2(&setup.actions, err_write.get(), 2), "adddup2");
  check_spawn(::posix_spawn_file_actions_addchdir_np(&setup.actions, cwd.c_str()), "addchdir");
  // The server's signal handling must not depend on what the test runner
  // blocks or ignores.
  sigset_t none;
  sigset_t all;
  sigemptyset(&none);
  sigfillset(&all);
  check_spawn(::posix_spawnattr_setsigmask(&setup.attributes, &none), "setsigmask");
  check_spawn(::posix_spawnattr_setsigdefault(&setup.attributes, &all), "setsigdefault");
  check_spawn(
      ::posix_spawnattr_setflags(&setup.attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF),
      "setflags");

  child result;
  check_spawn(::posix_spawn(&result.pid, argv.front(), &setup.actions, &setup.attributes,
                            argv.data(), envp.data()),
              "posix_spawn " WSD_BINARY_PATH);
  result.out = std::move(out_read);
  result.err = std::move(err_read);
  return result;
}

int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// Reaps pid if it exits before deadline. -1 if it cannot be waited for.
std::optional<int> wait_exit(pid_t pid, steady::time_point deadline) {
  // A pidfd becomes readable when the process exits: no polling loop.
  unique_fd const pidfd{static_cast<int>(::syscall(SYS_pidfd_open, pid, 0))};
  for (;;) {
    int status = 0;
    auto const reaped = ::waitpid(pid, &status, WNOHANG);
    if (reaped == pid) return exit_code_of(status);
    if (reaped < 0 && errno != EINTR) return -1;
    auto const timeout = poll_timeout(deadline);
    if (timeout == 0) return std::nullopt;
    if (pidfd.get() >= 0) {
      pollfd ready{pidfd.get(), POLLIN, 0};
      ::poll(&ready, 1, timeout);
    } else {
      // Kernels without pidfd_open: watch the process state instead.
      std::this_thread::sleep_for(std::min(std::chrono::milliseconds{timeout}, 5ms));
    }
  }
}

int terminate(pid_t pid, int sig) {
  ::kill(pid, sig);
  auto code = wait_exit(pid, steady::now() + stop_grace);
  if (code) return *code;
  ::kill(pid, SIGKILL);
  return wait_exit(pid, forever).value_or(-1);
}

// Reads both streams of c into result until both close; false on deadline.
bool read_until_closed(child const& c, process_result& result, steady::time_point deadline) {
  std::array<pollfd, 2> fds{{{c.out.get(), POLLIN, 0}, {c.err.get(), POLLIN, 0}}};
  std::array<std::string*, 2> const sinks{&result.out, &result.err};
  std::array<char, 4096> chunk{};
  while (fds[0].fd >= 0 || fds[1].fd >= 0) {
    auto const timeout = poll_timeout(deadline);
    if (timeout == 0) return false;
    if (::poll(fds.data(), fds.size(), timeout) < 0) {
      if (errno == EINTR) continue;
      throw_errno("poll");
    }
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      auto const n = ::read(fds[i].fd, chunk.data(), chunk.size());
      if (n > 0) {
        sinks[i]->append(chunk.data(), static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        fds[i].fd = -1;  // poll() skips negative descriptors
      }
    }
  }
  return true;
}

// The port of `wsd listening on http://HOST:PORT` once the whole line is in
// text; 0 if the line is malformed.
std::optional<std::uint16_t> listening_port(std::string_view text) {
  constexpr std::string_view marker = "wsd listening on http://";
  auto const start = text.find(marker);
  if (start == std::string_view::npos) return std::nullopt;
  auto const end = text.find('\n', start);
  if (end == std::string_view::npos) return std::nullopt;
  auto line = text.substr(start + marker.size(), end - start - marker.size());
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
  auto const colon = line.rfind(':');
  if (colon == std::string_view::npos) return 0;
  auto const digits = line.substr(colon + 1);
  unsigned port = 0;
  auto const [last, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (ec != std::errc{} || last != digits.data() + digits.size() || port > 65535) return 0;
  return static_cast<std::uint16_t>(port);
}

bool chooses_database(server_options const& opts) {
  auto const& args = opts.args;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--db" || args[i].starts_with("--db=")) return true;
    if (args[i].starts_with("--set=db.url=")) return true;
    if (args[i] == "--set" && i + 1 < args.size() && args[i + 1].starts_with("db.url="))
      return true;
  }
  return std::ranges::any_of(opts.env, [](auto const& variable) {
    return variable.first == "WSD_DB" || variable.first == "WSD_DB_URL";
  });
}

std::string tail_of(std::string_view text) {
  if (text.size() <= quote_limit) return std::string{text};
  return "[...]\n" + std::string{text.substr(text.size() - quote_limit)};
}

void fail_at(std::source_location const& where, std::string const& message) {
  ADD_FAIL_CHECK_AT(where.file_name(), static_cast<int>(where.line()), message);
}

// Fails the current test at where if err holds a sanitizer report.
void check_no_sanitizer_report(std::string_view err, std::string const& what,
                               std::source_location const& where) {
  auto const report = sanitizer_report(err);
  if (!report.empty()) fail_at(where, what + " wrote a sanitizer report to stderr:\n" + report);
}

void check_exit_code(int code, int expected_code, std::string_view err, std::string const& what,
                     std::source_location const& where) {
  if (code == expected_code) return;
  fail_at(where, what + " exited with " + std::to_string(code) + ", not " +
                     std::to_string(expected_code) + "\n--- stderr ---\n" + tail_of(err));
}

}  // namespace

std::string sanitizer_report(std::string_view err) {
  // The first line of every kind of report; UBSan's reads
  // "file:line:column: runtime error: ...".
  static constexpr std::array<std::string_view, 6> openings{"ERROR: AddressSanitizer",
                                                            "ERROR: LeakSanitizer",
                                                            "ERROR: ThreadSanitizer",
                                                            "WARNING: ThreadSanitizer",
                                                            "ERROR: UndefinedBehaviorSanitizer",
                                                            ": runtime error: "};
  auto first = std::string_view::npos;
  for (auto const opening : openings) first = std::min(first, err.find(opening));
  // Every report ends with "SUMMARY: <Name>Sanitizer: ...", which counts
  // alone too (when the opening was cut off, say).
  constexpr std::string_view summary = "SUMMARY: ";
  for (auto at = err.find(summary); at != std::string_view::npos && at < first;
       at = err.find(summary, at + 1)) {
    auto const line = err.substr(at, err.find('\n', at) - at);
    if (line.find("Sanitizer") != std::string_view::npos) first = at;
  }
  if (first == std::string_view::npos) return {};
  auto const line_start = err.rfind('\n', first);
  auto const report = err.substr(line_start == std::string_view::npos ? 0 : line_start + 1);
  if (report.size() <= quote_limit) return std::string{report};
  return std::string{report.substr(0, quote_limit)} + "\n[... report cut at " +
         std::to_string(quote_limit) + " bytes]";
}

void check_exit(process_result const& result, int expected_code, std::source_location where) {
  check_exit_code(result.exit_code, expected_code, result.err, "wsd", where);
}

process_result run_wsd(std::vector<std::string> args, env_list env, std::chrono::seconds timeout,
                       std::source_location where) {
  // A fresh working directory, so a run that does start a server leaves no
  // var/wsd.db behind.
  temp_directory const dir{"wsd-run-"};
  auto const c = spawn(std::move(args), env, dir.path());
  auto const deadline = steady::now() + timeout;
  process_result result;
  std::optional<int> code;
  if (read_until_closed(c, result, deadline)) code = wait_exit(c.pid, deadline);
  if (!code) {
    ::kill(c.pid, SIGKILL);
    read_until_closed(c, result, steady::now() + 5s);
    code = wait_exit(c.pid, forever);
    result.err += "\n[run_wsd: killed after " + std::to_string(timeout.count()) + " s]\n";
  }
  result.exit_code = code.value_or(-1);
  check_no_sanitizer_report(result.err, "wsd", where);
  return result;
}

temp_directory::temp_directory(std::string_view prefix) {
  auto pattern =
      (std::filesystem::temp_directory_path() / (std::string{prefix} + "XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) throw_errno("mkdtemp " + pattern);
  path_ = std::move(pattern);
}

temp_directory::~temp_directory() {
  // Best effort: a leftover directory must not turn a test result into a crash.
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string temp_directory::write_file(std::string_view name, std::string_view content) const {
  auto const file = (std::filesystem::path{path_} / name).string();
  std::ofstream stream{file, std::ios::binary | std::ios::trunc};
  stream.write(content.data(), static_cast<std::streamsize>(content.size()));
  stream.close();
  if (!stream) throw std::runtime_error{"cannot write " + file};
  return file;
}

struct wsd_server::state {
  temp_directory dir;
  pid_t pid = -1;
  std::optional<int> exit_code;
  std::uint16_t port = 0;
  std::source_location started_at;
  // Whether stderr was searched for a sanitizer report, and whether the test
  // took the exit code to check itself.
  bool report_checked = false;
  bool exit_code_taken = false;

  mutable std::mutex mutex;
  mutable std::condition_variable changed;
  std::string out;  // guarded by mutex, like err and open_streams
  std::string err;
  int open_streams = 0;
  std::thread out_reader;
  std::thread err_reader;

  state() = default;
  state(state const&) = delete;
  state& operator=(state const&) = delete;
  ~state() {
    if (pid > 0) stop(SIGTERM);
  }

  void start(server_options opts);
  void drain(unique_fd fd, std::string state::*sink);
  std::uint16_t await_listening();
  int stop(int sig);
  void join_readers();
};

void wsd_server::state::start(server_options opts) {
  std::vector<std::string> args{"--host", "127.0.0.1", "--port", "0"};
  args.insert(args.end(), opts.args.begin(), opts.args.end());
  if (opts.sqlite_temp_db && !chooses_database(opts)) {
    args.emplace_back("--db");
    args.push_back("sqlite3://db=" + dir.path() + "/wsd.db");
  }
  env_list env;
  if (opts.test_secrets) {
    env = {{"WSD_JWT_SECRET", test_jwt_secret}, {"WSD_ADMIN_PASSWORD", test_admin_password}};
  }
  env.insert(env.end(), opts.env.begin(), opts.env.end());

  auto c = spawn(std::move(args), env, dir.path());
  pid = c.pid;
  open_streams = 2;
  out_reader =
      std::thread{[this, fd = std::move(c.out)]() mutable { drain(std::move(fd), &state::out); }};
  err_reader =
      std::thread{[this, fd = std::move(c.err)]() mutable { drain(std::move(fd), &state::err); }};
  port = await_listening();
}

// Runs on a reader thread until the child closes the stream, so the child
// never blocks on a full pipe.
void wsd_server::state::drain(unique_fd fd, std::string state::*sink) {
  std::array<char, 8192> chunk{};
  for (;;) {
    auto const n = ::read(fd.get(), chunk.data(), chunk.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    {
      std::lock_guard const lock{mutex};
      (this->*sink).append(chunk.data(), static_cast<std::size_t>(n));
    }
    changed.notify_all();
  }
  {
    std::lock_guard const lock{mutex};
    --open_streams;
  }
  changed.notify_all();
}

std::uint16_t wsd_server::state::await_listening() {
  std::string failure;
  {
    std::unique_lock lock{mutex};
    std::optional<std::uint16_t> found;
    changed.wait_for(lock, start_timeout, [&] {
      found = listening_port(out);
      return found.has_value() || open_streams == 0;
    });
    if (found.value_or(0) != 0) return *found;
    failure = found               ? "wsd printed a malformed listening line"
              : open_streams == 0 ? "wsd exited before listening"
                                  : "wsd did not print its listening line within 30 s";
    failure += "\n--- stdout ---\n" + out + "\n--- stderr ---\n" + err;
  }
  auto const code = stop(SIGKILL);
  throw std::runtime_error{failure + "\n--- exit code " + std::to_string(code) + " ---"};
}

int wsd_server::state::stop(int sig) {
  if (!exit_code) exit_code = terminate(pid, sig);
  join_readers();
  return *exit_code;
}

void wsd_server::state::join_readers() {
  if (out_reader.joinable()) out_reader.join();
  if (err_reader.joinable()) err_reader.join();
}

wsd_server::wsd_server(options opts, std::source_location where)
    : state_{std::make_unique<state>()} {
  state_->started_at = where;
  // If start() throws, state_'s destructor stops the child and removes the
  // directory; the exception carries stderr, so nothing else is checked.
  state_->start(std::move(opts));
}

wsd_server::~wsd_server() {
  finish();
}

wsd_server::wsd_server(wsd_server&&) noexcept = default;

wsd_server& wsd_server::operator=(wsd_server&& other) noexcept {
  if (this != &other) {
    finish();
    state_ = std::move(other.state_);
  }
  return *this;
}

void wsd_server::finish() noexcept {
  if (!state_) return;  // moved from
  if (!state_->exit_code_taken) stop_expecting(0, SIGTERM, state_->started_at);
  state_.reset();
}

std::uint16_t wsd_server::port() const noexcept {
  return state_->port;
}
pid_t wsd_server::pid() const noexcept {
  return state_->pid;
}
int wsd_server::stop(int sig, std::source_location where) {
  auto& s = *state_;
  auto const code = s.stop(sig);
  s.exit_code_taken = true;
  if (!s.report_checked) {
    s.report_checked = true;
    check_no_sanitizer_report(err(), "wsd (pid " + std::to_string(s.pid) + ")", where);
  }
  return code;
}

void wsd_server::stop_expecting(int expected_code, int sig, std::source_location where) {
  auto const code = stop(sig, where);
  check_exit_code(code, expected_code, err(), "wsd (pid " + std::to_string(state_->pid) + ")",
                  where);
}
std::string const& wsd_server::temp_dir() const noexcept {
  return state_->dir.path();
}

bool wsd_server::running() const {
  if (state_->exit_code) return false;
  siginfo_t info{};
  // WNOWAIT: look without reaping, so stop() still gets the exit code.
  if (::waitid(P_PID, static_cast<id_t>(state_->pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
    return false;
  }
  return info.si_pid == 0;
}

std::string wsd_server::out() const {
  std::lock_guard const lock{state_->mutex};
  return state_->out;
}

std::string wsd_server::err() const {
  std::lock_guard const lock{state_->mutex};
  return state_->err;
}

bool wsd_server::wait_for_output(std::string_view needle, std::chrono::milliseconds timeout) const {
  auto& s = *state_;
  auto const seen = [&] {
    return s.out.find(needle) != std::string::npos || s.err.find(needle) != std::string::npos;
  };
  std::unique_lock lock{s.mutex};
  s.changed.wait_for(lock, timeout, [&] { return seen() || s.open_streams == 0; });
  return seen();
}

}  // namespace wsd::test
