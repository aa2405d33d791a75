package dev.kvstore.operator.reconcile;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A gauge's value that a cluster's pass sets, read as NaN once no pass set it for a few minutes (the cluster was
 * deleted, and no pass says so), which no alert compares true.
 */
final class ReportedValue {

    static final long FORGOTTEN_AFTER_NANOS = TimeUnit.MINUTES.toNanos(10);

    private final LongSupplier nanoTime;
    private volatile double value;
    private volatile long setAtNanos;

    ReportedValue(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    void set(double value) {
        this.value = value;
        this.setAtNanos = nanoTime.getAsLong();
    }

    double read() {
        return nanoTime.getAsLong() - setAtNanos < FORGOTTEN_AFTER_NANOS ? value : Double.NaN;
    }
}
