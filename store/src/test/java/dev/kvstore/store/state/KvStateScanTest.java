package dev.kvstore.store.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.store.log.LogEntry;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KvStateScanTest {

    private final KvState state = new KvState();
    private long offset;

    private void put(String key) {
        state.apply(LogEntry.put(1, ++offset, key, new byte[] {1}));
    }

    private void delete(String key) {
        state.apply(LogEntry.delete(1, ++offset, key));
    }

    @Test
    void aScanReturnsEveryKeyPresentThroughoutExactlyOnceWhileOthersComeAndGo() {
        for (int i = 0; i < 5000; i++) {
            put("stay-" + i);
        }
        List<String> returned = new ArrayList<>();
        long cursor = 0;
        int pages = 0;
        do {
            KvState.ScanPage page = state.scan(cursor, 37, key -> true);
            returned.addAll(page.keys());
            cursor = page.nextCursor();
            // churn between pages: new keys, and deletes of keys that came and went
            put("churn-" + pages);
            if (pages % 2 == 1) {
                delete("churn-" + (pages - 1));
            }
            pages++;
        } while (cursor != 0);
        List<String> stayed = returned.stream().filter(key -> key.startsWith("stay-")).toList();
        assertThat(stayed).hasSize(5000);
        assertThat(new HashSet<>(stayed)).hasSize(5000);
        assertThat(pages).isGreaterThan(5000 / 37);
    }

    @Test
    void matchFiltersAfterCountAndTheScanStillEnds() {
        for (int i = 0; i < 100; i++) {
            put((i % 10 == 0 ? "hit-" : "miss-") + i);
        }
        Set<String> hits = new HashSet<>();
        long cursor = 0;
        do {
            KvState.ScanPage page = state.scan(cursor, 5, key -> key.startsWith("hit-"));
            assertThat(page.keys()).allMatch(key -> key.startsWith("hit-"));
            hits.addAll(page.keys());
            cursor = page.nextCursor();
        } while (cursor != 0);
        assertThat(hits).hasSize(10);
    }

    @Test
    void anEmptyStoreEndsAtOnce() {
        assertThat(state.scan(0, 10, key -> true)).isEqualTo(new KvState.ScanPage(0, List.of()));
    }
}
