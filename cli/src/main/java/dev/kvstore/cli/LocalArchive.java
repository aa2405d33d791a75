package dev.kvstore.cli;

import dev.kvstore.backup.BackupStorage;
import dev.kvstore.backup.LogArchiver;
import dev.kvstore.core.admin.AdminClient;
import dev.kvstore.core.admin.NodeStatus;
import java.io.IOException;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kv archive}: keeps a local cluster's log archived beside its backups (as PostgreSQL's
 * {@code pg_receivewal} does its WAL), so that {@code kv local --restore-to} can restore to any point after a
 * backup. Runs until stopped, or for {@code --for} seconds.
 */
@Command(name = "archive", description = "Archive the local cluster's committed log continuously into a directory or "
        + "s3://bucket/prefix, beside the backups kv backup writes there: with a backup before it, kv local "
        + "--restore-from <location> --restore-to <time or epoch:offset> restores to any point the archive reaches.")
final class LocalArchive implements Callable<Integer> {

    @CommandLine.Mixin
    KvCli.ClusterOptions cluster;

    @Option(names = "--to", required = true, description = "where the archive goes: a directory, or s3://bucket/prefix "
            + "(the location of the backups)")
    String to;

    @CommandLine.Mixin
    KvCli.S3Options s3;

    @Option(names = "--every-ms", defaultValue = "1000", description = "how often the primary is asked for what it "
            + "committed since (default ${DEFAULT-VALUE}): a write is archived within about this long")
    long everyMillis;

    @Option(names = "--for", description = "stop after this many seconds (default: run until Ctrl-C)")
    Integer seconds;

    @Override
    public Integer call() throws Exception {
        cluster.requireLocal(this, "archive takes a local cluster's log (--dir)");
        if (everyMillis < 10) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--every-ms must be 10 or more");
        }
        AdminClient admin = cluster.admin();
        Map<String, String> adminUrls = cluster.adminUrls();
        long stopAt = seconds == null ? Long.MAX_VALUE : System.nanoTime() + seconds * 1_000_000_000L;
        try (BackupStorage storage = BackupStorage.at(to, s3.endpoint, s3.region)) {
            // the cluster's directory names it: another local cluster's archive there is not written to
            LogArchiver archiver = new LogArchiver(storage, "local:" + cluster.dir.toAbsolutePath().normalize());
            KvCli.say("archiving the log of " + cluster.dir + " into " + storage.describe("") + " every " + everyMillis
                    + " ms");
            String lastComplaint = null;
            long nextPrune = System.nanoTime();
            while (System.nanoTime() < stopAt) {
                String complaint = null;
                Optional<String> primary = primary(admin, adminUrls);
                if (primary.isEmpty()) {
                    complaint = "no store answers as primary; waiting";
                } else {
                    try {
                        LogArchiver.Round round = archiver.archive(admin, adminUrls.get(primary.get()));
                        if (round.trouble() != null) {
                            KvCli.say(round.trouble());
                        }
                        if (System.nanoTime() - nextPrune >= 0) {
                            // what no backup there needs any more (older than the oldest backup), every 5 minutes
                            nextPrune = System.nanoTime() + 300_000_000_000L;
                            int pruned = archiver.prune();
                            if (pruned > 0) {
                                KvCli.say("deleted " + pruned + " archived segments older than the oldest backup");
                            }
                        }
                        if (round.segmentsWritten() > 0) {
                            KvCli.say("archived up to offset " + round.last() + (round.throughMillis() == 0 ? ""
                                    : ", complete through " + Instant.ofEpochMilli(round.throughMillis())));
                        }
                    } catch (IOException | RuntimeException refused) {
                        complaint = "archiving from the primary " + primary.get() + " failed: " + refused.getMessage();
                    }
                }
                if (complaint != null && !complaint.equals(lastComplaint)) {
                    KvCli.say(complaint);
                }
                lastComplaint = complaint;
                Thread.sleep(everyMillis);
            }
        }
        return 0;
    }

    /** The store that answers as primary, of the highest epoch (one deposed and not yet told answers too). */
    static Optional<String> primary(AdminClient admin, Map<String, String> adminUrls) {
        String best = null;
        long bestEpoch = -1;
        for (Map.Entry<String, String> store : adminUrls.entrySet()) {
            try {
                NodeStatus status = admin.status(store.getValue());
                if ("primary".equals(status.role()) && !status.fenced() && status.epoch() > bestEpoch) {
                    best = store.getKey();
                    bestEpoch = status.epoch();
                }
            } catch (IOException down) {
                // not answering: not the one to read from
            }
        }
        return Optional.ofNullable(best);
    }
}
