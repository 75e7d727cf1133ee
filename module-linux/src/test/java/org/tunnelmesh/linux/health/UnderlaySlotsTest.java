package org.tunnelmesh.linux.health;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The health thread's underlay-to-slot table: lookups, removal, growth, and room made ahead for a batch. */
class UnderlaySlotsTest {
    // 10.x.y.z as ints: neighbours, as a node's peers' underlays usually are
    private static int underlay(int i) {
        return (10 << 24) | i;
    }

    @Test
    void findsWhatWasPutAndNothingElse() {
        UnderlaySlots slots = new UnderlaySlots();
        for (int i = 0; i < 1000; i++) {
            slots.put(underlay(i), i);
        }
        assertEquals(1000, slots.size());
        for (int i = 0; i < 1000; i++) {
            assertEquals(i, slots.get(underlay(i)));
        }
        assertEquals(-1, slots.get(underlay(1000)));
        assertEquals(-1, slots.get(0));
    }

    @Test
    void putOfAKnownUnderlayMovesItToTheNewSlot() {
        UnderlaySlots slots = new UnderlaySlots();
        slots.put(underlay(1), 5);
        slots.put(underlay(1), 7);
        assertEquals(1, slots.size());
        assertEquals(7, slots.get(underlay(1)));
    }

    @Test
    void removedUnderlaysAreGoneAndTheirNeighboursStay() {
        UnderlaySlots slots = new UnderlaySlots();
        for (int i = 0; i < 100; i++) {
            slots.put(underlay(i), i);
        }
        for (int i = 0; i < 100; i += 2) {
            slots.remove(underlay(i));
        }
        slots.remove(underlay(5000)); // never there: nothing happens
        assertEquals(50, slots.size());
        for (int i = 0; i < 100; i++) {
            assertEquals(i % 2 == 0 ? -1 : i, slots.get(underlay(i)));
        }
        // removed and added again, many times over: the marks of removed entries do not fill the table
        for (int round = 0; round < 50; round++) {
            for (int i = 0; i < 100; i += 2) {
                slots.put(underlay(i), i);
                slots.remove(underlay(i));
            }
        }
        assertEquals(50, slots.size());
        assertEquals(-1, slots.get(underlay(0)));
        assertEquals(99, slots.get(underlay(99)));
    }

    @Test
    void ensureCapacityMakesRoomForABatchAtOnce() {
        UnderlaySlots slots = new UnderlaySlots();
        for (int i = 0; i < 10; i++) {
            slots.put(underlay(i), i);
        }
        slots.ensureCapacity(10 + 10_000);
        int capacity = slots.capacity();
        for (int i = 10; i < 10_010; i++) {
            slots.put(underlay(i), i);
        }
        assertEquals(capacity, slots.capacity(), "the batch's puts made the table grow again");
        for (int i = 0; i < 10_010; i++) {
            assertEquals(i, slots.get(underlay(i)));
        }
        slots.ensureCapacity(5); // already room: the table stays
        assertEquals(capacity, slots.capacity());
    }
}
