#include "wsd/http/accept_encoding.hpp"

#include <array>

#include "wsd/http/wire.hpp"

namespace wsd::http {

namespace {

constexpr unsigned unlisted = 1001;  // above any qvalue: "not named in the header"

// The q of one element's parameters ("q=0.5;foo=bar" after the coding), or
// nothing when a q parameter is malformed.
std::optional<unsigned> q_of(std::string_view params) noexcept {
  unsigned q = 1000;
  while (!params.empty()) {
    auto const semi = params.find(';');
    auto const param = trim_ows(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view{} : params.substr(semi + 1);
    if (param.size() < 2 || (param[0] != 'q' && param[0] != 'Q') || param[1] != '=') continue;
    auto const value = parse_qvalue(param.substr(2));
    if (!value) return std::nullopt;
    q = *value;
  }
  return q;
}

}  // namespace

std::optional<unsigned> parse_qvalue(std::string_view text) noexcept {
  if (text.empty() || (text[0] != '0' && text[0] != '1')) return std::nullopt;
  unsigned value = text[0] == '1' ? 1000 : 0;
  if (text.size() == 1) return value;
  if (text[1] != '.' || text.size() > 5) return std::nullopt;
  unsigned scale = 100;
  for (auto const c : text.substr(2)) {
    if (c < '0' || c > '9') return std::nullopt;
    if (value == 1000 && c != '0') return std::nullopt;  // above 1
    value += static_cast<unsigned>(c - '0') * scale;
    scale /= 10;
  }
  return value;
}

util::encoding choose_encoding(std::string_view header, bool allow_br) noexcept {
  // q per coding as listed: identity, gzip, br, then `*`.
  std::array<unsigned, 4> q{unlisted, unlisted, unlisted, unlisted};
  while (!header.empty()) {
    auto const comma = header.find(',');
    auto const element = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    auto const semi = element.find(';');
    auto const coding = trim_ows(element.substr(0, semi));
    auto const weight =
        q_of(semi == std::string_view::npos ? std::string_view{} : element.substr(semi + 1));
    if (!weight) continue;
    if (iequals(coding, "identity"))
      q[0] = *weight;
    else if (iequals(coding, "gzip") || iequals(coding, "x-gzip"))
      q[1] = *weight;
    else if (iequals(coding, "br"))
      q[2] = *weight;
    else if (coding == "*")
      q[3] = *weight;
  }
  auto const effective = [&](std::size_t i) { return q[i] != unlisted ? q[i] : q[3]; };
  auto const br = allow_br ? effective(2) : 0, gz = effective(1);
  // An unlisted identity is only the fallback; `*` does name it, though.
  auto const id = q[0] != unlisted ? q[0] : (q[3] != unlisted ? q[3] : 0);
  if (br != unlisted && br > 0 && br >= gz % unlisted && br >= id) return util::encoding::br;
  if (gz != unlisted && gz > 0 && gz >= id) return util::encoding::gzip;
  return util::encoding::identity;
}

}  // namespace wsd::http
