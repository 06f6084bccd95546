"""Taiwan's talent programmes that add to its skilled supply: attract (攬才) and cultivate (育才).

Both are aggregate stocks, not agents, updated once a quarter after the professionals' moves by
:meth:`crossstrait_sim.model.tables.CellTables.taiwan_response` (so the two engines share them):

- **Attract.** A supplement ``bonus_usd_k`` (USD thousand per person-year) is paid to whoever
  comes to work in Taiwan, for ``eligible_years``. Taiwanese returning from abroad see it in their
  pay (inside the log of the professionals' utility, priced by the fitted wage weight). Foreign
  professionals in Taiwan move toward the stock
  ``foreign_stock x ((w + bonus) / w) ^ foreign_elasticity`` (``w``: Taiwan's skilled pay), closing
  ``adjust_rate`` of the gap each quarter; the stock above ``foreign_stock`` adds to Taiwan's
  skilled supply (spread over sectors like Taiwan's skilled demand). Spend = supplement x
  (foreign professionals + Taiwanese who returned within the eligible years): every foreign
  professional is counted as eligible, an upper bound.
- **Cultivate.** A yearly budget ``budget_usd_m`` keeps ``budget / cost_usd_k`` trainees in
  training; an intake cohort graduates ``duration_quarters`` later, and ``completion x
  additionality`` of it adds to Taiwan's skilled supply for the rest of the horizon (the horizon
  is shorter than a career: no attrition). Spend = the budget.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from crossstrait_sim.config.parameters import Params


@dataclass
class TwProgrammes:
    """The programmes' state: persons added to Taiwan's skilled supply and what they cost."""

    foreign: float  # foreign professionals in TW (persons)
    foreign0: float  # the stock before the policy (persons)
    trained: float = 0.0  # graduates added to TW's skilled supply (persons)
    intakes: deque = field(default_factory=deque)  # trainee intake per quarter still in training (persons)
    returns: deque = field(default_factory=deque)  # Taiwanese returned to TW per quarter while eligible
    spend_attract: float = 0.0  # USD m this quarter
    spend_cultivate: float = 0.0  # USD m this quarter

    @classmethod
    def start(cls, p: Params) -> TwProgrammes:
        """The state before any programme: the foreign stock at its pre-policy level, nobody trained."""
        f0 = float(p.policy.tw_attract.foreign_stock)
        return cls(foreign=f0, foreign0=f0)

    def extra_supply(self) -> float:
        """Persons the programmes add to Taiwan's skilled supply (beyond the stock before them)."""
        return self.foreign - self.foreign0 + self.trained

    def update(self, p: Params, bonus_usd_k: float, level_cultivate: float, tw_pay_usd: float, returned: float) -> None:
        """One quarter: foreign stock, returnees still eligible, trainees, and the quarter's spend."""
        a, c = p.policy.tw_attract, p.policy.tw_cultivate
        pay_k = max(tw_pay_usd / 1000.0, 1e-9)
        target = self.foreign0 * ((pay_k + bonus_usd_k) / pay_k) ** a.foreign_elasticity
        self.foreign += a.adjust_rate * (target - self.foreign)
        if bonus_usd_k > 0:
            self.returns.append(returned)
            while len(self.returns) > max(1, round(a.eligible_years * 4)):
                self.returns.popleft()
        else:
            self.returns.clear()
        self.spend_attract = bonus_usd_k / 4000.0 * (self.foreign + sum(self.returns)) if bonus_usd_k > 0 else 0.0
        budget = c.budget_usd_m * level_cultivate  # USD m per year
        self.intakes.append(budget / (c.cost_usd_k / 1000.0) / c.duration_quarters)
        if len(self.intakes) > c.duration_quarters:
            self.trained += self.intakes.popleft() * c.completion * c.additionality
        self.spend_cultivate = budget / 4.0
