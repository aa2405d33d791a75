package dev.kvstore.store.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class RecordTableTest {

    private final RecordTable table = new RecordTable();

    private static byte[] utf8(String key) {
        return key.getBytes(StandardCharsets.UTF_8);
    }

    private byte[] put(String key, String value) {
        return table.put(utf8(key), KeyRecord.of(key, 0, value.getBytes(StandardCharsets.UTF_8)));
    }

    private byte[] remove(String key) {
        return table.remove(utf8(key));
    }

    private String get(String key) {
        byte[] record = table.get(utf8(key));
        return record == null ? null : new String(KeyRecord.value(record), StandardCharsets.UTF_8);
    }

    @Test
    void keysWithTheSameHashAreKeptApart() {
        // "Aa" and "BB" share String.hashCode(), as do their concatenations
        assertThat("AaAa".hashCode()).isEqualTo("BBBB".hashCode()).isEqualTo("AaBB".hashCode());
        put("AaAa", "1");
        put("BBBB", "2");
        put("AaBB", "3");
        remove("BBBB");

        assertThat(get("AaAa")).isEqualTo("1");
        assertThat(get("BBBB")).isNull();
        assertThat(get("AaBB")).as("found past the removed key's slot").isEqualTo("3");
        assertThat(table.size()).isEqualTo(2);
    }

    @Test
    void keysBeyondAsciiAreMatchedByTheirBytes() {
        put("clé", "a");
        put("ключ", "b");
        put("🔑", "c");

        assertThat(get("clé")).isEqualTo("a");
        assertThat(get("ключ")).isEqualTo("b");
        assertThat(get("🔑")).isEqualTo("c");
        assertThat(get("cle")).isNull();
        assertThat(KeyRecord.key(table.get(utf8("ключ")))).isEqualTo("ключ");
    }

    @Test
    void aReplacedKeyReturnsItsPreviousRecordAndIsCountedOnce() {
        assertThat(put("k", "old")).isNull();
        byte[] previous = put("k", "new");

        assertThat(new String(KeyRecord.value(previous), StandardCharsets.UTF_8)).isEqualTo("old");
        assertThat(get("k")).isEqualTo("new");
        assertThat(table.size()).isEqualTo(1);
    }

    @Test
    void holdsWhatAPlainMapHoldsThroughGrowthAndChurn() {
        Map<String, String> expected = new HashMap<>();
        Random random = new Random(7);
        for (int i = 0; i < 200_000; i++) {
            String key = "key:" + random.nextInt(20_000);
            if (random.nextInt(3) == 0) {
                remove(key);
                expected.remove(key);
            } else {
                String value = "v" + i;
                put(key, value);
                expected.put(key, value);
            }
        }

        assertThat(table.size()).isEqualTo(expected.size());
        Map<String, String> held = new HashMap<>();
        table.forEach(record -> held.put(KeyRecord.key(record), new String(KeyRecord.value(record), StandardCharsets.UTF_8)));
        assertThat(held).isEqualTo(expected);
        for (int i = 0; i < 20_000; i++) {
            assertThat(get("key:" + i)).isEqualTo(expected.get("key:" + i));
        }
    }

    @Test
    void aReaderAlwaysFindsAKeyPresentThroughoutWhileTheWriterGrowsAndEmptiesTheTable() throws Exception {
        List<String> stay = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            stay.add("stay-" + i);
            put("stay-" + i, "s" + i);
        }
        AtomicBoolean done = new AtomicBoolean();
        AtomicReference<String> missed = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            int i = 0;
            while (!done.get() && missed.get() == null) {
                String key = stay.get(i++ % stay.size());
                String value = get(key);
                if (value == null || !value.equals("s" + key.substring(5))) {
                    missed.set(key + " read as " + value);
                }
            }
        });
        reader.start();
        try {
            // each round grows the table through several resizes, then removes what it added (markers, a resize that shrinks)
            for (int round = 0; round < 20; round++) {
                for (int i = 0; i < 20_000; i++) {
                    put("churn-" + i, "c");
                }
                for (int i = 0; i < 20_000; i++) {
                    remove("churn-" + i);
                }
            }
        } finally {
            done.set(true);
            reader.join();
        }

        assertThat(missed.get()).as("a key present throughout, missed or misread").isNull();
        assertThat(table.size()).isEqualTo(stay.size());
    }

    @Test
    void aRecordKeepsItsExpiryApartFromItsValue() {
        byte[] record = KeyRecord.of("k", 1234L, "value".getBytes(StandardCharsets.UTF_8));
        byte[] without = KeyRecord.withExpiry(record, 0);

        assertThat(KeyRecord.expiresAtMillis(record)).isEqualTo(1234L);
        assertThat(new String(KeyRecord.value(record), StandardCharsets.UTF_8)).isEqualTo("value");
        assertThat(KeyRecord.expiresAtMillis(without)).isZero();
        assertThat(new String(KeyRecord.value(without), StandardCharsets.UTF_8)).isEqualTo("value");
        assertThat(KeyRecord.key(KeyRecord.withExpiry(without, 99L))).isEqualTo("k");
        assertThat(KeyRecord.expiresAtMillis(KeyRecord.withExpiry(without, 99L))).isEqualTo(99L);
    }

    @Test
    void keysSharingStringHashCodeStartAtSlotsSpreadOverTheTable() {
        // 4096 keys with one String.hashCode ("Aa" and "BB" collide): chosen by a client, they must not all
        // start their probe at one slot, or each write would walk past all the others
        List<String> colliding = new ArrayList<>();
        for (int bits = 0; bits < 4096; bits++) {
            StringBuilder key = new StringBuilder();
            for (int i = 0; i < 12; i++) {
                key.append((bits >> i & 1) == 0 ? "Aa" : "BB");
            }
            colliding.add(key.toString());
        }
        assertThat(colliding.stream().map(String::hashCode).distinct()).hasSize(1);

        long slots = colliding.stream().map(key -> table.homeOf(utf8(key), 1 << 16)).distinct().count();

        assertThat(slots).as("distinct first slots of 4096 keys in 65536").isGreaterThan(3800);
        colliding.forEach(key -> put(key, key));
        assertThat(get(colliding.get(1234))).isEqualTo(colliding.get(1234));
    }

    @Test
    void sipHashMatchesTheReferenceVector() {
        // SipHash-2-4, key 00..0f, message 00..0e: a129ca6149be45e5 (the paper's test vector)
        byte[] message = new byte[15];
        for (int i = 0; i < message.length; i++) {
            message[i] = (byte) i;
        }
        assertThat(SipHash.hash(0x0706050403020100L, 0x0f0e0d0c0b0a0908L, message, 0, message.length))
                .isEqualTo(0xa129ca6149be45e5L);
    }
}
