// Fails a run in which no test case matched the filters. Each ctest entry
// runs one test case by name (--test-case=NAME, test/CMakeLists.txt), and
// doctest passes a run that ran nothing: an entry whose name did not survive
// the trip (CMake splits names at ';', doctest filters at ',' and reads '*'
// and '?' as wildcards) would pass forever without running its test.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>

namespace {

class empty_run_guard : public doctest::IReporter {
 public:
  explicit empty_run_guard(doctest::ContextOptions const& /*options*/) {}

  void test_run_end(doctest::TestRunStats const& stats) override {
    if (stats.numTestCasesPassingFilters > 0) return;
    // Listeners run before the reporter, which has nothing to report anyway.
    std::fputs("[doctest] no test case matches the filters, so none ran: the run fails\n", stderr);
    std::exit(EXIT_FAILURE);
  }

  void report_query(doctest::QueryData const& /*query*/) override {}
  void test_run_start() override {}
  void test_case_start(doctest::TestCaseData const& /*test*/) override {}
  void test_case_reenter(doctest::TestCaseData const& /*test*/) override {}
  void test_case_end(doctest::CurrentTestCaseStats const& /*stats*/) override {}
  void test_case_exception(doctest::TestCaseException const& /*exception*/) override {}
  void subcase_start(doctest::SubcaseSignature const& /*subcase*/) override {}
  void subcase_end() override {}
  void log_assert(doctest::AssertData const& /*assertion*/) override {}
  void log_message(doctest::MessageData const& /*message*/) override {}
  void test_case_skipped(doctest::TestCaseData const& /*test*/) override {}
};

REGISTER_LISTENER("empty_run_guard", 1, empty_run_guard);

}  // namespace
