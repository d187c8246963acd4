package com.example.shop;

import java.util.ArrayList;
import java.util.List;

/**
 * A shopping cart holding items and computing totals.
 */
public class Cart {
    private final List<Item> items = new ArrayList<>();
    private String currency = "EUR";

    /** Creates an empty cart in the given currency. */
    public Cart(String currency) {
        this.currency = currency;
    }

    /**
     * Adds an item, merging it with an existing line for the same SKU.
     */
    public void add(Item item) {
        for (Item existing : items) {
            if (existing.sku().equals(item.sku())) {
                items.remove(existing);
                items.add(new Item(item.sku(), existing.quantity() + item.quantity(), item.price()));
                return;
            }
        }
        items.add(item);
    }

    // The total in cents.
    @Override
    public String toString() {
        long cents = 0;
        for (Item i : items) {
            cents += i.quantity() * i.price();
        }
        return cents + " " + currency;
    }

    /** A line of the cart. */
    public record Item(String sku, int quantity, long price) {}

    enum State {
        OPEN, PAID;

        boolean isFinal() {
            return this == PAID;
        }
    }
}

interface Discount {
    long apply(long cents);
}
