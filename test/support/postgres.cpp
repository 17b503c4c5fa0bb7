#include "support/postgres.hpp"

#include <dirent.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <stdexcept>
#include <utility>

#include <soci/postgresql/soci-postgresql.h>

namespace wsd::test {
namespace {

constexpr std::string_view pg_prefix = "postgresql://";

std::string required_env(char const* name) {
  char const* value = std::getenv(name);
  if (value == nullptr || *value == '\0')
    throw std::runtime_error(std::string(name) +
                             " is not set: PostgreSQL tests need the test cluster; run "
                             "scripts/test, or `source scripts/lib/pg.sh && pg_start` first");
  return value;
}

// 'text' for sh, whatever it contains.
std::string shell_quote(std::string_view text) {
  std::string out = "'";
  for (char const c : text) {
    if (c == '\'')
      out += R"('\'')";
    else
      out += c;
  }
  return out + "'";
}

struct shell_result {
  int exit_code = -1;
  std::string output;
};

// Runs command with sh from /, its stdout and stderr going to a file rather
// than a pipe: a postmaster it starts must not inherit a pipe we read to EOF.
// cwd is / because the postgres user may not be allowed into ours.
shell_result run_shell(std::string const& command) {
  char path[] = "/tmp/wsd-pg-cmd-XXXXXX";
  int const fd = ::mkstemp(path);
  if (fd < 0) throw std::runtime_error("mkstemp failed for " + command);
  ::close(fd);
  auto const status =
      std::system(("cd / && " + command + " >" + shell_quote(path) + " 2>&1 </dev/null").c_str());
  shell_result result;
  std::ifstream file(path);
  result.output.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
  ::unlink(path);
  if (status != -1 && WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  return result;
}

std::string checked(std::string const& command) {
  auto result = run_shell(command);
  if (result.exit_code != 0)
    throw std::runtime_error("`" + command + "` failed (exit " + std::to_string(result.exit_code) +
                             "): " + result.output);
  return std::move(result.output);
}

std::uint16_t parse_port(std::string const& text) {
  unsigned value = 0;
  auto const [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value == 0 || value > 65535)
    throw std::runtime_error("WSD_TEST_PG_PORT is not a port: " + text);
  return static_cast<std::uint16_t>(value);
}

std::string random_database_name() {
  std::random_device random;
  return "wsd_t_" + std::to_string(::getpid()) + "_" + std::to_string(random());
}

}  // namespace

pg_cluster pg_cluster::from_env() {
  pg_cluster c;
  c.url_ = required_env("WSD_TEST_PG");
  if (!c.url_.starts_with(pg_prefix))
    throw std::runtime_error("WSD_TEST_PG is not a postgresql:// URL: " + c.url_);
  c.ctl_ = required_env("WSD_TEST_PG_CTL");
  c.start_opts_ = required_env("WSD_TEST_PG_START_OPTS");
  c.log_ = required_env("WSD_TEST_PG_LOG");
  c.bin_ = required_env("WSD_TEST_PG_BIN");
  c.data_dir_ = required_env("WSD_TEST_PG_DATA");
  c.port_ = parse_port(required_env("WSD_TEST_PG_PORT"));
  return c;
}

std::string pg_cluster::url_for(std::string_view dbname) const {
  std::string_view const connect = std::string_view(url_).substr(pg_prefix.size());
  std::string out(pg_prefix);
  bool replaced = false;
  std::size_t pos = 0;
  while (pos < connect.size()) {
    auto const end = std::min(connect.find(' ', pos), connect.size());
    auto part = std::string(connect.substr(pos, end - pos));
    if (part.starts_with("dbname=")) {
      part = "dbname=" + std::string(dbname);
      replaced = true;
    }
    if (!part.empty()) out += (out.size() == pg_prefix.size() ? "" : " ") + part;
    pos = end + 1;
  }
  if (!replaced) out += " dbname=" + std::string(dbname);
  return out;
}

void pg_cluster::stop_immediately() const {
  checked(ctl_ + " stop -w -t 60 -m immediate");
}

void pg_cluster::stop_fast() const {
  checked(ctl_ + " stop -w -t 60 -m fast");
}

std::vector<pid_t> pg_cluster::pids() const {
  std::ifstream pid_file(data_dir_ + "/postmaster.pid");
  long postmaster = 0;
  pid_file >> postmaster;
  if (postmaster <= 1) throw std::runtime_error("no postmaster pid in " + data_dir_);
  std::vector<pid_t> out{static_cast<pid_t>(postmaster)};
  DIR* proc = opendir("/proc");
  if (proc == nullptr) throw std::runtime_error("cannot list /proc");
  while (auto const* entry = readdir(proc)) {
    std::string const name = entry->d_name;
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat("/proc/" + name + "/stat");
    std::string line;
    std::getline(stat, line);
    // "pid (comm) state ppid ...": comm may hold spaces, so start after ')'.
    auto const close = line.rfind(')');
    if (close == std::string::npos) continue;
    char state = 0;
    long ppid = 0;
    std::istringstream rest(line.substr(close + 1));
    rest >> state >> ppid;
    if (ppid == postmaster) out.push_back(static_cast<pid_t>(std::stol(name)));
  }
  closedir(proc);
  return out;
}

void pg_cluster::start() const {
  checked(ctl_ + " start -w -t 60 -l " + shell_quote(log_) + " -o " + shell_quote(start_opts_));
}

// pg_ctl status: 0 running, 3 not running, 4 no data directory.
bool pg_cluster::is_running() const {
  return run_shell(ctl_ + " status").exit_code == 0;
}

std::string pg_cluster::psql(std::string_view sql, std::string_view dbname) const {
  auto const binary = bin_ + "/psql";
  auto const program = ::access(binary.c_str(), X_OK) == 0 ? shell_quote(binary) : "psql";
  return checked("PGCONNECT_TIMEOUT=10 " + program +
                 " -X -q -A -t -v ON_ERROR_STOP=1 -h 127.0.0.1 -p " + std::to_string(port_) +
                 " -U wsd -d " + shell_quote(dbname) + " -c " + shell_quote(sql));
}

pg_database::pg_database(pg_cluster cluster)
    : cluster_(std::move(cluster)), name_(random_database_name()), url_(cluster_.url_for(name_)) {
  cluster_.psql("CREATE DATABASE " + name_);
}

pg_database::~pg_database() {
  try {
    cluster_.psql("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  } catch (std::exception const& e) {
    // A leftover scratch database harms nobody; say so and go on.
    std::fprintf(stderr, "could not drop database %s: %s\n", name_.c_str(), e.what());
  }
}

soci::session pg_database::open_session() const {
  return soci::session(*soci::factory_postgresql(), url_.substr(pg_prefix.size()));
}

frozen_cluster::frozen_cluster(pg_cluster const& cluster) {
  auto const pids = cluster.pids();
  if (kill(pids.front(), SIGSTOP) == 0) postmaster_ = pids.front();
  for (auto const pid : cluster.pids())
    if (pid != pids.front() && kill(pid, SIGSTOP) == 0) children_.push_back(pid);
}

frozen_cluster::frozen_cluster(pid_t backend) {
  if (kill(backend, SIGSTOP) == 0) children_.push_back(backend);
}

void frozen_cluster::resume_children() noexcept {
  for (auto const pid : children_) kill(pid, SIGCONT);
  children_.clear();
}

void frozen_cluster::resume() noexcept {
  resume_children();
  if (postmaster_ != 0) kill(postmaster_, SIGCONT);
  postmaster_ = 0;
}

pg_restart_guard::~pg_restart_guard() {
  try {
    if (!cluster_.is_running()) cluster_.start();
  } catch (std::exception const& e) {
    std::fprintf(stderr, "could not restart the PostgreSQL test cluster: %s\n", e.what());
  }
}

}  // namespace wsd::test
