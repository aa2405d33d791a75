package dev.kvstore.operator.reconcile;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * What a larger {@code spec.storage.size} asks of the cluster's volumes, decided from what is there (no I/O).
 *
 * <p>A StatefulSet's volume claim template cannot change in place: the API server refuses the whole update, and with
 * it every other change of the StatefulSet (an image, a setting). So growing the volumes takes two moves, the ones
 * Kubernetes documents for it ({@code kubectl delete statefulset --cascade=orphan}): each claim is grown in place
 * where its StorageClass allows expansion, and the StatefulSet is made anew with the new template while its pods keep
 * running (orphaned, then adopted by the new one; its revision is the same, so no store restarts). A claim never
 * shrinks (the API server refuses it; the CRD refuses a smaller size).
 */
final class VolumeResize {

    /** True once every claim of the cluster has at least {@code spec.storage.size}. */
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

    /**
     * @param grow                the claims to ask for the new size
     * @param recreateStatefulSet delete the StatefulSet, leaving its pods, so that the next pass makes it with the
     *                            new template
     * @param holdStatefulSet     do not apply the StatefulSet this pass (it is being deleted for that): an apply now
     *                            would change the object on its way out
     */
    record Plan(List<String> grow, boolean recreateStatefulSet, boolean holdStatefulSet, boolean sized, String reason,
                String message) {
    }

    private VolumeResize() {
    }

    /**
     * @param wantedBytes    {@code spec.storage.size} in bytes
     * @param wanted         the same as written in the spec, for the messages
     * @param templateBytes  the running StatefulSet's claim template size, null when there is no StatefulSet
     * @param deleting       the running StatefulSet is being deleted
     * @param expansion      by StorageClass name (null: the claim names none)
     */
    static Plan plan(long wantedBytes, String wanted, Long templateBytes, boolean deleting, List<Claim> claims,
                     Function<String, Expansion> expansion) {
        boolean recreate = templateBytes != null && templateBytes != wantedBytes && !deleting;
        boolean hold = deleting || recreate;
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
        String template = recreate ? "; the StatefulSet is made anew with volumes of " + wanted
                + " for stores made from now on (its pods keep running)" : deleting
                ? "; the StatefulSet is being made anew with volumes of " + wanted + " (its pods keep running)" : "";
        if (!notAllowed.isEmpty()) {
            return new Plan(grow, recreate, hold, false, "ExpansionNotAllowed", "StorageClass " + notAllowedClass
                    + " does not allow volume expansion (allowVolumeExpansion): " + String.join(", ", notAllowed)
                    + " keep their size while spec.storage.size is " + wanted + template + ". To grow a store's "
                    + "volume, replace it, one store at a time and a secondary first: delete its claim and its pod; it "
                    + "comes back with a new volume of " + wanted + " and catches up from the primary"
                    + (growing.isEmpty() ? "" : "; growing: " + String.join(", ", growing)));
        }
        if (!growing.isEmpty() || !unbound.isEmpty()) {
            List<String> parts = new ArrayList<>();
            if (!growing.isEmpty()) {
                parts.add("waiting for the storage to grow " + String.join(", ", growing) + " to " + wanted);
            }
            if (!unbound.isEmpty()) {
                parts.add(String.join(", ", unbound) + " grown once bound");
            }
            return new Plan(grow, recreate, hold, false, "Expanding", String.join("; ", parts) + template);
        }
        return new Plan(grow, recreate, hold, true, "AsSpecified", "every volume claim of the cluster has "
                + "spec.storage.size (" + wanted + ") or more" + template);
    }
}
