package dev.kvstore.core.admin;

/**
 * Body of {@code POST /v1/admin/log}, the log archive's read: the primary's committed entries after offset
 * {@code after}, whose entry the archive holds as of epoch {@code afterEpoch} ({@code after} -1: from the first entry the primary's
 * log still holds),
 * about {@code maxBytes} of them.
 */
public record LogRequest(long after, long afterEpoch, long maxBytes) {
}
