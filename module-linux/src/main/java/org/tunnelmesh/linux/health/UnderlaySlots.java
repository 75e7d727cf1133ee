package org.tunnelmesh.linux.health;

import java.util.Arrays;

/**
 * Underlay address to slot, open addressing over two int arrays: the counter read looks up every peer several times a
 * second, and a boxed map would allocate for most of them. Not thread-safe.
 */
final class UnderlaySlots {
    private static final int EMPTY = -1;
    private static final int REMOVED = -2;

    private int[] keys = new int[16];
    private int[] slots = new int[16];
    private int size;
    private int used; // size plus REMOVED marks

    UnderlaySlots() {
        Arrays.fill(slots, EMPTY);
    }

    /** The slot of {@code underlay}, or -1. */
    int get(int underlay) {
        int mask = keys.length - 1;
        for (int i = mix(underlay) & mask; ; i = (i + 1) & mask) {
            int s = slots[i];
            if (s == EMPTY) {
                return -1;
            }
            if (s != REMOVED && keys[i] == underlay) {
                return s;
            }
        }
    }

    void put(int underlay, int slot) {
        if ((used + 1) * 2 > keys.length) {
            rehash(size * 4 > keys.length ? keys.length * 2 : keys.length);
        }
        int mask = keys.length - 1;
        int free = -1;
        for (int i = mix(underlay) & mask; ; i = (i + 1) & mask) {
            int s = slots[i];
            if (s == EMPTY) {
                if (free < 0) {
                    free = i;
                    used++;
                }
                break;
            }
            if (s == REMOVED) {
                if (free < 0) {
                    free = i;
                }
            } else if (keys[i] == underlay) {
                slots[i] = slot;
                return;
            }
        }
        keys[free] = underlay;
        slots[free] = slot;
        size++;
    }

    void remove(int underlay) {
        int mask = keys.length - 1;
        for (int i = mix(underlay) & mask; ; i = (i + 1) & mask) {
            int s = slots[i];
            if (s == EMPTY) {
                return;
            }
            if (s != REMOVED && keys[i] == underlay) {
                slots[i] = REMOVED;
                size--;
                return;
            }
        }
    }

    int size() {
        return size;
    }

    /** The table's length: for tests of when it grows. */
    int capacity() {
        return keys.length;
    }

    /** Makes room for {@code entries} without rehashing on the way (at most half full, as {@link #put} keeps it). */
    void ensureCapacity(int entries) {
        int capacity = keys.length;
        while (entries * 2 > capacity) {
            capacity *= 2;
        }
        if (capacity > keys.length) {
            rehash(capacity);
        }
    }

    private void rehash(int capacity) {
        int[] oldKeys = keys;
        int[] oldSlots = slots;
        keys = new int[capacity];
        slots = new int[capacity];
        Arrays.fill(slots, EMPTY);
        size = 0;
        used = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldSlots[i] >= 0) {
                put(oldKeys[i], oldSlots[i]);
            }
        }
    }

    private static int mix(int key) {
        int h = key * 0x9E3779B9;
        return h ^ (h >>> 16);
    }
}
