// Idempotency-Key bookkeeping for writes: the answer of the first completed
// attempt is stored in the same transaction as the write, keyed by (user,
// key), and replayed to repeats of the same request for 24 hours.
//
// The protocol, inside the write's transaction: claim() the key first (a
// placeholder row; a concurrent attempt on another instance waits on the
// primary key and then sees the stored answer), do the write, then
// complete() the row with the answer. A failed write rolls the claim back.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include <soci/session.h>

#include "wsd/core/error.hpp"

namespace wsd::idempotency {

inline constexpr std::size_t max_key_bytes = 128;
inline constexpr std::chrono::hours retention{24};

// 1-128 printable ASCII characters.
bool is_valid_key(std::string_view key) noexcept;

// The request an Idempotency-Key was used for.
struct request {
  std::string user;
  std::string key;
  std::string method;
  std::string path;
  std::string body_hash;  // SHA-256 of the body, hex
};

request make_request(std::string_view user, std::string_view key, std::string_view method,
                     std::string_view path, std::string_view body);

// What the first completed attempt answered.
struct answer {
  unsigned status = 0;   // as the caller answered it
  std::string body;      // empty when the answer had none
  std::string location;  // empty when the answer had none
  bool operator==(answer const&) const = default;
};

// The stored answer for the request's key: nullopt when the key is new (or
// older than 24 h), validation_failed when it was used for another request.
core::result<std::optional<answer>> find(soci::session& sql, request const& r,
                                         std::chrono::system_clock::time_point now);

// Inserts the placeholder row; throws soci_error (a unique violation) when
// another attempt with the key committed or is committing.
void claim(soci::session& sql, request const& r, std::chrono::system_clock::time_point now);

void complete(soci::session& sql, request const& r, answer const& a);

// Deletes rows older than 24 h; how many.
std::size_t sweep(soci::session& sql, std::chrono::system_clock::time_point now);

// Keys of attempts running in this process: a repeat while the first is
// still running is a conflict rather than waiting or running twice.
class in_flight {
 public:
  class ticket {
   public:
    ticket(in_flight* owner, std::pair<std::string, std::string> id)
        : owner_(owner), id_(std::move(id)) {}
    ticket(ticket&& other) noexcept
        : owner_(std::exchange(other.owner_, nullptr)), id_(std::move(other.id_)) {}
    ticket(ticket const&) = delete;
    ticket& operator=(ticket const&) = delete;
    ticket& operator=(ticket&&) = delete;
    ~ticket();

   private:
    in_flight* owner_;
    std::pair<std::string, std::string> id_;
  };

  // A ticket while this (user, key) runs, or nullopt if it already does.
  std::optional<ticket> begin(request const& r);

 private:
  std::mutex mutex_;
  std::set<std::pair<std::string, std::string>> running_;
};

}  // namespace wsd::idempotency
