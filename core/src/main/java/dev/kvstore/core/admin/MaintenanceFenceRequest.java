package dev.kvstore.core.admin;

/** Body of maintenance-fence: whether the store is to be fenced for maintenance ({@code true}) or released. */
public record MaintenanceFenceRequest(boolean fenced) {
}
