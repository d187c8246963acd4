#!/usr/bin/env python3
"""Invoice helpers: totals, discounts and formatting."""

import dataclasses
import decimal

TAX_RATE = decimal.Decimal("0.2")


# Rounds to cents the way the ledger does.
def round_cents(amount):
    """Round an amount to whole cents, halves away from zero."""
    return amount.quantize(decimal.Decimal("0.01"), rounding=decimal.ROUND_HALF_UP)


@dataclasses.dataclass
class Invoice:
    """An invoice: lines of (description, quantity, unit price)."""

    customer: str
    lines: list = dataclasses.field(default_factory=list)

    def add_line(self, description, quantity, unit_price):
        """Append a line to the invoice."""
        if quantity <= 0:
            raise ValueError("quantity must be positive")
        self.lines.append((description, quantity, unit_price))

    @property
    def subtotal(self):
        """The sum of the lines, before tax."""
        return sum(q * p for _, q, p in self.lines)

    def total(self, discount=None):
        """The total with tax, after an optional discount in percent.

        Long on purpose: the golden test splits it at statements.
        """
        amount = self.subtotal
        if discount:
            if not 0 <= discount <= 100:
                raise ValueError("discount must be a percentage")
            amount = amount * (100 - discount) / 100

        def taxed(value):
            return value * (1 + TAX_RATE)

        amount = taxed(amount)
        amount = round_cents(amount)
        if amount < 0:
            amount = decimal.Decimal(0)
        for description, quantity, unit_price in self.lines:
            if unit_price < 0:
                raise ValueError(f"negative price on {description}")
            if quantity > 1000:
                raise ValueError(f"quantity too large on {description}")
        # Totals over a million need a manual review.
        if amount > 1_000_000:
            self.flag_for_review(amount)
        return amount

    def flag_for_review(self, amount):
        print(f"review {self.customer}: {amount}")


class Money(decimal.Decimal): pass


if __name__ == "__main__":
    inv = Invoice("ACME")
    inv.add_line("widget", 3, decimal.Decimal("9.99"))
    print(inv.total(discount=10))
