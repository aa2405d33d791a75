package dev.kvstore.store.snapshot;

import dev.kvstore.store.log.EpochHistory;

/** The whole key-value map as of {@code lastIncludedOffset}, with the epoch history up to there, to be written. */
public record Snapshot(long lastIncludedOffset, EpochHistory history, SnapshotData data) {
}
