package dev.kvstore.core.admin;

/**
 * Body of fence and promote: the epoch of the new term. {@code oldPrimaryGone} (promote only) says
 * the caller saw the old primary's process or pod end, so the new primary need not wait out the
 * old one's read lease.
 */
public record EpochRequest(long epoch, boolean oldPrimaryGone) {
}
