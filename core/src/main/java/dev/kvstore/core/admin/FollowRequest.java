package dev.kvstore.core.admin;

/** Body of follow: the epoch of the current term and where its primary listens. */
public record FollowRequest(long epoch, String primary, String primaryHttp) {
}
