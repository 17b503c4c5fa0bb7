// Cost of checking a bearer token, the work every authenticated request does
// before anything else: a full HS256 verification, and a lookup in the
// verified-token cache that the server uses on the request path. main() comes
// from benchmark_main.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "wsd/auth/jwt.hpp"
#include "wsd/auth/token_cache.hpp"

namespace {

namespace auth = wsd::auth;
using namespace std::chrono_literals;

constexpr std::string_view secret = "k3V9q2LmX8pW4zR7tY1uB6nD0sF5gH2jQ8wE";

void jwt_verify(benchmark::State& state) {
  auth::jwt_codec const codec(std::string(secret), 3600s);
  auto const token = codec.issue("operator-17", auth::role::operator_);
  for (auto _ : state) {
    auto r = codec.verify(token);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(jwt_verify);

void jwt_issue(benchmark::State& state) {
  auth::jwt_codec const codec(std::string(secret), 3600s);
  for (auto _ : state) {
    auto token = codec.issue("operator-17", auth::role::operator_);
    benchmark::DoNotOptimize(token);
  }
}
BENCHMARK(jwt_issue);

// The request-path check: a cache hit. The argument is how many distinct
// tokens are cached and cycled through (1: always the same, hot in CPU cache).
void token_verifier_cached(benchmark::State& state) {
  static auth::jwt_codec const codec(std::string(secret), 3600s);
  static auth::token_cache cache;
  static std::vector<std::string> tokens;
  auto const count = static_cast<std::size_t>(state.range(0));
  if (state.thread_index() == 0) {
    cache.clear();
    tokens.clear();
    for (std::size_t i = 0; i < count; ++i) {
      tokens.push_back(codec.issue("user-" + std::to_string(i), auth::role::viewer));
      cache.insert(tokens.back(), codec.verify(tokens.back()).value());
    }
  }
  auth::token_verifier const verifier(codec, cache);
  std::size_t i = static_cast<std::size_t>(state.thread_index());
  for (auto _ : state) {
    auto r = verifier.verify(tokens[i++ % count]);
    benchmark::DoNotOptimize(r);
  }
  if (state.thread_index() == 0) state.counters["cached"] = static_cast<double>(cache.size());
}
BENCHMARK(token_verifier_cached)->Arg(1)->Arg(10000);
BENCHMARK(token_verifier_cached)->Arg(10000)->Threads(2);

void bearer_token(benchmark::State& state) {
  std::string const header = "Bearer " + std::string(180, 'x');
  for (auto _ : state) {
    auto t = auth::bearer_token(header);
    benchmark::DoNotOptimize(t);
  }
}
BENCHMARK(bearer_token);

}  // namespace
