package dev.kvstore.core;

/** The role a store was told to take. A store starts as NONE (read-only) and never picks a role itself. */
public enum Role {
    NONE, PRIMARY, SECONDARY;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
