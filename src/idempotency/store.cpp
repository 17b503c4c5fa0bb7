#include "wsd/idempotency/store.hpp"

#include <openssl/evp.h>
#include <soci/soci.h>

#include "wsd/util/time.hpp"

namespace wsd::idempotency {

namespace {

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (unsigned i = 0; i < size; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 0xf];
  }
  return out;
}

std::string cutoff(std::chrono::system_clock::time_point now) {
  return util::format_rfc3339(now - retention);
}

}  // namespace

bool is_valid_key(std::string_view key) noexcept {
  if (key.empty() || key.size() > max_key_bytes) return false;
  for (char c : key)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) return false;
  return true;
}

request make_request(std::string_view user, std::string_view key, std::string_view method,
                     std::string_view path, std::string_view body) {
  return {std::string(user), std::string(key), std::string(method), std::string(path),
          sha256_hex(body)};
}

core::result<std::optional<answer>> find(soci::session& sql, request const& r,
                                         std::chrono::system_clock::time_point now) {
  soci::row row;
  std::string const oldest = cutoff(now);
  sql << "SELECT method, path, body_hash, status, body, location FROM idempotency_keys "
         "WHERE username = :u AND idem_key = :k AND created_at > :oldest",
      soci::use(r.user), soci::use(r.key), soci::use(oldest), soci::into(row);
  if (!sql.got_data()) return std::optional<answer>();
  if (row.get<std::string>(0) != r.method || row.get<std::string>(1) != r.path ||
      row.get<std::string>(2) != r.body_hash)
    return core::validation_failed(
        {{"Idempotency-Key", "was already used for a different request"}});
  auto const status = row.get_properties(3).get_data_type() == soci::dt_long_long
                          ? static_cast<unsigned>(row.get<long long>(3))
                          : static_cast<unsigned>(row.get<int>(3));
  return std::optional<answer>(answer{status, row.get<std::string>(4), row.get<std::string>(5)});
}

void claim(soci::session& sql, request const& r, std::chrono::system_clock::time_point now) {
  std::string const oldest = cutoff(now);
  std::string const stamp = util::format_rfc3339(now);
  // An expired row with the same key would block the new claim.
  sql << "DELETE FROM idempotency_keys WHERE username = :u AND idem_key = :k AND created_at <= "
         ":oldest",
      soci::use(r.user), soci::use(r.key), soci::use(oldest);
  sql << "INSERT INTO idempotency_keys (username, idem_key, method, path, body_hash, status, "
         "body, location, created_at) VALUES (:u, :k, :m, :p, :h, 0, '', '', :c)",
      soci::use(r.user), soci::use(r.key), soci::use(r.method), soci::use(r.path),
      soci::use(r.body_hash), soci::use(stamp);
}

void complete(soci::session& sql, request const& r, answer const& a) {
  int const status = static_cast<int>(a.status);
  sql << "UPDATE idempotency_keys SET status = :s, body = :b, location = :l "
         "WHERE username = :u AND idem_key = :k",
      soci::use(status), soci::use(a.body), soci::use(a.location), soci::use(r.user),
      soci::use(r.key);
}

std::size_t sweep(soci::session& sql, std::chrono::system_clock::time_point now) {
  std::string const oldest = cutoff(now);
  soci::statement st = (sql.prepare << "DELETE FROM idempotency_keys WHERE created_at <= :oldest",
                        soci::use(oldest));
  st.execute(true);
  return static_cast<std::size_t>(st.get_affected_rows());
}

in_flight::ticket::~ticket() {
  if (!owner_) return;
  std::lock_guard lock(owner_->mutex_);
  owner_->running_.erase(id_);
}

std::optional<in_flight::ticket> in_flight::begin(request const& r) {
  auto id = std::make_pair(r.user, r.key);
  std::lock_guard lock(mutex_);
  if (!running_.insert(id).second) return std::nullopt;
  return ticket(this, std::move(id));
}

}  // namespace wsd::idempotency
