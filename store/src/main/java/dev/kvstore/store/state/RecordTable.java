package dev.kvstore.store.state;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.function.Consumer;

/**
 * The map's records ({@link KeyRecord}) in an open-addressing hash table with linear probing: 4 bytes
 * of slot per key at most 75% full, instead of a node object per key.
 *
 * <p>One writer at a time (callers serialize {@link #put}, {@link #remove}, {@link #clear}); reads on
 * any thread without a lock. That holds because a record is never changed once made and enters a slot
 * with a release store, so a reader sees a record whole; a removed key leaves a marker, not an empty
 * slot, so a probe for a key further along is not cut short; and a resize fills a new table and then
 * publishes it, never writing to the old one again, so a reader still on the old table sees the map as
 * it was a moment before. A probe ends: at least a quarter of the slots stay empty, and an empty slot
 * of a live table only ever fills, so a reader's walk meets one within a turn of the table.
 */
final class RecordTable {

    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(byte[][].class);
    /** Marks the slot of a removed key: probes go on past it, inserts may reuse it. */
    private static final byte[] REMOVED = new byte[0];
    private static final int MIN_CAPACITY = 16;

    private volatile byte[][] slots = new byte[MIN_CAPACITY][];
    /** The key of the slot hash: this table's own, so no client can aim keys at one slot. */
    private final long seed0;
    private final long seed1;
    private volatile int size;
    /** Slots holding {@link #REMOVED}; the writer's alone. */
    private int removed;

    RecordTable() {
        java.security.SecureRandom random = new java.security.SecureRandom();
        this.seed0 = random.nextLong();
        this.seed1 = random.nextLong();
    }

    int size() {
        return size;
    }

    /** The record of the key whose UTF-8 bytes are {@code key}, or null. */
    byte[] get(byte[] key) {
        byte[][] table = slots;
        int mask = table.length - 1;
        for (int i = home(key, 0, key.length, mask); ; i = (i + 1) & mask) {
            byte[] record = (byte[]) SLOT.getAcquire(table, i);
            if (record == null) {
                return null;
            }
            if (record != REMOVED && KeyRecord.isKey(record, key)) {
                return record;
            }
        }
    }

    /** Puts the record of the key whose UTF-8 bytes are {@code key} in place of its previous one, which it returns (null: new). */
    byte[] put(byte[] key, byte[] record) {
        byte[][] table = slots;
        int mask = table.length - 1;
        int firstRemoved = -1;
        int i = home(key, 0, key.length, mask);
        for (byte[] there; (there = table[i]) != null; i = (i + 1) & mask) {
            if (there == REMOVED) {
                if (firstRemoved < 0) {
                    firstRemoved = i;
                }
            } else if (KeyRecord.isKey(there, key)) {
                SLOT.setRelease(table, i, record);
                return there;
            }
        }
        if (firstRemoved >= 0) {
            removed--;
            i = firstRemoved;
        }
        SLOT.setRelease(table, i, record);
        size++;
        if ((size + removed) * 4L > table.length * 3L) {
            resize();
        }
        return null;
    }

    /** Removes the key's record and returns it (null: the key was absent). */
    byte[] remove(byte[] key) {
        byte[][] table = slots;
        int mask = table.length - 1;
        for (int i = home(key, 0, key.length, mask); ; i = (i + 1) & mask) {
            byte[] there = table[i];
            if (there == null) {
                return null;
            }
            if (there != REMOVED && KeyRecord.isKey(there, key)) {
                SLOT.setRelease(table, i, REMOVED);
                size--;
                removed++;
                return there;
            }
        }
    }

    void clear() {
        slots = new byte[MIN_CAPACITY][];
        size = 0;
        removed = 0;
    }

    /** Hands every record to {@code action}; one present throughout is handed over once, others may or may not be. */
    void forEach(Consumer<byte[]> action) {
        byte[][] table = slots;
        for (int i = 0; i < table.length; i++) {
            byte[] record = (byte[]) SLOT.getAcquire(table, i);
            if (record != null && record != REMOVED) {
                action.accept(record);
            }
        }
    }

    /** Refills a table of at least twice the keys' count (the same size when removed markers filled it), then publishes it. */
    private void resize() {
        byte[][] old = slots;
        int capacity = MIN_CAPACITY;
        while (capacity < size * 2L) { // at most half full after: a full table (3/4) doubles to 3/8
            capacity <<= 1;
        }
        byte[][] table = new byte[capacity][];
        int mask = capacity - 1;
        for (byte[] record : old) {
            if (record != null && record != REMOVED) {
                int i = home(record, KeyRecord.HEADER_BYTES, KeyRecord.keyLength(record), mask);
                while (table[i] != null) {
                    i = (i + 1) & mask;
                }
                table[i] = record;
            }
        }
        removed = 0;
        slots = table; // the volatile write publishes the filled table
    }

    /** The slot a key's probe starts at: a keyed hash of its bytes (see {@link SipHash}). */
    private int home(byte[] bytes, int offset, int length, int mask) {
        return (int) SipHash.hash(seed0, seed1, bytes, offset, length) & mask;
    }

    /** The slot {@code key} starts at in a table of {@code capacity} slots: for tests of the spread. */
    int homeOf(byte[] key, int capacity) {
        return home(key, 0, key.length, capacity - 1);
    }
}
