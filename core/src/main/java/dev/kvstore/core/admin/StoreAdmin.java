package dev.kvstore.core.admin;

import java.io.IOException;

/**
 * The admin calls a supervisor makes on a store, by its base URL. {@link AdminClient} makes them over
 * signed HTTP; the supervision logic depends only on this, so unit tests can play the stores.
 */
public interface StoreAdmin {

    NodeStatus status(String baseUrl) throws IOException;

    /** Raises the store's epoch and makes it stop following or serving an older term; answers its log position. */
    NodeStatus fence(String baseUrl, long epoch) throws IOException;

    NodeStatus promote(String baseUrl, long epoch, boolean oldPrimaryGone) throws IOException;

    /** A primary stops taking writes for {@code millis} (0 resumes), so a switchover target can catch up. */
    NodeStatus pauseWrites(String baseUrl, long millis) throws IOException;

    NodeStatus follow(String baseUrl, long epoch, String primary, String primaryHttp) throws IOException;

    /**
     * Fences a secondary for maintenance, or lifts that fence: fenced, it stops following, serves no client and
     * refuses to be promoted or to follow until lifted (kept on its disk). A primary refuses: switch over first.
     */
    NodeStatus maintenanceFence(String baseUrl, boolean fenced) throws IOException;
}
