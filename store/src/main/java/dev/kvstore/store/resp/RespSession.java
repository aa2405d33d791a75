package dev.kvstore.store.resp;

import java.util.concurrent.atomic.AtomicLong;

/** What one client connection has told the store about itself, and what it has done. */
public final class RespSession {

    private static final AtomicLong IDS = new AtomicLong();

    private final long id = IDS.incrementAndGet();
    private final String address;
    private final long connectedAtMillis = System.currentTimeMillis();
    private int protocol = 2;
    private String name;
    private String libraryName;
    private String libraryVersion;
    private long lastWriteOffset;
    private boolean closing;
    /** Between MULTI and EXEC or DISCARD; null otherwise. */
    private Transaction transaction;
    /** WATCHed keys and where the log stood when each was watched, until EXEC, DISCARD or UNWATCH. */
    private final java.util.Map<String, dev.kvstore.store.node.KeyView.Watch> watched = new java.util.LinkedHashMap<>();

    /** Who this connection authenticated as; null until it does, where users are set. */
    private dev.kvstore.store.auth.Users.User user;
    /** The user a connection starts as (and returns to on RESET): null where it must authenticate. */
    private final dev.kvstore.store.auth.Users.User unauthenticated;

    public RespSession(String address) {
        this(address, dev.kvstore.store.auth.Users.DEFAULT_OPEN);
    }

    /** @param initialUser who the connection is before AUTH: null where clients must authenticate */
    public RespSession(String address, dev.kvstore.store.auth.Users.User initialUser) {
        this.address = address;
        this.unauthenticated = initialUser;
        this.user = initialUser;
    }

    /** Who the connection authenticated as; null before AUTH where users are set. */
    public dev.kvstore.store.auth.Users.User user() {
        return user;
    }

    /** The users the connection signed in against last: when they change, the sign-in is checked again. */
    private dev.kvstore.store.auth.Users signedInAgainst;
    /** How the connection signed in (which user, with which of its passwords); null before. */
    private dev.kvstore.store.auth.Users.SignIn signIn;

    void signIn(dev.kvstore.store.auth.Users.SignIn authenticated, dev.kvstore.store.auth.Users against) {
        signIn = authenticated;
        user = authenticated.user();
        signedInAgainst = against;
    }

    /**
     * Keeps the sign-in while {@code current} still holds it (the user with the same permission and the
     * password it signed in with), else signs the connection out: a removed user, a changed permission or
     * a removed password ends the rights of connections already open. Answers true when it just signed
     * the connection out.
     */
    boolean recheck(dev.kvstore.store.auth.Users current) {
        if (signedInAgainst == null || signedInAgainst == current || signIn == null) {
            return false;
        }
        if (current.stillHolds(signIn)) {
            signedInAgainst = current;
            return false;
        }
        user = unauthenticated;
        signIn = null;
        signedInAgainst = null;
        return true;
    }

    public long id() {
        return id;
    }

    public String address() {
        return address;
    }

    public long connectedAtMillis() {
        return connectedAtMillis;
    }

    public int protocol() {
        return protocol;
    }

    void protocol(int version) {
        protocol = version;
    }

    public String name() {
        return name;
    }

    void name(String clientName) {
        name = clientName;
    }

    String libraryName() {
        return libraryName;
    }

    void libraryName(String value) {
        libraryName = value;
    }

    String libraryVersion() {
        return libraryVersion;
    }

    void libraryVersion(String value) {
        libraryVersion = value;
    }

    /** The log offset of this connection's last acknowledged write: what WAIT waits for. */
    long lastWriteOffset() {
        return lastWriteOffset;
    }

    void wrote(long offset) {
        lastWriteOffset = Math.max(lastWriteOffset, offset);
    }

    /** QUIT: answer what was asked before, then close. */
    boolean closing() {
        return closing;
    }

    void closeAfterReplies() {
        closing = true;
    }

    Transaction transaction() {
        return transaction;
    }

    void beginTransaction() {
        transaction = new Transaction();
    }

    /** Ends the transaction (EXEC, DISCARD) and forgets the watched keys; answers it, or null when none. */
    Transaction endTransaction() {
        Transaction ended = transaction;
        transaction = null;
        watched.clear();
        return ended;
    }

    java.util.Map<String, dev.kvstore.store.node.KeyView.Watch> watched() {
        return watched;
    }

    /** RESET: back to a fresh connection's state (the id stays, as in Redis). */
    void reset() {
        user = unauthenticated; // as in Redis: RESET signs the connection out
        signIn = null;
        signedInAgainst = null;
        protocol = 2;
        name = null;
        endTransaction();
    }
}
