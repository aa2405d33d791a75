package dev.kvstore.store.state;

import dev.kvstore.store.snapshot.SnapshotData;
import java.util.HashMap;
import java.util.Map;

/** A snapshot's view of the map's records as of one offset: the records themselves, which never change. */
final class FrozenRecords implements SnapshotData {

    private final byte[][] records;

    FrozenRecords(byte[][] records) {
        this.records = records;
    }

    @Override
    public long size() {
        return records.length;
    }

    @Override
    public void forEach(Sink sink) {
        for (byte[] record : records) {
            sink.accept(KeyRecord.key(record), KeyRecord.value(record));
        }
    }

    @Override
    public void forEachEncoded(EncodedSink sink) throws java.io.IOException {
        for (byte[] record : records) {
            int valueOffset = KeyRecord.valueOffset(record);
            sink.accept(record, KeyRecord.HEADER_BYTES, KeyRecord.keyLength(record), record, valueOffset,
                    record.length - valueOffset);
        }
    }

    /** A copy, unlike the pairs: for tests and small data; the snapshot writer streams {@link #forEachExpiry}. */
    @Override
    public Map<String, Long> expiries() {
        Map<String, Long> expiries = new HashMap<>();
        for (byte[] record : records) {
            long at = KeyRecord.expiresAtMillis(record);
            if (at != 0) {
                expiries.put(KeyRecord.key(record), at);
            }
        }
        return expiries;
    }

    @Override
    public long expiringCount() {
        long count = 0;
        for (byte[] record : records) {
            if (KeyRecord.expiresAtMillis(record) != 0) {
                count++;
            }
        }
        return count;
    }

    /** Straight from the records: no map of the expiring keys beside them (it would cost about 100 bytes a key). */
    @Override
    public void forEachExpiry(ExpirySink sink) throws java.io.IOException {
        for (byte[] record : records) {
            long at = KeyRecord.expiresAtMillis(record);
            if (at != 0) {
                sink.accept(record, KeyRecord.HEADER_BYTES, KeyRecord.keyLength(record), at);
            }
        }
    }

    @Override
    public long encodedBytes() {
        long bytes = 0;
        for (byte[] record : records) {
            bytes += 8 + KeyRecord.keyLength(record) + KeyRecord.valueLength(record);
        }
        return bytes;
    }
}
