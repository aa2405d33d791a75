package dev.kvstore.operator.reconcile;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * What a larger {@code spec.storage.size} asks of the cluster's volume claims, decided from what is there (no I/O).
 *
 * <p>A StatefulSet's volume claim template cannot change in place: the API server refuses the whole update, and with
 * it every other change of the StatefulSet (an image, a setting). So the StatefulSet keeps the claim size it was made
 * with, and the claims themselves grow: each bound claim below the size is asked for it where its StorageClass allows
 * expansion, a claim made later from the template (a scale-up, a volume made anew) as soon as it is bound. Deleting
 * the StatefulSet to make it anew with a new template (what {@code kubectl delete --cascade=orphan} is for) would leave
 * its pods without a controller for a while, and every decision that reads the running template without it: not worth
 * it for a template that only sizes claims the operator grows anyway. A claim never shrinks (the API server refuses
 * it; the CRD refuses a smaller size).
 */
final class VolumeResize {

    /** True once every claim of the cluster's stores has at least {@code spec.storage.size}. */
    static final String CONDITION = "VolumesSized";

    /** Whether a StorageClass lets a bound claim grow ({@code allowVolumeExpansion}). */
    enum Expansion { ALLOWED, NOT_ALLOWED, UNKNOWN }

    /**
     * One volume claim of the cluster as it stands.
     *
     * @param capacityBytes what the volume has (status.capacity), 0 before it is bound
     * @param pending       what the claim says of a resize under way (its conditions), or null
     */
    record Claim(String name, long requestedBytes, long capacityBytes, String storageClass, boolean bound, String pending) {
    }

    /** @param grow the claims to ask for the new size */
    record Plan(List<String> grow, boolean sized, String reason, String message) {
    }

    private VolumeResize() {
    }

    /**
     * @param wantedBytes {@code spec.storage.size} in bytes
     * @param wanted      the same as written in the spec, for the messages
     * @param claims      the claims of the cluster's stores (ordinals below {@code spec.replicas})
     * @param expansion   by StorageClass name (null: the claim names none)
     */
    static Plan plan(long wantedBytes, String wanted, List<Claim> claims, Function<String, Expansion> expansion) {
        List<String> grow = new ArrayList<>();
        List<String> notAllowed = new ArrayList<>();
        List<String> unbound = new ArrayList<>();
        List<String> growing = new ArrayList<>();
        String notAllowedClass = null;
        for (Claim claim : claims) {
            if (claim.requestedBytes() >= wantedBytes) {
                if (claim.bound() && claim.capacityBytes() < wantedBytes) {
                    growing.add(claim.name() + (claim.pending() == null ? "" : " (" + claim.pending() + ")"));
                }
            } else if (!claim.bound()) {
                // the API server lets only a bound claim grow; it is asked once bound
                unbound.add(claim.name());
            } else if (expansion.apply(claim.storageClass()) == Expansion.NOT_ALLOWED) {
                notAllowed.add(claim.name());
                notAllowedClass = claim.storageClass();
            } else {
                grow.add(claim.name());
                growing.add(claim.name());
            }
        }
        if (!notAllowed.isEmpty()) {
            return new Plan(grow, false, "ExpansionNotAllowed", "StorageClass " + notAllowedClass
                    + " does not allow volume expansion (allowVolumeExpansion): " + String.join(", ", notAllowed)
                    + " keep their size while spec.storage.size is " + wanted + "; to move the data to larger "
                    + "volumes, make a new cluster of that size, for example restored from a backup of this one"
                    + (growing.isEmpty() ? "" : "; growing: " + String.join(", ", growing)));
        }
        if (!growing.isEmpty() || !unbound.isEmpty()) {
            List<String> parts = new ArrayList<>();
            if (!growing.isEmpty()) {
                parts.add("waiting for the storage to grow " + String.join(", ", growing) + " to " + wanted);
            }
            if (!unbound.isEmpty()) {
                parts.add(String.join(", ", unbound) + " grown to " + wanted + " once bound");
            }
            return new Plan(grow, false, "Expanding", String.join("; ", parts));
        }
        return new Plan(grow, true, "AsSpecified", "every volume claim of the cluster's stores has spec.storage.size ("
                + wanted + ") or more");
    }
}
