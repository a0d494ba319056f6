#include "contracts/state_change.hpp"

namespace ios::contracts {

void append(StateChange& into, const StateChange& more) {
  into.spent.insert(into.spent.end(), more.spent.begin(), more.spent.end());
  into.created.insert(into.created.end(), more.created.begin(), more.created.end());
  into.fee_credits.insert(into.fee_credits.end(), more.fee_credits.begin(), more.fee_credits.end());
  into.servi_issued.insert(into.servi_issued.end(), more.servi_issued.begin(), more.servi_issued.end());
  into.servi_cleared.insert(into.servi_cleared.end(), more.servi_cleared.begin(), more.servi_cleared.end());
  into.slashed.insert(into.slashed.end(), more.slashed.begin(), more.slashed.end());
  // Payments come out of the pool, so their sum is bounded by the supply; shortfalls are only
  // informational and saturate rather than wrap.
  into.pool_paid += more.pool_paid;
  auto shortfall = chain::add_amount(into.compensation_shortfall, more.compensation_shortfall);
  into.compensation_shortfall = shortfall ? *shortfall : UINT64_MAX;
}

}  // namespace ios::contracts
