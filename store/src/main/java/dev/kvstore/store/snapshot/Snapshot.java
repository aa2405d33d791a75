package dev.kvstore.store.snapshot;

import dev.kvstore.store.log.EpochHistory;
import java.util.Map;

/** The whole key-value map as of {@code lastIncludedOffset}, with the epoch history up to there. */
public record Snapshot(long lastIncludedOffset, EpochHistory history, Map<String, byte[]> data) {
}
