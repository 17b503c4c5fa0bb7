#pragma once

#include <boost/system/result.hpp>

#include "wsd/http/error.hpp"

namespace wsd::db {

// What every database operation answers: a value, or the API error that
// describes why not (404, 409, 503...).
template <class T>
using result = boost::system::result<T, http::api_error>;

}  // namespace wsd::db
